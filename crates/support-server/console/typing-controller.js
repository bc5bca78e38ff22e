// The controller of typing (design17b §5): while the reply box has text, a `ticket.typing` frame
// over the manager websocket at most every 3 s (replies only: typing a note must not make the
// bot show "typing" to the user); other managers' `ticket.typing` events shown for 5 s, in the
// open chat and in the list rows.

import { managerName } from './templates.js';
import { TypingBoard, TypingThrottle, typingFrame } from './typing.js';

export class TypingController {
  /**
   * `app`: `state`, `views` (`composer`, `typing`), `socket()` (the manager socket or null),
   * `notes` (to know the composer's mode); `now()` for tests.
   */
  constructor(app, now = () => Date.now()) {
    this.app = app;
    this.state = app.state;
    this.view = app.views.typing;
    this.now = now;
    this.throttle = new TypingThrottle();
    this.board = new TypingBoard();
    this.timer = null;
    app.views.composer.bind('input', (value) => this.typed(value));
  }

  /** The reply box changed: tell the others, at most every 3 s. */
  typed(value) {
    const chat = this.state.chat;
    const socket = this.app.socket();
    if (!chat || this.app.notes?.noteMode || !socket || !socket.isOpen) return;
    const now = this.now();
    if (!this.throttle.due(chat.id, value.trim() !== '', now)) return;
    if (socket.send(typingFrame(chat.id))) this.throttle.sent(chat.id, now);
  }

  /** A `ticket.typing` event (ours is ignored). */
  seen(event) {
    if (this.board.seen(event, this.state.me?.id, this.now()) !== null) this.render();
  }

  /** A message arrived: its author stopped typing there. */
  messageNew(message) {
    if (message?.sender === 'supp' && message.manager && this.board.stopped(Number(message.ticket), Number(message.manager.id))) {
      this.render();
    }
  }

  /** The line under the open chat and the list rows; again when the next one expires. */
  render() {
    const now = this.now();
    const chat = this.state.chat;
    const typers = chat ? this.board.typing(chat.id, now) : [];
    this.view.render(typers.map((m) => managerName(m, this.state.me)));
    this.view.decorate(new Set(this.board.activeTickets(now)));
    clearTimeout(this.timer);
    const next = this.board.nextExpiry(now);
    this.timer = next === null ? null : setTimeout(() => this.render(), next - now + 20);
  }

  /** Signed out. */
  forget() {
    this.board = new TypingBoard();
    this.throttle = new TypingThrottle();
    this.render();
  }
}
