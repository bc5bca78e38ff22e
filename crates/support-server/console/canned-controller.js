// The controller of canned replies: the team's list (loaded at sign-in, again on `canned.changed`
// and after a change made here), the composer's picker and the management dialog, and the values
// of the variables from the open ticket and the signed-in manager.

import { ApiError } from './api.js';
import { CannedDialog } from './canned-dialog.js';
import { CannedPicker } from './canned-picker.js';
import { byTitle, variablesFor } from './canned.js';
import { t } from './i18n.js';

export class CannedController {
  /** `app`: `state`, `api`, `views` (`shell`). */
  constructor(app) {
    this.state = app.state;
    this.api = app.api;
    this.replies = [];
    /** Reloads are counted, so an older answer never replaces a newer one. */
    this.run = 0;
    this.picker = new CannedPicker({
      replies: () => this.replies,
      values: () => variablesFor(this.state.openTicket(), this.state.me, (id) => t('ticket.user', { id })),
    });
    this.dialog = new CannedDialog({
      api: this.api,
      shell: app.views.shell,
      replies: () => this.replies,
      saved: () => this.reload(),
    });
  }

  /** Loads the list (at sign-in, after `canned.changed`, after a change here). */
  async reload() {
    if (!this.state.me) return;
    const run = ++this.run;
    try {
      const replies = await this.api.canned();
      if (run !== this.run) return;
      this.replies = replies.filter((r) => r && typeof r.title === 'string' && typeof r.text === 'string').sort(byTitle);
      this.dialog.setLoadError(null);
    } catch (err) {
      if (run !== this.run) return;
      // A server without canned replies (404) leaves the list empty.
      this.dialog.setLoadError(err instanceof ApiError && err.status === 404 ? null : err);
    }
    if (this.dialog.isOpen) this.dialog.render();
    this.picker.refresh();
  }

  /** Signed out: nothing of the team's is kept. */
  forget() {
    this.run += 1;
    this.replies = [];
    this.picker.close();
  }
}
