// The controller of internal notes: the open ticket's notes loaded with it (and again after a
// reload), `ticket.note.new` events drawn live, the composer's Reply / Note mode, and posting a
// note over REST. Notes go to managers only, never to the bot (design17b §4).

import { ApiError } from './api.js';
import { t } from './i18n.js';
import { NoteList, noteTooLong } from './notes.js';
import { errorText } from './templates.js';

export class NotesController {
  /**
   * `app`: `state`, `api`, `views` (`shell`, `chat`, `composer`), `renderComposer()` (the chat
   * controller's, set once it exists).
   */
  constructor(app) {
    this.app = app;
    this.state = app.state;
    this.api = app.api;
    this.view = app.views.chat;
    this.composer = app.views.composer;
    this.shell = app.views.shell;
    /** The open ticket's notes, or null. */
    this.list = null;
    /** The composer's mode: `reply` or `note`. */
    this.mode = 'reply';
    /**
     * The mode by ticket id, kept with the draft: a note half written on one ticket must still
     * be a note when the manager comes back, never a reply to the user.
     */
    this.modes = new Map();
    /** A note is being posted. */
    this.busy = false;
    this.composer.bind('mode', (mode) => this.setMode(mode));
    this.view.bind('note', () => this.setMode('note'));
  }

  /** Whether the composer writes a note now. */
  get noteMode() {
    return this.mode === 'note';
  }

  /**
   * What the composer is for a ticket: `{ enabled, mode, replyAllowed }`. One who may reply picks
   * the mode; anyone else gets the composer only after asking for a note (the header's button).
   */
  composerFor(canReply, ticket) {
    const note = this.mode === 'note' && Boolean(ticket);
    return { enabled: canReply || note, mode: note ? 'note' : 'reply', replyAllowed: canReply };
  }

  setMode(mode) {
    this.mode = mode === 'note' ? 'note' : 'reply';
    if (this.state.chat) this.modes.set(this.state.chat.id, this.mode);
    this.app.renderComposer();
    this.composer.focus();
  }

  /** A chat opened or closed: its notes (none yet), the composer in the mode it had there. */
  chatChanged() {
    const chat = this.state.chat;
    this.mode = (chat && this.modes.get(chat.id)) || 'reply';
    this.list = chat ? new NoteList(chat.id) : null;
    this.view.setNotes(this.list);
    if (this.list) this.load();
  }

  /** Loads the open ticket's notes (again: what is known stays, what is new is drawn). */
  async load() {
    const list = this.list;
    if (!list || list.loading) return;
    list.loading = true;
    try {
      const notes = await this.api.notes(list.ticketId);
      list.error = null;
      if (this.list === list) this.draw(list.add(notes));
    } catch (err) {
      list.error = err;
      // A server without notes (404/405) is not an error worth a toast.
      const missing = err instanceof ApiError && [404, 405].includes(err.status);
      if (this.list === list && !missing) this.shell.toast(t('note.loadError', { detail: errorText(err) }), 'error');
    } finally {
      list.loading = false;
    }
  }

  /** Draws notes new to the open chat; keeps the pane at the bottom when it was there. */
  draw(added, { scroll = false } = {}) {
    const chat = this.state.chat;
    if (!chat || !added.length) return;
    const wasNear = this.view.insertNotes(chat, added, { me: this.state.me });
    this.view.renderHistory(chat);
    if (wasNear || scroll) this.view.scrollToBottom();
  }

  /** A `ticket.note.new` event (or our own note's answer). */
  noteNew(note, { own = false } = {}) {
    if (!this.list || Number(note?.ticket) !== this.list.ticketId) return;
    this.draw(this.list.add([note]), { scroll: own });
  }

  /** Posts the note typed; the composer empties once the server has it. */
  async submit(text) {
    const chat = this.state.chat;
    if (!chat || !text || this.busy) return;
    if (noteTooLong(text)) {
      this.app.renderComposer();
      return;
    }
    this.busy = true;
    this.app.renderComposer();
    try {
      const note = await this.api.addNote(chat.id, text);
      if (this.state.chat === chat) {
        this.composer.setText('');
        this.state.setDraft(chat.id, '');
        this.noteNew(note, { own: true });
      }
    } catch (err) {
      this.shell.toast(t('note.failed', { detail: errorText(err) }), 'error');
    } finally {
      this.busy = false;
      this.app.renderComposer();
    }
  }

  /** Draws every note again (after a language switch the chat view redraws the list itself). */
  reload() {
    if (this.list) this.load();
  }
}
