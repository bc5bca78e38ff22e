// The state modules must stay usable without a browser: neither they nor anything they import
// may touch the DOM or the page's globals, not even inside a function (which importing alone would
// not reveal). Run with `node --test crates/support-server/console/test/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const BROWSER = ['document', 'window', 'localStorage', 'sessionStorage', 'location', 'navigator', 'requestAnimationFrame', 'setTimeout', 'setInterval', 'fetch', 'WebSocket'];

function source(name) {
  return readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');
}

/** The code without comments and string contents, so only identifiers in use are left. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g, "''");
}

/** `name` and every module it imports, transitively. */
function graph(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const [, dep] of source(name).matchAll(/from '\.\/([\w-]+\.js)'/g)) graph(dep, seen);
  return seen;
}

test('the state modules import only pure modules', () => {
  assert.deepEqual([...graph('state.js')].sort(), ['chat-state.js', 'delivery.js', 'list-paging.js', 'people.js', 'state.js', 'time.js', 'views.js']);
});

// The views, the search, the alerts' decision and the shortcuts' dispatch are pure too.
const DECISIONS = ['views.js', 'search-state.js', 'attention.js', 'shortcuts.js'];

test('the decision modules import only pure modules', () => {
  const all = new Set(DECISIONS.flatMap((name) => [...graph(name)]));
  assert.deepEqual([...all].sort(), ['attention.js', 'search-state.js', 'shortcuts.js', 'time.js', 'views.js']);
});

// What the chat shows of attachments and what may be uploaded is decided without the DOM too.
const ATTACHMENTS = ['attachment-model.js', 'file-size.js', 'upload-queue.js'];

test('the attachment modules import only pure modules', () => {
  const all = new Set(ATTACHMENTS.flatMap((name) => [...graph(name)]));
  assert.deepEqual([...all].sort(), ['attachment-model.js', 'file-size.js', 'upload-queue.js', 'upload-rules.js']);
});

// Notes, canned replies and typing: their rules too.
const TEAM = ['canned.js', 'notes.js', 'typing.js'];

test('the notes, canned and typing modules import only pure modules', () => {
  const all = new Set(TEAM.flatMap((name) => [...graph(name)]));
  assert.deepEqual([...all].sort(), ['canned.js', 'notes.js', 'people.js', 'time.js', 'typing.js']);
});

test('no browser global is used by the state modules', () => {
  for (const name of [...graph('state.js'), ...[...ATTACHMENTS, ...TEAM, ...DECISIONS].flatMap((n) => [...graph(n)])]) {
    const used = BROWSER.filter((global) => new RegExp(`(?<![\\w.])${global}\\b`).test(code(source(name))));
    assert.deepEqual(used, [], `${name} uses ${used.join(', ')}`);
  }
});

test('the check would see one', () => {
  assert.match(code(source('list-view.js')), /(?<![\w.])localStorage\b/);
});
