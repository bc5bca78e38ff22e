// Timestamps as the protocol writes them (RFC 3339, microseconds): parsing and ordering.
// Pure: no DOM and no language, so the state module and its unit tests can import it.

/**
 * Parses an RFC 3339 timestamp. Date keeps milliseconds only, which is plenty for display;
 * ordering uses `compareTime`, which keeps the microseconds.
 */
export function parseTime(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Normalizes `...T12:00:00.5Z` to 6 fractional digits so timestamps compare as strings. */
function timeKey(value) {
  if (typeof value !== 'string') return '';
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!m || m[3] !== 'Z') {
    const d = parseTime(value);
    return d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') : '';
  }
  return `${m[1]}.${(m[2] || '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** Compares two RFC 3339 timestamps with microsecond precision (-1, 0, 1). */
export function compareTime(a, b) {
  const ka = timeKey(a);
  const kb = timeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
