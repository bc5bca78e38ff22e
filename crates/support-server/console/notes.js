// Internal notes, without the DOM: the notes of the open ticket (kept once each, oldest first) and
// where a note or a message goes in the conversation, which shows both in time order.
// Pure (no DOM, no i18n); unit tests: test/notes.test.js.

import { compareTime } from './time.js';

/** The longest note, in characters (code points), as the server checks it (design17b §4). */
export const MAX_NOTE = 10000;

/** Whether a note's text is over the limit. */
export function noteTooLong(text) {
  return [...text].length > MAX_NOTE;
}

/**
 * The order of the conversation: entries `{ kind: 'message' | 'note', item }`. Two messages go
 * by id (ids grow with time, and a message's time may tie); otherwise by time, a message before a
 * note of the same instant, two notes by id.
 */
export function compareEntries(a, b) {
  if (a.kind === 'message' && b.kind === 'message') return a.item.id - b.item.id;
  const byTime = compareTime(a.item.created_at, b.item.created_at);
  if (byTime) return byTime;
  if (a.kind !== b.kind) return a.kind === 'message' ? -1 : 1;
  return a.item.id - b.item.id;
}

/** Messages and notes as one conversation in time order (`compareEntries`). */
export function mergeTimeline(messages, notes) {
  return [
    ...messages.map((item) => ({ kind: 'message', item })),
    ...notes.map((item) => ({ kind: 'note', item })),
  ].sort(compareEntries);
}

/** Whether a value is a note as the server sends it. */
export function isNote(note) {
  return Boolean(note) && typeof note === 'object' && Number.isSafeInteger(note.id) && typeof note.text === 'string';
}

/** The notes of one ticket. */
export class NoteList {
  constructor(ticketId) {
    this.ticketId = ticketId;
    /** Oldest first. */
    this.notes = [];
    this.byId = new Map();
    this.loading = false;
    /** Why the notes could not be loaded, or null. */
    this.error = null;
  }

  /** Adds notes of this ticket it does not have yet; returns the new ones. */
  add(notes) {
    const added = [];
    for (const note of notes) {
      if (!isNote(note) || Number(note.ticket) !== this.ticketId || this.byId.has(note.id)) continue;
      this.byId.set(note.id, note);
      added.push(note);
    }
    if (added.length) {
      this.notes = [...this.byId.values()].sort(
        (a, b) => compareTime(a.created_at, b.created_at) || a.id - b.id,
      );
    }
    return added;
  }
}
