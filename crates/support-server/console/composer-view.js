// The reply box: a textarea that grows with its text, Enter to send, a Send button enabled when
// there is something to send, and a hint line that shows the length near the limit, the uploads
// to wait for, or how replies are sent. Its two modes, Reply and Note (a private note: another
// colour, "Only your team sees notes", up to 10,000 characters). (Attaching files is
// attach-view.js; notes are posted by notes-controller.js.)

import { byId, icon } from './dom.js';
import { t } from './i18n.js';
import { MAX_NOTE } from './notes.js';

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
      modes: byId('composer-modes'),
      modeReply: byId('mode-reply'),
      modeNote: byId('mode-note'),
    };
    /** `reply` or `note`. */
    this.mode = 'reply';
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

  /** Events: `input(value)` (every edit), `submit(text)` (trimmed), `mode(mode)` (a mode button). */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'input':
        el.reply.addEventListener('input', () => handler(el.reply.value));
        break;
      case 'mode':
        el.modeReply.addEventListener('click', () => handler('reply'));
        el.modeNote.addEventListener('click', () => handler('note'));
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
  render({ enabled, live, canSend = true, uploading = false, mode = 'reply', replyAllowed = true }) {
    const el = this.el;
    this.mode = mode;
    const note = mode === 'note';
    el.form.hidden = !enabled;
    el.form.classList.toggle('is-note', note);
    el.reply.disabled = !enabled;
    el.send.disabled = !enabled || !canSend;
    el.modeReply.setAttribute('aria-pressed', String(!note));
    el.modeNote.setAttribute('aria-pressed', String(note));
    el.modeReply.disabled = !replyAllowed;
    el.modeReply.title = replyAllowed ? '' : t('note.replyOnlyHolder');
    el.reply.maxLength = note ? MAX_NOTE : MAX_TEXT;
    el.reply.placeholder = note ? t('note.placeholder') : t('chat.placeholder');
    el.send.setAttribute('aria-label', note ? t('note.send') : t('chat.send'));
    el.send.title = note ? t('note.send') : t('chat.send');
    const length = [...el.reply.value].length;
    const max = note ? MAX_NOTE : MAX_TEXT;
    if (length > max - 200) {
      el.hint.textContent = t(note ? 'note.tooLong' : 'chat.tooLong', { n: length });
      el.hint.classList.toggle('is-error', length > max);
    } else if (note) {
      el.hint.textContent = t('note.hint');
      el.hint.classList.remove('is-error');
    } else if (uploading) {
      el.hint.textContent = t('upload.wait');
      el.hint.classList.remove('is-error');
    } else {
      el.hint.textContent = live ? t('chat.hint') : t('chat.hintOffline');
      el.hint.classList.remove('is-error');
    }
  }
}
