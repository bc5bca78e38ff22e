// The people in a conversation (issue 17): names of users and managers and their fallbacks, the
// Telegram link, unread tickets (not messages) on the tabs, `ticket.user.updated`,
// `ticket.assigned` with its `manager`, and "New" marks going once a message is read.
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  initialOf,
  managerLabel,
  profileName,
  telegramLink,
  ticketsWithUnread,
  updatedUser,
  userName,
} from '../people.js';
import { ME, BOB, created, message, mine, newMessage, reload, signedIn, ticket, viewed } from './fixtures.js';

// templates.js words names in the page's language: i18n.js reads these few globals at load.
const store = new Map([['support.console.lang', 'en']]);
globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
globalThis.document = { documentElement: {} };
if (!globalThis.navigator) globalThis.navigator = { language: 'en', languages: ['en'] };
const { setLang } = await import('../i18n.js');
const templates = await import('../templates.js');

const BORIS = { id: BOB, first_name: 'Boris', last_name: 'Ivanov', display_name: 'Boris Ivanov' };
const updatedEvent = (user) => ({ type: 'ticket.user.updated', user });

describe('names', () => {
  test("a user's name: first and last, else @username, else User {id}", () => {
    const unknown = (id) => `User ${id}`;
    assert.equal(profileName({ telegram_id: 1, first_name: 'Anna', last_name: 'Li', username: 'anna_li' }), 'Anna Li');
    assert.equal(profileName({ telegram_id: 1, first_name: 'Anna' }), 'Anna');
    assert.equal(profileName({ telegram_id: 1, last_name: '  Li ' }), 'Li');
    assert.equal(profileName({ telegram_id: 1, first_name: ' ', username: 'anna_li' }), '@anna_li');
    assert.equal(profileName({ telegram_id: 1 }), '');
    assert.equal(userName({ telegram_id: 1001 }, unknown), 'User 1001');
    assert.equal(userName(undefined, unknown), 'User ?');
    // Markup and emoji are just characters of the name.
    assert.equal(profileName({ first_name: '<b>Анна</b> 🎉', last_name: 'שלום' }), '<b>Анна</b> 🎉 שלום');
  });

  test('the page words the fallbacks in its language', () => {
    setLang('en');
    assert.equal(templates.userName({ telegram_id: 1001 }), 'User 1001');
    assert.equal(templates.managerName({ id: 5, first_name: '', last_name: '' }, ME), 'manager #5');
    setLang('ru');
    assert.equal(templates.userName({ telegram_id: 1001 }), 'Пользователь 1001');
    assert.equal(templates.managerName({ id: 5 }, ME), 'менеджер №5');
    assert.equal(templates.managerName(null, ME), 'не назначено');
    setLang('en');
  });

  test("a manager's name: display_name, else first and last, else manager #id", () => {
    assert.equal(managerLabel(BORIS), 'Boris Ivanov');
    assert.equal(managerLabel({ id: 3, display_name: 'boss', first_name: 'B' }), 'boss');
    assert.equal(managerLabel({ id: 3, display_name: '', first_name: 'Bo', last_name: 'Ri' }), 'Bo Ri');
    assert.equal(managerLabel({ id: 3 }), '');
    // Myself: what /auth/me/ knows, down to the username.
    assert.equal(managerLabel({ id: ME.id }, { id: ME.id, username: 'anna' }), 'anna');
    assert.equal(managerLabel({ id: ME.id }, { ...ME, display_name: 'Anna P.' }), 'Anna P.');
    assert.equal(templates.managerName(BORIS, ME), 'Boris Ivanov');
  });

  test("a reply's author: You for one's own, the name for another's, nothing when unknown", () => {
    setLang('en');
    const mineReply = message(1, 1, { sender: 'supp', manager: { id: ME.id, display_name: 'Anna Petrova' } });
    const borisReply = message(2, 1, { sender: 'supp', manager: BORIS });
    assert.equal(templates.authorOf(mineReply, ME), 'You');
    assert.equal(templates.authorOf(borisReply, ME), 'Boris Ivanov');
    assert.equal(templates.authorOf(message(3, 1, { sender: 'supp' }), ME), '', 'an old reply');
    assert.equal(templates.authorOf(message(4, 1), ME), '', "a user's message");
  });

  test('the Telegram link: t.me for a valid username, else tg://user', () => {
    assert.deepEqual(telegramLink({ telegram_id: 1, username: 'anna_li' }), {
      href: 'https://t.me/anna_li',
      username: 'anna_li',
    });
    for (const bad of ['ann', 'anna-li', 'a'.repeat(33), 'anna li', 'анна_ли', '"><script>']) {
      assert.deepEqual(telegramLink({ telegram_id: 42, username: bad }), { href: 'tg://user?id=42', username: '' }, bad);
    }
    assert.equal(telegramLink({ telegram_id: 42, username: 'a'.repeat(32) }).username, 'a'.repeat(32));
    assert.equal(telegramLink({}), null);
  });

  test('an avatar letter is a whole character', () => {
    assert.equal(initialOf('🎉 party'), '🎉');
    assert.equal(initialOf('анна'), 'А');
    assert.equal(initialOf('@anna_li'), 'A');
    assert.equal(initialOf('<b>Анна</b> 🎉'), 'А');
    assert.equal(initialOf('— «'), '?');
    assert.equal(initialOf(''), '?');
  });
});

describe('unread tickets', () => {
  test('the tabs count tickets with unread messages, each row keeps its own count', () => {
    assert.equal(ticketsWithUnread([{ unread_count: 3 }, { unread_count: 0 }, {}, { unread_count: 1 }]), 2);
    const state = signedIn();
    state.apply(created(ticket(1, { unread_count: 0 })));
    state.apply(created(ticket(2, { unread_count: 0 })));
    for (const id of [10, 11, 12]) state.apply(newMessage(message(id, 1)));
    assert.equal(state.unreadTicketsOf('unassigned'), 1);
    state.apply(newMessage(message(13, 2)));
    assert.equal(state.unreadTicketsOf('unassigned'), 2);
    assert.equal(state.tickets.get(1).unread_count, 3, "the row's own count is messages");
  });

  test('a message read here loses its New mark at once, and its echo changes nothing more', () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    state.openChat(1);
    state.apply(newMessage(message(10, 1)));
    state.shown([10]);
    assert.deepEqual(state.marksToSend(), [10]);
    const read = state.markSent(10);
    assert.equal(read.id, 10);
    assert.equal(read.viewed, true, 'drawn again without its New mark');
    assert.deepEqual(state.apply(viewed(message(10, 1))).changed, [], 'the echo: already drawn');
  });

  test("another manager's read mark or a reloaded page takes the New mark off too", () => {
    const state = signedIn();
    state.apply(created(mine(1, { unread_count: 0 })));
    state.openChat(1);
    state.apply(newMessage(message(10, 1)));
    state.apply(newMessage(message(11, 1)));
    const change = state.apply(viewed(message(10, 1)));
    assert.deepEqual(change.changed.map((m) => m.id), [10]);
    const page = state.chat.addMessages([message(11, 1, { viewed: true })]);
    assert.deepEqual(page.changed.map((m) => m.id), [11], 'a page of history that says it is read');
  });
});

describe('previews after a reload', () => {
  test("the lists' last_message is the preview; a server without it keeps the one we had", () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.apply(newMessage(message(10, 1, { text: 'live' })));
    reload(state, { unassigned: [ticket(1), ticket(2, { last_message: message(20, 2, { text: 'stored' }) })] });
    assert.equal(state.tickets.get(1).last_message.text, 'live');
    assert.equal(state.tickets.get(2).last_message.text, 'stored');
    reload(state, { unassigned: [ticket(1, { last_message: message(11, 1, { text: 'newer' }) })] });
    assert.equal(state.tickets.get(1).last_message.text, 'newer');
  });
});

describe('ticket.user.updated', () => {
  test("every ticket of the user takes the new profile; a name removed is gone, blocked stays", () => {
    const state = signedIn();
    const anna = { telegram_id: 500, first_name: 'Anna', last_name: 'Li', language_code: 'en', blocked: true };
    state.upsert(ticket(1, { user: anna }));
    state.upsert(mine(2, { user: anna }));
    state.upsert(ticket(3, { user: { telegram_id: 501, first_name: 'Other' } }));
    state.openChat(2);
    const change = state.apply(
      updatedEvent({ telegram_id: 500, first_name: 'Anya', username: 'anya_li', language_code: 'ru', is_premium: true }),
    );
    assert.deepEqual(change.tickets.sort(), [1, 2]);
    assert.equal(change.open, true);
    for (const id of [1, 2]) {
      assert.deepEqual(state.tickets.get(id).user, {
        telegram_id: 500,
        first_name: 'Anya',
        username: 'anya_li',
        language_code: 'ru',
        is_premium: true,
        blocked: true,
      });
    }
    assert.equal(state.tickets.get(3).user.first_name, 'Other', "another user's ticket");
    const again = state.apply(
      updatedEvent({ telegram_id: 500, first_name: 'Anya', username: 'anya_li', language_code: 'ru', is_premium: true }),
    );
    assert.deepEqual(again.tickets, [], 'the same profile again changes nothing');
    assert.equal(again.open, false);
  });

  test('a report may unblock; a report without a Telegram id is ignored', () => {
    assert.deepEqual(updatedUser({ telegram_id: 5, blocked: true }, { telegram_id: 5, blocked: false }), { telegram_id: 5 });
    const state = signedIn();
    assert.equal(state.apply(updatedEvent({ first_name: 'x' })), null);
    assert.equal(state.apply({ type: 'ticket.user.updated' }), null);
  });

  test('blocking still marks every ticket of the user, keeping the profile', () => {
    const state = signedIn();
    state.upsert(ticket(1, { user: { telegram_id: 500, first_name: 'Anna' } }));
    const change = state.apply({ type: 'ticket.user.blocked', user: { telegram_id: 500, blocked: true } });
    assert.deepEqual(change.tickets, [1]);
    assert.deepEqual(state.tickets.get(1).user, { telegram_id: 500, first_name: 'Anna', blocked: true });
  });
});

describe('ticket.assigned with its manager', () => {
  const assignedTo = (id, manager) => ({ type: 'ticket.assigned', id, support_manager: manager.id, manager });

  test("another manager's name shows at once: no fetch, even for the open chat", () => {
    const state = signedIn();
    state.apply(created(mine(1)));
    state.openChat(1);
    const change = state.apply(assignedTo(1, BORIS));
    assert.equal(change.refetch, false);
    assert.equal(change.wasMine, true);
    assert.deepEqual(change.manager, BORIS);
    assert.equal(state.tickets.get(1).support_manager.display_name, 'Boris Ivanov');
    assert.equal(templates.managerName(state.tickets.get(1).support_manager, ME), 'Boris Ivanov');
  });

  test('a renamed holder is taken even when the holder stays', () => {
    const state = signedIn();
    state.apply(created(ticket(1, { support_manager: { id: BOB, first_name: '', last_name: '' } })));
    state.apply(assignedTo(1, BORIS));
    assert.equal(state.tickets.get(1).support_manager.display_name, 'Boris Ivanov');
  });

  test('without it (an older server) the open chat still fetches the name', () => {
    const state = signedIn();
    state.apply(created(ticket(1)));
    state.openChat(1);
    const change = state.apply({ type: 'ticket.assigned', id: 1, support_manager: BOB });
    assert.equal(change.refetch, true);
    assert.equal(change.manager, null);
  });

  test('assigned to me: my own names, display_name included', () => {
    const state = signedIn();
    state.me = { ...ME, display_name: 'Anna Petrova' };
    state.apply(created(ticket(1)));
    const change = state.apply({ type: 'ticket.assigned', id: 1, support_manager: ME.id });
    assert.equal(change.mine, true);
    assert.equal(state.tickets.get(1).support_manager.display_name, 'Anna Petrova');
    const other = state.apply(assignedTo(1, { id: ME.id + 100, display_name: 'Mismatch' }));
    assert.equal(other.manager.id, ME.id + 100);
    // A `manager` that is not the new holder is not believed.
    state.apply({ type: 'ticket.assigned', id: 1, support_manager: ME.id, manager: BORIS });
    assert.equal(state.tickets.get(1).support_manager.id, ME.id);
  });
});
