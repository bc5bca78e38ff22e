// The search over a view: the text asked for, the tickets the server found (their ids, in its
// order), paging, loading and the last error. Answers to an older search are ignored (a token per
// search). The tickets themselves live in the console state like every other ticket.
//
// Pure (no DOM). Unit tests: test/views.test.js.

import { normalizeSearch } from './views.js';

export class SearchState {
  constructor() {
    this.clear();
  }

  /** No search: the view's own list shows. */
  clear() {
    this.text = '';
    this.ids = [];
    this.offset = 0;
    this.hasMore = false;
    this.loading = false;
    this.loaded = false;
    this.error = null;
    this.run = null;
  }

  /** Whether a search replaces the list. */
  get active() {
    return this.text !== '';
  }

  /**
   * A new search (or the same one again, for another view or order) starts: returns its token, or
   * null when the text is empty (then there is no search any more).
   */
  begin(text) {
    const normalized = normalizeSearch(text);
    if (!normalized) {
      this.clear();
      return null;
    }
    this.text = normalized;
    this.ids = [];
    this.offset = 0;
    this.hasMore = false;
    this.loading = true;
    this.loaded = false;
    this.error = null;
    this.run = Symbol('search');
    return this.run;
  }

  /** Whether `run` is the search in progress (not a stale answer). */
  current(run) {
    return run !== null && this.run === run;
  }

  /** A page of results arrived for `run`; false when stale. `more`: a next page (appended). */
  arrived(run, page, more = false) {
    if (!this.current(run)) return false;
    const ids = page.results.map((ticket) => ticket.id);
    this.ids = more ? [...this.ids, ...ids.filter((id) => !this.ids.includes(id))] : ids;
    this.offset = (more ? this.offset : 0) + page.results.length;
    this.hasMore = Boolean(page.next) && page.results.length > 0;
    this.loading = false;
    this.loaded = true;
    this.error = null;
    return true;
  }

  /** The search `run` failed; false when stale. */
  failed(run, error) {
    if (!this.current(run)) return false;
    this.loading = false;
    this.loaded = true;
    this.error = error;
    return true;
  }

  /** The next page starts; its token, or null when there is none or one is loading. */
  beginMore() {
    if (!this.active || this.loading || !this.hasMore) return null;
    this.loading = true;
    return this.run;
  }

  /** Paging bookkeeping in the shape the list view shows (`loading`, `hasMore`, `error`, `loaded`). */
  get meta() {
    return { loading: this.loading, hasMore: this.hasMore, error: this.error, loaded: this.loaded };
  }
}
