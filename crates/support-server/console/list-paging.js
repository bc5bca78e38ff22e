// The paging bookkeeping of the ticket lists: a list's first page from a reload, its next pages.
// Each list (views.js) keeps how many tickets it loaded (offset paging), whether more exist,
// whether it is loading and its last error. ConsoleState (state.js) holds one per list.
//
// Pure (no DOM). Unit tests: test/state.test.js.

/** The bookkeeping of a list not loaded yet. */
export function newList() {
  return { offset: 0, hasMore: false, loading: false, error: null, loaded: false };
}

/**
 * Records a reload's answers (`Promise.allSettled` outcomes) on the lists they are for (`metas`,
 * in the same order). Returns `{ fresh, failure }`: every ticket that loaded, by id, and the
 * first error.
 */
export function recordReload(metas, results) {
  const fresh = new Map();
  let failure = null;
  results.forEach((result, i) => {
    const meta = metas[i];
    meta.loading = false;
    if (result.status === 'fulfilled') {
      for (const ticket of result.value.results) fresh.set(ticket.id, ticket);
      meta.offset = result.value.results.length;
      meta.hasMore = Boolean(result.value.next);
      meta.error = null;
      meta.loaded = true;
    } else {
      meta.error = result.reason;
      failure = failure || result.reason;
    }
  });
  return { fresh, failure };
}

/** Starts loading the next page of a list; false when it is loading or has no more. */
export function beginMore(meta) {
  if (meta.loading || !meta.hasMore) return false;
  meta.loading = true;
  return true;
}

/** The next page of a list arrived (offset paging: the next request starts after it). */
export function moreArrived(meta, page) {
  meta.offset += page.results.length;
  meta.hasMore = Boolean(page.next) && page.results.length > 0;
  meta.error = null;
  meta.loading = false;
}

export function moreFailed(meta, error) {
  meta.error = error;
  meta.loading = false;
}
