// Templates: the DOM nodes and texts the views are built of, from tickets, messages and errors.
// All user text goes in as text nodes.

import { ApiError } from './api.js';
import { hasText } from './attachment-model.js';
import { attachmentsBlock, pendingAttachments, previewText } from './attachment-view.js';
import { blockedChip, deliveryBadge, deliveryFailure, deliveryState, previewMark } from './delivery-view.js';
import { h, icon } from './dom.js';
import { t, formatClock, formatDay, formatFull, formatShort } from './i18n.js';
import { managerLabel, userName as peopleUserName, writtenByMe } from './people.js';
import { activityOf, isBlocked } from './state.js';
import { parseTime } from './time.js';

/** A manager's name: `display_name`, else first and last name, else `manager #id` (people.js). */
export function managerName(manager, me) {
  if (!manager) return t('ticket.unassigned');
  return managerLabel(manager, me) || t('ticket.managerN', { id: manager.id });
}

/** A Telegram user's name: first and last name, else `@username`, else `User {id}` (people.js). */
export function userName(user) {
  return peopleUserName(user, (id) => t('ticket.user', { id }));
}

/**
 * A person's name as an element of its own: always a text node, its direction from its own
 * letters (`dir="auto"`), so a right-to-left name does not turn the text around it.
 */
export function nameNode(name, className = 'person-name', tag = 'span') {
  return h(tag, { class: className, dir: 'auto', text: name });
}

/** Who wrote a manager's reply: "You" for one's own, else the author's name; '' when unknown. */
export function authorOf(message, me) {
  if (message.sender !== 'supp' || !message.manager) return '';
  return writtenByMe(message, me) ? t('ticket.you') : managerName(message.manager, me);
}

function unreadBadge(count) {
  if (!count) return null;
  return h(
    'span',
    { class: 'badge' },
    h('span', { 'aria-hidden': 'true', text: count > 99 ? '99+' : String(count) }),
    h('span', { class: 'visually-hidden', text: t('ticket.unread', { n: count }) }),
  );
}

/** Parts joined by ` · `, strings as text and nodes as they are (a name keeps its element). */
function dotted(parts) {
  return parts.filter(Boolean).flatMap((part, i) => (i ? [' · ', part] : [part]));
}

/** One row of a ticket list: a link to `#/ticket/{id}`. */
export function ticketItem(ticket, { me, openId, list }) {
  const unread = Number(ticket.unread_count || 0);
  const when = activityOf(ticket);
  const last = ticket.last_message;
  const user = nameNode(userName(ticket.user), 'ti-user');
  let preview;
  if (last && (typeof last.text === 'string' || Array.isArray(last.attachments))) {
    let who = null;
    if (last.sender === 'supp') {
      who = authorOf(last, me) || (ticket.support_manager?.id === me?.id ? t('ticket.you') : t('ticket.manager'));
    }
    preview = h(
      'span',
      { class: 'ti-preview', dir: 'auto' },
      previewMark(last),
      who ? h('span', { class: 'ti-who' }, nameNode(who, 'ti-who-name'), ': ') : null,
      // A message of attachments only has no text: `📎 Photo`.
      hasText(last) ? last.text : previewText(last),
    );
  } else {
    preview = h('span', { class: 'ti-preview' }, nameNode(userName(ticket.user), 'ti-user'));
  }
  const metaBits = [t('ticket.number', { id: ticket.id })];
  if (last) metaBits.push(user);
  if (list === 'resolved' || (ticket.support_manager && ticket.support_manager.id !== me?.id && list !== 'mine')) {
    if (ticket.support_manager) metaBits.push(nameNode(managerName(ticket.support_manager, me), 'ti-holder'));
  }
  return h(
    'li',
    { class: 'ti' },
    h(
      'a',
      {
        class: `ticket-item${unread ? ' has-unread' : ''}`,
        href: `#/ticket/${ticket.id}`,
        dataset: { id: String(ticket.id) },
        'aria-current': openId === ticket.id ? 'page' : null,
      },
      h(
        'span',
        { class: 'ti-row' },
        h('span', { class: 'ti-title', dir: 'auto', text: ticket.title }),
        h('time', { class: 'ti-time', datetime: when, title: formatFull(when), text: formatShort(when) }),
      ),
      h('span', { class: 'ti-row ti-meta' }, isBlocked(ticket) ? blockedChip() : null, ...dotted(metaBits)),
      h('span', { class: 'ti-row' }, preview, unreadBadge(unread)),
    ),
  );
}

/** A day separator in the chat. */
export function daySeparator(dayKey, createdAt) {
  return h('li', { class: 'day', dataset: { day: dayKey } }, h('span', { text: formatDay(createdAt) }));
}

/** The local calendar day of a timestamp, as a key. */
export function dayKeyOf(createdAt) {
  const d = parseTime(createdAt);
  return d ? `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}` : '';
}

/**
 * A message bubble; a manager's reply shows its delivery (`retrying`: its retry request is on its
 * way; `onRetry(message)`: the Retry button of a failed one). Attachments come before the text
 * (a caption), their URLs under `mount`; `onOpenImage(model)`: a click on an image.
 */
export function messageItem(message, { ticket, me, retrying = false, onRetry, mount = '', onOpenImage }) {
  const mine = message.sender === 'supp';
  // A manager's reply names its author (extension `manager`; unknown for old replies).
  const author = mine ? authorOf(message, me) : '';
  let senderLabel = author;
  if (!mine) senderLabel = userName(ticket?.user);
  else if (!author) senderLabel = ticket?.support_manager?.id === me?.id ? t('ticket.you') : t('ticket.manager');
  const isNew = !mine && !message.viewed;
  const delivery = mine ? deliveryState(message) : null;
  const failed = delivery === 'failed' ? ' is-failed' : '';
  const attachments = attachmentsBlock(message, { mount, onOpenImage });
  return h(
    'li',
    {
      class: `msg ${mine ? 'msg-supp' : 'msg-user'}${isNew ? ' is-new' : ''}${failed}${attachments ? ' has-attachments' : ''}`,
      dataset: { id: String(message.id), day: dayKeyOf(message.created_at), ...(delivery ? { delivery } : {}) },
    },
    h(
      'div',
      { class: 'bubble' },
      author
        ? h('span', { class: 'msg-author' }, nameNode(author, 'msg-author-name'), h('span', { class: 'visually-hidden', text: ': ' }))
        : h('span', { class: 'visually-hidden' }, nameNode(senderLabel), ': '),
      attachments,
      hasText(message) || !attachments ? h('p', { class: 'msg-text', text: message.text }) : null,
      h(
        'span',
        { class: 'msg-meta' },
        isNew ? h('span', { class: 'new-tag', text: t('chat.new') }) : null,
        h('time', {
          datetime: message.created_at,
          title: formatFull(message.created_at),
          text: formatClock(message.created_at),
        }),
        mine ? deliveryBadge(message) : null,
      ),
      mine ? deliveryFailure(message, { retrying, onRetry: () => onRetry?.(message) }) : null,
    ),
  );
}

/** A reply that is being sent, or failed; `onRetry`/`onDiscard` for the failed state. */
export function pendingItem(pending, { onRetry, onDiscard }) {
  const failed = pending.state === 'failed';
  const status = failed
    ? h(
        'span',
        { class: 'msg-status failed', role: 'alert' },
        icon('alert', 14),
        ` ${t('chat.failed')}${pending.error ? ` ${pending.error}` : ''} `,
        h('button', { type: 'button', class: 'link-btn', text: t('chat.retry'), on: { click: onRetry } }),
        h('button', { type: 'button', class: 'link-btn', text: t('chat.discard'), on: { click: onDiscard } }),
      )
    : h('span', { class: 'msg-status' }, icon('clock', 14), ` ${t('chat.sending')}`);
  const files = pendingAttachments(pending.attachments);
  return h(
    'li',
    { class: `msg msg-supp pending${failed ? ' is-failed' : ''}`, dataset: { temp: String(pending.temp) } },
    h(
      'div',
      { class: 'bubble' },
      files,
      pending.text || !files ? h('p', { class: 'msg-text', text: pending.text }) : null,
      h('span', { class: 'msg-meta' }, status),
    ),
  );
}

/** The connection indicator text for a socket state. */
export function connectionText(state, info = {}) {
  switch (state) {
    case 'open':
      return t('conn.open');
    case 'connecting':
      return t('conn.connecting');
    case 'waiting':
      return t('conn.waiting', { s: info.seconds ?? 1 });
    default:
      return t('conn.offline');
  }
}

/** A toast message node. */
export function toastNode(text, kind = 'info') {
  return h('div', { class: `toast toast-${kind}`, text });
}

/** A one-line text for an error (an ApiError or anything thrown). */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    if (err.status === 403 && !err.body) return t('error.forbidden');
    if (err.body) return err.message;
    return t('error.server', { status: err.status });
  }
  return String(err?.message || err);
}
