// The uploads of reply attachments: files chosen in the composer are checked against the limits
// (refusals shown at once, no request made), uploaded right away, one request each, with their
// progress on their chips, and cancelled when removed. They are kept per ticket like the text
// drafts: switching tickets leaves them uploading and brings them back on return; signing out
// cancels them all. Sending takes the finished ones (chat-controller.js).

import { ApiError, UploadAborted } from './api.js';
import { problemText } from './attachment-view.js';
import { t } from './i18n.js';
import { errorText } from './templates.js';
import { UploadQueue } from './upload-queue.js';

export class UploadController {
  /**
   * `api`, `view` (an AttachView), `limits` (upload-rules.js), `openId()` (the open ticket's id
   * or null), `changed()` (the composer should be drawn again: what may be sent changed).
   */
  constructor({ api, view, limits, openId, changed }) {
    this.api = api;
    this.view = view;
    this.openId = openId;
    this.changed = changed;
    this.queue = new UploadQueue(limits);
    /** The `abort()` of each request in flight, by item key. */
    this.aborts = new Map();
    view.bind('files', (files) => this.add(files));
    view.bind('remove', (key) => this.remove(key));
  }

  /** Files chosen for the open ticket's reply. */
  add(files) {
    const ticketId = this.openId();
    if (ticketId === null) return;
    const { added, refused } = this.queue.add(ticketId, files);
    this.view.notice(refused.map(problemText));
    for (const item of added) this.start(item);
    this.render();
    this.changed();
  }

  start(item) {
    const { promise, abort } = this.api.upload(item.file, {
      name: item.name,
      onProgress: (fraction) => {
        if (this.queue.progress(item.key, fraction * item.size)) this.renderIfOpen(item);
      },
    });
    this.aborts.set(item.key, abort);
    promise
      .then((attachment) => this.queue.finish(item.key, attachment))
      .catch((err) => {
        if (err instanceof UploadAborted) return;
        this.queue.fail(item.key, this.failure(err));
      })
      .finally(() => {
        this.aborts.delete(item.key);
        this.renderIfOpen(item);
        if (item.ticketId === this.openId()) this.changed();
      });
  }

  /** Why an upload failed, as the chip says it. */
  failure(err) {
    if (err instanceof ApiError && err.status === 413 && !err.body) return t('upload.tooBigServer');
    if (err instanceof ApiError && err.status === 401) return t('toast.sessionExpired');
    return t('upload.failed', { detail: errorText(err) });
  }

  /** A chip's ✕: cancels its upload if running, and forgets it. */
  remove(key) {
    const item = this.queue.remove(key);
    if (!item) return;
    this.aborts.get(key)?.();
    this.aborts.delete(key);
    this.view.release(key);
    this.view.notice([]);
    this.render();
    this.changed();
  }

  /** The chips of the open ticket (after opening or closing one). */
  render() {
    const id = this.openId();
    this.view.render(id === null ? [] : this.queue.of(id));
  }

  renderIfOpen(item) {
    if (item.ticketId === this.openId()) this.render();
  }

  /** Another ticket is open (or none): its chips, and no notice of the last one's. */
  switched() {
    this.view.notice([]);
    this.render();
  }

  /** Whether the open ticket's reply may be sent with `text` (upload-queue.js `canSend`). */
  canSend(ticketId, text) {
    return this.queue.canSend(ticketId, text);
  }

  busy(ticketId) {
    return this.queue.busy(ticketId);
  }

  /** Sending: the finished uploads' attachments; every chip of the ticket goes. */
  take(ticketId) {
    const attachments = this.queue.ready(ticketId);
    this.drop(this.queue.clear(ticketId));
    this.view.notice([]);
    this.render();
    return attachments;
  }

  /** Signed out: every upload is cancelled and forgotten. */
  reset() {
    this.drop(this.queue.clear());
    this.view.notice([]);
    this.render();
  }

  drop(items) {
    for (const item of items) {
      this.aborts.get(item.key)?.();
      this.aborts.delete(item.key);
      this.view.release(item.key);
    }
  }
}
