// The full-size view of an image in the chat: a modal dialog over the page with the image and a
// link to the original (a new tab, where it can be saved). Escape, the close button or a click
// anywhere but the link closes it; focus returns to the image that opened it.

import { byId } from './dom.js';
import { t } from './i18n.js';

export class Lightbox {
  constructor() {
    this.el = {
      dialog: byId('lightbox'),
      image: byId('lightbox-image'),
      caption: byId('lightbox-caption'),
      original: byId('lightbox-original'),
      close: byId('lightbox-close'),
    };
    this.opener = null;
    this.el.dialog.addEventListener('click', (event) => {
      if (!event.target.closest('a')) this.close();
    });
    this.el.dialog.addEventListener('close', () => {
      this.el.image.removeAttribute('src');
      this.opener?.focus?.();
      this.opener = null;
    });
  }

  get isOpen() {
    return this.el.dialog.open;
  }

  /** Shows an image's view model (attachment-model.js) full size. */
  open(model) {
    const { dialog, image, caption, original, close } = this.el;
    const name = model.name || t(model.nameKey);
    this.opener = document.activeElement;
    image.alt = name;
    if (model.width && model.height) {
      image.width = model.width;
      image.height = model.height;
    } else {
      image.removeAttribute('width');
      image.removeAttribute('height');
    }
    image.src = model.url;
    caption.textContent = name;
    original.href = model.url;
    original.textContent = t('lightbox.original');
    close.setAttribute('aria-label', t('lightbox.close'));
    close.title = t('lightbox.close');
    if (!dialog.open) dialog.showModal();
    close.focus();
  }

  close() {
    if (this.el.dialog.open) this.el.dialog.close();
  }
}
