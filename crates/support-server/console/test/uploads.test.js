// Unit tests of the files attached to unsent replies (upload-queue.js) and of the reply that
// carries them (chat-state.js `replyFrame`, and its echo settling the pending reply).
// Run from the repository root with `node --test crates/support-server/console/test/`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { replyFrame } from '../chat-state.js';
import { UploadQueue, fractionOf } from '../upload-queue.js';
import { message, mine, newMessage, created, signedIn } from './fixtures.js';

const limits = { maxBytes: 1000, maxPerMessage: 2 };
const file = (name, size = 100) => ({ name, size, type: 'image/png' });

describe('the upload queue', () => {
  test('files are kept per ticket, uploading from the start', () => {
    const q = new UploadQueue(limits);
    const { added, refused } = q.add(1, [file('a.png')]);
    q.add(2, [file('b.png')]);
    assert.deepEqual(refused, []);
    assert.equal(added[0].state, 'uploading');
    assert.deepEqual(q.of(1).map((i) => i.name), ['a.png']);
    assert.deepEqual(q.of(2).map((i) => i.name), ['b.png']);
    assert.notEqual(q.of(1)[0].key, q.of(2)[0].key);
  });

  test('the count limit is per ticket and failed uploads free their place', () => {
    const q = new UploadQueue(limits);
    const [a] = q.add(1, [file('a'), file('b')]).added;
    assert.deepEqual(q.add(1, [file('c')]).refused.map((r) => r.key), ['upload.tooMany']);
    assert.equal(q.add(2, [file('d')]).added.length, 1, 'another ticket has its own places');
    q.fail(a.key, 'boom');
    assert.equal(q.add(1, [file('e')]).added.length, 1);
  });

  test('too big and empty files never enter the queue', () => {
    const q = new UploadQueue(limits);
    const { added, refused } = q.add(1, [file('big', 1001), file('empty', 0)]);
    assert.deepEqual(added, []);
    assert.deepEqual(refused.map((r) => r.key), ['upload.tooBig', 'upload.empty']);
    assert.deepEqual(q.of(1), []);
  });

  test('progress, then done with the server attachment', () => {
    const q = new UploadQueue(limits);
    const [item] = q.add(1, [file('a', 200)]).added;
    q.progress(item.key, 50);
    assert.equal(fractionOf(item), 0.25);
    q.progress(item.key, 10);
    assert.equal(item.loaded, 50, 'progress never goes back');
    q.progress(item.key, 5000);
    assert.equal(item.loaded, 200, 'nor past the size');
    const attachment = { id: 4, kind: 'photo', stored: true };
    assert.equal(q.finish(item.key, attachment), item);
    assert.equal(item.state, 'done');
    assert.equal(fractionOf(item), 1);
    assert.equal(q.fail(item.key, 'late'), null, 'a finished upload cannot fail');
    assert.deepEqual(q.ready(1), [attachment]);
  });

  test('a removed item is gone; late news about it is ignored', () => {
    const q = new UploadQueue(limits);
    const [item] = q.add(1, [file('a')]).added;
    assert.equal(q.remove(item.key), item);
    assert.equal(q.remove(item.key), null);
    assert.equal(q.progress(item.key, 10), null);
    assert.equal(q.finish(item.key, { id: 1 }), null);
    assert.deepEqual(q.of(1), []);
  });

  test('sending needs text or a finished upload, and nothing still uploading', () => {
    const q = new UploadQueue(limits);
    assert.equal(q.canSend(1, ''), false);
    assert.equal(q.canSend(1, '   '), false);
    assert.equal(q.canSend(1, 'hi'), true, 'text alone, as before attachments');
    const [a, b] = q.add(1, [file('a'), file('b')]).added;
    assert.equal(q.canSend(1, 'hi'), false, 'wait for the uploads');
    assert.equal(q.busy(1), true);
    q.finish(a.key, { id: 1 });
    assert.equal(q.canSend(1, ''), false, 'b is still uploading');
    q.fail(b.key, { key: 'upload.failed', params: { detail: 'x' } });
    assert.equal(q.canSend(1, ''), true, 'a failed upload does not block');
    assert.equal(q.canSend(2, ''), false, 'per ticket');
  });

  test('clearing takes a ticket’s items, or all of them', () => {
    const q = new UploadQueue(limits);
    q.add(1, [file('a')]);
    q.add(2, [file('b')]);
    assert.deepEqual(q.clear(1).map((i) => i.name), ['a']);
    assert.deepEqual(q.of(1), []);
    assert.equal(q.of(2).length, 1);
    assert.deepEqual(q.clear().map((i) => i.name), ['b']);
    assert.deepEqual(q.items, []);
  });
});

describe('replies with attachments', () => {
  test('a text-only reply is the frame it always was', () => {
    const frame = replyFrame({ ticketId: 3, text: 'Hello', attachments: [] });
    assert.deepEqual(frame, { type: 'ticket.message.new', ticket_id: 3, text: 'Hello' });
    assert.equal('attachments' in frame, false);
    assert.deepEqual(replyFrame({ ticketId: 3, text: 'Hi' }), { type: 'ticket.message.new', ticket_id: 3, text: 'Hi' });
  });

  test('uploads go by id, the text may be empty', () => {
    const frame = replyFrame({ ticketId: 3, text: '', attachments: [{ id: 4, kind: 'photo' }, { id: 5, kind: 'document' }] });
    assert.deepEqual(frame, {
      type: 'ticket.message.new',
      ticket_id: 3,
      text: '',
      attachments: [{ upload: 4 }, { upload: 5 }],
    });
  });

  test('the echo settles the pending reply with as many attachments, not a text-only one', () => {
    const state = signedIn();
    state.apply(created(mine(1)));
    const chat = state.openChat(1);
    chat.addMessages([message(10, 1)]);
    const photos = [{ id: 4, kind: 'photo', stored: true }];
    const withPhoto = state.addPending('', photos);
    assert.deepEqual(withPhoto.attachments, photos);
    const plain = state.addPending('');
    const echo = state.apply(newMessage(message(11, 1, { sender: 'supp', text: '', attachments: photos })));
    assert.deepEqual(echo.settled, [withPhoto]);
    assert.deepEqual(chat.pending, [plain]);
  });
});
