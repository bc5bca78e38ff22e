// Unit tests of the pure attachment modules: sizes (file-size.js), the checks before an upload
// (upload-rules.js) and what the chat and the lists show of an attachment (attachment-model.js).
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { attachmentUrl, attachmentView, hasText, previewLabel } from '../attachment-model.js';
import { sizeParts } from '../file-size.js';
import { DEFAULT_LIMITS, checkFiles, readLimits, screenshotName } from '../upload-rules.js';

const MiB = 1024 * 1024;

describe('sizes', () => {
  test('bytes are whole, larger units keep one decimal below 100', () => {
    assert.deepEqual(sizeParts(0), { value: 0, unit: 'B' });
    assert.deepEqual(sizeParts(1023), { value: 1023, unit: 'B' });
    assert.deepEqual(sizeParts(1024), { value: 1, unit: 'KB' });
    assert.deepEqual(sizeParts(1536), { value: 1.5, unit: 'KB' });
    assert.deepEqual(sizeParts(120 * 1024 + 300), { value: 120, unit: 'KB' });
    assert.deepEqual(sizeParts(20 * MiB), { value: 20, unit: 'MB' });
    assert.deepEqual(sizeParts(Math.round(25.3 * MiB)), { value: 25.3, unit: 'MB' });
    assert.deepEqual(sizeParts(3 * 1024 * MiB), { value: 3, unit: 'GB' });
  });

  test('a size that rounds up to 1024 of a unit is the next unit', () => {
    assert.deepEqual(sizeParts(1024 * 1024 - 1), { value: 1, unit: 'MB' });
  });

  test('nonsense is zero bytes', () => {
    assert.deepEqual(sizeParts(undefined), { value: 0, unit: 'B' });
    assert.deepEqual(sizeParts(-5), { value: 0, unit: 'B' });
  });
});

describe('limits', () => {
  test('read from the page config', () => {
    assert.deepEqual(readLimits({ attachments: { max_bytes: 5 * MiB, max_per_message: 3 } }), {
      maxBytes: 5 * MiB,
      maxPerMessage: 3,
    });
  });

  test('defaults when absent or bad: 20 MiB and 10 files', () => {
    assert.deepEqual(DEFAULT_LIMITS, { maxBytes: 20971520, maxPerMessage: 10 });
    assert.deepEqual(readLimits({}), DEFAULT_LIMITS);
    assert.deepEqual(readLimits(null), DEFAULT_LIMITS);
    assert.deepEqual(readLimits({ attachments: 'lots' }), DEFAULT_LIMITS);
    assert.deepEqual(readLimits({ attachments: { max_bytes: -1, max_per_message: '4' } }), DEFAULT_LIMITS);
    assert.deepEqual(readLimits({ attachments: { max_per_message: 2 } }), { maxBytes: 20971520, maxPerMessage: 2 });
  });
});

describe('checking files before uploading', () => {
  const limits = { maxBytes: 20 * MiB, maxPerMessage: 3 };
  const file = (name, size) => ({ name, size, type: 'image/png' });

  test('a file within the limits is accepted', () => {
    const ok = file('a.png', 1000);
    assert.deepEqual(checkFiles([ok], limits), { accepted: [ok], refused: [] });
  });

  test('an empty file is refused', () => {
    const empty = file('empty.txt', 0);
    const { accepted, refused } = checkFiles([empty], limits);
    assert.deepEqual(accepted, []);
    assert.deepEqual(refused, [{ file: empty, key: 'upload.empty', params: { name: 'empty.txt' } }]);
  });

  test('a file over the size limit is refused naming its size and the limit', () => {
    const big = file('photo.png', Math.round(25.3 * MiB));
    const { refused } = checkFiles([big], limits);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].key, 'upload.tooBig');
    assert.deepEqual(refused[0].params, { name: 'photo.png', size: big.size, limit: 20 * MiB });
  });

  test('exactly the limit is allowed', () => {
    assert.equal(checkFiles([file('edge.bin', 20 * MiB)], limits).accepted.length, 1);
  });

  test('files beyond the per-message count are refused, counting those already attached', () => {
    const files = ['1', '2', '3'].map((n) => file(`${n}.png`, 10));
    const { accepted, refused } = checkFiles(files, limits, 1);
    assert.deepEqual(accepted.map((f) => f.name), ['1.png', '2.png']);
    assert.deepEqual(refused.map((r) => [r.key, r.params.name, r.params.n]), [['upload.tooMany', '3.png', 3]]);
  });

  test('a refused file does not use up a place', () => {
    const { accepted } = checkFiles([file('big', 30 * MiB), file('a', 1), file('b', 1), file('c', 1)], limits);
    assert.deepEqual(accepted.map((f) => f.name), ['a', 'b', 'c']);
  });
});

describe('pasted screenshots', () => {
  test('are named after the local time', () => {
    const when = new Date(2026, 2, 7, 9, 5, 3);
    assert.equal(screenshotName(when), 'screenshot-20260307-090503.png');
    assert.equal(screenshotName(when, 'image/jpeg'), 'screenshot-20260307-090503.jpg');
    assert.equal(screenshotName(when, 'image/x-weird'), 'screenshot-20260307-090503.png');
  });
});

describe('attachment view models', () => {
  const base = { id: 4, stored: true };
  const view = (fields, mount = '/support') => attachmentView({ ...base, ...fields }, mount);

  test('the bytes are under the mount', () => {
    assert.equal(attachmentUrl('/support', 4), '/support/attachments/4/');
    assert.equal(attachmentUrl('/support/', 4), '/support/attachments/4/');
    assert.equal(attachmentUrl('', 12), '/attachments/12/');
  });

  test('a photo is an image with its size known', () => {
    const m = view({ kind: 'photo', file_name: 'shot.png', mime_type: 'image/png', size: 1024, width: 640, height: 480 });
    assert.equal(m.widget, 'image');
    assert.equal(m.url, '/support/attachments/4/');
    assert.equal(m.name, 'shot.png');
    assert.equal(m.width, 640);
    assert.equal(m.height, 480);
    assert.equal(m.size, 1024);
  });

  test('a photo without a name is named by its kind', () => {
    const m = view({ kind: 'photo' });
    assert.equal(m.name, '');
    assert.equal(m.nameKey, 'att.kind.photo');
    assert.equal(m.width, null);
  });

  test('stickers are images unless their type says video or something else', () => {
    assert.equal(view({ kind: 'sticker' }).widget, 'image');
    assert.equal(view({ kind: 'sticker', mime_type: 'image/webp' }).widget, 'image');
    assert.equal(view({ kind: 'sticker', mime_type: 'video/webm' }).widget, 'video');
    assert.equal(view({ kind: 'sticker', mime_type: 'application/x-tgsticker' }).widget, 'file');
  });

  test('a document of an image type is shown as an image; others are download links', () => {
    assert.equal(view({ kind: 'document', mime_type: 'IMAGE/JPEG' }).widget, 'image');
    const doc = view({ kind: 'document', file_name: 'report.pdf', mime_type: 'application/pdf', size: 2048 });
    assert.equal(doc.widget, 'file');
    assert.equal(doc.name, 'report.pdf');
  });

  test('voice and audio play in an audio player; video, GIFs and round videos in a video player', () => {
    assert.equal(view({ kind: 'voice', mime_type: 'audio/ogg' }).widget, 'audio');
    assert.equal(view({ kind: 'audio' }).widget, 'audio');
    assert.equal(view({ kind: 'video' }).widget, 'video');
    assert.equal(view({ kind: 'animation', mime_type: 'video/mp4' }).widget, 'video');
    assert.equal(view({ kind: 'video_note' }).widget, 'video');
  });

  test('bytes only in Telegram are still available', () => {
    const m = view({ kind: 'photo', stored: false, telegram: { file_id: 'x', file_unique_id: 'y' } });
    assert.equal(m.widget, 'image');
    assert.equal(m.url, '/support/attachments/4/');
  });

  test('without bytes anywhere it is a "not available" placeholder, never a broken image', () => {
    const m = view({ kind: 'photo', stored: false, file_name: 'lost.png' });
    assert.equal(m.widget, 'unavailable');
    assert.equal(m.url, null);
    assert.equal(m.name, 'lost.png');
    assert.equal(view({ kind: 'voice', stored: false }).widget, 'unavailable');
  });

  test('an unknown kind is a placeholder naming it, with a link when there are bytes', () => {
    const m = view({ kind: 'paid_media' });
    assert.equal(m.widget, 'unsupported');
    assert.equal(m.kind, 'paid_media');
    assert.equal(m.url, '/support/attachments/4/');
    assert.equal(m.nameKey, 'att.kind.file');
    assert.equal(view({ kind: 'story', stored: false }).url, null);
    assert.equal(attachmentView({ id: 1 }, '').widget, 'unsupported', 'no kind at all');
    assert.equal(attachmentView(null, '').widget, 'unsupported', 'not even an object');
  });

  test('a location is coordinates with an OpenStreetMap link', () => {
    const m = view({ kind: 'location', stored: false, location: { latitude: 55.7, longitude: 37.6 } });
    assert.equal(m.widget, 'location');
    assert.equal(m.latitude, 55.7);
    assert.equal(m.longitude, 37.6);
    assert.equal(m.mapUrl, 'https://www.openstreetmap.org/?mlat=55.7&mlon=37.6');
    assert.equal(view({ kind: 'location' }).widget, 'unavailable', 'without coordinates');
    assert.equal(view({ kind: 'location', location: { latitude: 'x', longitude: 1 } }).widget, 'unavailable');
  });

  test('a contact is a name and a phone', () => {
    const m = view({
      kind: 'contact',
      stored: false,
      contact: { phone_number: '+15550100', first_name: 'Ann', last_name: 'B', user_id: 5 },
    });
    assert.equal(m.widget, 'contact');
    assert.equal(m.contactName, 'Ann B');
    assert.equal(m.phone, '+15550100');
    assert.equal(view({ kind: 'contact', contact: { phone_number: '1' } }).contactName, '');
  });
});

describe('the preview of a message without text', () => {
  const msg = (text, attachments) => ({ id: 1, text, attachments });

  test('text wins: no label', () => {
    assert.equal(hasText(msg('hi', [{ id: 1, kind: 'photo', stored: true }])), true);
    assert.equal(previewLabel(msg('hi', [{ id: 1, kind: 'photo', stored: true }])), null);
  });

  test('one attachment: its kind', () => {
    assert.deepEqual(previewLabel(msg('', [{ id: 1, kind: 'photo', stored: true }])), { key: 'att.kind.photo', params: {} });
    assert.deepEqual(previewLabel(msg('  ', [{ id: 1, kind: 'voice', stored: true }])), { key: 'att.kind.voice', params: {} });
    assert.deepEqual(previewLabel(msg('', [{ id: 1, kind: 'hologram', stored: true }])), { key: 'att.kind.file', params: {} });
  });

  test('an album of photos, or files of several kinds', () => {
    const photos = [1, 2, 3].map((id) => ({ id, kind: 'photo', stored: true }));
    assert.deepEqual(previewLabel(msg('', photos)), { key: 'att.preview.photos', params: { n: 3 } });
    const mixed = [...photos.slice(0, 1), { id: 9, kind: 'document', stored: true }];
    assert.deepEqual(previewLabel(msg('', mixed)), { key: 'att.preview.files', params: { n: 2 } });
  });

  test('an empty text and no attachments listed: a generic label', () => {
    assert.deepEqual(previewLabel(msg('', undefined)), { key: 'att.preview.some', params: {} });
  });
});
