// Unit tests of the keyboard shortcuts' dispatch (shortcuts.js): from key event data and the
// page's situation to an action. Run with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { SHORTCUTS, isTyping, shortcutFor, stepIn } from '../shortcuts.js';

const BODY = { tag: 'BODY', type: null, editable: false };
const key = (k, target = BODY, extra = {}) => ({ key: k, ctrlKey: false, altKey: false, metaKey: false, target, ...extra });

describe('shortcut dispatch', () => {
  test('each key its action', () => {
    const got = Object.fromEntries(['j', 'k', 'a', 'r', 'c', 'Enter', '/', '?', 'Escape'].map((k) => [k, shortcutFor(key(k))]));
    assert.deepEqual(got, {
      j: 'next',
      k: 'prev',
      a: 'assign',
      r: 'resolve',
      c: 'compose',
      Enter: 'compose',
      '/': 'search',
      '?': 'help',
      Escape: 'escape',
    });
    assert.equal(shortcutFor(key('x')), null);
    assert.equal(shortcutFor(key('J')), null, 'Shift+J is not j');
  });

  test('nothing but Escape while typing', () => {
    for (const target of [
      { tag: 'INPUT', type: 'text' },
      { tag: 'INPUT', type: null },
      { tag: 'TEXTAREA' },
      { tag: 'SELECT' },
      { tag: 'DIV', editable: true },
    ]) {
      assert.equal(shortcutFor(key('j', target)), null, JSON.stringify(target));
      assert.equal(shortcutFor(key('/', target)), null);
      assert.equal(shortcutFor(key('Escape', target)), 'escape');
    }
    assert.equal(shortcutFor(key('j', { tag: 'INPUT', type: 'checkbox' })), 'next', 'a checkbox takes no text');
    assert.equal(isTyping(null), false);
  });

  test('no modifiers, no IME composition, nothing under an open dialog but Escape', () => {
    assert.equal(shortcutFor(key('r', BODY, { ctrlKey: true })), null, 'Ctrl+R reloads the page');
    assert.equal(shortcutFor(key('c', BODY, { metaKey: true })), null);
    assert.equal(shortcutFor(key('a', BODY, { altKey: true })), null);
    assert.equal(shortcutFor(key('j', BODY, { isComposing: true })), null);
    assert.equal(shortcutFor(key('j'), { overlay: true }), null);
    assert.equal(shortcutFor(key('Escape'), { overlay: true }), 'escape');
  });

  test('Enter keeps working on links and buttons', () => {
    assert.equal(shortcutFor(key('Enter', { tag: 'A' })), null);
    assert.equal(shortcutFor(key('Enter', { tag: 'BUTTON' })), null);
    assert.equal(shortcutFor(key('c', { tag: 'A' })), 'compose');
  });

  test('every shortcut is listed for the help with a label', () => {
    assert.deepEqual(new Set(SHORTCUTS.map((s) => s.action)), new Set(['next', 'prev', 'assign', 'resolve', 'compose', 'search', 'help', 'escape']));
    for (const s of SHORTCUTS) assert.match(s.label, /^keys\./);
  });
});

describe('moving in the list', () => {
  test('next and previous, from nothing open, and at the ends', () => {
    assert.equal(stepIn([5, 4, 3], null, 'next'), 5);
    assert.equal(stepIn([5, 4, 3], null, 'prev'), 3);
    assert.equal(stepIn([5, 4, 3], 5, 'next'), 4);
    assert.equal(stepIn([5, 4, 3], 4, 'prev'), 5);
    assert.equal(stepIn([5, 4, 3], 3, 'next'), null);
    assert.equal(stepIn([5, 4, 3], 5, 'prev'), null);
    assert.equal(stepIn([5, 4, 3], 99, 'next'), 5, 'the open ticket is not on this list');
    assert.equal(stepIn([], null, 'next'), null);
  });
});
