// Unit tests of the delivery of replies and blocked users (issue 13 extensions): the `delivery`
// record (delivery.js), `ticket.message.delivery` and `ticket.user.blocked` applied to the state,
// and the retry of a failed reply. Run with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { deliveryOf, failureReason, isNewerDelivery } from '../delivery.js';
import { isBlocked } from '../state.js';
import {
  at,
  blocked,
  created,
  delivery,
  message,
  mine,
  newMessage,
  page,
  reload,
  reply,
  signedIn,
  ticket,
  updated,
} from './fixtures.js';

const FORBIDDEN = { error_code: 403, error: 'Forbidden: bot was blocked by the user' };

/** A signed-in state with ticket 1 (mine) open and these messages in it. */
function openWith(...messages) {
  const state = signedIn();
  state.apply(created(mine(1)));
  state.openChat(1);
  for (const m of messages) state.apply(newMessage(m));
  return state;
}

describe('the delivery record', () => {
  test('only a known state counts; user messages and older replies have none', () => {
    assert.equal(deliveryOf(message(1, 1)), null);
    assert.equal(deliveryOf(message(1, 1, { sender: 'supp' })), null);
    assert.equal(deliveryOf(message(1, 1, { delivery: { state: 'lost' } })), null, 'an unknown state');
    assert.equal(deliveryOf(message(1, 1, { delivery: 'sent' })), null);
    assert.equal(deliveryOf(reply(1, 1, 'sent')).state, 'sent');
    assert.equal(deliveryOf(null), null);
  });

  test('the later change wins; a record beats none', () => {
    const older = { state: 'failed', updated_at: at(1) };
    const newer = { state: 'pending', updated_at: at(2) };
    assert.equal(isNewerDelivery(newer, older), true);
    assert.equal(isNewerDelivery(older, newer), false);
    assert.equal(isNewerDelivery(older, older), true, 'a repeat');
    assert.equal(isNewerDelivery(older, null), true);
    assert.equal(isNewerDelivery(null, older), false);
  });

  test("a failure's reason: Telegram's description and code, or what is known", () => {
    assert.equal(failureReason(FORBIDDEN), 'Forbidden: bot was blocked by the user (403)');
    assert.equal(failureReason({ error: 'connection reset' }), 'connection reset', 'a network failure has no code');
    assert.equal(failureReason({ error_code: 500 }), '500');
    assert.equal(failureReason({}), '');
  });
});

describe('ticket.message.delivery', () => {
  test('moves the reply in the open chat on in place: pending, sent; an older state is ignored', () => {
    const state = openWith(message(1, 1), reply(2, 1, 'pending', {}, 2));
    const shown = state.chat.byId.get(2);
    const sent = state.apply(delivery(reply(2, 1, 'sent', { telegram_message_id: 55 }, 5)));
    assert.equal(sent.open, true);
    assert.deepEqual(sent.changed, [shown], 'the very message the chat shows');
    assert.equal(shown.delivery.state, 'sent');
    assert.equal(shown.delivery.telegram_message_id, 55);
    assert.deepEqual(state.chat.messages.map((m) => m.id), [1, 2], 'nothing added or reordered');

    assert.equal(state.apply(delivery(reply(2, 1, 'pending', {}, 3))), null, 'a stale pending changes nothing');
    assert.equal(shown.delivery.state, 'sent');
    assert.equal(state.apply(delivery(reply(2, 1, 'sent', { telegram_message_id: 55 }, 5))), null, 'a repeat');
  });

  test('a failure keeps its reason; unread counts and the ticket order stay', () => {
    const state = openWith(reply(2, 1, 'pending'));
    state.apply(created(mine(3)));
    const before = state.ticketsOf('mine').map((t) => t.id);
    const unread = state.tickets.get(1).unread_count;
    const change = state.apply(delivery(reply(2, 1, 'failed', FORBIDDEN, 9)));
    assert.equal(change.changed[0].delivery.error, FORBIDDEN.error);
    assert.equal(change.changed[0].delivery.error_code, 403);
    assert.deepEqual(state.ticketsOf('mine').map((t) => t.id), before);
    assert.equal(state.tickets.get(1).unread_count, unread);
  });

  test("updates the ticket's last message (its list preview) whether or not the chat is open", () => {
    const state = openWith(reply(2, 1, 'pending'));
    const change = state.apply(delivery(reply(2, 1, 'sent', {}, 5)));
    assert.equal(change.preview, true, 'the last message is the reply the chat shows');
    assert.equal(state.tickets.get(1).last_message.delivery.state, 'sent');

    state.closeChat();
    const closed = state.apply(delivery(reply(2, 1, 'failed', FORBIDDEN, 6)));
    assert.deepEqual(
      { open: closed.open, changed: closed.changed, preview: closed.preview },
      { open: false, changed: [], preview: true },
    );
    assert.equal(state.tickets.get(1).last_message.delivery.state, 'failed');
  });

  test('a preview from a list answer (another object than the chat has) is updated too', () => {
    const state = signedIn();
    reload(state, { mine: [mine(1, { last_message: reply(2, 1, 'pending') })] });
    state.openChat(1);
    state.chat.newestArrived(page([reply(2, 1, 'pending')]), true);
    const change = state.apply(delivery(reply(2, 1, 'sent', {}, 5)));
    assert.equal(change.changed.length, 1);
    assert.equal(change.preview, true);
    assert.equal(state.tickets.get(1).last_message.delivery.state, 'sent');
  });

  test('an unknown message, an older reply not last, or an event without a delivery change nothing', () => {
    const state = openWith(reply(2, 1, 'pending'), message(3, 1));
    assert.equal(state.apply(delivery(reply(9, 1, 'sent'))), null, 'not in the chat, not the last message');
    assert.equal(state.apply(delivery(reply(9, 7, 'sent'))), null, 'an unknown ticket');
    assert.equal(state.apply(delivery(message(2, 1, { sender: 'supp' }))), null, 'no delivery');
    assert.equal(state.apply({ type: 'ticket.message.delivery' }), null);
    const older = state.apply(delivery(reply(2, 1, 'sent', {}, 5)));
    assert.equal(older.preview, false, 'the last message is the user message after it');
    assert.equal(older.changed.length, 1);
  });

  test('replayed after a reload it is harmless', () => {
    const state = openWith(reply(2, 1, 'pending'));
    const event = delivery(reply(2, 1, 'sent', {}, 5));
    state.apply(event);
    assert.equal(state.apply(event, { replayed: true }), null);
    assert.equal(state.chat.byId.get(2).delivery.state, 'sent');
  });

  test('a reloaded page brings a newer delivery into the chat, never an older one', () => {
    const state = openWith(reply(2, 1, 'pending', {}, 2));
    const newer = state.chat.newestArrived(page([reply(2, 1, 'failed', FORBIDDEN, 8)]), false);
    assert.deepEqual(newer.changed.map((m) => m.id), [2]);
    assert.deepEqual(newer.added, []);
    const older = state.chat.newestArrived(page([reply(2, 1, 'pending', {}, 4)]), false);
    assert.deepEqual(older.changed, []);
    assert.equal(state.chat.byId.get(2).delivery.state, 'failed');
  });

  test('the echo of a reply over REST and then the websocket is one message, the newer delivery kept', () => {
    const state = openWith();
    state.apply(newMessage(reply(2, 1, 'pending', {}, 2)));
    const echo = state.apply(newMessage(reply(2, 1, 'pending', {}, 2)));
    assert.deepEqual(echo.added, []);
    assert.deepEqual(echo.changed, [], 'the same record again');
  });
});

describe('retrying a failed reply', () => {
  test('only a failed reply, once at a time; the answer shows pending, the events move it on', () => {
    const state = openWith(reply(2, 1, 'failed', FORBIDDEN, 5), reply(3, 1, 'sent'));
    const chat = state.chat;
    assert.equal(chat.beginRetry(3), false, 'a sent reply');
    assert.equal(chat.beginRetry(99), false, 'an unknown one');
    assert.equal(chat.beginRetry(2), true);
    assert.equal(chat.beginRetry(2), false, 'one request at a time');
    assert.equal(chat.retrying.has(2), true);

    // The answer: the message pending again, attempts 0 (as the REST API returns it).
    const answer = state.apply(delivery(reply(2, 1, 'pending', { attempts: 0 }, 10)));
    chat.endRetry(2);
    assert.equal(answer.changed[0].delivery.state, 'pending');
    assert.equal(chat.retrying.has(2), false);
    // The event of the same change, then the bot's failure again.
    assert.equal(state.apply(delivery(reply(2, 1, 'pending', { attempts: 0 }, 10))), null);
    state.apply(delivery(reply(2, 1, 'failed', FORBIDDEN, 11)));
    assert.equal(chat.byId.get(2).delivery.state, 'failed');
    assert.equal(chat.beginRetry(2), true, 'failed again, it can be retried again');
  });

  test("an answer arriving after the bot's verdict does not take the reply back to pending", () => {
    const state = openWith(reply(2, 1, 'failed', FORBIDDEN, 5));
    state.chat.beginRetry(2);
    state.apply(delivery(reply(2, 1, 'pending', { attempts: 0 }, 10)));
    state.apply(delivery(reply(2, 1, 'sent', {}, 11)));
    assert.equal(state.apply(delivery(reply(2, 1, 'pending', { attempts: 0 }, 10))), null);
    assert.equal(state.chat.byId.get(2).delivery.state, 'sent');
    assert.equal(state.chat.retrying.has(2), false, 'no longer failed: nothing to retry');
  });
});

describe('ticket.user.blocked', () => {
  test("marks every ticket of that Telegram user, and says whether the open chat's is one", () => {
    const state = signedIn();
    state.apply(created(mine(1, { user: { telegram_id: 4 } })));
    state.apply(created(ticket(2, { user: { telegram_id: 4, language_code: 'en' } })));
    state.apply(created(ticket(3, { user: { telegram_id: 5 } })));
    state.openChat(2);
    const change = state.apply(blocked(4));
    assert.deepEqual({ ...change, tickets: change.tickets.sort() }, {
      type: 'ticket.user.blocked',
      telegramId: 4,
      blocked: true,
      tickets: [1, 2],
      open: true,
    });
    assert.equal(isBlocked(state.tickets.get(1)), true);
    assert.equal(isBlocked(state.tickets.get(3)), false);
    assert.equal(state.tickets.get(2).user.language_code, 'en', 'the rest of the user is kept');
    assert.deepEqual(state.apply(blocked(4)).tickets, [], 'a repeat changes nothing');
  });

  test('blocked:false clears the mark (the user wrote again)', () => {
    const state = signedIn();
    state.apply(created(mine(1, { user: { telegram_id: 4, blocked: true } })));
    assert.equal(isBlocked(state.tickets.get(1)), true);
    const change = state.apply(blocked(4, false));
    assert.deepEqual(change.tickets, [1]);
    assert.equal(change.open, false);
    assert.deepEqual(state.tickets.get(1).user, { telegram_id: 4 }, 'no blocked key, as the server writes it');
  });

  test('a ticket from the server says it as it is now', () => {
    const state = signedIn();
    state.apply(created(mine(1, { user: { telegram_id: 4 } })));
    state.apply(blocked(4));
    state.apply(updated(mine(1, { user: { telegram_id: 4 } })));
    assert.equal(isBlocked(state.tickets.get(1)), false, 'the server cleared it');
    reload(state, { mine: [mine(1, { user: { telegram_id: 4, blocked: true } })] });
    assert.equal(isBlocked(state.tickets.get(1)), true);
  });

  test('a malformed event changes nothing', () => {
    const state = signedIn();
    state.apply(created(mine(1, { user: { telegram_id: 4 } })));
    assert.equal(state.apply({ type: 'ticket.user.blocked' }), null);
    assert.equal(state.apply({ type: 'ticket.user.blocked', user: { telegram_id: 4 } }), null);
    assert.equal(state.apply({ type: 'ticket.user.blocked', user: { blocked: true } }), null);
    assert.equal(isBlocked(state.tickets.get(1)), false);
  });
});
