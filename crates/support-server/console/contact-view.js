// The contact panel of the open chat: who the user is (name, @username linked to Telegram,
// Telegram id, language, Premium, whether they blocked the bot) and their tickets, each one click
// away. A side panel beside the messages on desktop, a full overlay on a phone; the toggle button
// in the chat header opens it. Every name and title goes in as text (`dir="auto"`).

import { byId, h, icon } from './dom.js';
import { lang, t } from './i18n.js';
import { initialOf, profileName, telegramLink } from './people.js';
import { isBlocked } from './state.js';
import { errorText, managerName, nameNode, userName } from './templates.js';

/** `English (en)` for a language code, or the code alone when the browser cannot name it. */
function languageName(code) {
  try {
    const name = new Intl.DisplayNames([lang()], { type: 'language' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** One `term: value` row of the profile. */
function row(term, ...value) {
  return [h('dt', { text: term }), h('dd', {}, ...value)];
}

export class ContactView {
  constructor() {
    this.el = {
      panel: byId('contact-panel'),
      body: byId('contact-body'),
      close: byId('contact-close'),
      toggle: byId('btn-contact'),
    };
    this.el.toggle.append(icon('person', 20));
    this.el.close.append(icon('close', 20));
  }

  /** Events: `toggle()` (the header button), `close()` (its close button, or Escape in it). */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'toggle':
        el.toggle.addEventListener('click', () => handler());
        break;
      case 'close':
        el.close.addEventListener('click', () => handler());
        el.panel.addEventListener('keydown', (e) => {
          if (e.key !== 'Escape') return;
          // Not the chat's Escape as well (on a phone that goes back to the lists).
          e.stopPropagation();
          handler();
        });
        break;
      default:
        throw new Error(`ContactView: no event ${event}`);
    }
  }

  /** Shows or hides the panel; `focus`: into the panel when it opens, back to the button when it closes. */
  setOpen(open, { focus = false } = {}) {
    const el = this.el;
    el.panel.hidden = !open;
    el.toggle.setAttribute('aria-expanded', String(open));
    if (!focus) return;
    if (open) el.panel.focus();
    else el.toggle.focus();
  }

  /** Whether the panel is on screen. */
  get open() {
    return !this.el.panel.hidden;
  }

  /** Whether the toggle may be used (there is a ticket with a user to show). */
  setAvailable(available) {
    this.el.toggle.hidden = !available;
  }

  /**
   * The panel's content: `ticket` (the open one), `me`, `history` (`{ loading, error, items }`
   * of the user's tickets) and `known(id)` (a fresher copy of a ticket, if the lists have one).
   */
  render({ ticket, me, history, known }) {
    if (!ticket) {
      this.el.body.replaceChildren();
      return;
    }
    // Drawn again on every change of the chat: focus stays on the same link.
    const focused = document.activeElement?.closest?.('#contact-body a');
    const again = focused ? { id: focused.dataset.id, cls: focused.className } : null;
    this.el.body.replaceChildren(this.profile(ticket), this.tickets(ticket, me, history, known));
    if (!again) return;
    const link = again.id
      ? this.el.body.querySelector(`a.contact-ticket[data-id="${CSS.escape(again.id)}"]`)
      : this.el.body.querySelector(`a.${CSS.escape(again.cls.split(' ')[0])}`);
    (link || this.el.panel).focus();
  }

  profile(ticket) {
    const user = ticket.user || {};
    const name = userName(user);
    const link = telegramLink(user);
    const details = [];
    if (link?.username) {
      details.push(
        ...row(
          t('contact.username'),
          h('a', {
            class: 'contact-username',
            href: link.href,
            target: '_blank',
            rel: 'noopener noreferrer',
            dir: 'ltr',
            text: `@${link.username}`,
          }),
        ),
      );
    }
    const id = String(user.telegram_id ?? '?');
    details.push(...row(t('contact.telegramId'), h('span', { class: 'contact-id', text: id })));
    const language = user.language_code
      ? languageName(String(user.language_code))
      : h('span', { class: 'muted', text: t('contact.unknown') });
    details.push(...row(t('contact.language'), language));
    details.push(...row(t('contact.premium'), user.is_premium ? `⭐ ${t('contact.yes')}` : t('contact.no')));
    details.push(
      ...row(
        t('contact.bot'),
        isBlocked(ticket)
          ? h('span', { class: 'chip chip-blocked contact-blocked', text: t('ticket.blocked') })
          : t('contact.active'),
      ),
    );
    // The first letter of the name; a person for a user known only by id.
    const known = profileName(user);
    return h(
      'section',
      { class: 'contact-profile' },
      h('div', { class: 'contact-avatar', 'aria-hidden': 'true' }, known ? initialOf(known) : icon('person', 34)),
      nameNode(name, 'contact-name', 'p'),
      link && !link.username
        ? h('a', { class: 'contact-open', href: link.href, text: t('contact.openTelegram') })
        : null,
      h('dl', { class: 'contact-details' }, ...details),
    );
  }

  tickets(current, me, history, known) {
    const heading = h('h3', { class: 'contact-subtitle', text: t('contact.history') });
    let content;
    if (history.error) {
      const text = t('contact.historyError', { detail: errorText(history.error) });
      content = h('p', { class: 'contact-status is-error', role: 'alert', text });
    } else if (history.loading && !history.items.length) {
      content = h('p', { class: 'contact-status', text: t('contact.historyLoading') });
    } else if (!history.items.length) {
      content = h('p', { class: 'contact-status', text: t('contact.historyEmpty') });
    } else {
      content = h(
        'ul',
        { class: 'contact-tickets' },
        history.items.map((item) => this.ticketLink(known(item.id) || item, current, me)),
      );
    }
    return h('section', { class: 'contact-history', 'aria-busy': String(Boolean(history.loading)) }, heading, content);
  }

  ticketLink(ticket, current, me) {
    const here = ticket.id === current.id;
    const holder = ticket.support_manager
      ? ticket.support_manager.id === me?.id
        ? t('ticket.assignedToYou')
        : t('ticket.assignedTo', { name: managerName(ticket.support_manager, me) })
      : t('ticket.unassigned');
    return h(
      'li',
      {},
      h(
        'a',
        {
          class: 'contact-ticket',
          href: `#/ticket/${ticket.id}`,
          dataset: { id: String(ticket.id) },
          'aria-current': here ? 'page' : null,
        },
        h(
          'span',
          { class: 'ct-row' },
          h('span', { class: 'ct-title', dir: 'auto', text: ticket.title }),
          h('span', { class: 'ct-number', text: t('ticket.number', { id: ticket.id }) }),
        ),
        h(
          'span',
          { class: 'ct-row ct-meta' },
          h('span', {
            class: `chip ${ticket.resolved ? 'chip-done' : 'chip-open'}`,
            text: ticket.resolved ? t('ticket.resolved') : t('ticket.open'),
          }),
          h('span', { class: 'ct-holder', text: holder }),
          here ? h('span', { class: 'ct-here', text: t('contact.current') }) : null,
        ),
      ),
    );
  }
}
