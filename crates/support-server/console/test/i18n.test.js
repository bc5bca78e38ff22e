// The texts: every key in every language, and the attachment texts as the page words them
// (attachment-view.js with i18n.js, loaded with the few page globals they read stubbed).
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const source = readFileSync(new URL('../i18n.js', import.meta.url), 'utf8');

/** The top-level keys of the dictionary `const NAME = { ... };` in i18n.js. */
function keysOf(name) {
  const start = source.indexOf(`const ${name} = {`);
  const end = source.indexOf('\n};', start);
  assert.ok(start >= 0 && end > start, `no dictionary ${name}`);
  return [...source.slice(start, end).matchAll(/^ {2}'([\w.]+)':/gm)].map((m) => m[1]).sort();
}

test('every language has every key', () => {
  const en = keysOf('en');
  assert.ok(en.includes('upload.tooBig') && en.includes('att.kind.video_note'));
  assert.deepEqual(keysOf('ru'), en);
});

// i18n.js reads the saved language and the browser's at load, and sets <html lang>.
const store = new Map([['support.console.lang', 'en']]);
globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
globalThis.document = { documentElement: {} };
if (!globalThis.navigator) globalThis.navigator = { language: 'en', languages: ['en'] };
const { setLang, t } = await import('../i18n.js');
const { humanSize, previewText, problemText } = await import('../attachment-view.js');
const { KINDS } = await import('../attachment-model.js');

describe('attachment texts', () => {
  test('every known kind has a name', () => {
    for (const kind of [...KINDS, 'file']) assert.notEqual(t(`att.kind.${kind}`), `att.kind.${kind}`, kind);
  });

  test('sizes in the language', () => {
    setLang('en');
    assert.equal(humanSize(Math.round(25.3 * 1024 * 1024)), '25.3 MB');
    assert.equal(humanSize(20 * 1024 * 1024), '20 MB');
    assert.equal(humanSize(512), '512 B');
    setLang('ru');
    assert.equal(humanSize(Math.round(25.3 * 1024 * 1024)), '25,3 МБ');
    setLang('en');
  });

  test('a refusal names the size and the limit', () => {
    const text = problemText({
      key: 'upload.tooBig',
      params: { name: 'photo.png', size: Math.round(25.3 * 1024 * 1024), limit: 20 * 1024 * 1024 },
    });
    assert.equal(text, 'photo.png is 25.3 MB; the limit is 20 MB.');
    assert.equal(
      problemText({ key: 'upload.tooMany', params: { name: 'c.png', n: 10 } }),
      'c.png was not attached: a message may carry at most 10 files.',
    );
  });

  test('the list preview of a message without text', () => {
    const photo = (id) => ({ id, kind: 'photo', stored: true });
    assert.equal(previewText({ text: '', attachments: [photo(1)] }), '📎 Photo');
    assert.equal(previewText({ text: '', attachments: [photo(1), photo(2), photo(3)] }), '📎 3 photos');
    assert.equal(previewText({ text: '', attachments: [photo(1), { id: 2, kind: 'document' }] }), '📎 2 files');
    assert.equal(previewText({ text: 'caption', attachments: [photo(1)] }), null);
    setLang('ru');
    assert.equal(previewText({ text: '', attachments: [photo(1), { id: 2, kind: 'voice' }, photo(3), photo(4), photo(5)] }), '📎 5 файлов');
    setLang('en');
  });
});
