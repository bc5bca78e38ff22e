// The canned replies picker of the composer: `/` at the start of the reply or after a space opens
// a list of the team's canned replies above the reply box, filtered by what follows the slash;
// ↑/↓ choose, Enter (or Tab, or a click) inserts the reply with its variables filled, Escape
// closes. What matches and what is inserted is canned.js's; this is the list and the keys.

import { byId, h } from './dom.js';
import { t } from './i18n.js';
import { fillVariables, filterCanned, insertCanned, slashQuery } from './canned.js';

/** At most this many replies are listed (the filter narrows the rest). */
const SHOWN = 8;

export class CannedPicker {
  /** `replies()`: the canned replies; `values()`: the variables of the open ticket and manager. */
  constructor({ replies, values }) {
    this.replies = replies;
    this.values = values;
    this.el = { form: byId('composer'), reply: byId('reply'), list: byId('canned-picker') };
    this.matches = [];
    this.active = 0;
    this.search = null;
    /** The index of the slash whose picker Escape closed: it stays closed for that word. */
    this.dismissed = null;
    this.inserting = false;
    const { form, reply, list } = this.el;
    reply.setAttribute('aria-controls', 'canned-picker');
    reply.setAttribute('aria-autocomplete', 'list');
    reply.addEventListener('input', () => this.update());
    reply.addEventListener('click', () => this.update());
    reply.addEventListener('blur', () => this.close());
    // Capture, so the composer's own Enter (send) and the chat's Escape (back) never see a key
    // the picker used.
    form.addEventListener('keydown', (e) => this.key(e), true);
    // Keep the focus in the reply box while an option is clicked.
    list.addEventListener('mousedown', (e) => e.preventDefault());
  }

  get isOpen() {
    return !this.el.list.hidden;
  }

  /** Opens, filters or closes the list after an edit or a caret move. */
  update() {
    if (this.inserting) return;
    const { reply } = this.el;
    const search = reply.selectionStart === reply.selectionEnd ? slashQuery(reply.value, reply.selectionStart) : null;
    if (!search) this.dismissed = null;
    if (!search || search.start === this.dismissed) {
      this.close();
      return;
    }
    const queryChanged = !this.search || this.search.query !== search.query;
    this.search = search;
    this.matches = filterCanned(this.replies(), search.query).slice(0, SHOWN);
    if (queryChanged || this.active >= this.matches.length) this.active = 0;
    this.render();
  }

  /** The list again, e.g. after the replies changed. */
  refresh() {
    if (this.isOpen) this.update();
  }

  render() {
    const { list, reply } = this.el;
    const replies = this.replies();
    let items;
    if (!replies.length) items = [h('li', { class: 'canned-empty', text: t('canned.empty') })];
    else if (!this.matches.length) items = [h('li', { class: 'canned-empty', text: t('canned.noMatch', { query: this.search.query }) })];
    else {
      items = this.matches.map((r, i) =>
        h(
          'li',
          {
            id: `canned-option-${i}`,
            class: 'canned-option',
            role: 'option',
            'aria-selected': String(i === this.active),
            dataset: { id: String(r.id) },
            on: { click: () => this.insert(i) },
          },
          h('span', { class: 'canned-option-title', dir: 'auto', text: r.title }),
          h('span', { class: 'canned-option-text', dir: 'auto', text: r.text }),
        ),
      );
    }
    list.replaceChildren(...items, h('li', { class: 'canned-keys', 'aria-hidden': 'true', text: t('canned.pickerHint') }));
    list.hidden = false;
    reply.setAttribute('aria-expanded', 'true');
    if (this.matches.length) reply.setAttribute('aria-activedescendant', `canned-option-${this.active}`);
    else reply.removeAttribute('aria-activedescendant');
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  close() {
    const { list, reply } = this.el;
    if (list.hidden) return;
    list.hidden = true;
    list.replaceChildren();
    this.search = null;
    reply.setAttribute('aria-expanded', 'false');
    reply.removeAttribute('aria-activedescendant');
  }

  key(e) {
    if (!this.isOpen || e.isComposing) return;
    const n = this.matches.length;
    let used = true;
    if (e.key === 'ArrowDown' && n) this.active = (this.active + 1) % n;
    else if (e.key === 'ArrowUp' && n) this.active = (this.active - 1 + n) % n;
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && n) {
      this.insert(this.active);
      used = 'inserted';
    } else if (e.key === 'Escape') {
      this.dismissed = this.search?.start ?? null;
      this.close();
      used = 'closed';
    } else used = false;
    if (!used) return;
    e.preventDefault();
    e.stopPropagation();
    if (used === true) this.render();
  }

  /** Replaces the `/query` with the chosen reply, its variables filled. */
  insert(index) {
    const reply = this.matches[index];
    const search = this.search;
    if (!reply || !search) return;
    const el = this.el.reply;
    const caret = search.start + 1 + search.query.length;
    const filled = fillVariables(reply.text, this.values());
    const next = insertCanned(el.value, caret, search, filled);
    this.close();
    el.value = next.value;
    el.setSelectionRange(next.caret, next.caret);
    // The composer, the draft and typing hear of it as of any edit.
    this.inserting = true;
    try {
      el.dispatchEvent(new Event('input', { bubbles: true }));
    } finally {
      this.inserting = false;
    }
    el.focus();
  }
}
