// The page's keyboard shortcuts: turns each keydown into the plain data shortcuts.js decides on,
// and calls the handler of the action it names. `overlay()` says whether a dialog or menu is open.

import { shortcutFor } from './shortcuts.js';

/** The data of a key event that the dispatch needs (shortcuts.js `shortcutFor`). */
export function keyData(event) {
  const target = event.target instanceof Element ? event.target : null;
  return {
    key: event.key,
    ctrlKey: event.ctrlKey,
    altKey: event.altKey,
    metaKey: event.metaKey,
    isComposing: event.isComposing || event.keyCode === 229,
    target: target ? { tag: target.tagName, type: target.getAttribute('type'), editable: target.isContentEditable } : null,
  };
}

/**
 * Listens for shortcuts; `handlers`: action → function (returning false lets the key through).
 * `active()`: whether shortcuts apply at all (signed in); `overlay()`: a dialog or menu is open.
 */
export function bindShortcuts(handlers, { active = () => true, overlay = () => false } = {}) {
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || !active()) return;
    const action = shortcutFor(keyData(event), { overlay: overlay() });
    const handler = action ? handlers[action] : null;
    if (!handler) return;
    if (handler(event) !== false) event.preventDefault();
  });
}
