// The people in a conversation, as names and links: a Telegram user's profile name, a manager's
// display name, the Telegram link of a user, and how a profile update replaces the one we hold.
//
// Pure (no DOM, no i18n): each function returns '' or null where a text in the manager's
// language is needed instead, and templates.js fills that in. Unit tests: test/people.test.js.

/** A Telegram username as Telegram allows it (without the `@`). */
export const USERNAME = /^[A-Za-z0-9_]{5,32}$/;

/** The profile keys a `ticket.user.updated` report carries; one it leaves out is gone. */
export const PROFILE_KEYS = ['first_name', 'last_name', 'username', 'language_code', 'is_premium'];

function text(value) {
  return typeof value === 'string' ? value.trim() : '';
}

/** First and last name joined, the parts that are there; '' when neither is. */
export function fullName(person) {
  return [text(person?.first_name), text(person?.last_name)].filter(Boolean).join(' ');
}

/** A user's username when it is a valid Telegram username, else ''. */
export function validUsername(user) {
  const username = text(user?.username).replace(/^@/, '');
  return USERNAME.test(username) ? username : '';
}

/**
 * The name of a Telegram user (a ticket's `user`): first and last name, else `@username`, else ''
 * (the caller says `User {id}`).
 */
export function profileName(user) {
  const name = fullName(user);
  if (name) return name;
  const username = text(user?.username).replace(/^@/, '');
  return username ? `@${username}` : '';
}

/** `profileName`, else `unknown(telegram_id)` (e.g. `(id) => t('ticket.user', { id })`). */
export function userName(user, unknown) {
  return profileName(user) || unknown(user?.telegram_id ?? '?');
}

/**
 * The link that opens a user in Telegram: `https://t.me/<username>` for a valid username, else
 * `tg://user?id=<telegram_id>`; null when neither is known.
 */
export function telegramLink(user) {
  const username = validUsername(user);
  if (username) return { href: `https://t.me/${username}`, username };
  const id = Number(user?.telegram_id);
  if (Number.isSafeInteger(id) && id > 0) return { href: `tg://user?id=${id}`, username: '' };
  return null;
}

/**
 * A manager's name (a `SupportManager`: a ticket's holder, a reply's author, `/auth/me/`):
 * `display_name`, else first and last name, else, for the signed-in manager, their own profile
 * (`me`, which knows their username too); '' when nothing is known (the caller says `manager #id`).
 */
export function managerLabel(manager, me = null) {
  if (!manager) return '';
  const own = me && manager.id === me.id ? me : null;
  return (
    text(manager.display_name) ||
    fullName(manager) ||
    (own ? text(own.display_name) || fullName(own) || text(own.username) : '')
  );
}

/** Whether a message is a manager's reply written by the signed-in manager (its `manager` is me). */
export function writtenByMe(message, me) {
  return Boolean(me && message?.sender === 'supp' && message.manager && message.manager.id === me.id);
}

/**
 * A user's profile after a `ticket.user.updated` report: the report wins for every profile key
 * (a key it leaves out is removed: the user deleted their last name); `blocked` is the report's
 * too when it says, else kept (a profile report is not about blocking).
 */
export function updatedUser(old, report) {
  const next = { ...(old || {}) };
  for (const key of PROFILE_KEYS) {
    if (report[key] === undefined || report[key] === null || report[key] === false) delete next[key];
    else next[key] = report[key];
  }
  next.telegram_id = report.telegram_id;
  if (typeof report.blocked === 'boolean') {
    if (report.blocked) next.blocked = true;
    else delete next.blocked;
  }
  return next;
}

/** Whether two users' profiles show the same (every profile key and `blocked`). */
export function sameProfile(a, b) {
  return [...PROFILE_KEYS, 'blocked', 'telegram_id'].every((key) => (a?.[key] ?? null) === (b?.[key] ?? null));
}

/** How many of `tickets` have unread messages (what tab badges and the page title count). */
export function ticketsWithUnread(tickets) {
  let n = 0;
  for (const ticket of tickets) if (Number(ticket.unread_count || 0) > 0) n += 1;
  return n;
}

/**
 * The first letter of a name for an avatar: a whole letter, digit or emoji (not half of one),
 * skipping punctuation and markup characters (`<b>Anna` is `A`); '?' when there is none.
 */
export function initialOf(name) {
  const first = Array.from(text(name).replace(/<[^<>]*>/g, '')).find((c) => /[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(c));
  return first ? first.toLocaleUpperCase() : '?';
}
