// Alerts outside the page: the settings menu (notifications and sound, both off until turned on,
// remembered), browser notifications and a short beep made with WebAudio (no audio file). What
// deserves an alert is attention.js's decision; this module only raises it.

import { byId, icon } from './dom.js';
import { t } from './i18n.js';
import { ATTENTION_DEFAULTS, channelsFor, parsePrefs } from './attention.js';
import { userName } from './templates.js';

const PREFS_KEY = 'support.console.attention';

function notificationsSupported() {
  return typeof Notification === 'function';
}

export class AttentionView {
  constructor() {
    this.el = {
      button: byId('attention-btn'),
      menu: byId('attention-menu'),
      notify: byId('pref-notify'),
      sound: byId('pref-sound'),
      note: byId('pref-note'),
    };
    this.el.button.append(icon('bell', 20));
    this.prefs = { ...ATTENTION_DEFAULTS, ...this.load() };
    this.audio = null;
    /** Called with a ticket id when a notification is clicked. */
    this.onOpen = () => {};
    this.el.button.addEventListener('click', () => (this.menuOpen ? this.closeMenu(true) : this.openMenu()));
    // The permission is asked only here, on the manager's own click.
    this.el.notify.addEventListener('change', () => this.notifyChanged());
    this.el.sound.addEventListener('change', () => {
      this.save({ sound: this.el.sound.checked });
      // A click is the user gesture a browser needs before it lets a page make sound.
      if (this.prefs.sound) this.beep();
    });
    document.addEventListener('click', (e) => {
      if (this.menuOpen && !this.el.menu.contains(e.target) && !this.el.button.contains(e.target)) this.closeMenu(false);
    });
    this.render();
  }

  load() {
    try {
      return parsePrefs(localStorage.getItem(PREFS_KEY));
    } catch {
      return {};
    }
  }

  save(change) {
    this.prefs = { ...this.prefs, ...change };
    try {
      localStorage.setItem(PREFS_KEY, JSON.stringify(this.prefs));
    } catch {
      // Not remembered; the choice still holds on this page.
    }
    this.render();
  }

  get menuOpen() {
    return !this.el.menu.hidden;
  }

  openMenu() {
    this.render();
    this.el.menu.hidden = false;
    this.el.button.setAttribute('aria-expanded', 'true');
    this.el.notify.focus();
  }

  closeMenu(focusButton) {
    if (!this.menuOpen) return;
    this.el.menu.hidden = true;
    this.el.button.setAttribute('aria-expanded', 'false');
    if (focusButton) this.el.button.focus();
  }

  async notifyChanged() {
    if (!this.el.notify.checked) {
      this.save({ notify: false });
      return;
    }
    if (!notificationsSupported()) {
      this.save({ notify: false });
      return;
    }
    let permission = Notification.permission;
    if (permission === 'default') {
      try {
        permission = await Notification.requestPermission();
      } catch {
        permission = Notification.permission;
      }
    }
    this.save({ notify: permission === 'granted' });
  }

  /** The checkboxes and the line under them (the browser's answer about notifications). */
  render() {
    const { el } = this;
    el.notify.checked = this.prefs.notify;
    el.sound.checked = this.prefs.sound;
    let note = '';
    if (!notificationsSupported()) {
      note = t('attention.unsupported');
      el.notify.disabled = true;
    } else if (Notification.permission === 'denied') {
      note = t('attention.denied');
    }
    el.note.textContent = note;
    el.note.hidden = !note;
    el.button.classList.toggle('is-on', this.prefs.notify || this.prefs.sound);
  }

  /** Raises what `alert` (attention.js `attentionFor`) deserves, given the page's situation. */
  raise(alert, openId) {
    const page = {
      visible: document.visibilityState === 'visible',
      focused: document.hasFocus(),
      openId,
      permission: notificationsSupported() ? Notification.permission : 'denied',
    };
    const { notify, sound } = channelsFor(alert, this.prefs, page);
    if (sound) this.beep();
    if (notify) this.notify(alert);
  }

  notify(alert) {
    const { ticket, message } = alert;
    const title =
      alert.kind === 'ticket'
        ? t('attention.newTicket', { id: ticket.id })
        : t('attention.newMessage', { id: ticket.id, name: userName(ticket.user) });
    const body = alert.kind === 'ticket' ? ticket.title : message.text || t('att.preview.some');
    try {
      // One notification per ticket: a newer one replaces the last.
      const n = new Notification(title, { body, tag: `support-ticket-${ticket.id}` });
      n.addEventListener('click', () => {
        window.focus();
        this.onOpen(ticket.id);
        n.close();
      });
    } catch {
      // Some browsers allow notifications only from a service worker; the beep and title remain.
    }
  }

  /** A short two-tone beep (WebAudio), quiet enough not to startle. */
  beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      this.audio = this.audio || new Context();
      const ctx = this.audio;
      if (ctx.state === 'suspended') ctx.resume();
      const start = ctx.currentTime;
      for (const [offset, freq] of [
        [0, 880],
        [0.12, 1320],
      ]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.1);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start + offset);
        osc.stop(start + offset + 0.11);
      }
    } catch {
      // No sound available; nothing else depends on it.
    }
  }
}
