// The console's state and the rules that change it: every ticket we know and the list it belongs
// to, list paging, unread counts, the open chat with its messages and unsent replies.
//
// No DOM and no browser globals (not even through what it imports): each method takes data (a
// REST answer, a websocket event) and returns what changed, and the controllers (app.js,
// chat-controller.js) decide what to render and what to send. The open chat's own state is a
// `Chat` (chat-state.js). Unit tests: test/*.test.js (`node --test`).

import { Chat } from './chat-state.js';
import { deliveryOf, takeDelivery } from './delivery.js';
import * as paging from './list-paging.js';
import { managerLabel, sameProfile, ticketsWithUnread, updatedUser } from './people.js';
import { compareTime } from './time.js';
import { DEFAULT_ORDERING, VIEWS, activityOf, homeView, inView, listQuery, sorterOf } from './views.js';

// The order of tickets and what each view shows live in views.js; these stay here for importers.
export { activityOf, byActivity } from './views.js';

/** The ticket lists (views.js), in tab order. */
export const LISTS = VIEWS;
/** Tickets per list page. */
export const LIST_PAGE = 50;

/** Whether a ticket's user has blocked the bot (extension `user.blocked`, present only when true). */
export function isBlocked(ticket) {
  return ticket?.user?.blocked === true;
}

export class ConsoleState {
  constructor() {
    /** The signed-in manager (`auth/me/`), or null. */
    this.me = null;
    /** Every ticket we know, by id. Which list shows it follows from its fields (`listOf`). */
    this.tickets = new Map();
    /** Paging bookkeeping per list: how many loaded, whether more exist, loading, the last error. */
    this.lists = Object.fromEntries(LISTS.map((l) => [l, paging.newList()]));
    /** The list on screen. */
    this.tab = 'unassigned';
    /** The order of every list (`ordering=`, views.js). */
    this.ordering = DEFAULT_ORDERING;
    this.openId = null;
    /** The open chat (a `Chat`), or null. */
    this.chat = null;
    /** A reload over REST is running (its token); websocket events are queued to replay after it. */
    this.reloading = null;
    this.replay = [];
    /** The assignment asked for over the websocket and not answered yet: `{ id, force }`. */
    this.pendingAssign = null;
    /** Message ids whose viewed mark we already counted, so an echo is not counted twice. */
    this.counted = new Set();
    /** Unviewed user messages that were on screen, waiting for their viewed mark to be sent. */
    this.toMark = new Set();
    /** Unsent reply drafts by ticket id, so switching tickets loses nothing. */
    this.drafts = new Map();
    this.tempSeq = 0;
    /** The manager websocket's state (`open`, `connecting`, `waiting`, `stopped`) and its details. */
    this.conn = { state: 'stopped', info: {} };
  }

  /** Whether the websocket is up (assigning needs it; replies fall back to REST). */
  get live() {
    return this.conn.state === 'open';
  }

  // ---- Session and tickets ----------------------------------------------------------------------

  signIn(me) {
    this.me = me;
  }

  signOut() {
    this.me = null;
    this.tickets.clear();
    this.closeChat();
  }

  /** The most specific list of a ticket: `unassigned`, `mine`, `others` or `resolved` (views.js). */
  listOf(ticket) {
    return homeView(ticket, this.me?.id ?? null);
  }

  /** Whether a ticket is on a list (a ticket is on `open` and on one of the others). */
  inList(list, ticket) {
    return inView(list, ticket, this.me?.id ?? null);
  }

  isMine(ticket) {
    return Boolean(ticket && this.me && ticket.support_manager && ticket.support_manager.id === this.me.id);
  }

  /** Only the manager holding an open ticket may reply. */
  canReply(ticket) {
    return Boolean(ticket && this.isMine(ticket) && !ticket.resolved);
  }

  /** The ticket of the open chat, when we know it. */
  openTicket() {
    return this.chat ? this.tickets.get(this.chat.id) ?? null : null;
  }

  isOpenChat(id) {
    return this.chat !== null && this.chat.id === id;
  }

  /** Stores a ticket, keeping the extension fields an event may lack. Returns the stored ticket. */
  upsert(ticket) {
    if (!ticket || typeof ticket.id !== 'number') return null;
    const old = this.tickets.get(ticket.id);
    const merged = { ...(old || {}), ...ticket };
    if (old) {
      for (const key of ['unread_count', 'updated_at', 'last_message']) {
        if (ticket[key] === undefined && old[key] !== undefined) merged[key] = old[key];
      }
      // A ticket.updated may carry an older `updated_at` than a message we have seen since.
      if (old.updated_at && merged.updated_at && compareTime(old.updated_at, merged.updated_at) > 0) {
        merged.updated_at = old.updated_at;
      }
    }
    this.tickets.set(ticket.id, merged);
    return merged;
  }

  /** A ticket fetched on its own failed to load; the open chat says why when it knows nothing else. */
  ticketFailed(id, error) {
    if (this.isOpenChat(id) && !this.tickets.has(id)) this.chat.error = error;
  }

  /** The tickets of a list, in the list's order. */
  ticketsOf(list) {
    return [...this.tickets.values()].filter((tk) => this.inList(list, tk)).sort(sorterOf(this.ordering));
  }

  /** The tickets of `ids` still on `list`, in the list's order (a search's results). */
  ticketsAmong(list, ids) {
    const found = ids.map((id) => this.tickets.get(id)).filter((tk) => tk && this.inList(list, tk));
    return found.sort(sorterOf(this.ordering));
  }

  /** How many tickets of a list have unread messages (the tab badges and the page title). */
  unreadTicketsOf(list) {
    return ticketsWithUnread(this.ticketsOf(list));
  }

  /** The REST query of a list (views.js), with `search` when given and the list order. */
  filterFor(list, search = '') {
    return listQuery(list, this.me.id, { search, ordering: this.ordering });
  }

  // ---- Reloads and list paging -------------------------------------------------------------------

  /** A reload of every list's first page starts; returns its token for `finishReload`. */
  beginReload() {
    const run = Symbol('reload');
    this.reloading = run;
    this.replay = [];
    for (const l of LISTS) this.lists[l].loading = true;
    return run;
  }

  /** Keeps a websocket event to apply again on top of the running reload's results. */
  noteEvent(event) {
    if (this.reloading) this.replay.push(event);
  }

  /**
   * Takes a reload's answers (`Promise.allSettled` outcomes, in `LISTS` order). When all lists
   * loaded they replace what we knew (the open ticket is kept even when on no list); when one
   * failed, what did load is merged in. Returns null when the reload is stale (a newer one started
   * or the manager signed out), else `{ failure, replay }`: the first error and the events to
   * apply again (with `replayed`), in arrival order.
   */
  finishReload(run, results) {
    if (this.reloading !== run || !this.me) return null;
    const { fresh, failure } = paging.recordReload(LISTS.map((l) => this.lists[l]), results);
    if (!failure) {
      const open = this.openId !== null ? this.tickets.get(this.openId) : null;
      // A server without `last_message` in its lists would blank every preview we had.
      for (const ticket of fresh.values()) {
        const old = this.tickets.get(ticket.id);
        if (ticket.last_message === undefined && old?.last_message) ticket.last_message = old.last_message;
      }
      this.tickets = fresh;
      if (open && !fresh.has(open.id)) this.tickets.set(open.id, open);
    } else {
      for (const ticket of fresh.values()) this.upsert(ticket);
    }
    const replay = this.replay;
    this.reloading = null;
    this.replay = [];
    return { failure, replay };
  }

  /** Starts loading the next page of a list; false when it is loading or has no more. */
  beginMore(list) {
    return paging.beginMore(this.lists[list]);
  }

  /** The next page of a list arrived: its tickets are stored (list-paging.js keeps the count). */
  moreArrived(list, page) {
    for (const ticket of page.results) this.upsert(ticket);
    paging.moreArrived(this.lists[list], page);
  }

  moreFailed(list, error) {
    paging.moreFailed(this.lists[list], error);
  }

  // ---- The open chat -----------------------------------------------------------------------------

  /** Opens a ticket's chat; returns it, or null when it is already open. */
  openChat(id) {
    if (this.isOpenChat(id)) return null;
    this.openId = id;
    this.chat = new Chat(id);
    return this.chat;
  }

  /** Closes the chat; returns the id that was open, or null. */
  closeChat() {
    const was = this.openId;
    this.openId = null;
    this.chat = null;
    return was;
  }

  setDraft(id, text) {
    if (text) this.drafts.set(id, text);
    else this.drafts.delete(id);
  }

  /**
   * A reply to the open chat is sent (with the attachments uploaded for it): its draft is gone,
   * it is pending until its echo.
   */
  addPending(text, attachments = []) {
    this.drafts.delete(this.chat.id);
    return this.chat.addPending(text, ++this.tempSeq, attachments);
  }

  // ---- Viewed marks ------------------------------------------------------------------------------

  /** Messages of the open chat came into view. */
  shown(ids) {
    for (const id of ids) this.toMark.add(id);
  }

  /**
   * The ids of the shown, still unviewed user messages to send viewed marks for now. None unless
   * the open ticket is mine: looking at someone else's (or an unassigned) ticket must not clear its
   * unread count for the manager who will handle it. Ids that need no mark are forgotten.
   */
  marksToSend() {
    const chat = this.chat;
    if (!chat || !this.isMine(this.tickets.get(chat.id))) return [];
    const ids = [];
    for (const id of [...this.toMark]) {
      const message = chat.byId.get(id);
      if (!message || message.viewed || message.sender !== 'user') this.toMark.delete(id);
      else ids.push(id);
    }
    return ids;
  }

  /**
   * A viewed mark went out: the message counts as viewed at once (its echo will not count again).
   * Returns the message, to draw again without its "New" mark, or null.
   */
  markSent(id) {
    this.toMark.delete(id);
    const message = this.chat?.byId.get(id);
    if (!message) return null;
    message.viewed = true;
    this.countViewed(this.tickets.get(this.chat.id), message);
    return message;
  }

  countViewed(ticket, message) {
    if (this.counted.has(message.id)) return;
    this.counted.add(message.id);
    if (ticket && ticket.unread_count > 0) ticket.unread_count -= 1;
  }

  // ---- Assignment --------------------------------------------------------------------------------

  /** An assignment was asked for; returns whether its chat is open (and now busy). */
  beginAssign(id, force) {
    this.pendingAssign = { id, force };
    if (!this.isOpenChat(id)) return false;
    this.chat.busy.assign = true;
    return true;
  }

  /** No answer came: the open chat's assign button works again. True when that changed anything. */
  assignTimedOut(id) {
    if (!this.isOpenChat(id) || !this.chat.busy.assign) return false;
    this.chat.busy.assign = false;
    return true;
  }

  // ---- Websocket events --------------------------------------------------------------------------

  /**
   * Applies one server event and returns what changed (`{ type, ... }`), or null when nothing did.
   * A `replayed` event was applied once already, before a REST reload replaced the tickets; every
   * rule is written to be safe to repeat, and replayed errors are ignored.
   */
  apply(event, { replayed = false } = {}) {
    switch (event.type) {
      case 'ticket.created':
        return this.ticketCreated(event.ticket);
      case 'ticket.updated':
        return this.ticketUpdated(event.ticket);
      case 'ticket.assigned':
        return this.ticketAssigned(Number(event.id), Number(event.support_manager), event.manager);
      case 'ticket.message.new':
        return this.messageNew(event.message);
      case 'ticket.message.viewed':
        return this.messageViewed(event.message);
      case 'ticket.message.delivery':
        return this.messageDelivery(event.message);
      case 'ticket.user.blocked':
        return this.userBlocked(event.user);
      case 'ticket.user.updated':
        return this.userUpdated(event.user);
      case 'ticket.message.list':
        if (!this.isOpenChat(event.ticket_id) || !Array.isArray(event.messages)) return null;
        return { type: event.type, ...this.chat.addMessages(event.messages) };
      case 'error':
        return replayed ? null : this.errorReceived(event);
      default:
        // Unknown event types are ignored (forward compatibility, SPEC [C3]).
        return null;
    }
  }

  ticketCreated(ticket) {
    if (!ticket) return null;
    const isNew = !this.tickets.has(ticket.id);
    return { type: 'ticket.created', ticket: this.upsert(ticket), isNew };
  }

  ticketUpdated(ticket) {
    if (!ticket) return null;
    return { type: 'ticket.updated', ticket: this.upsert(ticket), open: this.isOpenChat(ticket.id) };
  }

  /**
   * `manager`: the new holder as a `SupportManager` (extension; older servers send only the id).
   * `refetch`: the ticket must be fetched over REST (we do not know it, or we show another
   * manager whose name the event did not bring).
   */
  ticketAssigned(id, managerId, manager) {
    const ticket = this.tickets.get(id);
    const mine = Boolean(this.me) && managerId === this.me.id;
    const wasMine = this.isMine(ticket);
    const wasPending = this.pendingAssign !== null && this.pendingAssign.id === id;
    const given = manager && typeof manager === 'object' && Number(manager.id) === managerId ? manager : null;
    let holder = given ? { ...given, id: managerId } : null;
    if (!holder && mine) {
      holder = { id: managerId, first_name: this.me.first_name || '', last_name: this.me.last_name || '' };
      if (this.me.display_name) holder.display_name = this.me.display_name;
    }
    let refetch;
    if (ticket) {
      const keep = Boolean(ticket.support_manager) && ticket.support_manager.id === managerId;
      if (holder && (!keep || given)) ticket.support_manager = holder;
      else if (!keep) ticket.support_manager = { id: managerId, first_name: '', last_name: '' };
      refetch = !mine && !keep && !managerLabel(ticket.support_manager) && this.openId === id;
    } else {
      refetch = mine || this.openId === id;
    }
    if (wasPending && mine) this.pendingAssign = null;
    const open = this.isOpenChat(id);
    if (open && mine) this.chat.busy.assign = false;
    return { type: 'ticket.assigned', id, managerId, manager: holder, mine, wasMine, wasPending, open, refetch };
  }

  /**
   * A message counts as unread (user, unviewed) and moves its ticket up only when it is newer
   * than the ticket's activity, so one seen before (or already in a reload's answer) is not
   * counted twice. `refetch`: its ticket is unknown here.
   */
  messageNew(message) {
    if (!message || typeof message.ticket !== 'number') return null;
    const ticket = this.tickets.get(message.ticket);
    // `fresh`: an unread user message seen for the first time (attention.js notifies of those).
    let fresh = false;
    if (ticket) {
      const newer = compareTime(message.created_at, activityOf(ticket)) > 0;
      fresh = message.sender === 'user' && !message.viewed && newer;
      if (fresh) ticket.unread_count = Number(ticket.unread_count || 0) + 1;
      if (newer || !ticket.last_message || message.id >= ticket.last_message.id) {
        ticket.last_message = message;
        if (!ticket.updated_at || compareTime(message.created_at, ticket.updated_at) > 0) {
          ticket.updated_at = message.created_at;
        }
      }
    }
    const open = this.isOpenChat(message.ticket);
    const change = open ? this.chat.addMessages([message]) : { added: [], settled: [] };
    return { type: 'ticket.message.new', message, refetch: !ticket, open, fresh, ...change };
  }

  /** `changed`: the open chat's messages that lost their "New" mark (to draw again). */
  messageViewed(message) {
    if (!message || typeof message.ticket !== 'number') return null;
    const ticket = this.tickets.get(message.ticket);
    const local = this.isOpenChat(message.ticket) ? this.chat.byId.get(message.id) : null;
    const changed = [];
    if (local) {
      if (!local.viewed) {
        local.viewed = true;
        this.countViewed(ticket, message);
        changed.push(local);
      }
    } else if (message.sender === 'user') {
      this.countViewed(ticket, message);
    }
    return { type: 'ticket.message.viewed', ticket, changed };
  }

  /**
   * A reply's delivery changed (extension `ticket.message.delivery`, the whole message). It changes
   * the bubble of the open chat (`changed`: the messages to draw again) and the ticket's preview
   * (`preview`) when that reply is its last message; never the order or unread counts. Null when
   * nothing shown changed (an unknown message, or an older state than the one we show).
   */
  messageDelivery(message) {
    if (!message || typeof message.ticket !== 'number' || !deliveryOf(message)) return null;
    const ticket = this.tickets.get(message.ticket);
    const open = this.isOpenChat(message.ticket);
    const local = open ? this.chat.byId.get(message.id) : null;
    const last = ticket?.last_message?.id === message.id ? ticket.last_message : null;
    const shown = open ? this.chat.deliveryChanged(message) : null;
    // The ticket's last message may be the very object the chat holds, updated just now.
    const preview = last !== null && (last === local ? shown !== null : takeDelivery(last, message));
    if (!shown && !preview) return null;
    return { type: 'ticket.message.delivery', message, open, changed: shown ? [shown] : [], preview };
  }

  /**
   * Gives every ticket of a Telegram user the user `change(old)` returns; `open`: the open
   * chat's is one of `tickets`, the ids of those that changed.
   */
  changeUser(telegramId, change) {
    const tickets = [];
    for (const ticket of this.tickets.values()) {
      if (Number(ticket.user?.telegram_id) !== telegramId) continue;
      const next = change(ticket.user);
      if (sameProfile(ticket.user, next)) continue;
      ticket.user = next;
      tickets.push(ticket.id);
    }
    return { tickets, open: this.chat !== null && tickets.includes(this.chat.id) };
  }

  /** A user blocked the bot, or wrote again (extension `ticket.user.blocked`). */
  userBlocked(user) {
    const telegramId = Number(user?.telegram_id);
    if (!user || !Number.isFinite(telegramId) || typeof user.blocked !== 'boolean') return null;
    const { blocked } = user;
    const changed = this.changeUser(telegramId, (old) => updatedUser(old, { ...old, telegram_id: telegramId, blocked }));
    return { type: 'ticket.user.blocked', telegramId, blocked: user.blocked, ...changed };
  }

  /**
   * A user's profile changed (extension `ticket.user.updated`): the report replaces the profile
   * of every ticket of that Telegram user (people.js `updatedUser`).
   */
  userUpdated(user) {
    const telegramId = Number(user?.telegram_id);
    if (!user || typeof user !== 'object' || !Number.isFinite(telegramId)) return null;
    const changed = this.changeUser(telegramId, (old) => updatedUser(old, { ...user, telegram_id: telegramId }));
    return { type: 'ticket.user.updated', telegramId, user, ...changed };
  }

  /**
   * An `error` event. `assignFailed`: the id whose assignment failed (`raced`: someone else got it
   * first); `failedPending`: the reply it refused; `quiet`: nothing to tell the manager.
   */
  errorReceived(event) {
    const detail = typeof event.detail === 'string' && event.detail ? event.detail : String(event.code || 'error');
    const change = { type: 'error', detail };
    if (event.request === 'ticket.assign' && this.pendingAssign) {
      const { id } = this.pendingAssign;
      this.pendingAssign = null;
      const open = this.isOpenChat(id);
      if (open) this.chat.busy.assign = false;
      return { ...change, assignFailed: id, open, raced: event.code === 'already_assigned' };
    }
    const failedPending = event.request === 'ticket.message.new' && this.chat ? this.chat.failSending(detail) : null;
    if (failedPending) return { ...change, failedPending };
    if (event.request === 'ticket.message.viewed') return { ...change, quiet: true };
    return change;
  }
}
