// The page around the lists and the chat: the boot and login screens, the top bar (connection,
// the manager's name, language, sign out), toasts and the confirmation dialog.

import { byId } from './dom.js';
import { t } from './i18n.js';
import { connectionText, managerName, toastNode } from './templates.js';

export class ShellView {
  constructor() {
    this.el = {
      boot: byId('boot'),
      login: byId('login'),
      loginForm: byId('login-form'),
      loginUser: byId('login-username'),
      loginPass: byId('login-password'),
      loginError: byId('login-error'),
      loginSubmit: byId('login-submit'),
      app: byId('app'),
      conn: byId('conn'),
      connText: byId('conn-text'),
      connRetry: byId('conn-retry'),
      connBar: byId('conn-bar'),
      connBarText: byId('conn-bar-text'),
      connBarRetry: byId('conn-bar-retry'),
      meName: byId('me-name'),
      logout: byId('logout'),
      confirm: byId('confirm'),
      confirmTitle: byId('confirm-title'),
      confirmText: byId('confirm-text'),
      confirmOk: byId('confirm-ok'),
      confirmCancel: byId('confirm-cancel'),
      toasts: byId('toasts'),
      skip: byId('skip-link'),
    };
  }

  /**
   * Events: `login(username, password)` (the username trimmed), `logout()`, `retry()` (reconnect
   * now), `lang(code)`, `skip()` (the skip link).
   */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'login':
        el.loginForm.addEventListener('submit', (e) => {
          e.preventDefault();
          handler(el.loginUser.value.trim(), el.loginPass.value);
        });
        break;
      case 'logout':
        el.logout.addEventListener('click', () => handler());
        break;
      case 'retry':
        for (const btn of [el.connRetry, el.connBarRetry]) btn.addEventListener('click', () => handler());
        break;
      case 'lang':
        for (const btn of document.querySelectorAll('.lang-btn')) {
          btn.addEventListener('click', () => handler(btn.dataset.lang));
        }
        break;
      case 'skip':
        el.skip.addEventListener('click', () => handler());
        break;
      default:
        throw new Error(`ShellView: no event ${event}`);
    }
  }

  /** Shows one of `boot`, `login`, `app`. */
  showScreen(name) {
    this.el.boot.hidden = name !== 'boot';
    this.el.login.hidden = name !== 'login';
    this.el.app.hidden = name !== 'app';
  }

  /** The login form, empty password, with `message` (if any) above the button. */
  showLogin(message) {
    const el = this.el;
    this.showScreen('login');
    el.loginError.hidden = !message;
    el.loginError.textContent = message || '';
    el.loginPass.value = '';
    el.loginSubmit.disabled = false;
    el.loginSubmit.textContent = t('login.submit');
    (el.loginUser.value ? el.loginPass : el.loginUser).focus();
    document.title = t('app.title');
  }

  loginMissing(username) {
    const el = this.el;
    el.loginError.textContent = t('login.missing');
    el.loginError.hidden = false;
    (username ? el.loginPass : el.loginUser).focus();
  }

  loginBusy() {
    const el = this.el;
    el.loginSubmit.disabled = true;
    el.loginSubmit.textContent = t('login.busy');
    el.loginError.hidden = true;
  }

  loginFailed(message) {
    const el = this.el;
    el.loginError.textContent = message;
    el.loginError.hidden = false;
    el.loginSubmit.disabled = false;
    el.loginSubmit.textContent = t('login.submit');
    el.loginPass.select();
    el.loginPass.focus();
  }

  /** Texts that are not `data-i18n` (after a language switch). */
  relabel() {
    if (!this.el.login.hidden) this.el.loginSubmit.textContent = t('login.submit');
  }

  /** The signed-in manager's name in the top bar (`display_name`, else their names, else username). */
  renderMe(me) {
    this.el.meName.textContent = managerName(me, me);
    this.el.meName.dir = 'auto';
    this.el.meName.title = me.username || '';
  }

  /** The connection indicator: `state` of the socket (`open`, `connecting`, `waiting`, `stopped`). */
  renderConnection({ state, info }) {
    const el = this.el;
    el.conn.dataset.state = state;
    el.connText.textContent = connectionText(state, info);
    el.connRetry.hidden = state !== 'waiting';
    // On a phone the top bar is hidden while a chat is open; this strip says the same there.
    el.connBar.hidden = state === 'open';
    el.connBar.dataset.state = state;
    el.connBarText.textContent = connectionText(state, info);
    el.connBarRetry.hidden = state !== 'waiting';
  }

  toast(text, kind = 'info', ms = 4500) {
    const node = toastNode(text, kind);
    this.el.toasts.append(node);
    while (this.el.toasts.childElementCount > 4) this.el.toasts.firstElementChild.remove();
    setTimeout(() => node.remove(), ms);
  }

  /** Asks for confirmation; resolves to true when the manager confirms. */
  confirm({ title, text, ok }) {
    const el = this.el;
    return new Promise((resolve) => {
      el.confirmTitle.textContent = title;
      el.confirmText.textContent = text;
      el.confirmOk.textContent = ok;
      el.confirm.returnValue = '';
      const opener = document.activeElement;
      el.confirm.addEventListener(
        'close',
        () => {
          resolve(el.confirm.returnValue === 'ok');
          if (opener && opener.isConnected) opener.focus();
        },
        { once: true },
      );
      el.confirm.showModal();
      el.confirmCancel.focus();
    });
  }
}
