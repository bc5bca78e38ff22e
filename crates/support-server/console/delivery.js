// The delivery of a manager's reply to the user's Telegram chat (issue 13 extension): a message's
// `delivery` record and the rule that decides which of two records is the newer. Pure: no DOM, for
// the state modules and their unit tests.

import { compareTime } from './time.js';

/** The delivery states a reply can be in. */
export const DELIVERY_STATES = ['pending', 'sent', 'failed'];

/**
 * The delivery record of a message, or null: user messages and replies written before the server
 * knew deliveries have none, and a record with a state we do not know is treated as none.
 */
export function deliveryOf(message) {
  const delivery = message?.delivery;
  if (!delivery || typeof delivery !== 'object' || !DELIVERY_STATES.includes(delivery.state)) return null;
  return delivery;
}

/**
 * Whether `incoming` should replace `had`: a record always replaces none, and otherwise the one
 * changed later wins (`updated_at`, which a retry moves on too), so a late answer or a replayed
 * event never takes a reply back to an older state. The same time counts as newer (a repeat is
 * harmless).
 */
export function isNewerDelivery(incoming, had) {
  if (!incoming) return false;
  if (!had) return true;
  if (!incoming.updated_at || !had.updated_at) return true;
  return compareTime(incoming.updated_at, had.updated_at) >= 0;
}

/**
 * Takes the delivery of `message` into `target` (the same message as we hold it) when it is newer.
 * Returns whether anything shown changed.
 */
export function takeDelivery(target, message) {
  const incoming = deliveryOf(message);
  const had = deliveryOf(target);
  if (!isNewerDelivery(incoming, had)) return false;
  const same = had && JSON.stringify(had) === JSON.stringify(incoming);
  target.delivery = { ...incoming };
  return !same;
}

/** The text explaining a failed delivery: Telegram's description and code, else what is known. */
export function failureReason(delivery) {
  const error = typeof delivery?.error === 'string' ? delivery.error.trim() : '';
  const code = Number.isInteger(delivery?.error_code) ? delivery.error_code : null;
  if (error && code !== null) return `${error} (${code})`;
  if (error) return error;
  if (code !== null) return String(code);
  return '';
}
