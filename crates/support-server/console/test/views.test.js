// Unit tests of the views (views.js): which tickets each view shows, live as events change them;
// the query string each view, search and order make; the two orders; the search's bookkeeping
// (search-state.js). Run with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { SearchState } from '../search-state.js';
import { MAX_SEARCH, VIEWS, byWaiting, homeView, inView, listQuery, normalizeSearch, queryString } from '../views.js';
import { BOB, ME, assigned, at, created, ids, message, mine, newMessage, page, reload, signedIn, ticket, updated } from './fixtures.js';

const bobs = (id, fields = {}) => ticket(id, { support_manager: { id: BOB, first_name: 'Bob' }, ...fields });

/** The views a ticket is on, for the manager ME. */
function viewsOf(tk) {
  return VIEWS.filter((view) => inView(view, tk, ME.id));
}

describe('view membership', () => {
  test('each ticket is on open and one other view, or on resolved only', () => {
    assert.deepEqual(viewsOf(ticket(1)), ['open', 'unassigned']);
    assert.deepEqual(viewsOf(mine(1)), ['open', 'mine']);
    assert.deepEqual(viewsOf(bobs(1)), ['open', 'others']);
    assert.deepEqual(viewsOf(bobs(1, { resolved: true })), ['resolved']);
    assert.deepEqual(viewsOf(ticket(1, { resolved: true })), ['resolved']);
    assert.equal(homeView(bobs(1), ME.id), 'others');
    assert.equal(homeView(mine(1, { resolved: true }), ME.id), 'resolved');
    assert.equal(inView('nonsense', ticket(1), ME.id), false);
  });

  test('a ticket moves between views as events change it', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    assert.deepEqual(VIEWS.map((v) => ids(state, v)), [[1], [1], [], [], []]);
    state.apply(assigned(1, BOB));
    assert.deepEqual(VIEWS.map((v) => ids(state, v)), [[1], [], [], [1], []]);
    state.apply(assigned(1, ME.id));
    assert.deepEqual(VIEWS.map((v) => ids(state, v)), [[1], [], [1], [], []]);
    state.apply(updated(mine(1, { resolved: true })));
    assert.deepEqual(VIEWS.map((v) => ids(state, v)), [[], [], [], [], [1]]);
  });

  test('a reload fills the new views; another manager’s tickets stay on others', () => {
    const state = signedIn();
    reload(state, { open: [ticket(1), bobs(2)], others: [bobs(2)], unassigned: [ticket(1)] });
    assert.deepEqual(ids(state, 'others'), [2]);
    assert.deepEqual(ids(state, 'open'), [2, 1]);
  });

  test('tab badges count tickets with unread messages per view', () => {
    const state = signedIn();
    state.apply(created(ticket(1, { unread_count: 0 })));
    state.apply(created(bobs(2, { unread_count: 0 })));
    state.apply(newMessage(message(10, 1)));
    state.apply(newMessage(message(11, 2)));
    assert.equal(state.unreadTicketsOf('open'), 2);
    assert.equal(state.unreadTicketsOf('others'), 1);
    assert.equal(state.unreadTicketsOf('unassigned'), 1);
    assert.equal(state.unreadTicketsOf('mine'), 0);
  });
});

describe('queries', () => {
  test('each view with its filter, the order, and a search only when there is one', () => {
    const q = (view, opts) => queryString(view, ME.id, opts, 50, 0);
    assert.equal(q('open', {}), 'resolved=false&ordering=-updated_at&limit=50&offset=0');
    assert.equal(q('unassigned', {}), 'resolved=false&manager__isnull=true&ordering=-updated_at&limit=50&offset=0');
    assert.equal(q('mine', { ordering: 'waiting' }), 'resolved=false&manager=7&ordering=waiting&limit=50&offset=0');
    assert.equal(q('others', { search: 'anna' }), 'resolved=false&not_manager=7&search=anna&ordering=-updated_at&limit=50&offset=0');
    assert.equal(q('resolved', { search: '   ' }), 'resolved=true&ordering=-updated_at&limit=50&offset=0');
    assert.equal(q('open', { ordering: 'bogus' }), 'resolved=false&ordering=-updated_at&limit=50&offset=0');
  });

  test('search text is encoded, never interpreted', () => {
    assert.equal(queryString('open', ME.id, { search: '#12' }).split('&')[1], 'search=%2312');
    assert.equal(queryString('open', ME.id, { search: '100% "a&b"' }).split('&')[1], 'search=100%25+%22a%26b%22');
    assert.deepEqual(listQuery('open', ME.id, { search: ' %_ ' }).search, '%_');
  });

  test('a search is trimmed and cut to the longest the server takes', () => {
    assert.equal(normalizeSearch('  hello  '), 'hello');
    assert.equal(normalizeSearch(''), '');
    assert.equal(normalizeSearch(undefined), '');
    assert.equal([...normalizeSearch('я'.repeat(300))].length, MAX_SEARCH);
  });
});

describe('orders', () => {
  const waiting = (id, lastAt, sender) => ticket(id, { last_message: message(lastAt, id, { sender }), updated_at: at(lastAt) });

  test('waiting longest: users waiting first (oldest first), then the others by oldest activity', () => {
    const list = [waiting(1, 50, 'supp'), waiting(2, 40, 'user'), waiting(3, 30, 'user'), waiting(4, 20, 'supp'), ticket(5)];
    assert.deepEqual(list.sort(byWaiting).map((t) => t.id), [3, 2, 5, 4, 1]);
  });

  test('the state sorts every list by its order', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.apply(created(ticket(2)));
    state.apply(newMessage(message(30, 1)));
    state.apply(newMessage(message(40, 2, { sender: 'supp', viewed: true })));
    assert.deepEqual(ids(state, 'open'), [2, 1]);
    state.ordering = 'waiting';
    assert.deepEqual(ids(state, 'open'), [1, 2], 'the user of #1 wrote last');
  });
});

describe('search state', () => {
  test('an empty search is no search', () => {
    const search = new SearchState();
    assert.equal(search.begin('   '), null);
    assert.equal(search.active, false);
  });

  test('results replace the list; an older answer is ignored; more pages append', () => {
    const search = new SearchState();
    const first = search.begin('anna');
    const second = search.begin('anna p');
    assert.equal(search.arrived(first, page([ticket(1)])), false, 'stale');
    assert.equal(search.arrived(second, page([ticket(2), ticket(3)], '/next')), true);
    assert.deepEqual(search.ids, [2, 3]);
    assert.deepEqual(search.meta, { loading: false, hasMore: true, error: null, loaded: true });
    const more = search.beginMore();
    assert.equal(search.beginMore(), null, 'one page at a time');
    search.arrived(more, page([ticket(3), ticket(4)]), true);
    assert.deepEqual(search.ids, [2, 3, 4]);
    assert.equal(search.offset, 4);
    assert.equal(search.hasMore, false);
  });

  test('the state shows the results still on the view, in its order', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.apply(created(ticket(2)));
    state.apply(created(ticket(3)));
    state.apply(assigned(2, BOB));
    assert.deepEqual(state.ticketsAmong('unassigned', [1, 2, 3, 99]).map((t) => t.id), [3, 1]);
  });

  test('a failure is kept to show', () => {
    const search = new SearchState();
    const run = search.begin('x');
    search.failed(run, new Error('boom'));
    assert.equal(search.meta.error.message, 'boom');
    search.clear();
    assert.equal(search.active, false);
  });
});
