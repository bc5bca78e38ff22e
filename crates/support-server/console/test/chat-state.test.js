// Unit tests of the open chat's state (chat-state.js, through state.js as the controllers use it):
// messages, history paging, pending replies and their echoes, assignment and errors.
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { MESSAGE_PAGE } from '../chat-state.js';
import { BOB, ME, assigned, created, message, mine, newMessage, page, signedIn, ticket } from './fixtures.js';

// ---- The open chat -----------------------------------------------------------------------------

describe('the open chat', () => {
  test('messages are kept once each, in id order, only for the open ticket', () => {
    const state = signedIn();
    const chat = state.openChat(1);
    assert.equal(state.openChat(1), null, 'already open');
    const first = chat.addMessages([message(3, 1), message(1, 1), message(2, 2)]);
    assert.deepEqual(first.added.map((m) => m.id), [3, 1]);
    const again = chat.addMessages([message(1, 1, { viewed: true }), message(2, 1)]);
    assert.deepEqual(again.added.map((m) => m.id), [2]);
    assert.deepEqual(chat.messages.map((m) => m.id), [1, 2, 3]);
    assert.equal(chat.byId.get(1).viewed, true, 'a repeat can mark a message viewed');
    chat.addMessages([message(1, 1, { viewed: false })]);
    assert.equal(chat.byId.get(1).viewed, true, 'but never unviewed');
    assert.equal(state.closeChat(), 1);
    assert.equal(state.chat, null);
  });

  test('a new message reaches the open chat only', () => {
    const state = signedIn();
    state.apply(created(mine(1)));
    state.apply(created(mine(2)));
    state.openChat(1);
    const here = state.apply(newMessage(message(10, 1)));
    assert.equal(here.open, true);
    assert.deepEqual(here.added.map((m) => m.id), [10]);
    const there = state.apply(newMessage(message(11, 2)));
    assert.equal(there.open, false);
    assert.deepEqual(there.added, []);
    assert.deepEqual(state.chat.messages.map((m) => m.id), [10]);
    assert.equal(state.apply(newMessage(message(12, 3))).refetch, true, 'an unknown ticket is fetched');
  });

  test('history pages: the newest first, older ones by offset until the beginning', () => {
    const state = signedIn();
    const chat = state.openChat(1);
    const newest = Array.from({ length: MESSAGE_PAGE }, (_, i) => message(100 - i, 1));
    const first = chat.beginNewest();
    assert.equal(first, true);
    chat.newestArrived(page(newest, '/older'), first);
    assert.equal(chat.hasMore, true);
    assert.equal(chat.loading, false);
    assert.equal(chat.beginOlder(), MESSAGE_PAGE, 'the next page starts after the messages we have');
    assert.equal(chat.beginOlder(), null, 'one older page at a time');
    chat.olderArrived(page([message(70, 1), message(69, 1)], null));
    assert.equal(chat.hasMore, false, 'the last page');
    assert.equal(chat.loadingOlder, false);
    assert.equal(chat.beginOlder(), null);
    assert.deepEqual(chat.messages.slice(0, 3).map((m) => m.id), [69, 70, 71]);
  });

  test('an older page of known messages only ends the history unless it is full', () => {
    const state = signedIn();
    const chat = state.openChat(1);
    chat.addMessages([message(5, 1), message(4, 1)]);
    chat.hasMore = true;
    chat.beginOlder();
    chat.olderArrived(page([message(4, 1)], '/older'));
    assert.equal(chat.hasMore, false, 'a short page of messages we have: nothing more to get');
  });

  test('a reload of the newest page later does not reset the history paging', () => {
    const state = signedIn();
    const chat = state.openChat(1);
    chat.newestArrived(page([message(2, 1)], '/older'), chat.beginNewest());
    const first = chat.beginNewest();
    assert.equal(first, false);
    chat.newestArrived(page([message(3, 1), message(2, 1)], null), first);
    assert.equal(chat.hasMore, true, 'only the first load decides whether older pages exist');
  });
});

// ---- Replies -----------------------------------------------------------------------------------

describe('pending replies', () => {
  function chatWith(state, ...messages) {
    state.apply(created(mine(1)));
    state.openChat(1);
    state.chat.addMessages(messages);
    return state.chat;
  }

  test('a reply waits until its echo comes back, then is settled', () => {
    const state = signedIn();
    const chat = chatWith(state, message(10, 1));
    state.setDraft(1, 'Hello');
    const pending = state.addPending('Hello');
    assert.equal(state.drafts.has(1), false, 'the draft is gone once sent');
    assert.equal(pending.afterId, 10);
    chat.sending(pending, 'ws');
    const echo = state.apply(newMessage(message(11, 1, { sender: 'supp', text: 'Hello', viewed: true })));
    assert.deepEqual(echo.settled, [pending]);
    assert.deepEqual(chat.pending, []);
    assert.deepEqual(chat.messages.map((m) => m.id), [10, 11]);
  });

  test('only a newer manager message with the same text is the echo', () => {
    const state = signedIn();
    const chat = chatWith(state, message(10, 1, { sender: 'supp', text: 'Same' }));
    const pending = state.addPending('Same');
    assert.deepEqual(state.apply(newMessage(message(11, 1, { text: 'Same' }))).settled, [], 'a user message');
    assert.deepEqual(state.apply(newMessage(message(12, 1, { sender: 'supp', text: 'Other' }))).settled, []);
    const older = chat.addMessages([message(9, 1, { sender: 'supp', text: 'Same' })]);
    assert.deepEqual(older.settled, [], 'an older message loaded later');
    assert.deepEqual(chat.pending, [pending]);
    assert.deepEqual(state.apply(newMessage(message(13, 1, { sender: 'supp', text: 'Same' }))).settled, [pending]);
  });

  test('the echo found in a reloaded page settles the reply', () => {
    const state = signedIn();
    const chat = chatWith(state, message(10, 1));
    const pending = state.addPending('Over REST');
    const change = chat.newestArrived(page([message(11, 1, { sender: 'supp', text: 'Over REST' })]), false);
    assert.deepEqual(change.settled, [pending]);
    assert.deepEqual(chat.pending, []);
  });

  test('a refused reply fails, can be retried, and a discarded one is gone', () => {
    const state = signedIn();
    const chat = chatWith(state);
    const pending = state.addPending('Hi');
    chat.sending(pending, 'ws');
    const change = state.apply({ type: 'error', request: 'ticket.message.new', code: 'invalid', detail: 'Too long.' });
    assert.equal(change.failedPending, pending);
    assert.equal(pending.state, 'failed');
    assert.equal(pending.error, 'Too long.');
    chat.sending(pending, 'rest');
    assert.equal(pending.state, 'sending');
    assert.equal(pending.error, '');
    assert.equal(chat.dropPending(pending), true);
    assert.equal(chat.failPending(pending, 'late'), false, 'a discarded reply cannot fail any more');
    assert.equal(chat.dropPending(pending), false);
  });

  test('each reply gets its own page id', () => {
    const state = signedIn();
    chatWith(state);
    const a = state.addPending('a');
    const b = state.addPending('b');
    assert.notEqual(a.temp, b.temp);
  });
});

// ---- Assignment and errors ---------------------------------------------------------------------

describe('assignment', () => {
  test('asking makes the open chat busy until the answer', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.openChat(1);
    assert.equal(state.beginAssign(1, false), true);
    assert.equal(state.chat.busy.assign, true);
    const change = state.apply(assigned(1, ME.id));
    assert.equal(change.wasPending, true);
    assert.equal(state.pendingAssign, null);
    assert.equal(state.chat.busy.assign, false);
    assert.equal(state.canReply(state.openTicket()), true);
  });

  test('without an answer the button works again', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.openChat(1);
    state.beginAssign(1, false);
    assert.equal(state.assignTimedOut(1), true);
    assert.equal(state.assignTimedOut(1), false);
  });

  test('a lost race is reported with the ticket, other errors are told or kept quiet', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.openChat(1);
    state.beginAssign(1, false);
    const raced = state.apply({ type: 'error', request: 'ticket.assign', code: 'already_assigned', detail: 'Taken.' });
    assert.deepEqual(
      { id: raced.assignFailed, raced: raced.raced, open: raced.open, detail: raced.detail },
      { id: 1, raced: true, open: true, detail: 'Taken.' },
    );
    assert.equal(state.chat.busy.assign, false);
    assert.equal(state.pendingAssign, null);
    const quiet = state.apply({ type: 'error', request: 'ticket.message.viewed', code: 'not_found' });
    assert.equal(quiet.quiet, true);
    const other = state.apply({ type: 'error', code: 'bad_request' });
    assert.equal(other.detail, 'bad_request', 'the code when there is no detail');
    assert.equal(other.quiet, undefined);
  });

  test('a resolved ticket or one of another manager cannot be replied to', () => {
    const state = signedIn();
    assert.equal(state.canReply(mine(1)), true);
    assert.equal(state.canReply(mine(1, { resolved: true })), false);
    assert.equal(state.canReply(ticket(1, { support_manager: { id: BOB } })), false);
    assert.equal(state.canReply(null), false);
  });

  test('unknown event types change nothing', () => {
    const state = signedIn();
    assert.equal(state.apply({ type: 'ticket.future', id: 1 }), null);
    assert.equal(state.tickets.size, 0);
  });
});
