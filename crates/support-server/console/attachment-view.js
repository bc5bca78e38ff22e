// What the page shows of attachments: the widgets in a message's bubble (images in a grid that
// open the lightbox, audio and video players, download links, location, contact, placeholders),
// sizes in the current language, the label of a message without text in the ticket lists, and
// the text of a refused file. The decisions are attachment-model.js's; this only builds nodes.

import { attachmentView, attachmentsOf, previewLabel } from './attachment-model.js';
import { h } from './dom.js';
import { lang, t } from './i18n.js';
import { sizeParts } from './file-size.js';

/** `25.3 MB` (`25,3 МБ`). */
export function humanSize(bytes) {
  const { value, unit } = sizeParts(bytes);
  return t(`size.${unit}`, { n: new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 }).format(value) });
}

/** The text of a refusal from upload-rules.js (`{ key, params }`, sizes in bytes). */
export function problemText({ key, params }) {
  const p = { ...params };
  if (p.size !== undefined) p.size = humanSize(p.size);
  if (p.limit !== undefined) p.limit = humanSize(p.limit);
  return t(key, p);
}

/** `📎 Photo` for a message without text, or null when it has text. */
export function previewText(message) {
  const label = previewLabel(message);
  return label ? t('att.preview', { label: t(label.key, label.params) }) : null;
}

/** The name shown for an attachment: its file name, else its kind (`Photo`). */
function displayName(model) {
  return model.name || t(model.nameKey);
}

function placeholder(model, reason, text) {
  return h(
    'div',
    { class: 'att att-placeholder', dataset: { widget: reason, kind: model.kind, ...idData(model) } },
    h('span', { class: 'att-placeholder-text', text }),
    model.url ? downloadLink(model) : null,
  );
}

function idData(model) {
  return model.id === null ? {} : { attachmentId: String(model.id) };
}

function sizeLabel(model) {
  return model.size ? h('span', { class: 'att-size', text: humanSize(model.size) }) : null;
}

function downloadLink(model) {
  const name = displayName(model);
  return h(
    'a',
    {
      class: 'att-download',
      href: model.url,
      download: model.name || '',
      title: t('att.download', { name }),
      dataset: idData(model),
    },
    h('span', { class: 'att-file-icon', 'aria-hidden': 'true', text: '📄' }),
    h('span', { class: 'att-name', text: name }),
    sizeLabel(model),
  );
}

function imageNode(model, onOpenImage) {
  const name = displayName(model);
  const img = h('img', {
    class: 'att-image',
    // Lazy before the source, so the image is not fetched before it comes near the screen.
    loading: 'lazy',
    decoding: 'async',
    alt: name,
    width: model.width ? String(model.width) : null,
    height: model.height ? String(model.height) : null,
    src: model.url,
  });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'att att-image-btn',
      'aria-label': t('att.openImage', { name }),
      dataset: { widget: 'image', kind: model.kind, ...idData(model) },
      on: { click: () => onOpenImage?.(model) },
    },
    img,
  );
  // A broken image (gone from the server, not fetchable from Telegram) becomes a placeholder.
  // (No download link in it: the same URL just failed.)
  img.addEventListener('error', () => button.replaceWith(placeholder({ ...model, url: null }, 'broken', t('att.broken', { name }))), {
    once: true,
  });
  return button;
}

function playerNode(model, tag) {
  const media = h(tag, {
    class: `att-${tag}`,
    controls: true,
    preload: 'none',
    width: tag === 'video' && model.width ? String(model.width) : null,
    height: tag === 'video' && model.height ? String(model.height) : null,
    src: model.url,
  });
  return h(
    'div',
    { class: `att att-player att-player-${tag}`, dataset: { widget: tag, kind: model.kind, ...idData(model) } },
    media,
    downloadLink(model),
  );
}

function locationNode(model) {
  const lat = String(model.latitude);
  const lon = String(model.longitude);
  return h(
    'div',
    { class: 'att att-location', dataset: { widget: 'location', kind: model.kind, ...idData(model) } },
    h('span', { class: 'att-location-text', text: t('att.location', { lat, lon }) }),
    ' ',
    h('a', { class: 'att-map', href: model.mapUrl, target: '_blank', rel: 'noopener noreferrer', text: t('att.map') }),
  );
}

function contactNode(model) {
  return h(
    'div',
    { class: 'att att-contact', dataset: { widget: 'contact', kind: model.kind, ...idData(model) } },
    h('span', { class: 'att-contact-name', text: model.contactName || t('att.kind.contact') }),
    model.phone ? h('span', { class: 'att-contact-phone', text: model.phone }) : null,
  );
}

/** The node of one attachment's view model (not an image: those are `imageNode`s in the grid). */
function widgetNode(model) {
  switch (model.widget) {
    case 'audio':
      return playerNode(model, 'audio');
    case 'video':
      return playerNode(model, 'video');
    case 'file':
      return h('div', { class: 'att att-file', dataset: { widget: 'file', kind: model.kind, ...idData(model) } }, downloadLink(model));
    case 'location':
      return locationNode(model);
    case 'contact':
      return contactNode(model);
    case 'unsupported':
      return placeholder(model, 'unsupported', t('att.unsupported', { kind: model.kind }));
    default:
      return placeholder(model, 'unavailable', t('att.unavailable', { name: displayName(model) }));
  }
}

/**
 * The attachments of a message, or null when it has none: its images together in one grid (an
 * album), then the others in order. `onOpenImage(model)`: a click on an image.
 */
export function attachmentsBlock(message, { mount, onOpenImage }) {
  const models = attachmentsOf(message).map((a) => attachmentView(a, mount));
  if (!models.length) return null;
  const images = models.filter((m) => m.widget === 'image');
  const others = models.filter((m) => m.widget !== 'image');
  const grid = images.length
    ? h(
        'div',
        { class: `att-grid${images.length > 1 ? ' is-album' : ''}`, dataset: { count: String(Math.min(images.length, 4)) } },
        images.map((m) => imageNode(m, onOpenImage)),
      )
    : null;
  return h(
    'div',
    { class: 'msg-attachments', role: 'group', 'aria-label': t('att.list') },
    grid,
    others.map(widgetNode),
  );
}

/** The names of a pending reply's attachments (not on the server's message yet: no previews). */
export function pendingAttachments(attachments) {
  if (!attachments?.length) return null;
  return h(
    'ul',
    { class: 'msg-attachments pending-attachments', 'aria-label': t('att.list') },
    attachments.map((a) => {
      const model = attachmentView(a, '');
      return h('li', { class: 'att-pending' }, h('span', { class: 'att-name', text: displayName(model) }), sizeLabel(model));
    }),
  );
}
