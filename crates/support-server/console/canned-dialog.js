// The "Canned replies" dialog (from the top bar): the team's canned replies with Edit and Delete,
// and a form that adds one or edits the chosen one. Checks what it can before sending; shows the
// server's refusals (400 bodies, field by field) in the form.

import { ApiError } from './api.js';
import { cannedProblems } from './canned.js';
import { byId, h, icon } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './templates.js';

export class CannedDialog {
  /**
   * `replies()`: the canned replies known; `saved()`: a change went through (reload the list);
   * `api`, `shell` (for the confirmation and toasts).
   */
  constructor({ api, shell, replies, saved }) {
    this.api = api;
    this.shell = shell;
    this.replies = replies;
    this.saved = saved;
    this.el = {
      open: byId('btn-canned'),
      dialog: byId('canned-dialog'),
      close: byId('canned-close'),
      status: byId('canned-status'),
      list: byId('canned-list'),
      form: byId('canned-form'),
      formTitle: byId('canned-form-title'),
      title: byId('canned-title'),
      text: byId('canned-text'),
      error: byId('canned-error'),
      cancel: byId('canned-cancel'),
      save: byId('canned-save'),
    };
    /** The reply being edited, or null (the form adds one). */
    this.editing = null;
    this.busy = false;
    /** Why the list could not be loaded, or null. */
    this.loadError = null;
    const el = this.el;
    el.open.prepend(icon('canned', 18));
    el.open.addEventListener('click', () => this.open());
    el.close.addEventListener('click', () => el.dialog.close());
    el.cancel.addEventListener('click', () => this.edit(null));
    el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  open() {
    this.edit(null);
    this.render();
    this.el.dialog.showModal();
    this.el.title.focus();
  }

  get isOpen() {
    return this.el.dialog.open;
  }

  /** The list failed to load (`error`), or loaded (null). */
  setLoadError(error) {
    this.loadError = error;
    if (this.isOpen) this.render();
  }

  /** The list of replies, each with Edit and Delete. */
  render() {
    const el = this.el;
    const replies = this.replies();
    el.status.textContent = this.loadError
      ? t('canned.loadError', { detail: errorText(this.loadError) })
      : replies.length
        ? ''
        : t('canned.empty');
    el.status.hidden = !el.status.textContent;
    el.list.replaceChildren(
      ...replies.map((reply) =>
        h(
          'li',
          { class: `canned-item${this.editing?.id === reply.id ? ' is-editing' : ''}`, dataset: { id: String(reply.id) } },
          h(
            'div',
            { class: 'canned-item-body' },
            h('span', { class: 'canned-item-title', dir: 'auto', text: reply.title }),
            h('span', { class: 'canned-item-text', dir: 'auto', text: reply.text }),
          ),
          h(
            'div',
            { class: 'canned-item-actions' },
            h('button', {
              type: 'button',
              class: 'btn btn-sm canned-edit',
              text: t('canned.edit'),
              'aria-label': `${t('canned.edit')}: ${reply.title}`,
              on: { click: () => this.edit(reply) },
            }),
            h('button', {
              type: 'button',
              class: 'btn btn-sm btn-danger canned-delete',
              text: t('canned.delete'),
              'aria-label': `${t('canned.delete')}: ${reply.title}`,
              on: { click: () => this.remove(reply) },
            }),
          ),
        ),
      ),
    );
  }

  /** Fills the form with a reply to edit, or empties it to add one (`null`). */
  edit(reply) {
    const el = this.el;
    this.editing = reply;
    el.formTitle.textContent = reply ? t('canned.editTitle') : t('canned.new');
    el.title.value = reply ? reply.title : '';
    el.text.value = reply ? reply.text : '';
    el.cancel.hidden = !reply;
    this.showError('');
    if (this.isOpen) {
      this.render();
      el.title.focus();
    }
  }

  showError(text) {
    this.el.error.textContent = text;
    this.el.error.hidden = !text;
  }

  async submit() {
    if (this.busy) return;
    const el = this.el;
    const reply = { title: el.title.value.trim(), text: el.text.value.trim() };
    const problems = cannedProblems(reply);
    if (Object.keys(problems).length) {
      this.showError(Object.values(problems).map((key) => t(key)).join(' '));
      (problems.title ? el.title : el.text).focus();
      return;
    }
    this.busy = true;
    el.save.disabled = true;
    el.save.textContent = t('canned.saving');
    try {
      if (this.editing) await this.api.editCanned(this.editing.id, reply);
      else await this.api.addCanned(reply);
      this.shell.toast(t('canned.saved'), 'success');
      await this.saved();
      this.edit(null);
    } catch (err) {
      // A 400 names the fields: `title: ...; text: ...` (api.js `summarize`).
      const detail = err instanceof ApiError && err.status === 400 && err.body ? err.message : errorText(err);
      this.showError(t('canned.error', { detail }));
    } finally {
      this.busy = false;
      el.save.disabled = false;
      el.save.textContent = t('canned.save');
    }
  }

  async remove(reply) {
    const ok = await this.shell.confirm({
      title: t('canned.deleteTitle'),
      text: t('canned.deleteText', { title: reply.title }),
      ok: t('canned.delete'),
    });
    if (!ok) return;
    try {
      await this.api.deleteCanned(reply.id);
      if (this.editing?.id === reply.id) this.edit(null);
      this.shell.toast(t('canned.deleted'), 'success');
      await this.saved();
    } catch (err) {
      this.showError(t('canned.error', { detail: errorText(err) }));
    }
  }
}
