// "Boris is typing…": the line under the open chat, and a small "typing…" in the rows of the
// ticket lists where another manager types.

import { byId, h } from './dom.js';
import { t } from './i18n.js';

/** The line's text for the names of those typing ('' when nobody is). */
export function typingText(names) {
  if (!names.length) return '';
  if (names.length === 1) return t('typing.one', { name: names[0] });
  if (names.length === 2) return t('typing.two', { a: names[0], b: names[1] });
  return t('typing.many');
}

export class TypingView {
  constructor() {
    this.el = { line: byId('typing-line'), list: byId('ticket-list') };
  }

  /** The line under the open chat. */
  render(names) {
    const text = typingText(names);
    this.el.line.textContent = text;
    this.el.line.hidden = !text;
  }

  /** Marks the list rows of the tickets others type on (`ids`), and only those. */
  decorate(ids) {
    for (const row of this.el.list.querySelectorAll('.ticket-item')) {
      const typing = ids.has(Number(row.dataset.id));
      const mark = row.querySelector('.ti-typing');
      if (typing && !mark) row.querySelector('.ti-meta')?.append(h('span', { class: 'ti-typing', text: t('typing.short') }));
      else if (!typing && mark) mark.remove();
    }
  }
}
