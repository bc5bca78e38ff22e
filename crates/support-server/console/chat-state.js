// The state of the open chat: its messages in id order, history paging, the replies the server
// has not echoed yet, and what its buttons are busy with. Pure like state.js, which holds one as
// `state.chat`; a controller that awaited something checks `state.chat === chat` before using it.

import { deliveryOf, takeDelivery } from './delivery.js';

/** Messages per history page. */
export const MESSAGE_PAGE = 30;

/**
 * The websocket frame that sends a pending reply: its text, and its uploaded attachments by id
 * (no `attachments` key at all for a text-only reply, as before attachments existed).
 */
export function replyFrame(pending) {
  const frame = { type: 'ticket.message.new', ticket_id: pending.ticketId, text: pending.text };
  const attachments = pending.attachments || [];
  if (attachments.length) frame.attachments = attachments.map((a) => ({ upload: a.id }));
  return frame;
}

/** How many attachments a message or a pending reply carries. */
function attachmentCount(m) {
  return Array.isArray(m.attachments) ? m.attachments.length : 0;
}

export class Chat {
  constructor(id) {
    this.id = id;
    /** The messages shown, oldest first. */
    this.messages = [];
    this.byId = new Map();
    this.hasMore = false;
    this.loading = false;
    this.loadingOlder = false;
    /** Why the ticket or its messages could not be loaded (an error object), or null. */
    this.error = null;
    /** Replies typed here that the server has not echoed yet. */
    this.pending = [];
    this.busy = { assign: false, resolve: false };
    /** Ids of failed replies whose retry request is on its way. */
    this.retrying = new Set();
  }

  /**
   * Adds messages (any order), skipping ones it has (a repeat may only turn `viewed` on, and bring
   * a newer delivery). Returns `{ added, settled, changed }`: the new messages in the order given,
   * the pending replies they turned out to be the echo of (removed), and the messages we had whose
   * delivery changed or that are now viewed.
   */
  addMessages(messages) {
    const added = [];
    const settled = [];
    const changed = [];
    for (const message of messages) {
      if (!message || message.ticket !== this.id) continue;
      const had = this.byId.get(message.id);
      if (had) {
        // A repeat may only turn `viewed` on (the "New" mark goes) and bring a newer delivery.
        const seen = message.viewed === true && !had.viewed;
        if (seen) had.viewed = true;
        if ((takeDelivery(had, message) || seen) && !changed.includes(had)) changed.push(had);
        continue;
      }
      this.byId.set(message.id, message);
      added.push(message);
      const echoed = this.settle(message);
      if (echoed) settled.push(echoed);
    }
    this.messages = [...this.byId.values()].sort((a, b) => a.id - b.id);
    return { added, settled, changed };
  }

  /**
   * A reply's delivery changed (`ticket.message.delivery`): takes it into the message we show.
   * Returns that message when what it shows changed, else null (unknown here, or not newer).
   */
  deliveryChanged(message) {
    const had = message && message.ticket === this.id ? this.byId.get(message.id) : null;
    if (!had || !takeDelivery(had, message)) return null;
    if (deliveryOf(had).state !== 'failed') this.retrying.delete(had.id);
    return had;
  }

  // ---- History paging (offsets count from the newest message) ------------------------------------

  /** Loading the newest page starts; returns whether the chat was empty (its first load). */
  beginNewest() {
    this.loading = true;
    return this.messages.length === 0;
  }

  /** The newest page arrived: what `addMessages` returns, plus the replies anywhere in it settles. */
  newestArrived(page, first) {
    this.error = null;
    this.loading = false;
    const change = this.addMessages(page.results);
    if (first) this.hasMore = Boolean(page.next);
    for (const message of page.results) {
      const echoed = this.settle(message);
      if (echoed) change.settled.push(echoed);
    }
    return change;
  }

  newestFailed(error) {
    this.error = error;
    this.loading = false;
  }

  /** Starts loading older messages: the offset of that page, or null when there is none to load. */
  beginOlder() {
    if (this.loadingOlder || !this.hasMore) return null;
    this.loadingOlder = true;
    return this.messages.length;
  }

  /** An older page arrived. A short or all-known page ends the history. */
  olderArrived(page) {
    const change = this.addMessages(page.results);
    const n = page.results.length;
    this.hasMore = Boolean(page.next) && n > 0 && (change.added.length > 0 || n === MESSAGE_PAGE);
    this.loadingOlder = false;
    return change;
  }

  olderFailed() {
    this.loadingOlder = false;
  }

  // ---- Retrying a failed delivery ----------------------------------------------------------------

  /** A retry of a failed reply is asked for; false when it is not a failed reply or one is running. */
  beginRetry(id) {
    const message = this.byId.get(id);
    if (!message || deliveryOf(message)?.state !== 'failed' || this.retrying.has(id)) return false;
    this.retrying.add(id);
    return true;
  }

  /** The retry request is answered (either way); its button works again. */
  endRetry(id) {
    this.retrying.delete(id);
  }

  // ---- Replies -----------------------------------------------------------------------------------

  /**
   * A reply was sent (`temp`: its id on the page; `attachments`: the uploads it carries, as the
   * server answered them); it waits, shown as pending, for its echo.
   */
  addPending(text, temp, attachments = []) {
    const pending = {
      temp,
      ticketId: this.id,
      text,
      attachments,
      state: 'sending',
      error: '',
      via: null,
      // A manager message of this ticket with a larger id, the same text and as many attachments
      // is this reply coming back.
      afterId: this.messages.length ? this.messages[this.messages.length - 1].id : 0,
    };
    this.pending.push(pending);
    return pending;
  }

  /** A pending reply (re)sent over `ws` or `rest`. */
  sending(pending, via) {
    pending.state = 'sending';
    pending.error = '';
    pending.via = via;
  }

  /** A pending reply failed; false when it is no longer here. */
  failPending(pending, error) {
    if (!this.pending.includes(pending)) return false;
    pending.state = 'failed';
    pending.error = error;
    return true;
  }

  /** The server refused a reply sent over the websocket: fails and returns the one in flight, if any. */
  failSending(error) {
    const pending = this.pending.find((p) => p.state === 'sending' && p.via === 'ws');
    if (!pending) return null;
    this.failPending(pending, error);
    return pending;
  }

  /** Forgets a pending reply (sent, or discarded); false when it was not here. */
  dropPending(pending) {
    if (!this.pending.includes(pending)) return false;
    this.pending = this.pending.filter((p) => p !== pending);
    return true;
  }

  /** Removes and returns the pending reply a server message is the echo of, if any. */
  settle(message) {
    if (message.sender !== 'supp') return null;
    const pending = this.pending.find(
      (p) => p.text === message.text && attachmentCount(p) === attachmentCount(message) && message.id > p.afterId,
    );
    if (!pending) return null;
    this.dropPending(pending);
    return pending;
  }
}
