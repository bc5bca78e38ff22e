// The open chat: its header (title, owner, assign and resolve buttons, banner), the history
// (messages in id order, day separators, pending replies, "load earlier"), scrolling, and which
// unviewed user messages have been on screen. Internal notes (note-view.js) sit among the
// messages in time order (notes.js `compareEntries`).

import { blockedChip } from './delivery-view.js';
import { byId, h, icon } from './dom.js';
import { t } from './i18n.js';
import { Lightbox } from './lightbox.js';
import { noteItem } from './note-view.js';
import { compareEntries, mergeTimeline } from './notes.js';
import { isBlocked } from './state.js';
import { daySeparator, errorText, managerName, messageItem, nameNode, pendingItem, userName } from './templates.js';

export class ChatView {
  /** `mount`: where the support router lives (attachments are under it). */
  constructor({ mount = '' } = {}) {
    this.mount = mount;
    this.lightbox = new Lightbox();
    this.el = {
      app: byId('app'),
      empty: byId('chat-empty'),
      chat: byId('chat'),
      back: byId('chat-back'),
      title: byId('chat-title'),
      meta: byId('chat-meta'),
      assign: byId('btn-assign'),
      resolve: byId('btn-resolve'),
      note: byId('btn-note'),
      banner: byId('chat-banner'),
      messages: byId('messages'),
      list: byId('message-list'),
      older: byId('load-older'),
      start: byId('history-start'),
      jump: byId('jump-new'),
    };
    this.el.back.append(icon('back', 22));
    /** The open ticket's notes (a `NoteList`), or null. */
    this.notes = null;
    this.narrowQuery = window.matchMedia('(max-width: 859px)');
    this.handlers = { shown: () => {}, retry: () => {}, discard: () => {}, retryDelivery: () => {} };
    // A user message counts as seen once 60 % of it has been in the message pane.
    this.observer = new IntersectionObserver(
      (entries) => {
        const ids = [];
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          ids.push(Number(entry.target.dataset.id));
          this.observer.unobserve(entry.target);
        }
        this.handlers.shown(ids);
      },
      { root: this.el.messages, threshold: 0.6 },
    );
    this.el.messages.addEventListener('scroll', () => {
      if (this.nearBottom()) this.el.jump.hidden = true;
    });
  }

  /** Whether the layout is the phone one (the list and the chat take turns). */
  get narrow() {
    return this.narrowQuery.matches;
  }

  /**
   * Events: `back()` (the back button, or Escape on a phone), `older()` (the button, or scrolling
   * to the top), `jump()` (after scrolling to the newest), `shown(ids)` (unviewed user messages
   * seen), `assign()`, `resolve()`, `retry(pending)`, `discard(pending)` (a reply the server
   * refused), `retryDelivery(message)` (a reply Telegram did not take), `note()` (the header's
   * "Note" button, for a ticket one cannot reply to).
   */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'back':
        el.back.addEventListener('click', () => handler());
        el.chat.addEventListener('keydown', (e) => {
          if (e.key === 'Escape' && this.narrow && !document.querySelector('dialog[open]')) handler();
        });
        break;
      case 'older':
        el.older.addEventListener('click', () => handler());
        el.messages.addEventListener('scroll', () => {
          if (el.messages.scrollTop < 60) handler();
        });
        break;
      case 'jump':
        el.jump.addEventListener('click', () => {
          this.scrollToBottom();
          handler();
        });
        break;
      case 'assign':
        el.assign.addEventListener('click', () => handler());
        break;
      case 'resolve':
        el.resolve.addEventListener('click', () => handler());
        break;
      case 'note':
        el.note.addEventListener('click', () => handler());
        break;
      case 'shown':
      case 'retry':
      case 'discard':
      case 'retryDelivery':
        this.handlers[event] = handler;
        break;
      default:
        throw new Error(`ChatView: no event ${event}`);
    }
  }

  /** Shows an empty chat (a ticket was opened). */
  show() {
    this.el.list.replaceChildren();
    this.el.app.dataset.view = 'chat';
    this.el.empty.hidden = true;
    this.el.chat.hidden = false;
  }

  /** Shows the "select a ticket" placeholder. */
  hide() {
    this.lightbox.close();
    this.observer.disconnect();
    this.el.app.dataset.view = 'list';
    this.el.chat.hidden = true;
    this.el.empty.hidden = false;
    this.el.list.replaceChildren();
  }

  /** On a phone the list disappears; focus the chat so keyboard users are not lost. */
  focusTitle() {
    if (this.narrow) this.el.title.focus();
  }

  focusMessages() {
    this.el.messages.focus();
  }

  /** Shows the header's "Note" button (when the composer is not there to switch to notes). */
  showNoteButton(show) {
    this.el.note.hidden = !show;
  }

  /** After resolving: focus the button again if it went nowhere. */
  keepResolveFocus() {
    if (document.activeElement === document.body) this.el.resolve.focus();
  }

  /** Whether the assign button may work (it needs the websocket). */
  setLive(live) {
    this.el.assign.setAttribute('aria-disabled', String(!live));
  }

  /** Title, status, owner, buttons and banner; `ticket` null while unknown. */
  renderHeader({ chat, ticket, me, mine, live }) {
    const el = this.el;
    el.title.tabIndex = -1;
    if (!ticket) {
      el.title.textContent = t('ticket.number', { id: chat.id });
      el.meta.textContent = chat.error ? errorText(chat.error) : '';
      el.assign.hidden = true;
      el.resolve.hidden = true;
      el.banner.hidden = true;
      return;
    }
    el.title.textContent = ticket.title;
    const other = ticket.support_manager ? managerName(ticket.support_manager, me) : '';
    const owner = ticket.support_manager
      ? mine
        ? t('ticket.assignedToYou')
        : t('ticket.assignedTo', { name: other })
      : t('ticket.unassigned');
    const status = h('span', {
      class: `chip ${ticket.resolved ? 'chip-done' : 'chip-open'}`,
      text: ticket.resolved ? t('ticket.resolved') : t('ticket.open'),
    });
    el.meta.replaceChildren(
      status,
      // replaceChildren would write a null as the text "null".
      ...(isBlocked(ticket) ? [blockedChip()] : []),
      ` ${t('ticket.number', { id: ticket.id })} · `,
      nameNode(userName(ticket.user), 'chat-user'),
      ` · ${owner}`,
    );

    // Assign / take over: only for open tickets that are not mine.
    if (!ticket.resolved && !mine) {
      el.assign.hidden = false;
      el.assign.textContent = ticket.support_manager ? t('action.takeOver') : t('action.assign');
      el.assign.classList.toggle('btn-primary', !ticket.support_manager);
      el.assign.disabled = chat.busy.assign;
      el.assign.setAttribute('aria-disabled', String(!live));
      el.assign.title = live ? '' : t('action.needsSocket');
    } else {
      el.assign.hidden = true;
    }
    el.resolve.hidden = false;
    el.resolve.textContent = ticket.resolved ? t('action.reopen') : t('action.resolve');
    el.resolve.disabled = chat.busy.resolve;
    el.resolve.classList.toggle('btn-success', !ticket.resolved && mine);

    let banner = '';
    if (ticket.resolved) banner = t('chat.resolvedBanner');
    else if (!ticket.support_manager) banner = t('chat.unassignedBanner');
    else if (!mine) banner = t('chat.otherBanner', { name: other });
    else if (isBlocked(ticket)) banner = t('chat.blockedBanner');
    el.banner.hidden = !banner;
    el.banner.textContent = banner;
  }

  /**
   * Inserts new messages of `chat` in id order (before the pending replies), then the day
   * separators. Returns whether the pane was scrolled to the bottom before.
   */
  insertMessages(chat, added, { ticket, me }) {
    const wasNear = this.nearBottom();
    for (const message of added) {
      const node = this.messageNode(chat, message, { ticket, me });
      this.place(chat, { kind: 'message', item: message }, node);
      if (message.sender === 'user' && !message.viewed) this.observer.observe(node);
    }
    this.syncDays(chat);
    return wasNear;
  }

  /** The open ticket's notes (a `NoteList`, or null): what `insertNotes` and `rerender` draw. */
  setNotes(notes) {
    this.notes = notes;
  }

  /** Inserts new notes among the messages by time. Returns whether the pane was at the bottom. */
  insertNotes(chat, added, { me }) {
    const wasNear = this.nearBottom();
    for (const note of added) this.place(chat, { kind: 'note', item: note }, noteItem(note, { me }));
    this.syncDays(chat);
    return wasNear;
  }

  /** The message or note an item of the list shows, as a `compareEntries` entry; null for others. */
  entryOf(chat, li) {
    if (li.classList.contains('note')) {
      const item = this.notes?.byId.get(Number(li.dataset.noteId));
      return item ? { kind: 'note', item } : null;
    }
    const item = chat.byId.get(Number(li.dataset.id));
    return item ? { kind: 'message', item } : null;
  }

  /** Puts a node before the first message or note that comes after `entry` (else before the pending replies). */
  place(chat, entry, node) {
    let before = null;
    for (const li of this.el.list.querySelectorAll('li.msg:not(.pending), li.note')) {
      const other = this.entryOf(chat, li);
      if (other && compareEntries(other, entry) > 0) {
        before = li;
        break;
      }
    }
    if (!before) before = this.el.list.querySelector('li.pending');
    this.el.list.insertBefore(node, before);
  }

  /** Draws the whole history again (after a language switch). */
  rerender(chat, { ticket, me }) {
    this.el.list.replaceChildren(
      ...mergeTimeline(chat.messages, this.notes?.notes || []).map((e) =>
        e.kind === 'note' ? noteItem(e.item, { me }) : this.messageNode(chat, e.item, { ticket, me }),
      ),
      ...chat.pending.map((p) => this.pendingNode(p)),
    );
    this.syncDays(chat);
    this.watchNew(chat);
  }

  /** A message's bubble, its Retry button wired. */
  messageNode(chat, message, { ticket, me }) {
    return messageItem(message, {
      ticket,
      me,
      retrying: chat.retrying.has(message.id),
      onRetry: (m) => this.handlers.retryDelivery(m),
      mount: this.mount,
      onOpenImage: (model) => this.lightbox.open(model),
    });
  }

  /**
   * Shows the new delivery of messages on screen, in place: only their status lines change, so
   * the live region announces the new state and not the whole message again. Focus on a Retry
   * button that goes moves to the new one, else to the message pane, so it is not lost.
   */
  redrawMessages(chat, messages, { ticket, me }) {
    for (const message of messages) {
      const li = this.el.list.querySelector(`li.msg[data-id="${message.id}"]`);
      const bubble = li?.querySelector('.bubble');
      if (!bubble) continue;
      const focused = li.contains(document.activeElement);
      const fresh = this.messageNode(chat, message, { ticket, me });
      li.className = fresh.className;
      if (fresh.dataset.delivery) li.dataset.delivery = fresh.dataset.delivery;
      else delete li.dataset.delivery;
      bubble.querySelector('.msg-meta').replaceWith(fresh.querySelector('.msg-meta'));
      bubble.querySelector('.msg-failure')?.remove();
      const failure = fresh.querySelector('.msg-failure');
      if (failure) bubble.append(failure);
      if (focused) (bubble.querySelector('button') || this.el.messages).focus();
    }
  }

  /** Watches the unviewed user messages on screen again (e.g. once the ticket is mine). */
  watchNew(chat) {
    for (const li of this.el.list.querySelectorAll('li.msg-user.is-new')) {
      if (!chat.byId.get(Number(li.dataset.id))?.viewed) this.observer.observe(li);
    }
  }

  /** Puts a day separator before the first message of every day, and nowhere else. */
  syncDays(chat) {
    let lastDay = null;
    for (const li of [...this.el.list.children]) {
      if (li.classList.contains('day')) {
        li.remove();
        continue;
      }
      const day = li.dataset.day || lastDay;
      if (day && day !== lastDay) {
        const msg = li.dataset.id !== undefined ? chat.byId.get(Number(li.dataset.id)) : null;
        const createdAt = msg ? msg.created_at : li.dataset.at || new Date().toISOString();
        li.before(daySeparator(day, createdAt));
      }
      lastDay = day;
    }
  }

  pendingNode(pending) {
    return pendingItem(pending, {
      onRetry: () => this.handlers.retry(pending),
      onDiscard: () => this.handlers.discard(pending),
    });
  }

  pendingLi(pending) {
    return this.el.list.querySelector(`li.pending[data-temp="${pending.temp}"]`);
  }

  appendPending(pending) {
    this.el.list.append(this.pendingNode(pending));
  }

  replacePending(pending) {
    this.pendingLi(pending)?.replaceWith(this.pendingNode(pending));
  }

  removePending(pending) {
    this.pendingLi(pending)?.remove();
  }

  /** "Load earlier", "beginning of the conversation" and the loading / error / empty line. */
  renderHistory(chat) {
    const el = this.el;
    el.older.hidden = !chat.hasMore;
    el.older.disabled = chat.loadingOlder;
    el.older.textContent = chat.loadingOlder ? t('chat.olderLoading') : t('chat.older');
    el.start.hidden = chat.hasMore || chat.loading || chat.messages.length === 0;
    let status = el.list.querySelector('li.status');
    let text = '';
    if (chat.loading && chat.messages.length === 0) text = t('chat.loading');
    else if (chat.error) text = t('chat.loadError', { detail: errorText(chat.error) });
    else if (chat.messages.length === 0 && !chat.pending.length && !this.notes?.notes.length) text = t('chat.empty');
    if (text) {
      if (!status) {
        status = h('li', { class: 'status' });
        el.list.prepend(status);
      }
      status.textContent = text;
    } else if (status) {
      status.remove();
    }
  }

  nearBottom() {
    const m = this.el.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  scrollToBottom() {
    this.el.messages.scrollTop = this.el.messages.scrollHeight;
    this.el.jump.hidden = true;
  }

  /** Points at new messages: the "new messages" button. */
  showJump() {
    this.el.jump.hidden = false;
  }

  /** After the first load: the first unviewed message a third down the pane, else the bottom. */
  scrollToFirstNew() {
    const firstNew = this.el.list.querySelector('li.msg.is-new');
    // Not scrollIntoView: that would scroll the page too, not just the message pane.
    if (firstNew) this.el.messages.scrollTop = Math.max(0, firstNew.offsetTop - this.el.messages.clientHeight / 3);
    else this.scrollToBottom();
  }

  /** Runs `change` (which adds older messages above) keeping the visible messages in place. */
  keepPosition(change) {
    const m = this.el.messages;
    const before = m.scrollHeight - m.scrollTop;
    const result = change();
    m.scrollTop = m.scrollHeight - before;
    return result;
  }
}
