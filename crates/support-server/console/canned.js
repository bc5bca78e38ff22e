// Canned replies, without the DOM: filling a reply's variables from the open ticket and the
// signed-in manager, where a `/` typed in the composer starts a search, and which replies match it.
// Pure (no DOM, no i18n); unit tests: test/canned.test.js.

import { managerLabel, profileName } from './people.js';

/** The variables a canned reply may use, as the design names them (design17b §4). */
export const VARIABLES = ['first_name', 'last_name', 'username', 'name', 'ticket_id', 'manager_name'];

/** The longest title and text the server takes. */
export const MAX_TITLE = 100;
export const MAX_CANNED_TEXT = 4096;

function text(value) {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The values of the variables for a ticket and a manager. `unknownUser(id)` names a user without
 * a profile (`User 42`), as the chat header does.
 */
export function variablesFor(ticket, me, unknownUser = (id) => `User ${id}`) {
  const user = ticket?.user || {};
  return {
    first_name: text(user.first_name),
    last_name: text(user.last_name),
    username: text(user.username).replace(/^@/, ''),
    name: profileName(user) || unknownUser(user.telegram_id ?? '?'),
    ticket_id: ticket && ticket.id !== undefined ? String(ticket.id) : '',
    manager_name: managerLabel(me, me),
  };
}

/**
 * Fills `{variable}` placeholders in one pass (a value that itself looks like `{name}` is not
 * filled again); a placeholder not in `values` stays as typed. Everything stays plain text: the
 * result goes into the textarea's value.
 */
export function fillVariables(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}

/**
 * The search a `/` starts: the `/` at the start of the text or after whitespace, before the caret,
 * with no whitespace between it and the caret. Returns `{ start, query }` (`start`: the index of
 * the `/`), or null when the caret is not in such a word.
 */
export function slashQuery(value, caret = value.length) {
  const before = String(value).slice(0, caret);
  const m = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2] };
}

function fold(s) {
  return String(s).toLocaleLowerCase();
}

/**
 * The canned replies matching a query, best first: titles starting with it, then titles
 * containing it, then texts containing it; each group in the list's own order (by title). An
 * empty query matches them all.
 */
export function filterCanned(list, query) {
  const q = fold(query).trim();
  if (!q) return [...list];
  const starts = [];
  const inTitle = [];
  const inText = [];
  for (const reply of list) {
    const title = fold(reply.title);
    if (title.startsWith(q)) starts.push(reply);
    else if (title.includes(q)) inTitle.push(reply);
    else if (fold(reply.text).includes(q)) inText.push(reply);
  }
  return [...starts, ...inTitle, ...inText];
}

/** Sorts canned replies by title, as the server answers them (for a list changed here). */
export function byTitle(a, b) {
  return fold(a.title).localeCompare(fold(b.title)) || a.id - b.id;
}

/**
 * What inserting a reply does to the composer: the text with the `/query` replaced by the filled
 * reply, and the caret after it.
 */
export function insertCanned(value, caret, search, filled) {
  const next = value.slice(0, search.start) + filled + value.slice(caret);
  return { value: next, caret: search.start + filled.length };
}

/** Problems with a canned reply before it is sent: `{ title?, text? }` of i18n keys, empty when fine. */
export function cannedProblems({ title, text: body }) {
  const problems = {};
  const t = text(title);
  const b = text(body);
  if (!t) problems.title = 'canned.titleMissing';
  else if ([...t].length > MAX_TITLE) problems.title = 'canned.titleTooLong';
  if (!b) problems.text = 'canned.textMissing';
  else if ([...b].length > MAX_CANNED_TEXT) problems.text = 'canned.textTooLong';
  return problems;
}
