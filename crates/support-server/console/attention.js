// What deserves the manager's attention beyond the page itself: a new ticket, and a user's new
// message on one of their own tickets. Each may raise a browser notification and a beep, both
// opt-in (the settings menu) and remembered. The page title's unread count is list-view.js's.
//
// Pure (no DOM, no storage): the decision is a function of the change `state.apply` reported and
// of the page's situation; attention-view.js does the rest. Unit tests: test/attention.test.js.

/** The preferences and their defaults: everything off until the manager turns it on. */
export const ATTENTION_DEFAULTS = Object.freeze({ notify: false, sound: false });

/** Preferences from what was stored (a JSON string or nothing); unknown keys are dropped. */
export function parsePrefs(stored) {
  let raw = null;
  try {
    raw = typeof stored === 'string' ? JSON.parse(stored) : null;
  } catch {
    raw = null;
  }
  return {
    notify: raw?.notify === true,
    sound: raw?.sound === true,
  };
}

/**
 * What a change from `state.apply` asks for: `{ kind: 'ticket' | 'message', ticketId, ticket,
 * message }`, or null. `replayed` changes were seen once already (no second alert).
 *
 * - `ticket.created`: a ticket we did not know (every manager may take it).
 * - `ticket.message.new`: a user's message seen for the first time (`fresh`), on a ticket held by
 *   the signed-in manager (`isMine(ticket)`).
 *
 * `ctx`: `{ replayed, isMine(ticket), ticketOf(id) }`.
 */
export function attentionFor(change, { replayed = false, isMine = () => false, ticketOf = () => null } = {}) {
  if (!change || replayed) return null;
  if (change.type === 'ticket.created') {
    if (!change.isNew || !change.ticket) return null;
    return { kind: 'ticket', ticketId: change.ticket.id, ticket: change.ticket, message: null };
  }
  if (change.type === 'ticket.message.new') {
    const message = change.message;
    if (!change.fresh || message?.sender !== 'user') return null;
    const ticket = ticketOf(message.ticket);
    if (!ticket || !isMine(ticket)) return null;
    return { kind: 'message', ticketId: ticket.id, ticket, message };
  }
  return null;
}

/**
 * How to raise an alert: `{ notify, sound }`. `page`: `{ visible, focused, openId, permission }`
 * (`permission`: `Notification.permission`). Nothing for a message of the chat the manager is
 * looking at; a notification only when the page is not in front (the toast and the list say it
 * there) and the browser allows it; the beep whenever it is on.
 */
export function channelsFor(alert, prefs, page) {
  if (!alert) return { notify: false, sound: false };
  const looking = page.visible && page.focused;
  if (alert.kind === 'message' && looking && page.openId === alert.ticketId) return { notify: false, sound: false };
  return {
    notify: Boolean(prefs.notify) && page.permission === 'granted' && !looking,
    sound: Boolean(prefs.sound),
  };
}
