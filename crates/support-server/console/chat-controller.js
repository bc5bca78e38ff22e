// The controller of the open chat: opening and closing a ticket, history paging, viewed marks,
// replies (over the websocket, else REST) with their attachments and their delivery (retrying a
// failed one), assign / take over and resolve / reopen. It binds the chat and composer views to
// the state, the REST API and the socket; the uploads are upload-controller.js's, the notes (and
// the composer's Note mode) notes-controller.js's.

import { tooLong } from './composer-view.js';
import { t } from './i18n.js';
import { MESSAGE_PAGE, replyFrame } from './chat-state.js';
import { errorText, managerName } from './templates.js';
import { UploadController } from './upload-controller.js';
import { DEFAULT_LIMITS } from './upload-rules.js';

export class ChatController {
  /**
   * `app`: `state`, `api`, `views` (`shell`, `list`, `chat`, `composer`, `attach`), `contact`
   * (the contact panel's controller), `notes` (the notes' controller, optional), `socket()` (the manager socket or null), `renderLists()`,
   * `renderSoon()` (the lists, once per frame), `selectTab(list, focus)` and `limits` (of
   * uploads, upload-rules.js).
   */
  constructor(app) {
    this.app = app;
    this.state = app.state;
    this.api = app.api;
    this.shell = app.views.shell;
    this.view = app.views.chat;
    this.composer = app.views.composer;
    this.contact = app.contact;
    this.notes = app.notes || null;
    /** The echo timeout of each pending reply sent over the websocket, by its `temp`. */
    this.timers = new Map();
    this.uploads = new UploadController({
      api: this.api,
      view: app.views.attach,
      limits: app.limits || DEFAULT_LIMITS,
      openId: () => this.state.openId,
      changed: () => this.renderComposer(),
    });

    this.view.bind('older', () => this.loadOlder());
    this.view.bind('jump', () => this.composer.focus());
    this.view.bind('shown', (ids) => {
      this.state.shown(ids);
      this.flushViews();
    });
    this.view.bind('assign', () => this.assignClicked());
    this.view.bind('resolve', () => this.resolveClicked());
    this.view.bind('retry', (pending) => this.deliver(pending));
    this.view.bind('discard', (pending) => this.discard(pending));
    this.view.bind('retryDelivery', (message) => this.retryDelivery(message));
    this.composer.bind('input', (value) => {
      if (this.state.chat) this.state.setDraft(this.state.chat.id, value);
      this.renderComposer();
    });
    this.composer.bind('submit', (text) => this.submit(text));
  }

  // ---- Opening and closing -----------------------------------------------------------------------

  async open(id, byUser = true) {
    const { state } = this;
    if (!state.openChat(id)) return;
    this.view.show();
    this.contact.chatChanged();
    this.notes?.chatChanged();
    this.composer.setText(state.drafts.get(id) || '');
    this.uploads.switched();
    const known = state.tickets.get(id);
    if (known) this.showListOf(known);
    this.app.renderLists();
    this.renderHeader();
    this.renderComposer();
    if (byUser) this.view.focusTitle();
    if (!known) {
      await this.refresh(id);
      const ticket = state.tickets.get(id);
      if (ticket && state.openId === id) this.showListOf(ticket);
    }
    await this.loadNewest();
  }

  /** Selects the tab of the list a ticket is on, unless the selected one shows it too. */
  showListOf(ticket) {
    if (this.state.inList(this.state.tab, ticket)) return;
    this.app.selectTab(this.state.listOf(ticket), false);
  }

  close(focusList) {
    const was = this.state.closeChat();
    this.view.hide();
    this.contact.chatChanged();
    this.notes?.chatChanged();
    this.uploads.switched();
    this.app.renderLists();
    if (focusList && was !== null && this.view.narrow) this.app.views.list.item(was)?.focus();
  }

  /** Fetches one ticket over REST (unknown here, or to learn another manager's name). */
  async refresh(id) {
    try {
      this.state.upsert(await this.api.ticket(id));
    } catch (err) {
      this.state.ticketFailed(id, err);
    }
    this.app.renderLists();
    if (this.state.isOpenChat(id)) {
      this.renderHeader();
      this.renderComposer();
    }
  }

  renderHeader() {
    const { state } = this;
    if (!state.chat) return;
    const ticket = state.openTicket();
    this.view.renderHeader({ chat: state.chat, ticket, me: state.me, mine: state.isMine(ticket), live: state.live });
    this.contact.render();
  }

  renderComposer() {
    const { state } = this;
    const ticket = state.openTicket();
    const canReply = state.canReply(ticket);
    const id = state.openId;
    // Reply or Note (notes-controller.js): a note is text only, posted over REST.
    const { enabled, mode, replyAllowed } = this.notes
      ? this.notes.composerFor(canReply, ticket)
      : { enabled: canReply, mode: 'reply', replyAllowed: canReply };
    const note = mode === 'note';
    const canSend = note
      ? this.composer.text.trim() !== '' && !this.notes.busy
      : this.uploads.canSend(id, this.composer.text);
    this.composer.render({
      enabled,
      mode,
      replyAllowed,
      live: state.live,
      canSend: id !== null && canSend,
      uploading: !note && id !== null && this.uploads.busy(id),
    });
    this.app.views.attach.setEnabled(canReply && !note);
    this.view.showNoteButton(Boolean(ticket) && !enabled);
  }

  /** Signed out: the uploads of every ticket are cancelled. */
  forgetUploads() {
    this.uploads.reset();
  }

  /** Everything again (after a language switch). */
  rerender() {
    const { state } = this;
    if (!state.chat) return;
    this.view.rerender(state.chat, { ticket: state.openTicket(), me: state.me });
    this.view.renderHistory(state.chat);
    this.app.views.attach.relabel(this.uploads.queue.of(state.chat.id));
    this.renderHeader();
    this.renderComposer();
  }

  // ---- History -----------------------------------------------------------------------------------

  /**
   * Draws what adding messages changed (`{ added, settled, changed }` from the state): the new
   * bubbles, the pending replies they settled gone, the bubbles whose delivery changed again.
   * Returns whether the pane was scrolled to the bottom before.
   */
  draw({ added, settled, changed = [] }) {
    const { state } = this;
    const wasNear = this.view.insertMessages(state.chat, added, { ticket: state.openTicket(), me: state.me });
    for (const pending of settled) this.discard(pending);
    this.redraw(changed);
    this.view.renderHistory(state.chat);
    return wasNear;
  }

  /** Loads the newest page (first open, or after a reconnect) and merges it in. */
  async loadNewest() {
    const { state, view } = this;
    const chat = state.chat;
    if (!chat) return;
    const first = chat.beginNewest();
    view.renderHistory(chat);
    try {
      const page = await this.api.messages(chat.id, MESSAGE_PAGE, 0);
      if (state.chat !== chat) return;
      const wasNear = this.draw(chat.newestArrived(page, first));
      if (first) view.scrollToFirstNew();
      else if (wasNear) view.scrollToBottom();
    } catch (err) {
      if (state.chat === chat) chat.newestFailed(err);
    } finally {
      if (state.chat === chat) view.renderHistory(chat);
    }
  }

  async loadOlder() {
    const { state, view } = this;
    const chat = state.chat;
    const offset = chat ? chat.beginOlder() : null;
    if (offset === null) return;
    view.renderHistory(chat);
    try {
      const page = await this.api.messages(chat.id, MESSAGE_PAGE, offset);
      if (state.chat !== chat) return;
      // Keep the visible messages where they are while older ones appear above.
      view.keepPosition(() => this.draw(chat.olderArrived(page)));
    } catch (err) {
      if (state.chat === chat) {
        chat.olderFailed();
        this.shell.toast(t('chat.loadError', { detail: errorText(err) }), 'error');
      }
    } finally {
      if (state.chat === chat) view.renderHistory(chat);
    }
  }

  // ---- Viewed marks ------------------------------------------------------------------------------

  /** Sends the viewed marks the state asks for, when the page is visible and the socket up. */
  flushViews() {
    const { state } = this;
    const socket = this.app.socket();
    if (!state.chat || document.visibilityState !== 'visible' || !socket || !socket.isOpen) return;
    const ids = state.marksToSend();
    if (!ids.length) return;
    const seen = [];
    for (const id of ids) {
      if (!socket.send({ type: 'ticket.message.viewed', ticket_id: state.chat.id, message_id: id })) break;
      seen.push(state.markSent(id));
    }
    // Read now: their "New" marks go.
    this.redraw(seen);
    this.app.renderSoon();
  }

  // ---- Replies -----------------------------------------------------------------------------------

  /** Sends the reply typed (trimmed) with the finished uploads; text may be empty when there are some. */
  submit(text) {
    const { state } = this;
    if (this.notes?.noteMode) {
      this.notes.submit(text);
      return;
    }
    if (!state.canReply(state.openTicket()) || !this.uploads.canSend(state.chat.id, text)) return;
    if (tooLong(text)) {
      this.renderComposer();
      return;
    }
    const attachments = this.uploads.take(state.chat.id);
    const pending = state.addPending(text, attachments);
    this.composer.setText('');
    this.renderComposer();
    this.view.appendPending(pending);
    this.view.renderHistory(state.chat);
    this.view.scrollToBottom();
    this.deliver(pending);
  }

  /** Sends a reply over the websocket, or over REST when the socket is down. */
  deliver(pending) {
    this.clearTimer(pending);
    const socket = this.app.socket();
    const viaWs = Boolean(socket) && socket.send(replyFrame(pending));
    this.state.chat.sending(pending, viaWs ? 'ws' : 'rest');
    this.view.replacePending(pending);
    if (viaWs) {
      // The echo normally arrives within milliseconds; after 20 s give the manager the choice.
      this.timers.set(pending.temp, setTimeout(() => this.fail(pending, ''), 20000));
      return;
    }
    this.api
      .sendMessage(
        pending.ticketId,
        pending.text,
        (pending.attachments || []).map((a) => a.id),
      )
      .then((message) => {
        if (this.state.isOpenChat(message.ticket)) this.app.handleEvent({ type: 'ticket.message.new', message });
        this.discard(pending);
      })
      .catch((err) => this.fail(pending, errorText(err)));
  }

  fail(pending, error) {
    if (!this.state.chat?.failPending(pending, error)) return;
    this.clearTimer(pending);
    this.view.replacePending(pending);
  }

  /** Removes a pending reply: sent (its echo came), or discarded by the manager. */
  discard(pending) {
    this.clearTimer(pending);
    if (!this.state.chat) return;
    this.state.chat.dropPending(pending);
    this.view.removePending(pending);
    this.view.renderHistory(this.state.chat);
  }

  clearTimer(pending) {
    clearTimeout(this.timers.get(pending.temp));
    this.timers.delete(pending.temp);
  }

  /** Draws bubbles of the open chat again, in place. */
  redraw(messages) {
    const { state } = this;
    const shown = messages.filter(Boolean);
    if (!state.chat || !shown.length) return;
    this.view.redrawMessages(state.chat, shown, { ticket: state.openTicket(), me: state.me });
  }

  /**
   * Asks the server to deliver a failed reply again. Its answer (the reply, pending) is applied
   * like the `ticket.message.delivery` event that follows it; a refusal is a toast.
   */
  async retryDelivery(message) {
    const { state } = this;
    const chat = state.chat;
    if (!chat || !chat.beginRetry(message.id)) return;
    this.redraw([message]);
    try {
      const answer = await this.api.retryDelivery(message.ticket, message.id);
      this.app.handleEvent({ type: 'ticket.message.delivery', message: answer });
    } catch (err) {
      this.shell.toast(t('toast.error', { detail: errorText(err) }), 'error');
    } finally {
      chat.endRetry(message.id);
      if (state.chat === chat) this.redraw([chat.byId.get(message.id)]);
    }
  }

  // ---- Assign and resolve ------------------------------------------------------------------------

  takeOverText(ticket) {
    return {
      title: t('dialog.takeOverTitle'),
      text: t('dialog.takeOverText', { title: ticket.title, name: managerName(ticket.support_manager, this.state.me) }),
      ok: t('action.takeOver'),
    };
  }

  async assignClicked() {
    const { state } = this;
    const ticket = state.openTicket();
    if (!ticket || state.chat.busy.assign) return;
    const socket = this.app.socket();
    if (!socket || !socket.isOpen) {
      this.shell.toast(t('action.needsSocket'), 'error');
      return;
    }
    if (ticket.support_manager && !state.isMine(ticket)) {
      if (!(await this.shell.confirm(this.takeOverText(ticket)))) return;
      this.assign(ticket.id, true);
    } else {
      this.assign(ticket.id, false);
    }
  }

  assign(id, force) {
    const message = { type: 'ticket.assign', id };
    if (force) message.force = true;
    const socket = this.app.socket();
    if (!socket || !socket.send(message)) {
      this.shell.toast(t('action.needsSocket'), 'error');
      return;
    }
    if (this.state.beginAssign(id, force)) {
      this.renderHeader();
      // No answer at all (e.g. the socket drops): let the manager try again.
      setTimeout(() => {
        if (this.state.assignTimedOut(id)) this.renderHeader();
      }, 10000);
    }
  }

  async resolveClicked() {
    const { state } = this;
    const chat = state.chat;
    const ticket = state.openTicket();
    if (!ticket || chat.busy.resolve) return;
    const resolved = !ticket.resolved;
    chat.busy.resolve = true;
    this.renderHeader();
    try {
      state.upsert(await this.api.setResolved(ticket.id, resolved));
      this.shell.toast(t(resolved ? 'toast.resolved' : 'toast.reopened', { id: ticket.id }), 'success');
    } catch (err) {
      this.shell.toast(t('toast.error', { detail: errorText(err) }), 'error');
    } finally {
      if (state.chat === chat) chat.busy.resolve = false;
      this.app.renderLists();
      this.renderHeader();
      this.renderComposer();
      if (state.chat === chat) this.view.keepResolveFocus();
    }
  }

  // ---- What websocket events change here ---------------------------------------------------------

  /** A `ticket.assigned` change (from `state.apply`). */
  assigned({ id, managerId, manager, mine, wasMine, wasPending, open, refetch }, replayed) {
    const fetched = refetch ? this.refresh(id) : Promise.resolve();
    if (open) {
      this.renderHeader();
      this.renderComposer();
      const ticket = this.state.tickets.get(id);
      if (mine && wasPending && ticket && !this.state.inList(this.state.tab, ticket)) this.app.selectTab('mine', false);
      if (mine) {
        // Messages already on screen count as seen now that the ticket is mine.
        this.view.watchNew(this.state.chat);
        if (wasPending && !replayed) this.composer.focus();
        // While another manager held it, its messages went to them only: the newest page again.
        if (!wasMine && !replayed) this.loadNewest();
      }
    }
    if (replayed) return;
    if (mine && wasPending) this.shell.toast(t('toast.assigned', { id }), 'success');
    else if (!mine && wasMine) {
      // An event without the holder's name (an older server): the name the fetch brings.
      fetched.then(() => {
        const holder = this.state.tickets.get(id)?.support_manager;
        const who = holder?.id === managerId ? holder : manager || { id: managerId };
        this.shell.toast(t('toast.takenBy', { id, name: managerName(who, this.state.me) }), 'warning');
      });
    }
  }

  /** A `ticket.message.new` change: the bubble, and the scroll position or the "new" button. */
  messageNew(change) {
    if (change.refetch) this.refresh(change.message.ticket);
    if (!change.open) return;
    const wasNear = this.draw(change);
    if (!change.added.length) return;
    if (wasNear || change.message.sender === 'supp') this.view.scrollToBottom();
    else this.view.showJump();
  }

  /** A `ticket.message.delivery` change: the reply's bubble again (the lists follow by themselves). */
  delivery({ open, changed }) {
    if (open) this.redraw(changed);
  }

  /**
   * A `ticket.user.blocked` or `ticket.user.updated` change: the open chat's header and contact
   * panel when it is that user's ticket.
   */
  userChanged({ open }) {
    if (open) this.renderHeader();
  }

  /** A `ticket.message.viewed` change: the bubbles that lost their "New" mark. */
  viewed({ changed }) {
    this.redraw(changed);
  }

  /** An `error` change: a failed assignment (offering the takeover after a race), a refused reply. */
  async error(change) {
    if (change.assignFailed !== undefined) {
      const id = change.assignFailed;
      if (change.open) this.renderHeader();
      if (!change.raced) {
        this.shell.toast(t('toast.error', { detail: change.detail }), 'error');
        return;
      }
      await this.refresh(id);
      const ticket = this.state.tickets.get(id);
      if (ticket && !this.state.isMine(ticket)) {
        const ok = await this.shell.confirm({
          title: t('dialog.takeOverTitle'),
          text: t('dialog.raceText', { title: ticket.title }),
          ok: t('action.takeOver'),
        });
        if (ok) this.assign(id, true);
      }
      return;
    }
    if (change.failedPending) {
      this.clearTimer(change.failedPending);
      this.view.replacePending(change.failedPending);
      return;
    }
    if (!change.quiet) this.shell.toast(t('toast.error', { detail: change.detail }), 'error');
  }
}
