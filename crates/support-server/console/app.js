// The manager console's entry point: reads the config, wires state → views → controllers, and
// holds the controllers of the session (login, the websocket, reloads), the lists and their
// search, routing, the language, alerts, keyboard shortcuts, and what each websocket event
// changes on the page. The open chat has its own controller (chat-controller.js); the rules of
// the state are in state.js. Notes, canned replies and typing have theirs (notes-controller.js,
// canned-controller.js, typing-controller.js).

import { Api, ApiError } from './api.js';
import { AttachView } from './attach-view.js';
import { attentionFor } from './attention.js';
import { AttentionView } from './attention-view.js';
import { CannedController } from './canned-controller.js';
import { ChatController } from './chat-controller.js';
import { ChatView } from './chat-view.js';
import { ComposerView } from './composer-view.js';
import { ContactController } from './contact-controller.js';
import { ContactView } from './contact-view.js';
import { HelpOverlay } from './help-overlay.js';
import { t, lang, setLang, onLangChange, applyStatic } from './i18n.js';
import { bindShortcuts } from './keyboard.js';
import { ListView } from './list-view.js';
import { NotesController } from './notes-controller.js';
import { SearchState } from './search-state.js';
import { SearchView } from './search-view.js';
import { ShellView } from './shell-view.js';
import { stepIn } from './shortcuts.js';
import { ConsoleState, LISTS, LIST_PAGE } from './state.js';
import { errorText } from './templates.js';
import { TypingController } from './typing-controller.js';
import { TypingView } from './typing-view.js';
import { readLimits } from './upload-rules.js';
import { ManagerSocket } from './ws.js';

// ---- Config and wiring -------------------------------------------------------------------------

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
    // What an upload may be (`attachments: { max_bytes, max_per_message }`), checked before sending.
    limits: readLimits(config),
  };
}

const config = readConfig();
const api = new Api(config.mount);
const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${config.ws}`;

const state = new ConsoleState();
state.tab = ListView.savedTab();
state.ordering = SearchView.savedOrdering();
/** The search over the selected list; while one is active its results replace the list. */
const search = new SearchState();
const views = {
  shell: new ShellView(),
  list: new ListView(),
  chat: new ChatView({ mount: config.mount }),
  composer: new ComposerView(),
  attach: new AttachView(),
  contact: new ContactView(),
  typing: new TypingView(),
  search: new SearchView(),
  help: new HelpOverlay(),
  attention: new AttentionView(),
};
const { shell, list: listView, search: searchView, help, attention } = views;
let socket = null;

const contact = new ContactController({ state, api, views });
const notes = new NotesController({ state, api, views, renderComposer: () => chat.renderComposer() });
const chat = new ChatController({
  state,
  api,
  views,
  contact,
  notes,
  socket: () => socket,
  renderLists,
  renderSoon,
  selectTab,
  handleEvent,
  limits: config.limits,
});
const canned = new CannedController({ state, api, views });
const typing = new TypingController({ state, views, notes, socket: () => socket });

// ---- Session -----------------------------------------------------------------------------------

function showLogin(message) {
  if (socket) socket.stop();
  socket = null;
  state.signOut();
  chat.close(false);
  chat.forgetUploads();
  canned.forget();
  typing.forget();
  notes.modes.clear();
  shell.showLogin(message);
}

api.onUnauthorized = () => {
  if (state.me) showLogin(t('toast.sessionExpired'));
};

shell.bind('login', async (username, password) => {
  if (!username || !password) {
    shell.loginMissing(username);
    return;
  }
  shell.loginBusy();
  try {
    startApp(await api.login(username, password));
  } catch (err) {
    let message;
    if (err instanceof ApiError && [400, 401, 403].includes(err.status)) message = t('login.failed');
    else if (err instanceof ApiError && err.status === 429) message = t('login.rateLimited');
    else message = errorText(err);
    shell.loginFailed(message);
  }
});

shell.bind('logout', async () => {
  try {
    await api.logout();
  } catch {
    // Signing out locally is what matters; the cookie expires on its own.
  }
  showLogin('');
});

function startApp(me) {
  state.signIn(me);
  shell.renderMe(me);
  shell.showScreen('app');
  selectTab(state.tab, false);
  socket = new ManagerSocket(wsUrl);
  socket.onState = (s, info) => {
    state.conn = { state: s, info };
    renderConnection();
    chat.renderComposer();
  };
  socket.onOpen = () => chat.flushViews();
  // Back after a break, the server replays what was missed (as events) and says so; only a first
  // connection, or one the server cannot bring up to date, reloads the lists over REST.
  socket.onResumed = ({ fresh }) => {
    if (fresh) reloadAll();
  };
  socket.onResync = () => reloadAll();
  socket.onClose = () => onSocketClosed();
  socket.onEvent = (event) => {
    state.noteEvent(event);
    handleEvent(event);
  };
  socket.start();
  canned.reload();
  // The lists are loaded once before the socket is up, so the page is useful right away.
  reloadAll();
  route(false);
}

// ---- Connection --------------------------------------------------------------------------------

function renderConnection() {
  shell.renderConnection(state.conn);
  views.chat.setLive(state.live);
  chat.renderHeader();
}

shell.bind('retry', () => socket && socket.reconnectNow());

async function onSocketClosed() {
  // A refused upgrade looks like any other close; ask the REST API whether we are still signed in.
  try {
    await api.me();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && state.me) showLogin(t('toast.sessionExpired'));
  }
}

// ---- Lists -------------------------------------------------------------------------------------

/** Reloads the first page of every list (and the open chat) over REST, then replays queued events. */
async function reloadAll() {
  if (!state.me) return;
  const run = state.beginReload();
  renderLists();
  const results = await Promise.allSettled(LISTS.map((l) => api.tickets(state.filterFor(l), LIST_PAGE, 0)));
  const done = state.finishReload(run, results);
  if (!done) return;
  const { failure, replay } = done;
  if (failure && !(failure instanceof ApiError && failure.status === 401)) {
    shell.toast(t('toast.reloadFailed', { detail: errorText(failure) }), 'error');
  }
  for (const event of replay) handleEvent(event, true);
  if (state.openId !== null) {
    chat.refresh(state.openId);
    if (state.chat) chat.loadNewest();
    notes.reload();
  }
  canned.reload();
  renderLists();
  // The reload replaced the tickets the search had found: ask again.
  if (search.active) runSearch(search.text);
}

async function loadMore() {
  if (search.active) {
    searchMore();
    return;
  }
  const list = state.tab;
  if (!state.beginMore(list)) return;
  renderLists();
  try {
    const page = await api.tickets(state.filterFor(list), LIST_PAGE, state.lists[list].offset);
    state.moreArrived(list, page);
  } catch (err) {
    state.moreFailed(list, err);
  }
  renderLists();
}
listView.bind('more', loadMore);

function renderLists() {
  if (!state.me) return;
  // Tickets with unread messages, not messages: each row shows its own count.
  listView.renderTabs(Object.fromEntries(LISTS.map((l) => [l, state.unreadTicketsOf(l)])));
  const list = state.tab;
  const common = { list, me: state.me, openId: state.openId };
  if (search.active) {
    listView.render({ ...common, items: state.ticketsAmong(list, search.ids), meta: search.meta, search: search.text });
  } else {
    listView.render({ ...common, items: state.ticketsOf(list), meta: state.lists[list] });
  }
  // The rows were drawn again: their "typing…" marks too.
  typing.render();
}

// ---- Search and order --------------------------------------------------------------------------

/** Searches the selected list for `text` ('' ends the search and shows the list again). */
async function runSearch(text) {
  const run = search.begin(text);
  renderLists();
  if (!run || !state.me) return;
  try {
    const page = await api.tickets(state.filterFor(state.tab, search.text), LIST_PAGE, 0);
    if (!search.current(run)) return;
    for (const ticket of page.results) state.upsert(ticket);
    search.arrived(run, page);
  } catch (err) {
    search.failed(run, err);
  }
  renderLists();
}

async function searchMore() {
  const run = search.beginMore();
  if (!run) return;
  renderLists();
  try {
    const page = await api.tickets(state.filterFor(state.tab, search.text), LIST_PAGE, search.offset);
    if (!search.current(run)) return;
    for (const ticket of page.results) state.upsert(ticket);
    search.arrived(run, page, true);
  } catch (err) {
    search.failed(run, err);
  }
  renderLists();
}

searchView.bind('search', (text) => runSearch(text));
searchView.bind('sort', (ordering) => {
  state.ordering = ordering;
  // The first pages of another order are other tickets: load them (a search follows the reload).
  renderLists();
  reloadAll();
});

let renderQueued = false;
/** Re-renders the lists at most once per frame (events come in bursts). */
function renderSoon() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderLists();
  });
}

function selectTab(list, focus) {
  const changed = state.tab !== list;
  state.tab = list;
  listView.selectTab(list, focus);
  renderLists();
  // A search is over the selected list: the same text over the new one.
  if (changed && search.active) runSearch(search.text);
}
listView.bind('tab', selectTab);

// Relative times ("5 min ago") age; refresh them.
setInterval(() => {
  if (state.me && !document.hidden) renderLists();
}, 60000);

// ---- Routing -----------------------------------------------------------------------------------

/** Opens the ticket named by the URL (`#/ticket/16`) or shows the lists. */
function route(byUser = true) {
  const m = /^#\/ticket\/(\d+)$/.exec(location.hash);
  if (m) chat.open(Number(m[1]), byUser);
  else chat.close(byUser);
}
window.addEventListener('hashchange', () => {
  if (state.me) route(true);
});

views.chat.bind('back', () => {
  if (location.hash) location.hash = '#/';
  else chat.close(true);
});

document.addEventListener('visibilitychange', () => chat.flushViews());

// ---- Websocket events --------------------------------------------------------------------------

/** What each change `state.apply` reports does to the page. */
const effects = {
  'ticket.created'({ ticket, isNew }, replayed) {
    if (isNew && !replayed) shell.toast(t('toast.created', { id: ticket.id, title: ticket.title }));
    // A new ticket of the user whose panel is open joins their tickets there.
    if (isNew) contact.ticketCreated(ticket);
  },
  'ticket.updated'({ open }) {
    if (open) {
      chat.renderHeader();
      chat.renderComposer();
    }
  },
  'ticket.assigned': (change, replayed) => chat.assigned(change, replayed),
  'ticket.message.new': (change) => {
    typing.messageNew(change.message);
    chat.messageNew(change);
  },
  'ticket.message.viewed': (change) => chat.viewed(change),
  'ticket.message.list': (change) => chat.draw(change),
  'ticket.message.delivery': (change) => chat.delivery(change),
  'ticket.user.blocked': (change) => chat.userChanged(change),
  'ticket.user.updated': (change) => chat.userChanged(change),
  error: (change) => chat.error(change),
};

/** Events of notes, canned replies and typing: their controllers' (no list state changes). */
const teamEvents = {
  'ticket.note.new': (event) => notes.noteNew(event.note),
  'canned.changed': () => canned.reload(),
  // Typing is of the moment: a replayed one is long over.
  'ticket.typing': (event, replayed) => {
    if (!replayed) typing.seen(event);
  },
};

/**
 * Applies one server event to the state, then to the page. `replayed` events were applied once
 * already, before a REST reload; they are applied again on top of its results.
 */
function handleEvent(event, replayed = false) {
  const team = teamEvents[event.type];
  if (team) {
    team(event, replayed);
    return;
  }
  const change = state.apply(event, { replayed });
  if (!change) return;
  effects[change.type](change, replayed);
  if (change.type !== 'error') renderSoon();
  const alert = attentionFor(change, {
    replayed,
    isMine: (ticket) => state.isMine(ticket),
    ticketOf: (id) => state.tickets.get(id),
  });
  if (alert) attention.raise(alert, state.openId);
}

// ---- Alerts and keyboard shortcuts -------------------------------------------------------------

attention.onOpen = (id) => {
  location.hash = `#/ticket/${id}`;
};
document.getElementById('help-open').addEventListener('click', () => {
  attention.closeMenu(false);
  help.open();
});

/** Whether a dialog or menu is open (shortcuts wait, except Escape). */
function overlayOpen() {
  return attention.menuOpen || document.querySelector('dialog[open]') !== null;
}

bindShortcuts(
  {
    next: () => stepTicket('next'),
    prev: () => stepTicket('prev'),
    assign() {
      const ticket = state.openTicket();
      if (!ticket || state.isMine(ticket)) return false;
      chat.assignClicked();
      return true;
    },
    resolve() {
      if (!state.openTicket()) return false;
      chat.resolveClicked();
      return true;
    },
    compose() {
      if (!state.chat || !views.composer.visible) return false;
      views.composer.focus();
      return true;
    },
    search: () => searchView.focus(),
    help: () => help.open(),
    escape() {
      if (help.isOpen) help.close();
      else if (attention.menuOpen) attention.closeMenu(true);
      else return false;
      return true;
    },
  },
  { active: () => Boolean(state.me), overlay: overlayOpen },
);

/** `j`/`k`: opens the next or previous ticket of the list on screen. */
function stepTicket(action) {
  if (!state.me) return false;
  const id = stepIn(listView.shownIds(), state.openId, action);
  if (id === null) return true;
  location.hash = `#/ticket/${id}`;
  listView.item(id)?.scrollIntoView({ block: 'nearest' });
  return true;
}

// ---- Language and the skip link ----------------------------------------------------------------

onLangChange(() => {
  applyStatic();
  attention.render();
  if (help.isOpen) help.render();
  if (state.me) {
    renderConnection();
    renderLists();
    // The bubbles again, for the new day names and labels.
    chat.rerender();
    if (canned.dialog.isOpen) canned.dialog.render();
  } else {
    shell.relabel();
    document.title = t('app.title');
  }
});
shell.bind('lang', setLang);

shell.bind('skip', () => {
  if (state.chat && views.composer.visible) views.composer.focus();
  else if (state.chat) views.chat.focusMessages();
  else listView.focusFirst();
});

// ---- Boot --------------------------------------------------------------------------------------

async function boot() {
  document.documentElement.lang = lang();
  applyStatic();
  renderConnection();
  try {
    startApp(await api.me());
  } catch (err) {
    showLogin(err instanceof ApiError && err.status === 401 ? '' : errorText(err));
  }
}

boot();
