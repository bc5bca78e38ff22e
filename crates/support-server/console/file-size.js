// Sizes of files for people: the number and unit of a byte count (binary multiples, as the
// limits are set: 20 MiB reads "20 MB"). Pure: the unit's label and the number's format are the
// view's (i18n.js), so "25.3 MB" can read "25,3 МБ".

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * `{ value, unit }` of `bytes`: bytes are whole, larger units keep one decimal below 10 and
 * under 100 (`25.3 MB`, `120 KB`) and drop a trailing `.0` (`20 MB`).
 */
export function sizeParts(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return { value: Math.round(value), unit: 'B' };
  const rounded = value < 100 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.96 KB rounds to 1024: say 1 MB instead.
  if (rounded >= 1024 && unit < UNITS.length - 1) return { value: 1, unit: UNITS[unit + 1] };
  return { value: rounded, unit: UNITS[unit] };
}
