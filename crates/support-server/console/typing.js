// "Someone is typing", without the DOM or timers: when the composer may tell the server again
// (at most every 3 s) and which other managers are typing on which ticket (for 5 s after their
// last `ticket.typing`). The clock is passed in (milliseconds), so tests need no waiting.
// Pure (no DOM, no i18n); unit tests: test/typing.test.js.

/** The least time between two `ticket.typing` frames we send (design17b §5). */
export const SEND_EVERY_MS = 3000;
/** How long a `ticket.typing` from another manager shows (design17b §5). */
export const SHOW_FOR_MS = 5000;

/** The frame that says the manager is typing on a ticket. */
export function typingFrame(ticketId) {
  return { type: 'ticket.typing', ticket_id: ticketId };
}

/** Throttles our own typing: one frame per ticket at most every `SEND_EVERY_MS`. */
export class TypingThrottle {
  constructor(every = SEND_EVERY_MS) {
    this.every = every;
    this.last = new Map();
  }

  /**
   * The composer of `ticketId` changed at `now`; `hasInput`: it has text. True when a frame is to
   * be sent now (then call `sent`), false when it is too soon or there is nothing typed.
   */
  due(ticketId, hasInput, now) {
    if (!hasInput) return false;
    const last = this.last.get(ticketId);
    return last === undefined || now - last >= this.every;
  }

  /** A frame went out at `now`. */
  sent(ticketId, now) {
    this.last.set(ticketId, now);
  }
}

/** Who is typing where: by ticket, the other managers and until when. */
export class TypingBoard {
  constructor(showFor = SHOW_FOR_MS) {
    this.showFor = showFor;
    /** ticket id → Map(manager id → { manager, until }). */
    this.tickets = new Map();
  }

  /**
   * A `ticket.typing` event arrived at `now`. Ignored (returns null) when it is ours (`meId`) or
   * malformed; else returns the ticket id whose typers changed.
   */
  seen(event, meId, now) {
    const ticketId = Number(event?.ticket_id);
    const manager = event?.manager;
    const id = Number(manager?.id);
    if (!Number.isSafeInteger(ticketId) || !manager || typeof manager !== 'object' || !Number.isSafeInteger(id)) return null;
    if (id === meId) return null;
    let typers = this.tickets.get(ticketId);
    if (!typers) this.tickets.set(ticketId, (typers = new Map()));
    typers.set(id, { manager, until: now + this.showFor });
    return ticketId;
  }

  /** The managers typing on a ticket at `now`, in the order they started. Forgets the expired. */
  typing(ticketId, now) {
    const typers = this.tickets.get(ticketId);
    if (!typers) return [];
    for (const [id, entry] of typers) if (entry.until <= now) typers.delete(id);
    if (!typers.size) this.tickets.delete(ticketId);
    return [...typers.values()].map((entry) => entry.manager);
  }

  /** The tickets someone is typing on at `now`. */
  activeTickets(now) {
    return [...this.tickets.keys()].filter((id) => this.typing(id, now).length > 0);
  }

  /** A manager's message arrived on a ticket: they stopped typing there. */
  stopped(ticketId, managerId) {
    const typers = this.tickets.get(ticketId);
    if (!typers) return false;
    const had = typers.delete(managerId);
    if (!typers.size) this.tickets.delete(ticketId);
    return had;
  }

  /** When the next entry expires after `now` (ms), or null when nobody is typing. */
  nextExpiry(now) {
    let next = null;
    for (const typers of this.tickets.values()) {
      for (const { until } of typers.values()) if (until > now && (next === null || until < next)) next = until;
    }
    return next;
  }
}
