// Notes, canned replies and typing (issue 17, parts 4 and 5), without a browser: filling a
// canned reply's variables, where `/` starts a search and what it finds, notes among messages in
// time order, and the typing throttle and expiry with a clock passed in.
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { cannedProblems, fillVariables, filterCanned, insertCanned, slashQuery, variablesFor } from '../canned.js';
import { NoteList, compareEntries, mergeTimeline, noteTooLong } from '../notes.js';
import { SEND_EVERY_MS, SHOW_FOR_MS, TypingBoard, TypingThrottle, typingFrame } from '../typing.js';

const TICKET = {
  id: 42,
  title: 'Cannot sign in',
  user: { telegram_id: 7001, first_name: 'Анна', last_name: 'Li', username: 'anna_li' },
};
const ME = { id: 1, username: 'boris', first_name: 'Boris', last_name: 'Ivanov', display_name: 'Boris I.' };

describe('canned reply variables', () => {
  test('every variable from the ticket and the manager', () => {
    const values = variablesFor(TICKET, ME);
    const text = '{first_name} {last_name} @{username} {name} #{ticket_id} {manager_name}';
    assert.equal(fillVariables(text, values), 'Анна Li @anna_li Анна Li #42 Boris I.');
  });

  test('unknown variables stay as typed, repeated ones are all filled', () => {
    const values = variablesFor(TICKET, ME);
    assert.equal(
      fillVariables('Hi {first_name}, {first_name}! {order} {First_name} {} { name }', values),
      'Hi Анна, Анна! {order} {First_name} {} { name }',
    );
  });

  test('a value that looks like a variable is not filled again', () => {
    const values = variablesFor({ ...TICKET, user: { first_name: '{ticket_id}' } }, ME);
    assert.equal(fillVariables('{first_name} {ticket_id}', values), '{ticket_id} 42');
  });

  test('markup in names stays text', () => {
    const values = variablesFor({ ...TICKET, user: { first_name: '<b>Анна</b>', last_name: '<img src=x onerror=alert(1)>' } }, ME);
    assert.equal(fillVariables('Hello {first_name} {last_name}', values), 'Hello <b>Анна</b> <img src=x onerror=alert(1)>');
  });

  test('missing parts of a profile are empty; the name falls back', () => {
    const values = variablesFor({ id: 5, user: { telegram_id: 99 } }, { id: 2, username: 'ann' }, (id) => `User ${id}`);
    assert.equal(values.first_name, '');
    assert.equal(values.username, '');
    assert.equal(values.name, 'User 99');
    assert.equal(values.manager_name, 'ann');
    assert.equal(values.ticket_id, '5');
  });
});

describe('the canned picker', () => {
  test('a slash at the start or after a space starts a search', () => {
    assert.deepEqual(slashQuery('/'), { start: 0, query: '' });
    assert.deepEqual(slashQuery('/hel'), { start: 0, query: 'hel' });
    assert.deepEqual(slashQuery('Thanks /ref'), { start: 7, query: 'ref' });
    assert.deepEqual(slashQuery('line\n/ref'), { start: 5, query: 'ref' });
    assert.equal(slashQuery('http://x'), null);
    assert.equal(slashQuery('a/b'), null);
    assert.equal(slashQuery('/hel lo'), null);
    // The caret decides: the word it is in.
    assert.deepEqual(slashQuery('/hel tail', 4), { start: 0, query: 'hel' });
  });

  const LIST = [
    { id: 3, title: 'Delivery times', text: 'Orders ship in 2 days. Say hello to the courier.' },
    { id: 1, title: 'Hello', text: 'Hello {first_name}, ticket {ticket_id}' },
    { id: 2, title: 'Refund', text: 'We refund within 5 days.' },
    { id: 4, title: 'Say hello', text: 'Hi!' },
  ];

  test('filters by title first, then by text, case-insensitively', () => {
    assert.deepEqual(filterCanned(LIST, 'hel').map((r) => r.id), [1, 4, 3]);
    assert.deepEqual(filterCanned(LIST, 'HEL').map((r) => r.id), [1, 4, 3]);
    assert.deepEqual(filterCanned(LIST, 'refund').map((r) => r.id), [2]);
    assert.deepEqual(filterCanned(LIST, 'nothing'), []);
    assert.deepEqual(filterCanned(LIST, '').map((r) => r.id), [3, 1, 2, 4]);
  });

  test('inserting replaces the slash word only', () => {
    const value = 'Hi. /hel and more';
    const search = slashQuery(value, 8);
    assert.deepEqual(insertCanned(value, 8, search, 'Hello Анна'), { value: 'Hi. Hello Анна and more', caret: 14 });
  });

  test('a canned reply is checked before it is sent', () => {
    assert.deepEqual(cannedProblems({ title: ' ', text: 'x' }), { title: 'canned.titleMissing' });
    assert.deepEqual(cannedProblems({ title: 'x'.repeat(101), text: '' }), {
      title: 'canned.titleTooLong',
      text: 'canned.textMissing',
    });
    assert.deepEqual(cannedProblems({ title: 'Hi', text: 'x'.repeat(4096) }), {});
  });
});

describe('notes among messages', () => {
  const message = (id, at) => ({ id, ticket: 42, sender: 'user', text: `m${id}`, created_at: at });
  const note = (id, at) => ({ id, ticket: 42, text: `n${id}`, created_at: at, manager: { id: 1 } });

  test('one conversation in time order', () => {
    const timeline = mergeTimeline(
      [message(2, '2026-12-03T10:05:00Z'), message(1, '2026-12-03T10:00:00Z'), message(3, '2026-12-03T10:09:00Z')],
      [note(7, '2026-12-03T10:06:00Z'), note(1, '2026-12-03T09:00:00Z'), note(9, '2026-12-03T10:10:00Z')],
    );
    assert.deepEqual(
      timeline.map((e) => `${e.kind[0]}${e.item.id}`),
      ['n1', 'm1', 'm2', 'n7', 'm3', 'n9'],
    );
  });

  test('at the same instant a message comes first; messages keep their id order', () => {
    const at = '2026-12-03T10:00:00Z';
    assert.ok(compareEntries({ kind: 'message', item: message(5, at) }, { kind: 'note', item: note(1, at) }) < 0);
    // Ids decide between messages even when their times disagree (a clock step).
    assert.ok(compareEntries({ kind: 'message', item: message(5, at) }, { kind: 'message', item: message(6, '2026-12-03T09:00:00Z') }) < 0);
  });

  test('a ticket keeps each of its notes once, oldest first', () => {
    const list = new NoteList(42);
    assert.deepEqual(list.add([note(2, '2026-12-03T10:06:00Z'), note(1, '2026-12-03T10:00:00Z')]).map((n) => n.id), [2, 1]);
    assert.deepEqual(list.add([note(2, '2026-12-03T10:06:00Z'), { ...note(3, 'x'), ticket: 41 }, { id: 'bad' }]), []);
    assert.deepEqual(list.notes.map((n) => n.id), [1, 2]);
  });

  test('the 10,000-character bound', () => {
    assert.equal(noteTooLong('я'.repeat(10000)), false);
    assert.equal(noteTooLong('😀'.repeat(10000)), false);
    assert.equal(noteTooLong('x'.repeat(10001)), true);
  });
});

describe('typing', () => {
  test('at most one frame every 3 s per ticket, only with input', () => {
    const throttle = new TypingThrottle();
    assert.deepEqual(typingFrame(5), { type: 'ticket.typing', ticket_id: 5 });
    assert.equal(throttle.due(5, false, 0), false);
    assert.equal(throttle.due(5, true, 1000), true);
    throttle.sent(5, 1000);
    assert.equal(throttle.due(5, true, 1000 + SEND_EVERY_MS - 1), false);
    assert.equal(throttle.due(6, true, 1500), true, 'another ticket has its own clock');
    assert.equal(throttle.due(5, true, 1000 + SEND_EVERY_MS), true);
  });

  test('others typing show for 5 s after their last event; our own is ignored', () => {
    const board = new TypingBoard();
    const anna = { id: 2, first_name: 'Anna' };
    assert.equal(board.seen({ type: 'ticket.typing', ticket_id: 5, manager: { id: 1 } }, 1, 0), null);
    assert.equal(board.seen({ type: 'ticket.typing', ticket_id: 5 }, 1, 0), null);
    assert.equal(board.seen({ type: 'ticket.typing', ticket_id: 5, manager: anna }, 1, 1000), 5);
    assert.deepEqual(board.typing(5, 1000), [anna]);
    assert.deepEqual(board.typing(6, 1000), []);
    assert.equal(board.nextExpiry(1000), 1000 + SHOW_FOR_MS);
    // Typing again pushes the end back.
    board.seen({ type: 'ticket.typing', ticket_id: 5, manager: anna }, 1, 4000);
    assert.deepEqual(board.typing(5, 1000 + SHOW_FOR_MS), [anna]);
    assert.deepEqual(board.activeTickets(8999), [5]);
    assert.deepEqual(board.typing(5, 4000 + SHOW_FOR_MS), []);
    assert.equal(board.nextExpiry(9000), null);
  });

  test('a reply ends the typing', () => {
    const board = new TypingBoard();
    board.seen({ ticket_id: 5, manager: { id: 2 } }, 1, 0);
    board.seen({ ticket_id: 5, manager: { id: 3 } }, 1, 0);
    assert.equal(board.stopped(5, 2), true);
    assert.deepEqual(board.typing(5, 10).map((m) => m.id), [3]);
  });
});
