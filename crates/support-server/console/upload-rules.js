// What the console checks before uploading a file, so nothing doomed is sent: the limits the
// server announces in the page config, an empty file, a file over the size limit, more files than
// one message may carry. Also the name a pasted screenshot gets. Pure: problems are i18n keys
// with parameters (sizes in bytes), which the view turns into text.

/** The limits when the page config says nothing (the server's defaults). */
export const DEFAULT_LIMITS = Object.freeze({ maxBytes: 20 * 1024 * 1024, maxPerMessage: 10 });

function positiveInt(value, fallback) {
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The upload limits from the page config's `attachments` object (any missing or bad value: the default). */
export function readLimits(config) {
  const a = config && typeof config === 'object' ? config.attachments : null;
  if (!a || typeof a !== 'object') return { ...DEFAULT_LIMITS };
  return {
    maxBytes: positiveInt(a.max_bytes, DEFAULT_LIMITS.maxBytes),
    maxPerMessage: positiveInt(a.max_per_message, DEFAULT_LIMITS.maxPerMessage),
  };
}

/**
 * Splits chosen `files` (anything with `name` and `size`) into those to upload and those refused.
 * `already`: how many files the message holds now (counted against `maxPerMessage`). Returns
 * `{ accepted, refused }`; a refusal is `{ file, key, params }` (an i18n key of `upload.*`).
 */
export function checkFiles(files, limits, already = 0) {
  const accepted = [];
  const refused = [];
  let count = already;
  for (const file of files) {
    const name = String(file?.name || '');
    const size = Number(file?.size) || 0;
    if (size <= 0) {
      refused.push({ file, key: 'upload.empty', params: { name } });
    } else if (size > limits.maxBytes) {
      refused.push({ file, key: 'upload.tooBig', params: { name, size, limit: limits.maxBytes } });
    } else if (count >= limits.maxPerMessage) {
      refused.push({ file, key: 'upload.tooMany', params: { name, n: limits.maxPerMessage } });
    } else {
      accepted.push(file);
      count += 1;
    }
  }
  return { accepted, refused };
}

const pad = (n) => String(n).padStart(2, '0');

/** `screenshot-YYYYMMDD-HHMMSS.ext` for a pasted image (local time of `date`; `ext` from its type). */
export function screenshotName(date, type = 'image/png') {
  const ext = /^image\/(png|jpeg|gif|webp|bmp)$/.exec(type)?.[1] ?? 'png';
  const day = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  return `screenshot-${day}-${time}.${ext === 'jpeg' ? 'jpg' : ext}`;
}
