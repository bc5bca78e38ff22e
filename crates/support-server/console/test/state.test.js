// Unit tests of the console's state (state.js): the lists, unread counts, reloads and paging.
// Run from the repository root with `node --test crates/support-server/console/test/`. No browser:
// importing the modules here also proves they touch no DOM, window, storage or location.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { LISTS, activityOf } from '../state.js';
import {
  BOB,
  ME,
  assigned,
  at,
  created,
  ids,
  message,
  mine,
  newMessage,
  page,
  reload,
  signedIn,
  ticket,
  updated,
  viewed,
} from './fixtures.js';

// ---- Lists -------------------------------------------------------------------------------------

describe('list membership', () => {
  test('a created ticket is unassigned, and is new only once', () => {
    const state = signedIn();
    const first = state.apply(created(ticket(1)));
    assert.equal(first.isNew, true);
    assert.deepEqual(ids(state, 'unassigned'), [1]);
    assert.equal(state.apply(created(ticket(1))).isNew, false);
    assert.deepEqual(ids(state, 'unassigned'), [1]);
  });

  test('assigned to me it moves to mine; taken by another manager it moves to others', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    const toMe = state.apply(assigned(1, ME.id));
    assert.equal(toMe.mine, true);
    assert.equal(toMe.wasMine, false);
    assert.deepEqual(ids(state, 'unassigned'), []);
    assert.deepEqual(ids(state, 'mine'), [1]);
    assert.equal(state.tickets.get(1).support_manager.first_name, 'Anna');

    const taken = state.apply(assigned(1, BOB));
    assert.equal(taken.mine, false);
    assert.equal(taken.wasMine, true, 'the page warns that the ticket was taken');
    for (const list of ['unassigned', 'mine', 'resolved']) assert.deepEqual(ids(state, list), [], list);
    assert.deepEqual(ids(state, 'others'), [1]);
    assert.deepEqual(ids(state, 'open'), [1], 'still open');
    assert.equal(state.listOf(state.tickets.get(1)), 'others');
    assert.equal(taken.refetch, false, "nobody shows Bob's name: no fetch");
  });

  test("another manager's name is fetched when their ticket is open, or an unknown ticket becomes mine", () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.openChat(1);
    assert.equal(state.apply(assigned(1, BOB)).refetch, true);
    assert.equal(state.apply(assigned(1, BOB)).refetch, false, 'the same manager again: nothing new');
    assert.equal(state.apply(assigned(2, ME.id)).refetch, true, 'unknown, now mine');
    assert.equal(state.apply(assigned(3, BOB)).refetch, false, "unknown and someone else's");
  });

  test('resolved tickets move to resolved and come back to mine when reopened', () => {
    const state = signedIn();
    state.apply(created(mine(1)));
    state.apply(updated(mine(1, { resolved: true })));
    assert.deepEqual(ids(state, 'mine'), []);
    assert.deepEqual(ids(state, 'resolved'), [1]);
    state.apply(updated(mine(1, { resolved: false })));
    assert.deepEqual(ids(state, 'resolved'), []);
    assert.deepEqual(ids(state, 'mine'), [1]);
  });

  test('a ticket.updated keeps the extension fields it lacks and a newer updated_at', () => {
    const state = signedIn();
    state.upsert(ticket(1, { unread_count: 3, updated_at: at(50), last_message: message(50, 1) }));
    state.apply(updated(ticket(1, { title: 'Renamed', updated_at: at(20) })));
    const t = state.tickets.get(1);
    assert.equal(t.title, 'Renamed');
    assert.equal(t.unread_count, 3);
    assert.equal(t.updated_at, at(50));
    assert.equal(t.last_message.id, 50);
  });

  test('lists are ordered by the newest activity, ties by id', () => {
    const state = signedIn();
    for (const id of [1, 2, 3]) state.apply(created(ticket(id)));
    assert.deepEqual(ids(state, 'unassigned'), [3, 2, 1]);
    state.apply(newMessage(message(10, 1)));
    assert.deepEqual(ids(state, 'unassigned'), [1, 3, 2], 'a new message moves its ticket to the top');
    state.upsert(ticket(4, { created_at: at(10) }));
    assert.deepEqual(ids(state, 'unassigned'), [4, 1, 3, 2], 'same time: the larger id first');
    assert.equal(activityOf(state.tickets.get(1)), at(10));
  });

  test('microseconds decide the order', () => {
    const state = signedIn();
    state.upsert(ticket(1, { created_at: '2026-03-01T10:00:00.000002Z' }));
    state.upsert(ticket(2, { created_at: '2026-03-01T10:00:00.000001Z' }));
    assert.deepEqual(ids(state, 'unassigned'), [1, 2]);
  });
});

// ---- Unread counts -----------------------------------------------------------------------------

describe('unread counts', () => {
  test('new user messages count, manager replies and already viewed or older ones do not', () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    state.apply(newMessage(message(10, 1)));
    state.apply(newMessage(message(11, 1)));
    assert.equal(state.tickets.get(1).unread_count, 2);
    state.apply(newMessage(message(12, 1, { sender: 'supp' })));
    state.apply(newMessage(message(13, 1, { viewed: true })));
    assert.equal(state.tickets.get(1).unread_count, 2);
    state.apply(newMessage(message(11, 1)));
    state.apply(newMessage(message(5, 1, { created_at: at(5) })));
    assert.equal(state.tickets.get(1).unread_count, 2, 'a repeat or an older message is not new');
    assert.equal(state.unreadTicketsOf('mine'), 1, 'tickets with unread messages, not messages');
    assert.equal(state.unreadTicketsOf('unassigned'), 0);
  });

  test('a viewed mark sent here counts once, its echo does not count again', () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    state.openChat(1);
    state.apply(newMessage(message(10, 1)));
    state.apply(newMessage(message(11, 1)));
    assert.equal(state.tickets.get(1).unread_count, 2);

    state.shown([10]);
    assert.deepEqual(state.marksToSend(), [10]);
    state.markSent(10);
    assert.equal(state.tickets.get(1).unread_count, 1);
    assert.deepEqual(state.marksToSend(), [], 'sent once');

    state.apply(viewed(message(10, 1)));
    assert.equal(state.tickets.get(1).unread_count, 1, 'the echo is not counted twice');

    state.apply(newMessage(message(12, 1)));
    state.shown([11]);
    state.markSent(11);
    assert.equal(state.tickets.get(1).unread_count, 1);
    state.closeChat();
    state.apply(viewed(message(11, 1)));
    assert.equal(state.tickets.get(1).unread_count, 1, 'nor when it comes after the chat was closed');
  });

  test("another manager's viewed marks count once each and never below zero", () => {
    const state = signedIn();
    state.upsert(ticket(1, { unread_count: 2 }));
    state.apply(viewed(message(10, 1)));
    state.apply(viewed(message(10, 1)));
    assert.equal(state.tickets.get(1).unread_count, 1);
    state.apply(viewed(message(12, 1, { sender: 'supp' })));
    assert.equal(state.tickets.get(1).unread_count, 1, 'manager messages are not unread');
    state.apply(viewed(message(11, 1)));
    state.apply(viewed(message(13, 1)));
    assert.equal(state.tickets.get(1).unread_count, 0);
  });

  test('no viewed marks for a ticket that is not mine, until it is', () => {
    const state = signedIn();
    state.apply(created(ticket(1, { unread_count: 1 })));
    state.openChat(1);
    state.chat.addMessages([message(10, 1), message(11, 1, { sender: 'supp', viewed: true })]);
    state.shown([10, 11, 99]);
    assert.deepEqual(state.marksToSend(), [], 'looking at an unassigned ticket marks nothing');
    state.apply(assigned(1, ME.id));
    assert.deepEqual(state.marksToSend(), [10], 'manager messages and unknown ids need no mark');
  });
});

// ---- Reloads and paging ------------------------------------------------------------------------

describe('reloads and list paging', () => {
  test('a reload sets each list offset and whether more pages exist', () => {
    const state = signedIn();
    const done = reload(
      state,
      { unassigned: [ticket(1), ticket(2)], mine: [mine(3)], resolved: [] },
      { next: { unassigned: '/next' } },
    );
    assert.deepEqual(done, { failure: null, replay: [] });
    assert.deepEqual(
      LISTS.map((l) => [state.lists[l].offset, state.lists[l].hasMore, state.lists[l].loaded]),
      [
        [0, false, true],
        [2, true, true],
        [1, false, true],
        [0, false, true],
        [0, false, true],
      ],
    );
  });

  test('load more continues at the offset, and stops on the last page', () => {
    const state = signedIn();
    reload(state, { unassigned: [ticket(1), ticket(2)] }, { next: { unassigned: '/next' } });
    assert.equal(state.beginMore('unassigned'), true);
    assert.equal(state.beginMore('unassigned'), false, 'not twice at once');
    assert.equal(state.lists.unassigned.offset, 2, 'the request starts after what we have');
    state.moreArrived('unassigned', page([ticket(3)], '/more'));
    assert.equal(state.lists.unassigned.offset, 3);
    assert.equal(state.lists.unassigned.hasMore, true);
    assert.equal(state.beginMore('unassigned'), true);
    state.moreArrived('unassigned', page([], '/more'));
    assert.equal(state.lists.unassigned.hasMore, false, 'an empty page ends the list');
    assert.equal(state.beginMore('unassigned'), false);
    assert.equal(state.beginMore('mine'), false, 'a list without more pages');
    assert.deepEqual(ids(state, 'unassigned'), [3, 2, 1]);
  });

  test('a failed page keeps what was loaded and can be retried', () => {
    const state = signedIn();
    reload(state, { unassigned: [ticket(1)] }, { next: { unassigned: '/next' } });
    state.beginMore('unassigned');
    const error = new Error('offline');
    state.moreFailed('unassigned', error);
    assert.equal(state.lists.unassigned.error, error);
    assert.equal(state.lists.unassigned.offset, 1);
    assert.equal(state.beginMore('unassigned'), true);
  });

  test('a reload replaces the tickets but keeps the open one', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.apply(created(ticket(2)));
    state.apply(created(ticket(3)));
    state.openChat(2);
    reload(state, { unassigned: [ticket(3)] });
    assert.deepEqual([...state.tickets.keys()].sort(), [2, 3]);
  });

  test('when a list fails the others are merged and the failure reported', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    const error = new Error('500');
    const done = reload(state, { unassigned: [ticket(2)], mine: error });
    assert.equal(done.failure, error);
    assert.equal(state.lists.mine.error, error);
    assert.equal(state.lists.unassigned.error, null);
    assert.deepEqual(ids(state, 'unassigned'), [2, 1], 'nothing dropped on a partial answer');
  });

  test('a stale reload changes nothing', () => {
    const state = signedIn();
    const first = state.beginReload();
    reload(state, { unassigned: [ticket(2)] });
    const late = LISTS.map(() => ({ status: 'fulfilled', value: page([ticket(1)]) }));
    assert.equal(state.finishReload(first, late), null);
    assert.deepEqual(ids(state, 'unassigned'), [2]);
    const run = state.beginReload();
    state.signOut();
    assert.equal(state.finishReload(run, late), null);
    assert.equal(state.tickets.size, 0);
  });

  test('events during a reload are replayed on top of it without counting twice', () => {
    const state = signedIn();
    reload(state, { mine: [mine(1, { unread_count: 0 })] });
    const run = state.beginReload();
    const live = [
      created(ticket(2)),
      newMessage(message(10, 1)),
      { type: 'error', request: 'ticket.assign', code: 'not_found', detail: 'Not found.' },
    ];
    for (const event of live) {
      state.noteEvent(event);
      state.apply(event);
    }
    assert.equal(state.tickets.get(1).unread_count, 1);
    // The REST answers were computed after those events: they already include them.
    const answered = [
      { status: 'fulfilled', value: page([ticket(2)]) },
      { status: 'fulfilled', value: page([mine(1, { unread_count: 1, updated_at: at(10), last_message: message(10, 1) })]) },
      { status: 'fulfilled', value: page([]) },
    ];
    state.pendingAssign = { id: 5, force: false };
    const { replay } = state.finishReload(run, answered);
    assert.deepEqual(replay, live, 'queued in arrival order');
    const changes = replay.map((event) => state.apply(event, { replayed: true }));
    assert.equal(state.tickets.get(1).unread_count, 1, 'the message is not counted again');
    assert.equal(changes[0].isNew, false, 'no second "new ticket" toast');
    assert.equal(changes[2], null, 'a replayed error is ignored');
    assert.deepEqual(state.pendingAssign, { id: 5, force: false });
    state.noteEvent(created(ticket(3)));
    assert.deepEqual(state.replay, [], 'nothing is queued once the reload is over');
  });

  test('the REST filters of the lists', () => {
    const state = signedIn();
    const order = { ordering: '-updated_at' };
    assert.deepEqual(state.filterFor('open'), { resolved: 'false', ...order });
    assert.deepEqual(state.filterFor('unassigned'), { resolved: 'false', manager__isnull: 'true', ...order });
    assert.deepEqual(state.filterFor('mine'), { resolved: 'false', manager: '7', ...order });
    assert.deepEqual(state.filterFor('others'), { resolved: 'false', not_manager: '7', ...order });
    assert.deepEqual(state.filterFor('resolved'), { resolved: 'true', ...order });
    state.ordering = 'waiting';
    assert.deepEqual(state.filterFor('mine', '  anna '), { resolved: 'false', manager: '7', search: 'anna', ordering: 'waiting' });
  });
});
