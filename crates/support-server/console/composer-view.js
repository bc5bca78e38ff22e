// The reply box: a textarea that grows with its text, Enter to send, a Send button enabled when
// there is something to send, and a hint line that shows the length near the limit, the uploads
// to wait for, or how replies are sent. (Attaching files is attach-view.js.)

import { byId, icon } from './dom.js';
import { t } from './i18n.js';

/** The longest reply, in characters (code points), as the server checks it. */
export const MAX_TEXT = 4096;

/** Whether a reply is over the limit. */
export function tooLong(text) {
  return [...text].length > MAX_TEXT;
}

export class ComposerView {
  constructor() {
    this.el = {
      form: byId('composer'),
      reply: byId('reply'),
      send: byId('send'),
      hint: byId('composer-hint'),
    };
    this.el.send.append(icon('send', 20));
    this.el.reply.addEventListener('input', () => this.autoGrow());
    this.el.reply.addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter is a new line; an IME composition's Enter is not a send.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.el.form.requestSubmit();
      }
    });
  }

  /** Events: `input(value)` (every edit), `submit(text)` (trimmed). */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'input':
        el.reply.addEventListener('input', () => handler(el.reply.value));
        break;
      case 'submit':
        el.form.addEventListener('submit', (e) => {
          e.preventDefault();
          handler(el.reply.value.trim());
        });
        break;
      default:
        throw new Error(`ComposerView: no event ${event}`);
    }
  }

  get visible() {
    return !this.el.form.hidden;
  }

  /** The text typed (as it is, not trimmed). */
  get text() {
    return this.el.reply.value;
  }

  /** Replaces the text (a draft, or '' after sending). */
  setText(text) {
    this.el.reply.value = text;
    this.autoGrow();
  }

  focus() {
    this.el.reply.focus();
  }

  autoGrow() {
    this.el.reply.style.height = 'auto';
    this.el.reply.style.height = `${Math.min(this.el.reply.scrollHeight, 200)}px`;
  }

  /**
   * Shown only when the manager may reply; Send works when there is something to send (`canSend`:
   * text, or finished uploads and none running); the hint counts characters near the limit, or
   * asks to wait while files upload (`uploading`).
   */
  render({ enabled, live, canSend = true, uploading = false }) {
    const el = this.el;
    el.form.hidden = !enabled;
    el.reply.disabled = !enabled;
    el.send.disabled = !enabled || !canSend;
    const length = [...el.reply.value].length;
    if (length > MAX_TEXT - 200) {
      el.hint.textContent = t('chat.tooLong', { n: length });
      el.hint.classList.toggle('is-error', length > MAX_TEXT);
    } else if (uploading) {
      el.hint.textContent = t('upload.wait');
      el.hint.classList.remove('is-error');
    } else {
      el.hint.textContent = live ? t('chat.hint') : t('chat.hintOffline');
      el.hint.classList.remove('is-error');
    }
  }
}
