// What the page shows of deliveries and blocked users: the state of a manager's reply in its
// bubble (sending, delivered, not delivered with Telegram's reason and a Retry button), the mark on
// a ticket's preview when its last reply failed, and the "blocked the bot" chip. Text nodes only.

import { deliveryOf, failureReason } from './delivery.js';
import { h, icon } from './dom.js';
import { t, formatFull } from './i18n.js';

/** The delivery state of a message (`pending`, `sent`, `failed`), or null when it has none. */
export function deliveryState(message) {
  return deliveryOf(message)?.state ?? null;
}

/** The short state in a bubble's meta line (sending or delivered); null when failed or none. */
export function deliveryBadge(message) {
  const delivery = deliveryOf(message);
  if (!delivery || delivery.state === 'failed') return null;
  if (delivery.state === 'sent') {
    return h(
      'span',
      { class: 'msg-delivery is-sent', title: t('delivery.sentAt', { time: formatFull(delivery.updated_at) }) },
      icon('check', 14),
      t('delivery.sent'),
    );
  }
  const attempts = Number(delivery.attempts) || 0;
  return h(
    'span',
    {
      class: 'msg-delivery is-pending',
      title: attempts > 0 ? t('delivery.attempts', { n: attempts }) : t('delivery.pendingTitle'),
    },
    icon('clock', 14),
    // No attempt yet: no bot has taken it (none connected, or a bot without push, such as the
    // Python original's, which delivers nothing): said so rather than "Sending…".
    t(attempts > 0 ? 'delivery.pending' : 'delivery.waiting'),
  );
}

/**
 * The line under a failed reply: "Not delivered: <reason>" and a Retry button (`onRetry`; it says
 * "Retrying…" and is disabled while `retrying`). Null unless the delivery failed.
 */
export function deliveryFailure(message, { retrying = false, onRetry } = {}) {
  const delivery = deliveryOf(message);
  if (!delivery || delivery.state !== 'failed') return null;
  const reason = failureReason(delivery);
  const text = reason ? t('delivery.failed', { reason }) : t('delivery.failedBare');
  return h(
    'span',
    { class: 'msg-failure' },
    icon('alert', 14),
    h('span', { class: 'msg-failure-text', text }),
    h('button', {
      type: 'button',
      class: 'link-btn delivery-retry',
      // Not `disabled`: a focused button keeps the focus while its request runs.
      'aria-disabled': retrying ? 'true' : null,
      text: retrying ? t('delivery.retrying') : t('chat.retry'),
      on: { click: () => onRetry?.() },
    }),
  );
}

/** The mark before a ticket's preview when that last message is a reply that was not delivered. */
export function previewMark(message) {
  if (message?.sender !== 'supp' || deliveryState(message) !== 'failed') return null;
  return h(
    'span',
    { class: 'ti-failed', title: t('delivery.previewFailed') },
    icon('alert', 14),
    h('span', { class: 'visually-hidden', text: `${t('delivery.previewFailed')}: ` }),
  );
}

/** The chip of a user who blocked the bot. */
export function blockedChip() {
  return h('span', { class: 'chip chip-blocked', title: t('ticket.blockedTitle'), text: t('ticket.blocked') });
}
