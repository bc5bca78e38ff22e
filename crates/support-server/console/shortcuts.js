// The keyboard shortcuts: the list of them (for the help overlay) and the dispatch from a key
// event's data to an action. Nothing fires while the manager types in a field, except Escape;
// nothing but Escape while a dialog is open; no shortcut takes a key with Ctrl, Alt or Meta.
//
// Pure (no DOM): `shortcutFor` takes plain data. keyboard.js feeds it the page's key events.
// Unit tests: test/shortcuts.test.js.

/** The shortcuts as the help overlay lists them: keys and the i18n key of what they do. */
export const SHORTCUTS = [
  { keys: ['j'], action: 'next', label: 'keys.next' },
  { keys: ['k'], action: 'prev', label: 'keys.prev' },
  { keys: ['a'], action: 'assign', label: 'keys.assign' },
  { keys: ['r'], action: 'resolve', label: 'keys.resolve' },
  { keys: ['c', 'Enter'], action: 'compose', label: 'keys.compose' },
  { keys: ['/'], action: 'search', label: 'keys.search' },
  { keys: ['?'], action: 'help', label: 'keys.help' },
  { keys: ['Escape'], action: 'escape', label: 'keys.escape' },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((key) => [key, s.action])));

/** Elements where keys are text: fields, and anything content-editable. */
const TYPING_TAGS = new Set(['input', 'textarea', 'select']);
/** Elements whose own Enter must keep working (follow a link, press a button). */
const ACTIVE_TAGS = new Set(['a', 'button', 'summary']);
/** Input types that take no text (a checkbox: the shortcuts still work). */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** Whether the event's target is where the manager types. `target`: `{ tag, type, editable }`. */
export function isTyping(target) {
  if (!target) return false;
  if (target.editable) return true;
  const tag = String(target.tag || '').toLowerCase();
  if (!TYPING_TAGS.has(tag)) return false;
  return !(tag === 'input' && NON_TEXT_INPUTS.has(String(target.type || 'text').toLowerCase()));
}

/**
 * The action of a key event, or null. `event`: `{ key, ctrlKey, altKey, metaKey, isComposing,
 * target: { tag, type, editable } }`; `ctx`: `{ overlay }` (a dialog or menu is open).
 * Actions: `next`, `prev`, `assign`, `resolve`, `compose`, `search`, `help`, `escape`.
 */
export function shortcutFor(event, ctx = {}) {
  if (!event || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return null;
  const action = BY_KEY.get(event.key) ?? null;
  if (action === 'escape') return action;
  if (!action || ctx.overlay || isTyping(event.target)) return null;
  if (event.key === 'Enter' && ACTIVE_TAGS.has(String(event.target?.tag || '').toLowerCase())) return null;
  return action;
}

/** The ticket to move to from `currentId` in `ids` (the list's order): `next` or `prev`; null at an end. */
export function stepIn(ids, currentId, action) {
  if (!ids.length) return null;
  const at = ids.indexOf(currentId);
  if (at < 0) return action === 'prev' ? ids[ids.length - 1] : ids[0];
  const to = action === 'prev' ? at - 1 : at + 1;
  return to >= 0 && to < ids.length ? ids[to] : null;
}
