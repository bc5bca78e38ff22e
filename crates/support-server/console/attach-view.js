// How files get into a reply and how they show before it is sent: the attach button (a file
// picker), files dropped on the chat (with a highlight while dragging), images pasted into the
// reply box (a screenshot), and a chip per file with its name, size, thumbnail, progress, error
// and a remove / cancel button. The chips are drawn from the upload queue's items (upload-queue.js).

import { humanSize } from './attachment-view.js';
import { byId, h, icon } from './dom.js';
import { t } from './i18n.js';
import { fractionOf } from './upload-queue.js';
import { screenshotName } from './upload-rules.js';

/** Whether a drag carries files (not text or a link being dragged around the page). */
function dragsFiles(event) {
  return [...(event.dataTransfer?.types || [])].includes('Files');
}

export class AttachView {
  constructor() {
    this.el = {
      chat: byId('chat'),
      form: byId('composer'),
      button: byId('attach'),
      input: byId('attach-input'),
      reply: byId('reply'),
      chips: byId('upload-chips'),
      notice: byId('upload-notice'),
    };
    this.el.button.append(icon('clip', 20));
    this.el.button.addEventListener('click', () => this.el.input.click());
    /** Object URLs of the image chips' thumbnails, by item key (revoked when the chip goes). */
    this.thumbs = new Map();
    /** The chip of each item on screen, by key. */
    this.chips = new Map();
    this.enabled = false;
    this.handlers = { files: () => {}, remove: () => {} };
    this.dragDepth = 0;
    this.bindSources();
  }

  /** Events: `files(files)` (chosen, dropped or pasted), `remove(key)` (a chip's ✕). */
  bind(event, handler) {
    if (!(event in this.handlers)) throw new Error(`AttachView: no event ${event}`);
    this.handlers[event] = handler;
  }

  bindSources() {
    const el = this.el;
    el.input.addEventListener('change', () => {
      const files = [...el.input.files];
      // Cleared, so choosing the same file again fires `change` again.
      el.input.value = '';
      if (files.length) this.handlers.files(files);
    });
    // Dragging files over the chat highlights it; dropping them attaches (when a reply is possible).
    el.chat.addEventListener('dragenter', (event) => {
      if (!dragsFiles(event)) return;
      event.preventDefault();
      this.dragDepth += 1;
      this.setDragging(this.enabled);
    });
    el.chat.addEventListener('dragover', (event) => {
      if (!dragsFiles(event)) return;
      // Always taken, so a file dropped here never replaces the page.
      event.preventDefault();
      event.dataTransfer.dropEffect = this.enabled ? 'copy' : 'none';
    });
    el.chat.addEventListener('dragleave', (event) => {
      if (!dragsFiles(event)) return;
      this.dragDepth = Math.max(0, this.dragDepth - 1);
      if (this.dragDepth === 0) this.setDragging(false);
    });
    el.chat.addEventListener('drop', (event) => {
      if (!dragsFiles(event)) return;
      event.preventDefault();
      this.dragDepth = 0;
      this.setDragging(false);
      const files = [...(event.dataTransfer.files || [])];
      if (this.enabled && files.length) this.handlers.files(files);
    });
    // A pasted image (a screenshot) is attached; a paste with text in it stays a text paste.
    el.reply.addEventListener('paste', (event) => {
      const data = event.clipboardData;
      if (!data || [...data.types].includes('text/plain')) return;
      const files = [...data.items]
        .filter((item) => item.kind === 'file')
        .map((item) => item.getAsFile())
        .filter(Boolean);
      if (!files.length || !this.enabled) return;
      event.preventDefault();
      const now = new Date();
      this.handlers.files(
        files.map((file) =>
          file.type.startsWith('image/') ? new File([file], screenshotName(now, file.type), { type: file.type }) : file,
        ),
      );
    });
  }

  setDragging(on) {
    this.el.chat.classList.toggle('is-dragover', on);
  }

  /** Whether files may be attached now (the composer is shown). */
  setEnabled(enabled) {
    this.enabled = enabled;
    this.el.button.disabled = !enabled;
    this.el.input.disabled = !enabled;
    if (!enabled) this.setDragging(false);
  }

  /** Messages about refused files (upload-rules.js), or none (`[]`). */
  notice(texts) {
    this.el.notice.hidden = texts.length === 0;
    this.el.notice.textContent = texts.join('\n');
  }

  /** The chips of `items` (the open ticket's), updated in place so progress does not flicker. */
  render(items) {
    const keep = new Set(items.map((item) => item.key));
    for (const [key, chip] of this.chips) {
      if (keep.has(key)) continue;
      chip.remove();
      this.chips.delete(key);
    }
    let previous = null;
    for (const item of items) {
      let chip = this.chips.get(item.key);
      if (!chip) {
        chip = this.chipNode(item);
        this.chips.set(item.key, chip);
      }
      this.updateChip(chip, item);
      const at = previous ? previous.nextSibling : this.el.chips.firstChild;
      if (at !== chip) this.el.chips.insertBefore(chip, at);
      previous = chip;
    }
    this.el.chips.hidden = items.length === 0;
  }

  /** Forgets an item's thumbnail (its chip is gone for good: removed, sent, or the session ended). */
  release(key) {
    const url = this.thumbs.get(key);
    if (url) URL.revokeObjectURL(url);
    this.thumbs.delete(key);
  }

  thumbOf(item) {
    if (!item.type.startsWith('image/') || !(item.file instanceof Blob)) return null;
    if (!this.thumbs.has(item.key)) this.thumbs.set(item.key, URL.createObjectURL(item.file));
    return this.thumbs.get(item.key);
  }

  chipNode(item) {
    const thumb = this.thumbOf(item);
    return h(
      'li',
      { class: 'upload-chip', dataset: { key: String(item.key) } },
      thumb
        ? h('img', { class: 'upload-thumb', src: thumb, alt: '', width: '40', height: '40' })
        : h('span', { class: 'upload-thumb upload-thumb-file', 'aria-hidden': 'true', text: '📄' }),
      h(
        'span',
        { class: 'upload-info' },
        h('span', { class: 'upload-name', text: item.name, title: item.name }),
        h('span', { class: 'upload-size', text: humanSize(item.size) }),
        h('progress', { class: 'upload-progress', max: 1, value: 0 }),
        h('span', { class: 'upload-status' }),
      ),
      h(
        'button',
        { type: 'button', class: 'upload-remove', on: { click: () => this.handlers.remove(item.key) } },
        h('span', { 'aria-hidden': 'true', text: '✕' }),
      ),
    );
  }

  updateChip(chip, item) {
    chip.dataset.state = item.state;
    const progress = chip.querySelector('.upload-progress');
    const status = chip.querySelector('.upload-status');
    const fraction = fractionOf(item);
    progress.value = fraction;
    progress.hidden = item.state !== 'uploading';
    const percent = Math.round(fraction * 100);
    progress.setAttribute('aria-label', t('upload.progress', { percent }));
    if (item.state === 'failed') {
      status.textContent = typeof item.error === 'string' ? item.error : t(item.error?.key ?? 'upload.failed', item.error?.params);
      status.setAttribute('role', 'alert');
    } else {
      status.textContent = item.state === 'done' ? t('upload.ready') : `${percent}%`;
      status.removeAttribute('role');
    }
    const remove = chip.querySelector('.upload-remove');
    const label = t(item.state === 'uploading' ? 'upload.cancel' : 'upload.remove', { name: item.name });
    remove.setAttribute('aria-label', label);
    remove.title = label;
  }

  /** Everything again (after a language switch). */
  relabel(items) {
    for (const chip of this.chips.values()) chip.remove();
    this.chips.clear();
    this.render(items);
  }
}
