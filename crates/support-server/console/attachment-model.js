// What the chat shows of a message's attachments, decided without the DOM: which widget each
// one gets (image, audio or video player, download link, location, contact, or a placeholder),
// its URL, name and size, and the short label a ticket list shows for a message without text.
// Names and labels are i18n keys the views translate.

/** The kinds of attachment Telegram sends that the console knows. */
export const KINDS = ['photo', 'document', 'video', 'animation', 'voice', 'audio', 'video_note', 'sticker', 'location', 'contact'];

/** The URL of an attachment's bytes (`mount` as in the page config, e.g. `/support`). */
export function attachmentUrl(mount, id) {
  return `${String(mount || '').replace(/\/+$/, '')}/attachments/${encodeURIComponent(id)}/`;
}

/** Whether the server can serve an attachment's bytes (kept, or fetchable from Telegram). */
export function hasBytes(attachment) {
  return attachment?.stored === true || Boolean(attachment?.telegram);
}

function mimeOf(attachment) {
  return typeof attachment.mime_type === 'string' ? attachment.mime_type.toLowerCase() : '';
}

/** The widget for a kind with bytes: `image`, `audio`, `video` or `file`. */
function mediaWidget(kind, mime) {
  if (mime.startsWith('image/')) return 'image';
  if (kind === 'photo') return 'image';
  // A sticker is an image (webp) unless its type says otherwise (a video sticker, an animated one).
  if (kind === 'sticker') return !mime ? 'image' : mime.startsWith('video/') ? 'video' : 'file';
  if (kind === 'voice' || kind === 'audio') return 'audio';
  if (kind === 'video' || kind === 'animation' || kind === 'video_note') return 'video';
  return 'file';
}

const positive = (n) => (Number.isFinite(n) && n > 0 ? Math.round(n) : null);

/**
 * The view model of one attachment: `{ widget, id, kind, url, name, nameKey, size, width, height, ... }`.
 * `widget`: `image`, `audio`, `video`, `file`, `location` (`latitude`, `longitude`, `mapUrl`),
 * `contact` (`contactName`, `phone`), `unsupported` (an unknown kind; `url` when it has bytes) or
 * `unavailable` (no bytes to show). `name` is the file name or '' (then `nameKey`, an i18n key
 * naming the kind, stands in).
 */
export function attachmentView(attachment, mount) {
  const a = attachment && typeof attachment === 'object' ? attachment : {};
  const kind = typeof a.kind === 'string' && a.kind ? a.kind : 'unknown';
  const known = KINDS.includes(kind);
  const model = {
    widget: 'unavailable',
    id: a.id ?? null,
    kind,
    url: null,
    name: typeof a.file_name === 'string' ? a.file_name : '',
    nameKey: known ? `att.kind.${kind}` : 'att.kind.file',
    size: positive(a.size),
    width: positive(a.width),
    height: positive(a.height),
    mime: mimeOf(a),
  };
  if (kind === 'location') {
    const lat = Number(a.location?.latitude);
    const lon = Number(a.location?.longitude);
    if (!a.location || !Number.isFinite(lat) || !Number.isFinite(lon)) return model;
    return {
      ...model,
      widget: 'location',
      latitude: lat,
      longitude: lon,
      mapUrl: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}`,
    };
  }
  if (kind === 'contact') {
    const c = a.contact;
    if (!c || typeof c !== 'object') return model;
    const contactName = [c.first_name, c.last_name].filter((s) => typeof s === 'string' && s).join(' ');
    return { ...model, widget: 'contact', contactName, phone: typeof c.phone_number === 'string' ? c.phone_number : '' };
  }
  const url = a.id !== undefined && a.id !== null && hasBytes(a) ? attachmentUrl(mount, a.id) : null;
  if (!known) return { ...model, widget: 'unsupported', url };
  if (!url) return model;
  return { ...model, widget: mediaWidget(kind, model.mime), url };
}

/** The attachments of a message (an array; absent or malformed: empty). */
export function attachmentsOf(message) {
  return Array.isArray(message?.attachments) ? message.attachments.filter((a) => a && typeof a === 'object') : [];
}

/** Whether a message's text is worth a paragraph (an attachment-only message has `""`). */
export function hasText(message) {
  return typeof message?.text === 'string' && message.text.trim() !== '';
}

/**
 * The label a ticket list shows instead of an empty text: `{ key, params }` (an i18n key), or
 * null when the message has text. One attachment: its kind (`Photo`); several photos: `3 photos`;
 * several of anything else: `3 files`; none at all (a server that leaves them out): `Attachment`.
 */
export function previewLabel(message) {
  if (hasText(message)) return null;
  const list = attachmentsOf(message);
  const n = list.length;
  if (n === 0) return { key: 'att.preview.some', params: {} };
  if (n === 1) {
    const kind = list[0].kind;
    return { key: KINDS.includes(kind) ? `att.kind.${kind}` : 'att.kind.file', params: {} };
  }
  if (list.every((a) => a.kind === 'photo')) return { key: 'att.preview.photos', params: { n } };
  return { key: 'att.preview.files', params: { n } };
}
