// Unit tests of the alerts' decision (attention.js): which events alert whom, and how (a browser
// notification, a beep). Run with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ATTENTION_DEFAULTS, attentionFor, channelsFor, parsePrefs } from '../attention.js';
import { BOB, assigned, created, message, mine, newMessage, signedIn, ticket } from './fixtures.js';

/** The alert for an event applied to `state`, as app.js asks for it. */
function alertOf(state, event, replayed = false) {
  const change = state.apply(event, { replayed });
  return attentionFor(change, { replayed, isMine: (tk) => state.isMine(tk), ticketOf: (id) => state.tickets.get(id) });
}

describe('who is alerted of what', () => {
  test('a new ticket alerts every manager, once', () => {
    const state = signedIn();
    const alert = alertOf(state, created(ticket(1)));
    assert.equal(alert.kind, 'ticket');
    assert.equal(alert.ticketId, 1);
    assert.equal(alertOf(state, created(ticket(1))), null, 'known already');
    assert.equal(alertOf(signedIn(), created(ticket(2)), true), null, 'replayed after a reload');
  });

  test("a user's new message alerts the manager holding the ticket only", () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    state.apply(created(ticket(2)));
    state.apply(created(ticket(3)));
    state.apply(assigned(3, BOB));
    const alert = alertOf(state, newMessage(message(10, 1)));
    assert.equal(alert.kind, 'message');
    assert.equal(alert.message.id, 10);
    assert.equal(alertOf(state, newMessage(message(11, 2))), null, 'unassigned: the new ticket alert was enough');
    assert.equal(alertOf(state, newMessage(message(12, 3))), null, "another manager's ticket");
  });

  test('no alert for replies, for a message seen before, or for a replayed one', () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    assert.equal(alertOf(state, newMessage(message(10, 1, { sender: 'supp', viewed: true }))), null, 'a reply');
    assert.notEqual(alertOf(state, newMessage(message(20, 1))), null);
    assert.equal(alertOf(state, newMessage(message(20, 1))), null, 'the same message again');
    assert.equal(alertOf(state, newMessage(message(30, 1)), true), null, 'replayed');
    assert.equal(alertOf(state, { type: 'ticket.updated', ticket: mine(1) }), null);
    assert.equal(attentionFor(null), null);
  });
});

describe('how', () => {
  const alert = { kind: 'message', ticketId: 1 };
  const away = { visible: false, focused: false, openId: null, permission: 'granted' };
  const both = { notify: true, sound: true };

  test('everything is off until turned on', () => {
    assert.deepEqual(ATTENTION_DEFAULTS, { notify: false, sound: false });
    assert.deepEqual(channelsFor(alert, ATTENTION_DEFAULTS, away), { notify: false, sound: false });
    assert.deepEqual(parsePrefs(null), { notify: false, sound: false });
    assert.deepEqual(parsePrefs('{"notify":true,"sound":"yes","x":1}'), { notify: true, sound: false });
    assert.deepEqual(parsePrefs('not json'), { notify: false, sound: false });
  });

  test('a notification only when the page is not in front and the browser allows it', () => {
    assert.deepEqual(channelsFor(alert, both, away), { notify: true, sound: true });
    assert.deepEqual(channelsFor(alert, both, { ...away, permission: 'denied' }), { notify: false, sound: true });
    assert.deepEqual(channelsFor(alert, both, { ...away, visible: true, focused: true }), { notify: false, sound: true });
    assert.deepEqual(channelsFor(alert, { notify: true, sound: false }, away), { notify: true, sound: false });
  });

  test('nothing for a message of the chat the manager is looking at', () => {
    const looking = { visible: true, focused: true, openId: 1, permission: 'granted' };
    assert.deepEqual(channelsFor(alert, both, looking), { notify: false, sound: false });
    assert.deepEqual(channelsFor(alert, both, { ...looking, focused: false }), { notify: true, sound: true });
    assert.deepEqual(channelsFor({ kind: 'ticket', ticketId: 1 }, both, looking), { notify: false, sound: true });
    assert.deepEqual(channelsFor(null, both, away), { notify: false, sound: false });
  });
});
