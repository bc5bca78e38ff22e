// The manager console: state, REST + websocket wiring, and the controllers behind the page.

import { Api, ApiError } from './api.js';
import { ManagerSocket } from './ws.js';
import { t, lang, setLang, onLangChange, applyStatic, compareTime } from './i18n.js';
import { byId, h, icon } from './dom.js';
import {
  activityOf,
  byActivity,
  connectionText,
  dayKeyOf,
  daySeparator,
  managerName,
  messageItem,
  pendingItem,
  ticketItem,
  toastNode,
} from './views.js';

// ---- Config ------------------------------------------------------------------------------------

function readConfig() {
  const meta = document.querySelector('meta[name="support-config"]');
  let config = {};
  try {
    config = JSON.parse(meta?.getAttribute('content') || '{}');
  } catch {
    config = {};
  }
  return {
    mount: typeof config.mount === 'string' ? config.mount : '/support',
    ws: typeof config.ws === 'string' ? config.ws : '/ws/support/manager/',
  };
}

const config = readConfig();
const api = new Api(config.mount);
const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${config.ws}`;

const LISTS = ['unassigned', 'mine', 'resolved'];
const LIST_PAGE = 50;
const MESSAGE_PAGE = 30;
const MAX_TEXT = 4096;
const TAB_KEY = 'support.console.tab';
const narrow = window.matchMedia('(max-width: 859px)');

// ---- State -------------------------------------------------------------------------------------

const state = {
  me: null,
  /** Every ticket we know, by id. Which list shows it follows from its fields (`listOf`). */
  tickets: new Map(),
  lists: Object.fromEntries(LISTS.map((l) => [l, { offset: 0, hasMore: false, loading: false, error: null, loaded: false }])),
  tab: LISTS.includes(localStorage.getItem(TAB_KEY)) ? localStorage.getItem(TAB_KEY) : 'unassigned',
  openId: null,
  chat: null,
  /** A reload over REST is running; websocket events are also queued to be replayed after it. */
  reloading: null,
  replay: [],
  pendingAssign: null,
  /** Message ids whose viewed mark we already counted, so an echo is not counted twice. */
  counted: new Set(),
  conn: { state: 'stopped', info: {} },
};

let socket = null;
let tempSeq = 0;
/** Unsent reply drafts by ticket id, so switching tickets loses nothing. */
const drafts = new Map();

function listOf(ticket) {
  if (ticket.resolved) return 'resolved';
  if (!ticket.support_manager) return 'unassigned';
  if (state.me && ticket.support_manager.id === state.me.id) return 'mine';
  return null;
}

function isMine(ticket) {
  return Boolean(ticket && state.me && ticket.support_manager && ticket.support_manager.id === state.me.id);
}

/** Stores a ticket, keeping the extension fields an event may lack. */
function upsert(ticket) {
  if (!ticket || typeof ticket.id !== 'number') return null;
  const old = state.tickets.get(ticket.id);
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
  state.tickets.set(ticket.id, merged);
  return merged;
}

// ---- Elements ----------------------------------------------------------------------------------

const el = {
  boot: byId('boot'),
  login: byId('login'),
  loginForm: byId('login-form'),
  loginUser: byId('login-username'),
  loginPass: byId('login-password'),
  loginError: byId('login-error'),
  loginSubmit: byId('login-submit'),
  app: byId('app'),
  conn: byId('conn'),
  connText: byId('conn-text'),
  connRetry: byId('conn-retry'),
  connBar: byId('conn-bar'),
  connBarText: byId('conn-bar-text'),
  connBarRetry: byId('conn-bar-retry'),
  meName: byId('me-name'),
  logout: byId('logout'),
  tabs: byId('tabs'),
  listPanel: byId('list-panel'),
  list: byId('ticket-list'),
  listEmpty: byId('list-empty'),
  listError: byId('list-error'),
  listMore: byId('list-more'),
  chatPane: byId('chat-pane'),
  chatEmpty: byId('chat-empty'),
  chat: byId('chat'),
  chatBack: byId('chat-back'),
  chatTitle: byId('chat-title'),
  chatMeta: byId('chat-meta'),
  btnAssign: byId('btn-assign'),
  btnResolve: byId('btn-resolve'),
  banner: byId('chat-banner'),
  messages: byId('messages'),
  messageList: byId('message-list'),
  loadOlder: byId('load-older'),
  historyStart: byId('history-start'),
  jumpNew: byId('jump-new'),
  composer: byId('composer'),
  reply: byId('reply'),
  send: byId('send'),
  hint: byId('composer-hint'),
  confirm: byId('confirm'),
  confirmTitle: byId('confirm-title'),
  confirmText: byId('confirm-text'),
  confirmOk: byId('confirm-ok'),
  toasts: byId('toasts'),
  skip: byId('skip-link'),
};

el.chatBack.append(icon('back', 22));
el.send.append(icon('send', 20));

// ---- Toasts and the confirmation dialog -------------------------------------------------------

function toast(text, kind = 'info', ms = 4500) {
  const node = toastNode(text, kind);
  el.toasts.append(node);
  while (el.toasts.childElementCount > 4) el.toasts.firstElementChild.remove();
  setTimeout(() => node.remove(), ms);
}

function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    if (err.status === 403 && !err.body) return t('error.forbidden');
    if (err.body) return err.message;
    return t('error.server', { status: err.status });
  }
  return String(err?.message || err);
}

/** Asks for confirmation; resolves to true when the manager confirms. */
function confirmDialog({ title, text, ok }) {
  return new Promise((resolve) => {
    el.confirmTitle.textContent = title;
    el.confirmText.textContent = text;
    el.confirmOk.textContent = ok;
    el.confirm.returnValue = '';
    const opener = document.activeElement;
    el.confirm.addEventListener(
      'close',
      () => {
        resolve(el.confirm.returnValue === 'ok');
        if (opener && opener.isConnected) opener.focus();
      },
      { once: true },
    );
    el.confirm.showModal();
    byId('confirm-cancel').focus();
  });
}

// ---- Screens -----------------------------------------------------------------------------------

function showScreen(name) {
  el.boot.hidden = name !== 'boot';
  el.login.hidden = name !== 'login';
  el.app.hidden = name !== 'app';
}

function showLogin(message) {
  if (socket) socket.stop();
  socket = null;
  state.me = null;
  state.tickets.clear();
  closeChat(false);
  showScreen('login');
  el.loginError.hidden = !message;
  el.loginError.textContent = message || '';
  el.loginPass.value = '';
  el.loginSubmit.disabled = false;
  el.loginSubmit.textContent = t('login.submit');
  (el.loginUser.value ? el.loginPass : el.loginUser).focus();
  document.title = t('app.title');
}

api.onUnauthorized = () => {
  if (state.me) showLogin(t('toast.sessionExpired'));
};

el.loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const username = el.loginUser.value.trim();
  const password = el.loginPass.value;
  if (!username || !password) {
    el.loginError.textContent = t('login.missing');
    el.loginError.hidden = false;
    (username ? el.loginPass : el.loginUser).focus();
    return;
  }
  el.loginSubmit.disabled = true;
  el.loginSubmit.textContent = t('login.busy');
  el.loginError.hidden = true;
  try {
    const me = await api.login(username, password);
    startApp(me);
  } catch (err) {
    let message;
    if (err instanceof ApiError && (err.status === 400 || err.status === 401 || err.status === 403)) message = t('login.failed');
    else if (err instanceof ApiError && err.status === 429) message = t('login.rateLimited');
    else message = errorText(err);
    el.loginError.textContent = message;
    el.loginError.hidden = false;
    el.loginSubmit.disabled = false;
    el.loginSubmit.textContent = t('login.submit');
    el.loginPass.select();
    el.loginPass.focus();
  }
});

el.logout.addEventListener('click', async () => {
  try {
    await api.logout();
  } catch {
    // Signing out locally is what matters; the cookie expires on its own.
  }
  showLogin('');
});

function startApp(me) {
  state.me = me;
  const full = [me.first_name, me.last_name].filter(Boolean).join(' ');
  el.meName.textContent = full || me.username || managerName({ id: me.id }, me);
  el.meName.title = me.username || '';
  showScreen('app');
  selectTab(state.tab, false);
  renderLists();
  socket = new ManagerSocket(wsUrl);
  socket.onState = (s, info) => {
    state.conn = { state: s, info };
    renderConnection();
    renderComposer();
  };
  socket.onOpen = () => {
    reloadAll();
    flushViews();
  };
  socket.onClose = () => onSocketClosed();
  socket.onEvent = (event) => {
    if (state.reloading) state.replay.push(event);
    handleEvent(event);
  };
  socket.start();
  // The lists are loaded once before the socket is up, so the page is useful right away.
  reloadAll();
  route(false);
}

// ---- Connection ------------------------------------------------------------------------------

function renderConnection() {
  const { state: s, info } = state.conn;
  el.conn.dataset.state = s;
  el.connText.textContent = connectionText(s, info);
  el.connRetry.hidden = s !== 'waiting';
  // On a phone the top bar is hidden while a chat is open; this strip says the same there.
  el.connBar.hidden = s === 'open';
  el.connBar.dataset.state = s;
  el.connBarText.textContent = connectionText(s, info);
  el.connBarRetry.hidden = s !== 'waiting';
  const live = s === 'open';
  for (const btn of [el.btnAssign]) btn.setAttribute('aria-disabled', String(!live));
  if (state.chat) renderChatHeader();
}

for (const btn of [el.connRetry, el.connBarRetry]) {
  btn.addEventListener('click', () => socket && socket.reconnectNow());
}

async function onSocketClosed() {
  // A refused upgrade looks like any other close; ask the REST API whether we are still signed in.
  try {
    await api.me();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && state.me) showLogin(t('toast.sessionExpired'));
  }
}

// ---- Lists -------------------------------------------------------------------------------------

function filterFor(list) {
  if (list === 'unassigned') return { resolved: 'false', manager__isnull: 'true' };
  if (list === 'mine') return { resolved: 'false', manager: String(state.me.id) };
  return { resolved: 'true' };
}

/** Reloads the first page of every list (and the open chat) over REST, then replays queued events. */
async function reloadAll() {
  if (!state.me) return;
  const run = Symbol('reload');
  state.reloading = run;
  state.replay = [];
  for (const l of LISTS) state.lists[l].loading = true;
  renderLists();
  const results = await Promise.allSettled(LISTS.map((l) => api.tickets(filterFor(l), LIST_PAGE, 0)));
  if (state.reloading !== run || !state.me) return;
  const fresh = new Map();
  let failure = null;
  results.forEach((result, i) => {
    const meta = state.lists[LISTS[i]];
    meta.loading = false;
    if (result.status === 'fulfilled') {
      for (const ticket of result.value.results) fresh.set(ticket.id, ticket);
      meta.offset = result.value.results.length;
      meta.hasMore = Boolean(result.value.next);
      meta.error = null;
      meta.loaded = true;
    } else {
      meta.error = errorText(result.reason);
      failure = failure || result.reason;
    }
  });
  if (!failure) {
    // Keep the open ticket even when it is on no list (e.g. another manager's).
    const open = state.openId !== null ? state.tickets.get(state.openId) : null;
    state.tickets = fresh;
    if (open && !fresh.has(open.id)) state.tickets.set(open.id, open);
  } else {
    for (const ticket of fresh.values()) upsert(ticket);
    if (!(failure instanceof ApiError && failure.status === 401)) toast(t('toast.reloadFailed', { detail: errorText(failure) }), 'error');
  }
  const queued = state.replay;
  state.reloading = null;
  state.replay = [];
  for (const event of queued) handleEvent(event, true);
  if (state.openId !== null) {
    refreshTicket(state.openId);
    if (state.chat) loadNewest();
  }
  renderLists();
}

async function loadMore() {
  const meta = state.lists[state.tab];
  if (meta.loading || !meta.hasMore) return;
  meta.loading = true;
  renderLists();
  const list = state.tab;
  try {
    const page = await api.tickets(filterFor(list), LIST_PAGE, meta.offset);
    for (const ticket of page.results) upsert(ticket);
    meta.offset += page.results.length;
    meta.hasMore = Boolean(page.next) && page.results.length > 0;
    meta.error = null;
  } catch (err) {
    meta.error = errorText(err);
  } finally {
    meta.loading = false;
    renderLists();
  }
}
el.listMore.addEventListener('click', loadMore);

function ticketsOf(list) {
  return [...state.tickets.values()].filter((tk) => listOf(tk) === list).sort(byActivity);
}

function unreadOf(list) {
  return ticketsOf(list).reduce((sum, tk) => sum + Number(tk.unread_count || 0), 0);
}

function renderTabs() {
  for (const tab of el.tabs.querySelectorAll('[role="tab"]')) {
    const list = tab.dataset.list;
    const unread = list === 'resolved' ? 0 : unreadOf(list);
    const count = tab.querySelector('.tab-count');
    count.textContent = unread ? (unread > 99 ? '99+' : String(unread)) : '';
    count.hidden = !unread;
    const label = t(`lists.${list}`);
    tab.setAttribute('aria-label', unread ? t('lists.tabUnread', { label, n: unread }) : label);
  }
  const total = unreadOf('unassigned') + unreadOf('mine');
  document.title = total ? t('app.titleUnread', { n: total }) : t('app.title');
}

function renderLists() {
  if (!state.me) return;
  renderTabs();
  const list = state.tab;
  const meta = state.lists[list];
  const items = ticketsOf(list);
  const focusedId = document.activeElement?.closest?.('.ticket-item')?.dataset.id;
  el.list.replaceChildren(...items.map((tk) => ticketItem(tk, { me: state.me, openId: state.openId, list })));
  if (focusedId) {
    const again = el.list.querySelector(`.ticket-item[data-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus();
  }
  el.listPanel.setAttribute('aria-busy', String(meta.loading));
  const empty = items.length === 0;
  el.listEmpty.hidden = !empty || (!meta.loaded && !meta.error && !meta.loading);
  el.listEmpty.textContent = meta.loading && empty ? t('lists.loading') : t(`lists.empty.${list}`);
  el.listEmpty.classList.toggle('is-loading', meta.loading && empty);
  if (meta.error && !meta.loading) {
    el.listEmpty.hidden = true;
    el.listError.hidden = false;
    el.listError.textContent = t('lists.error', { detail: meta.error });
  } else {
    el.listError.hidden = true;
  }
  el.listMore.hidden = !meta.hasMore;
  el.listMore.disabled = meta.loading;
}

function selectTab(list, focus) {
  state.tab = list;
  try {
    localStorage.setItem(TAB_KEY, list);
  } catch {
    // Not remembered; fine.
  }
  for (const tab of el.tabs.querySelectorAll('[role="tab"]')) {
    const on = tab.dataset.list === list;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    if (on) {
      el.listPanel.setAttribute('aria-labelledby', tab.id);
      if (focus) tab.focus();
    }
  }
  renderLists();
}

el.tabs.addEventListener('click', (event) => {
  const tab = event.target.closest('[role="tab"]');
  if (tab) selectTab(tab.dataset.list, false);
});

el.tabs.addEventListener('keydown', (event) => {
  const index = LISTS.indexOf(state.tab);
  let next = null;
  if (event.key === 'ArrowRight') next = (index + 1) % LISTS.length;
  else if (event.key === 'ArrowLeft') next = (index + LISTS.length - 1) % LISTS.length;
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = LISTS.length - 1;
  if (next === null) return;
  event.preventDefault();
  selectTab(LISTS[next], true);
});

// Arrow keys move between tickets, so a long list needs no tabbing through.
el.list.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const links = [...el.list.querySelectorAll('.ticket-item')];
  const at = links.indexOf(document.activeElement);
  if (at < 0) return;
  event.preventDefault();
  const next = links[event.key === 'ArrowDown' ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1)];
  next.focus();
});

// Relative times ("5 min ago") age; refresh them.
setInterval(() => {
  if (state.me && !document.hidden) renderLists();
}, 60000);

// ---- Routing -----------------------------------------------------------------------------------

/** Opens the ticket named by the URL (`#/ticket/16`) or shows the lists. */
function route(byUser = true) {
  const m = /^#\/ticket\/(\d+)$/.exec(location.hash);
  if (m) openTicket(Number(m[1]), byUser);
  else closeChat(byUser);
}
window.addEventListener('hashchange', () => {
  if (state.me) route(true);
});

function goToList() {
  if (location.hash) location.hash = '#/';
  else closeChat(true);
}

// ---- Chat --------------------------------------------------------------------------------------

function newChat(id) {
  return {
    id,
    messages: [],
    byId: new Map(),
    hasMore: false,
    loading: false,
    loadingOlder: false,
    error: null,
    pending: [],
    busy: { assign: false, resolve: false },
  };
}

async function openTicket(id, byUser = true) {
  if (state.chat && state.chat.id === id) return;
  state.openId = id;
  state.chat = newChat(id);
  el.messageList.replaceChildren();
  el.reply.value = drafts.get(id) || '';
  autoGrow();
  el.app.dataset.view = 'chat';
  el.chatEmpty.hidden = true;
  el.chat.hidden = false;
  const known = state.tickets.get(id);
  if (known) {
    const list = listOf(known);
    if (list && list !== state.tab) selectTab(list, false);
  }
  renderLists();
  renderChatHeader();
  renderComposer();
  // On a phone the list disappears; move focus to the chat so keyboard users are not lost.
  if (narrow.matches && byUser) el.chatTitle.focus();
  if (!known) {
    await refreshTicket(id);
    const ticket = state.tickets.get(id);
    const list = ticket ? listOf(ticket) : null;
    if (state.openId === id && list && list !== state.tab) selectTab(list, false);
  }
  await loadNewest();
}

function closeChat(focusList) {
  const wasOpen = state.openId;
  state.openId = null;
  state.chat = null;
  observer.disconnect();
  el.app.dataset.view = 'list';
  el.chat.hidden = true;
  el.chatEmpty.hidden = false;
  el.messageList.replaceChildren();
  renderLists();
  if (focusList && wasOpen !== null) {
    const link = el.list.querySelector(`.ticket-item[data-id="${wasOpen}"]`);
    if (link && narrow.matches) link.focus();
  }
}

el.chatBack.addEventListener('click', goToList);
el.chat.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && narrow.matches && !el.confirm.open) goToList();
});

async function refreshTicket(id) {
  try {
    const ticket = await api.ticket(id);
    upsert(ticket);
  } catch (err) {
    if (state.chat && state.chat.id === id && !state.tickets.has(id)) {
      state.chat.error = errorText(err);
    }
  }
  renderLists();
  if (state.chat && state.chat.id === id) {
    renderChatHeader();
    renderComposer();
  }
}

function renderChatHeader() {
  const chat = state.chat;
  if (!chat) return;
  const ticket = state.tickets.get(chat.id);
  el.chatTitle.tabIndex = -1;
  if (!ticket) {
    el.chatTitle.textContent = t('ticket.number', { id: chat.id });
    el.chatMeta.textContent = chat.error || '';
    el.btnAssign.hidden = true;
    el.btnResolve.hidden = true;
    el.banner.hidden = true;
    return;
  }
  el.chatTitle.textContent = ticket.title;
  const owner = ticket.support_manager
    ? isMine(ticket)
      ? t('ticket.assignedToYou')
      : t('ticket.assignedTo', { name: managerName(ticket.support_manager, state.me) })
    : t('ticket.unassigned');
  const status = h('span', { class: `chip ${ticket.resolved ? 'chip-done' : 'chip-open'}`, text: ticket.resolved ? t('ticket.resolved') : t('ticket.open') });
  el.chatMeta.replaceChildren(
    status,
    ` ${t('ticket.number', { id: ticket.id })} · ${t('ticket.user', { id: ticket.user?.telegram_id ?? '?' })} · ${owner}`,
  );

  const live = state.conn.state === 'open';
  // Assign / take over: only for open tickets that are not mine.
  if (!ticket.resolved && !isMine(ticket)) {
    el.btnAssign.hidden = false;
    el.btnAssign.textContent = ticket.support_manager ? t('action.takeOver') : t('action.assign');
    el.btnAssign.classList.toggle('btn-primary', !ticket.support_manager);
    el.btnAssign.disabled = chat.busy.assign;
    el.btnAssign.setAttribute('aria-disabled', String(!live));
    el.btnAssign.title = live ? '' : t('action.needsSocket');
  } else {
    el.btnAssign.hidden = true;
  }
  el.btnResolve.hidden = false;
  el.btnResolve.textContent = ticket.resolved ? t('action.reopen') : t('action.resolve');
  el.btnResolve.disabled = chat.busy.resolve;
  el.btnResolve.classList.toggle('btn-success', !ticket.resolved && isMine(ticket));

  let banner = '';
  if (ticket.resolved) banner = t('chat.resolvedBanner');
  else if (!ticket.support_manager) banner = t('chat.unassignedBanner');
  else if (!isMine(ticket)) banner = t('chat.otherBanner', { name: managerName(ticket.support_manager, state.me) });
  el.banner.hidden = !banner;
  el.banner.textContent = banner;
}

function canReply(ticket) {
  return Boolean(ticket && isMine(ticket) && !ticket.resolved);
}

function renderComposer() {
  const ticket = state.chat ? state.tickets.get(state.chat.id) : null;
  const enabled = canReply(ticket);
  el.composer.hidden = !enabled;
  el.reply.disabled = !enabled;
  el.send.disabled = !enabled;
  const length = [...el.reply.value].length;
  if (length > MAX_TEXT - 200) {
    el.hint.textContent = t('chat.tooLong', { n: length });
    el.hint.classList.toggle('is-error', length > MAX_TEXT);
  } else {
    el.hint.textContent = state.conn.state === 'open' ? t('chat.hint') : t('chat.hintOffline');
    el.hint.classList.remove('is-error');
  }
}

function nearBottom() {
  const m = el.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
}

function scrollToBottom() {
  el.messages.scrollTop = el.messages.scrollHeight;
  el.jumpNew.hidden = true;
}

/** Adds messages (any order) to the open chat, skipping ones it has; returns how many were new. */
function addMessages(messages) {
  const chat = state.chat;
  let added = 0;
  for (const message of messages) {
    if (!message || message.ticket !== chat.id) continue;
    const had = chat.byId.get(message.id);
    if (had) {
      if (message.viewed && !had.viewed) had.viewed = true;
      continue;
    }
    chat.byId.set(message.id, message);
    added += 1;
    const ticket = state.tickets.get(chat.id);
    const node = messageItem(message, { ticket, me: state.me });
    // Insert in id order (ids grow with time), before the first message with a larger id.
    let before = null;
    for (const li of el.messageList.querySelectorAll('li.msg:not(.pending)')) {
      if (Number(li.dataset.id) > message.id) {
        before = li;
        break;
      }
    }
    if (!before) before = el.messageList.querySelector('li.pending');
    el.messageList.insertBefore(node, before);
    resolvePending(message);
    if (message.sender === 'user' && !message.viewed) observer.observe(node);
  }
  chat.messages = [...chat.byId.values()].sort((a, b) => a.id - b.id);
  syncDays();
  return added;
}

/** Puts a day separator before the first message of every day, and nowhere else. */
function syncDays() {
  let lastDay = null;
  for (const li of [...el.messageList.children]) {
    if (li.classList.contains('day')) {
      li.remove();
      continue;
    }
    const day = li.dataset.day || lastDay;
    if (day && day !== lastDay) {
      const msg = state.chat.byId.get(Number(li.dataset.id));
      const createdAt = msg ? msg.created_at : new Date().toISOString();
      li.before(daySeparator(day, createdAt));
    }
    lastDay = day;
  }
}

function renderHistoryControls() {
  const chat = state.chat;
  if (!chat) return;
  el.loadOlder.hidden = !chat.hasMore;
  el.loadOlder.disabled = chat.loadingOlder;
  el.loadOlder.textContent = chat.loadingOlder ? t('chat.olderLoading') : t('chat.older');
  el.historyStart.hidden = chat.hasMore || chat.loading || chat.messages.length === 0;
  let status = el.messageList.querySelector('li.status');
  const text = chat.loading && chat.messages.length === 0 ? t('chat.loading') : chat.error ? t('chat.loadError', { detail: chat.error }) : chat.messages.length === 0 && !chat.pending.length ? t('chat.empty') : '';
  if (text) {
    if (!status) {
      status = h('li', { class: 'status' });
      el.messageList.prepend(status);
    }
    status.textContent = text;
  } else if (status) {
    status.remove();
  }
}

/** Loads the newest page (first open, or after a reconnect) and merges it in. */
async function loadNewest() {
  const chat = state.chat;
  if (!chat) return;
  const first = chat.messages.length === 0;
  chat.loading = true;
  renderHistoryControls();
  try {
    const page = await api.messages(chat.id, MESSAGE_PAGE, 0);
    if (state.chat !== chat) return;
    const wasNear = nearBottom();
    chat.error = null;
    chat.loading = false;
    renderHistoryControls();
    addMessages(page.results);
    if (first) {
      chat.hasMore = Boolean(page.next);
      const firstNew = el.messageList.querySelector('li.msg.is-new');
      // Not scrollIntoView: that would scroll the page too, not just the message pane.
      if (firstNew) el.messages.scrollTop = Math.max(0, firstNew.offsetTop - el.messages.clientHeight / 3);
      else scrollToBottom();
    } else if (wasNear) {
      scrollToBottom();
    }
    settlePending(page.results);
  } catch (err) {
    if (state.chat !== chat) return;
    chat.error = errorText(err);
  } finally {
    if (state.chat === chat) {
      chat.loading = false;
      renderHistoryControls();
    }
  }
}

async function loadOlder() {
  const chat = state.chat;
  if (!chat || chat.loadingOlder || !chat.hasMore) return;
  chat.loadingOlder = true;
  renderHistoryControls();
  const offset = chat.messages.length;
  try {
    const page = await api.messages(chat.id, MESSAGE_PAGE, offset);
    if (state.chat !== chat) return;
    // Keep the visible messages where they are while older ones appear above.
    const before = el.messages.scrollHeight - el.messages.scrollTop;
    const added = addMessages(page.results);
    el.messages.scrollTop = el.messages.scrollHeight - before;
    chat.hasMore = Boolean(page.next) && page.results.length > 0 && (added > 0 || page.results.length === MESSAGE_PAGE);
  } catch (err) {
    if (state.chat === chat) toast(t('chat.loadError', { detail: errorText(err) }), 'error');
  } finally {
    if (state.chat === chat) {
      chat.loadingOlder = false;
      renderHistoryControls();
    }
  }
}

el.loadOlder.addEventListener('click', loadOlder);
el.messages.addEventListener('scroll', () => {
  if (el.messages.scrollTop < 60 && state.chat?.hasMore) loadOlder();
  if (nearBottom()) el.jumpNew.hidden = true;
});
el.jumpNew.addEventListener('click', () => {
  scrollToBottom();
  el.reply.focus();
});

// ---- Viewed marks ------------------------------------------------------------------------------

/** Unviewed user messages on screen, waiting for the page to be visible or the socket to be up. */
const toMark = new Set();

const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const id = Number(entry.target.dataset.id);
      toMark.add(id);
      observer.unobserve(entry.target);
    }
    flushViews();
  },
  { root: el.messages, threshold: 0.6 },
);

/**
 * Sends a viewed mark for every user message the open chat has shown, when the page is visible.
 * Only for tickets assigned to me: looking at someone else's ticket (or an unassigned one) must
 * not make its unread badge disappear for the manager who will handle it.
 */
function flushViews() {
  const chat = state.chat;
  if (!chat || document.visibilityState !== 'visible' || !socket || !socket.isOpen) return;
  const ticket = state.tickets.get(chat.id);
  if (!isMine(ticket)) return;
  for (const id of [...toMark]) {
    const message = chat.byId.get(id);
    toMark.delete(id);
    if (!message || message.viewed || message.sender !== 'user') continue;
    if (!socket.send({ type: 'ticket.message.viewed', ticket_id: chat.id, message_id: id })) {
      toMark.add(id);
      return;
    }
    message.viewed = true;
    countViewed(ticket, message);
  }
  renderTabsAndList();
}

function countViewed(ticket, message) {
  if (state.counted.has(message.id)) return;
  state.counted.add(message.id);
  if (ticket && ticket.unread_count > 0) ticket.unread_count -= 1;
}

document.addEventListener('visibilitychange', flushViews);

let listRenderQueued = false;
/** Re-renders the list at most once per frame (events come in bursts). */
function renderTabsAndList() {
  if (listRenderQueued) return;
  listRenderQueued = true;
  requestAnimationFrame(() => {
    listRenderQueued = false;
    renderLists();
  });
}

// ---- Replies -----------------------------------------------------------------------------------

function autoGrow() {
  el.reply.style.height = 'auto';
  el.reply.style.height = `${Math.min(el.reply.scrollHeight, 200)}px`;
}

el.reply.addEventListener('input', () => {
  if (state.chat) {
    if (el.reply.value) drafts.set(state.chat.id, el.reply.value);
    else drafts.delete(state.chat.id);
  }
  autoGrow();
  renderComposer();
});

el.reply.addEventListener('keydown', (event) => {
  // Enter sends; Shift+Enter is a new line; an IME composition's Enter is not a send.
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    el.composer.requestSubmit();
  }
});

el.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const chat = state.chat;
  const ticket = chat ? state.tickets.get(chat.id) : null;
  if (!canReply(ticket)) return;
  const text = el.reply.value.trim();
  if (!text) return;
  if ([...text].length > MAX_TEXT) {
    renderComposer();
    return;
  }
  const pending = {
    temp: ++tempSeq,
    ticketId: chat.id,
    text,
    state: 'sending',
    error: '',
    // A message of this ticket with a larger id and the same text is this reply coming back.
    afterId: chat.messages.length ? chat.messages[chat.messages.length - 1].id : 0,
    timer: null,
  };
  chat.pending.push(pending);
  drafts.delete(chat.id);
  el.reply.value = '';
  autoGrow();
  renderComposer();
  el.messageList.append(renderPending(pending));
  renderHistoryControls();
  scrollToBottom();
  deliver(pending);
});

function renderPending(pending) {
  return pendingItem(pending, {
    onRetry: () => deliver(pending),
    onDiscard: () => dropPending(pending),
  });
}

function replacePendingNode(pending) {
  const node = el.messageList.querySelector(`li.pending[data-temp="${pending.temp}"]`);
  if (node) node.replaceWith(renderPending(pending));
}

/** Sends a reply over the websocket, or over REST when the socket is down. */
function deliver(pending) {
  pending.state = 'sending';
  pending.error = '';
  replacePendingNode(pending);
  clearTimeout(pending.timer);
  if (socket && socket.send({ type: 'ticket.message.new', ticket_id: pending.ticketId, text: pending.text })) {
    pending.via = 'ws';
    // The echo normally arrives within milliseconds; after 20 s give the manager the choice.
    pending.timer = setTimeout(() => failPending(pending, ''), 20000);
    return;
  }
  pending.via = 'rest';
  api
    .sendMessage(pending.ticketId, pending.text)
    .then((message) => {
      if (state.chat && state.chat.id === message.ticket) {
        onMessageNew(message);
      }
      dropPending(pending);
    })
    .catch((err) => failPending(pending, errorText(err)));
}

function failPending(pending, error) {
  if (!state.chat || !state.chat.pending.includes(pending)) return;
  clearTimeout(pending.timer);
  pending.state = 'failed';
  pending.error = error;
  replacePendingNode(pending);
}

function dropPending(pending) {
  clearTimeout(pending.timer);
  const chat = state.chat;
  if (!chat) return;
  chat.pending = chat.pending.filter((p) => p !== pending);
  el.messageList.querySelector(`li.pending[data-temp="${pending.temp}"]`)?.remove();
  renderHistoryControls();
}

/** Removes the pending reply a server message stands for. */
function resolvePending(message) {
  const chat = state.chat;
  if (!chat || message.sender !== 'supp') return;
  const pending = chat.pending.find((p) => p.text === message.text && message.id > p.afterId);
  if (pending) dropPending(pending);
}

function settlePending(messages) {
  for (const message of messages) resolvePending(message);
}

// ---- Assign and resolve ------------------------------------------------------------------------

el.btnAssign.addEventListener('click', async () => {
  const chat = state.chat;
  const ticket = chat ? state.tickets.get(chat.id) : null;
  if (!ticket || chat.busy.assign) return;
  if (!socket || !socket.isOpen) {
    toast(t('action.needsSocket'), 'error');
    return;
  }
  if (ticket.support_manager && !isMine(ticket)) {
    const ok = await confirmDialog({
      title: t('dialog.takeOverTitle'),
      text: t('dialog.takeOverText', { title: ticket.title, name: managerName(ticket.support_manager, state.me) }),
      ok: t('action.takeOver'),
    });
    if (!ok) return;
    assign(ticket.id, true);
  } else {
    assign(ticket.id, false);
  }
});

function assign(id, force) {
  const message = { type: 'ticket.assign', id };
  if (force) message.force = true;
  if (!socket || !socket.send(message)) {
    toast(t('action.needsSocket'), 'error');
    return;
  }
  state.pendingAssign = { id, force };
  if (state.chat && state.chat.id === id) {
    state.chat.busy.assign = true;
    renderChatHeader();
    // No answer at all (e.g. the socket drops): let the manager try again.
    setTimeout(() => {
      if (state.chat && state.chat.id === id && state.chat.busy.assign) {
        state.chat.busy.assign = false;
        renderChatHeader();
      }
    }, 10000);
  }
}

el.btnResolve.addEventListener('click', async () => {
  const chat = state.chat;
  const ticket = chat ? state.tickets.get(chat.id) : null;
  if (!ticket || chat.busy.resolve) return;
  const resolved = !ticket.resolved;
  chat.busy.resolve = true;
  renderChatHeader();
  try {
    const updated = await api.setResolved(ticket.id, resolved);
    upsert(updated);
    toast(t(resolved ? 'toast.resolved' : 'toast.reopened', { id: ticket.id }), 'success');
  } catch (err) {
    toast(t('toast.error', { detail: errorText(err) }), 'error');
  } finally {
    if (state.chat === chat) chat.busy.resolve = false;
    renderLists();
    renderChatHeader();
    renderComposer();
    if (state.chat === chat && document.activeElement === document.body) el.btnResolve.focus();
  }
});

// ---- Websocket events ----------------------------------------------------------------------------

/**
 * Applies one server event. `replayed` events were already applied once during a REST reload and
 * are applied again on top of its results; every handler is written to be safe to repeat.
 */
function handleEvent(event, replayed = false) {
  switch (event.type) {
    case 'ticket.created':
      onTicketCreated(event.ticket, replayed);
      break;
    case 'ticket.updated':
      onTicketUpdated(event.ticket);
      break;
    case 'ticket.assigned':
      onAssigned(Number(event.id), Number(event.support_manager), replayed);
      break;
    case 'ticket.message.new':
      onMessageNew(event.message);
      break;
    case 'ticket.message.viewed':
      onMessageViewed(event.message);
      break;
    case 'ticket.message.list':
      if (state.chat && state.chat.id === event.ticket_id && Array.isArray(event.messages)) {
        addMessages(event.messages);
        renderHistoryControls();
      }
      break;
    case 'error':
      if (!replayed) onError(event);
      break;
    default:
      // Unknown event types are ignored (forward compatibility, SPEC [C3]).
      break;
  }
}

function onTicketCreated(ticket, replayed) {
  if (!ticket) return;
  const isNew = !state.tickets.has(ticket.id);
  upsert(ticket);
  renderTabsAndList();
  if (isNew && !replayed) toast(t('toast.created', { id: ticket.id, title: ticket.title }));
}

function onTicketUpdated(ticket) {
  if (!ticket) return;
  upsert(ticket);
  renderTabsAndList();
  if (state.chat && state.chat.id === ticket.id) {
    renderChatHeader();
    renderComposer();
  }
}

function onAssigned(id, managerId, replayed) {
  const ticket = state.tickets.get(id);
  const mine = state.me && managerId === state.me.id;
  const wasMine = isMine(ticket);
  const wasPending = state.pendingAssign && state.pendingAssign.id === id;
  if (ticket) {
    const keep = ticket.support_manager && ticket.support_manager.id === managerId;
    if (!keep) {
      ticket.support_manager = mine
        ? { id: managerId, first_name: state.me.first_name || '', last_name: state.me.last_name || '' }
        : { id: managerId, first_name: '', last_name: '' };
    }
    // Another manager's name is only known to the REST API; fetch it when we show it.
    if (!mine && !keep && state.openId === id) refreshTicket(id);
  } else if (mine || state.openId === id) {
    refreshTicket(id);
  }
  if (wasPending && mine) state.pendingAssign = null;
  if (state.chat && state.chat.id === id) {
    if (mine) state.chat.busy.assign = false;
    renderChatHeader();
    renderComposer();
    if (mine && wasPending && state.tab !== 'mine') selectTab('mine', false);
    if (mine) {
      // Messages already on screen count as seen now that the ticket is mine.
      for (const li of el.messageList.querySelectorAll('li.msg-user.is-new')) observer.observe(li);
      if (wasPending && !replayed) el.reply.focus();
    }
  }
  if (!replayed) {
    if (mine && wasPending) toast(t('toast.assigned', { id }), 'success');
    else if (!mine && wasMine) toast(t('toast.takenBy', { id, name: t('ticket.managerN', { id: managerId }) }), 'warning');
  }
  renderTabsAndList();
}

function onMessageNew(message) {
  if (!message || typeof message.ticket !== 'number') return;
  const ticket = state.tickets.get(message.ticket);
  if (ticket) {
    const counted = compareTime(message.created_at, activityOf(ticket)) > 0;
    if (message.sender === 'user' && !message.viewed && counted) {
      ticket.unread_count = Number(ticket.unread_count || 0) + 1;
    }
    if (counted || !ticket.last_message || message.id >= ticket.last_message.id) {
      ticket.last_message = message;
      if (!ticket.updated_at || compareTime(message.created_at, ticket.updated_at) > 0) ticket.updated_at = message.created_at;
    }
  } else {
    // A ticket we have not loaded (beyond the first page, or newly visible to us).
    refreshTicket(message.ticket);
  }
  if (state.chat && state.chat.id === message.ticket) {
    const wasNear = nearBottom();
    const added = addMessages([message]);
    renderHistoryControls();
    if (added) {
      if (wasNear || message.sender === 'supp') scrollToBottom();
      else el.jumpNew.hidden = false;
    }
  }
  renderTabsAndList();
}

function onMessageViewed(message) {
  if (!message || typeof message.ticket !== 'number') return;
  const ticket = state.tickets.get(message.ticket);
  const local = state.chat && state.chat.id === message.ticket ? state.chat.byId.get(message.id) : null;
  if (local) {
    if (!local.viewed) {
      local.viewed = true;
      countViewed(ticket, message);
    }
  } else if (message.sender === 'user') {
    countViewed(ticket, message);
  }
  renderTabsAndList();
}

async function onError(event) {
  const detail = typeof event.detail === 'string' && event.detail ? event.detail : String(event.code || 'error');
  if (event.request === 'ticket.assign' && state.pendingAssign) {
    const { id } = state.pendingAssign;
    state.pendingAssign = null;
    if (state.chat && state.chat.id === id) {
      state.chat.busy.assign = false;
      renderChatHeader();
    }
    if (event.code === 'already_assigned') {
      await refreshTicket(id);
      const ticket = state.tickets.get(id);
      if (ticket && !isMine(ticket)) {
        const ok = await confirmDialog({
          title: t('dialog.takeOverTitle'),
          text: t('dialog.raceText', { title: ticket.title }),
          ok: t('action.takeOver'),
        });
        if (ok) assign(id, true);
      }
      return;
    }
    toast(t('toast.error', { detail }), 'error');
    return;
  }
  if (event.request === 'ticket.message.new' && state.chat) {
    const pending = state.chat.pending.find((p) => p.state === 'sending' && p.via === 'ws');
    if (pending) {
      failPending(pending, detail);
      return;
    }
  }
  if (event.request === 'ticket.message.viewed') return;
  toast(t('toast.error', { detail }), 'error');
}

// ---- Language and layout -----------------------------------------------------------------------

function rerenderAll() {
  applyStatic();
  if (state.me) {
    renderConnection();
    renderLists();
    if (state.chat) {
      // Re-render the bubbles for the new day names and labels.
      const chat = state.chat;
      const ticket = state.tickets.get(chat.id);
      el.messageList.replaceChildren(
        ...chat.messages.map((m) => messageItem(m, { ticket, me: state.me })),
        ...chat.pending.map((p) => renderPending(p)),
      );
      syncDays();
      for (const li of el.messageList.querySelectorAll('li.msg-user.is-new')) {
        if (!chat.byId.get(Number(li.dataset.id))?.viewed) observer.observe(li);
      }
      renderHistoryControls();
      renderChatHeader();
      renderComposer();
    }
  } else if (!el.login.hidden) {
    el.loginSubmit.textContent = t('login.submit');
  }
  document.title = state.me ? document.title : t('app.title');
  if (state.me) renderTabs();
}

onLangChange(rerenderAll);
for (const btn of document.querySelectorAll('.lang-btn')) {
  btn.addEventListener('click', () => setLang(btn.dataset.lang));
}

el.skip.addEventListener('click', () => {
  if (state.chat && !el.composer.hidden) el.reply.focus();
  else if (state.chat) el.messages.focus();
  else (el.list.querySelector('.ticket-item') || el.listPanel).focus();
});

// ---- Boot --------------------------------------------------------------------------------------

async function boot() {
  document.documentElement.lang = lang();
  applyStatic();
  renderConnection();
  try {
    const me = await api.me();
    startApp(me);
  } catch (err) {
    showLogin(err instanceof ApiError && err.status === 401 ? '' : errorText(err));
  }
}

boot();
