// Fixtures of the console state tests: tickets, messages and pages as the server sends them.
// Imported by the *.test.js files next to it. It holds no tests, but Node's runner also loads it
// (it matches `test/**/*.js`) and lists it as passing.

import { ConsoleState, LISTS } from '../state.js';

export const ME = { id: 7, username: 'anna', first_name: 'Anna', last_name: 'Petrova' };
export const BOB = 9;

/** A server timestamp `n` seconds into the test day (six fractional digits, as the server writes). */
export function at(n) {
  return new Date(Date.UTC(2026, 2, 1, 10, 0, n)).toISOString().replace('.000Z', '.000000Z');
}

export function ticket(id, fields = {}) {
  return {
    id,
    title: `Ticket ${id}`,
    user: { telegram_id: 1000 + id },
    support_manager: null,
    resolved: false,
    created_at: at(id),
    ...fields,
  };
}

export function mine(id, fields = {}) {
  return ticket(id, { support_manager: { id: ME.id, first_name: 'Anna', last_name: 'Petrova' }, ...fields });
}

export function message(id, ticketId, fields = {}) {
  return { id, ticket: ticketId, sender: 'user', text: `message ${id}`, viewed: false, created_at: at(id), ...fields };
}

export function page(results, next = null) {
  return { count: results.length, next, results };
}

export function signedIn() {
  const state = new ConsoleState();
  state.signIn(ME);
  return state;
}

/** Runs a whole reload with the given first pages (`{ unassigned: [...], ... }`, or an Error). */
export function reload(state, pages, { next = {} } = {}) {
  const run = state.beginReload();
  const results = LISTS.map((l) =>
    pages[l] instanceof Error
      ? { status: 'rejected', reason: pages[l] }
      : { status: 'fulfilled', value: page(pages[l] || [], next[l] || null) },
  );
  return state.finishReload(run, results);
}

export function ids(state, list) {
  return state.ticketsOf(list).map((t) => t.id);
}

export const created = (t) => ({ type: 'ticket.created', ticket: t });
export const updated = (t) => ({ type: 'ticket.updated', ticket: t });
export const assigned = (id, managerId) => ({ type: 'ticket.assigned', id, support_manager: managerId });
export const newMessage = (m) => ({ type: 'ticket.message.new', message: m });
export const viewed = (m) => ({ type: 'ticket.message.viewed', message: { ...m, viewed: true } });

/** A manager's reply with a delivery record (`state` at second `n` of the test day). */
export function reply(id, ticketId, state, fields = {}, n = id) {
  const delivery = { state, attempts: state === 'pending' ? 0 : 1, updated_at: at(n), ...fields };
  return message(id, ticketId, { sender: 'supp', viewed: true, delivery });
}

export const delivery = (m) => ({ type: 'ticket.message.delivery', message: m });
export const blocked = (telegramId, isBlocked = true) => ({
  type: 'ticket.user.blocked',
  user: { telegram_id: telegramId, blocked: isBlocked },
});
