// The keyboard help: a modal dialog listing every shortcut (shortcuts.js) in the manager's
// language. Focus stays inside while it is open (Tab wraps around) and goes back where it was
// when it closes (Escape, the close button, or a click on the backdrop).

import { byId, h, icon } from './dom.js';
import { t } from './i18n.js';
import { SHORTCUTS } from './shortcuts.js';

function keyLabel(key) {
  if (key === 'Enter') return t('keys.enterKey');
  if (key === 'Escape') return t('keys.escapeKey');
  return key;
}

export class HelpOverlay {
  constructor() {
    this.el = {
      dialog: byId('help'),
      list: byId('help-list'),
      close: byId('help-close'),
    };
    this.el.close.append(icon('close', 18));
    this.el.close.addEventListener('click', () => this.close());
    this.el.dialog.addEventListener('click', (e) => {
      if (e.target === this.el.dialog) this.close();
    });
    this.el.dialog.addEventListener('keydown', (e) => this.trap(e));
    this.el.dialog.addEventListener('close', () => {
      if (this.opener && this.opener.isConnected) this.opener.focus();
      this.opener = null;
    });
    this.opener = null;
  }

  get isOpen() {
    return this.el.dialog.open;
  }

  open() {
    if (this.isOpen) return;
    this.render();
    this.opener = document.activeElement;
    this.el.dialog.showModal();
    this.el.close.focus();
  }

  close() {
    if (this.isOpen) this.el.dialog.close();
  }

  /** The shortcut rows, in the current language. */
  render() {
    this.el.list.replaceChildren(
      ...SHORTCUTS.map((s) =>
        h(
          'div',
          { class: 'help-row' },
          h('dt', {}, ...s.keys.flatMap((key, i) => [i ? ` ${t('keys.or')} ` : null, h('kbd', { text: keyLabel(key) })])),
          h('dd', { text: t(s.label) }),
        ),
      ),
    );
  }

  /** Tab and Shift+Tab wrap around inside the dialog. */
  trap(e) {
    if (e.key !== 'Tab') return;
    const focusable = [...this.el.dialog.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter(
      (el) => !el.disabled && !el.hidden,
    );
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }
}
