// The controller of the contact panel: opening and closing it, loading the user's tickets
// (`GET tickets/?user_id=N&limit=20`) for the open chat, and drawing it again when the ticket or
// its user changes. The panel stays open from one chat to the next on desktop; on a phone it is
// an overlay, closed when another chat opens (one of the user's tickets was clicked).

/** How many of a user's tickets the panel lists. */
export const HISTORY_LIMIT = 20;

export class ContactController {
  /** `app`: `state`, `api`, `views.contact`, `views.chat` (for `narrow`). */
  constructor(app) {
    this.state = app.state;
    this.api = app.api;
    this.view = app.views.contact;
    this.chatView = app.views.chat;
    /** The manager wants the panel (desktop: kept across chats). */
    this.wanted = false;
    /** The user's tickets: whose (`telegramId`), and `loading`, `error`, `items` (newest first). */
    this.history = { telegramId: null, loading: false, error: null, items: [] };
    this.run = 0;

    this.view.bind('toggle', () => (this.view.open ? this.hide(true) : this.show(true)));
    this.view.bind('close', () => this.hide(true));
  }

  show(focus = false) {
    this.wanted = true;
    this.view.setOpen(true, { focus: focus && this.chatView.narrow });
    this.refresh();
  }

  hide(focus = false) {
    this.wanted = false;
    this.view.setOpen(false, { focus });
  }

  /** Another chat opened (or none is): on a phone the overlay goes; on desktop it follows. */
  chatChanged() {
    if (!this.state.chat || this.chatView.narrow) {
      if (this.chatView.narrow) this.wanted = false;
      this.view.setOpen(false);
      return;
    }
    this.view.setOpen(this.wanted);
    this.refresh();
  }

  /** The user's tickets loaded again when the panel shows a ticket (`load` draws it), else drawn. */
  refresh() {
    if (this.view.open && this.state.openTicket()?.user) this.load();
    else this.render();
  }

  /** The open ticket or its user changed (or became known): the toggle and the panel again. */
  render() {
    const ticket = this.state.openTicket();
    this.view.setAvailable(Boolean(ticket?.user));
    if (!this.view.open) return;
    // The ticket became known after the panel opened: its user's tickets now.
    const telegramId = Number(ticket?.user?.telegram_id);
    if (Number.isFinite(telegramId) && telegramId !== this.history.telegramId) {
      this.load();
      return;
    }
    this.view.render({
      ticket,
      me: this.state.me,
      history: this.history,
      known: (id) => this.state.tickets.get(id) ?? null,
    });
  }

  /** A new ticket: when it is the shown user's, their tickets again. */
  ticketCreated(ticket) {
    if (this.view.open && Number(ticket?.user?.telegram_id) === this.history.telegramId) this.load();
  }

  /** Loads the open ticket's user's tickets; the ones shown stay until the answer when it is the same user. */
  async load() {
    const ticket = this.state.openTicket();
    const telegramId = Number(ticket?.user?.telegram_id);
    if (!ticket || !Number.isFinite(telegramId)) return;
    const run = ++this.run;
    const same = this.history.telegramId === telegramId;
    this.history = { telegramId, loading: true, error: null, items: same ? this.history.items : [] };
    this.render();
    try {
      const page = await this.api.userTickets(telegramId, HISTORY_LIMIT);
      if (run !== this.run) return;
      const items = page.results.filter((t) => t && typeof t.id === 'number').sort((a, b) => b.id - a.id);
      this.history = { telegramId, loading: false, error: null, items };
    } catch (err) {
      if (run !== this.run) return;
      this.history = { ...this.history, loading: false, error: err };
    }
    this.render();
  }
}
