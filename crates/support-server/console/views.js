// The ticket views of the console (Open, Unassigned, Mine, Held by others, Resolved): which
// tickets each shows, the REST query each makes (with a search and an order), and the two orders
// (newest activity, waiting longest) applied to what we hold, so live events keep a list in the
// order the server would give it.
//
// Pure (no DOM, no i18n). Wire design: notes/design17b.md section 3. Unit tests:
// test/views.test.js.

import { compareTime } from './time.js';

/** The views, in tab order. */
export const VIEWS = ['open', 'unassigned', 'mine', 'others', 'resolved'];
/** The views whose unread tickets count in the page title (the ones a manager answers). */
export const TITLE_VIEWS = ['unassigned', 'mine'];
/** The orders a list may have (`ordering=`), the first the console's default. */
export const ORDERINGS = ['-updated_at', 'waiting'];
export const DEFAULT_ORDERING = ORDERINGS[0];
/** The longest search the server accepts, in characters. */
export const MAX_SEARCH = 200;

function holderId(ticket) {
  const holder = ticket?.support_manager;
  return holder ? Number(holder.id) : null;
}

/** Whether `ticket` belongs to `view` for the manager `meId`. */
export function inView(view, ticket, meId) {
  if (!ticket) return false;
  const holder = holderId(ticket);
  switch (view) {
    case 'open':
      return !ticket.resolved;
    case 'unassigned':
      return !ticket.resolved && holder === null;
    case 'mine':
      return !ticket.resolved && holder !== null && holder === meId;
    case 'others':
      return !ticket.resolved && holder !== null && holder !== meId;
    case 'resolved':
      return Boolean(ticket.resolved);
    default:
      return false;
  }
}

/** The most specific view of a ticket (never `open`): the tab to show when it is opened. */
export function homeView(ticket, meId) {
  if (ticket.resolved) return 'resolved';
  const holder = holderId(ticket);
  if (holder === null) return 'unassigned';
  return holder === meId ? 'mine' : 'others';
}

/** The REST filter of a view (SPEC filters and the `not_manager` extension). */
export function viewFilter(view, meId) {
  switch (view) {
    case 'unassigned':
      return { resolved: 'false', manager__isnull: 'true' };
    case 'mine':
      return { resolved: 'false', manager: String(meId) };
    case 'others':
      return { resolved: 'false', not_manager: String(meId) };
    case 'resolved':
      return { resolved: 'true' };
    default:
      return { resolved: 'false' };
  }
}

/** A search as typed, as it is sent: trimmed, at most `MAX_SEARCH` characters; '' is no search. */
export function normalizeSearch(text) {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  return Array.from(trimmed).slice(0, MAX_SEARCH).join('').trim();
}

/** A known ordering, else the default. */
export function validOrdering(ordering) {
  return ORDERINGS.includes(ordering) ? ordering : DEFAULT_ORDERING;
}

/**
 * The query parameters of a view's list: its filter, `search` when there is one, `ordering`.
 * `limit`/`offset` are added by the caller (api.js).
 */
export function listQuery(view, meId, { search = '', ordering = DEFAULT_ORDERING } = {}) {
  const query = { ...viewFilter(view, meId) };
  const text = normalizeSearch(search);
  if (text) query.search = text;
  query.ordering = validOrdering(ordering);
  return query;
}

/** The query string of one page of a view (what `GET tickets/?…` gets). */
export function queryString(view, meId, options = {}, limit = 50, offset = 0) {
  return new URLSearchParams({ ...listQuery(view, meId, options), limit: String(limit), offset: String(offset) }).toString();
}

// ---- Orders ------------------------------------------------------------------------------------

/** The time of a ticket's newest activity (extension `updated_at`, else the last message or creation). */
export function activityOf(ticket) {
  let best = ticket.created_at;
  for (const candidate of [ticket.updated_at, ticket.last_message?.created_at]) {
    if (candidate && compareTime(candidate, best) > 0) best = candidate;
  }
  return best;
}

/** Newest activity first; ties by id, newest first. */
export function byActivity(a, b) {
  return compareTime(activityOf(b), activityOf(a)) || b.id - a.id;
}

/** Since when the user waits for an answer: their message when it is the newest, else null. */
export function waitingSince(ticket) {
  const last = ticket?.last_message;
  return last && last.sender === 'user' ? last.created_at : null;
}

/**
 * Waiting longest first: the tickets whose newest message is the user's, the oldest such message
 * first; then the others, oldest activity first. Ties by id, oldest first.
 */
export function byWaiting(a, b) {
  const wa = waitingSince(a);
  const wb = waitingSince(b);
  if (wa && !wb) return -1;
  if (wb && !wa) return 1;
  if (wa && wb) return compareTime(wa, wb) || a.id - b.id;
  return compareTime(activityOf(a), activityOf(b)) || a.id - b.id;
}

/** The comparison of an ordering. */
export function sorterOf(ordering) {
  return validOrdering(ordering) === 'waiting' ? byWaiting : byActivity;
}
