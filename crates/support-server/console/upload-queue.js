// The files a manager attached to replies not sent yet, per ticket (like the text drafts, so
// switching tickets loses nothing and an upload in flight goes on): each one is uploading (with
// its progress), done (the server's attachment) or failed (with why). Pure: the requests are the
// controller's, which reports their progress here by the item's `key`.

import { checkFiles } from './upload-rules.js';

export class UploadQueue {
  /** `limits`: `{ maxBytes, maxPerMessage }` (see upload-rules.js). */
  constructor(limits) {
    this.limits = limits;
    /** Every file attached and not sent or removed, oldest first. */
    this.items = [];
    this.seq = 0;
  }

  /** The items of a ticket's reply, in the order chosen. */
  of(ticketId) {
    return this.items.filter((item) => item.ticketId === ticketId);
  }

  byKey(key) {
    return this.items.find((item) => item.key === key) ?? null;
  }

  /**
   * Adds chosen files to a ticket's reply. Failed items do not count against the per-message
   * limit (they will not be sent). Returns `{ added, refused }`: the new items (uploading) and the
   * refusals of upload-rules.js `checkFiles`.
   */
  add(ticketId, files) {
    const already = this.of(ticketId).filter((item) => item.state !== 'failed').length;
    const { accepted, refused } = checkFiles(files, this.limits, already);
    const added = accepted.map((file) => ({
      key: ++this.seq,
      ticketId,
      file,
      name: String(file.name || ''),
      size: Number(file.size) || 0,
      type: String(file.type || ''),
      state: 'uploading',
      loaded: 0,
      error: null,
      attachment: null,
    }));
    this.items.push(...added);
    return { added, refused };
  }

  /** Bytes sent so far; returns the item, or null when it is gone. */
  progress(key, loaded) {
    const item = this.byKey(key);
    if (!item || item.state !== 'uploading') return null;
    item.loaded = Math.min(item.size, Math.max(item.loaded, Number(loaded) || 0));
    return item;
  }

  /** The upload is stored: `attachment` as the server answered it. */
  finish(key, attachment) {
    const item = this.byKey(key);
    if (!item || item.state !== 'uploading') return null;
    item.state = 'done';
    item.loaded = item.size;
    item.attachment = attachment;
    return item;
  }

  /** The upload failed; `error`: a text, or `{ key, params }` of i18n. */
  fail(key, error) {
    const item = this.byKey(key);
    if (!item || item.state !== 'uploading') return null;
    item.state = 'failed';
    item.error = error;
    return item;
  }

  /** Removes an item (the manager's ✕); returns it, or null when it was gone. */
  remove(key) {
    const item = this.byKey(key);
    if (!item) return null;
    this.items = this.items.filter((i) => i !== item);
    return item;
  }

  /** Removes every item of a ticket (sent) or of all tickets (`ticketId` undefined: signed out). */
  clear(ticketId) {
    const gone = ticketId === undefined ? this.items : this.of(ticketId);
    this.items = this.items.filter((item) => !gone.includes(item));
    return gone;
  }

  /** Whether a file of the ticket's reply is still uploading. */
  busy(ticketId) {
    return this.of(ticketId).some((item) => item.state === 'uploading');
  }

  /** The server's attachments of the ticket's finished uploads, in order. */
  ready(ticketId) {
    return this.of(ticketId)
      .filter((item) => item.state === 'done')
      .map((item) => item.attachment);
  }

  /**
   * Whether the reply may be sent: nothing still uploading, and some text or a finished upload.
   * (Failed uploads neither block nor go: sending drops them.)
   */
  canSend(ticketId, text) {
    if (this.busy(ticketId)) return false;
    return String(text || '').trim() !== '' || this.ready(ticketId).length > 0;
  }
}

/** The fraction of an item uploaded, 0…1. */
export function fractionOf(item) {
  if (item.state === 'done') return 1;
  return item.size > 0 ? Math.min(1, item.loaded / item.size) : 0;
}
