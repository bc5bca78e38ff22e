// The ticket lists: the tabs of the views (views.js) with their unread counts, the list of the
// selected tab or of a search over it, its empty, error and "load more" states, and keyboard
// movement between tabs and tickets.

import { byId } from './dom.js';
import { t } from './i18n.js';
import { LISTS } from './state.js';
import { TITLE_VIEWS } from './views.js';
import { errorText, ticketItem } from './templates.js';

const TAB_KEY = 'support.console.tab';

export class ListView {
  constructor() {
    this.el = {
      tabs: byId('tabs'),
      panel: byId('list-panel'),
      list: byId('ticket-list'),
      empty: byId('list-empty'),
      error: byId('list-error'),
      more: byId('list-more'),
    };
    /** The selected tab (kept here for the arrow keys). */
    this.current = null;
    // Arrow keys move between tickets, so a long list needs no tabbing through.
    this.el.list.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      const links = [...this.el.list.querySelectorAll('.ticket-item')];
      const at = links.indexOf(document.activeElement);
      if (at < 0) return;
      event.preventDefault();
      const next = links[event.key === 'ArrowDown' ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1)];
      next.focus();
    });
  }

  /** The tab remembered from the last visit, else `unassigned`. */
  static savedTab() {
    try {
      const saved = localStorage.getItem(TAB_KEY);
      if (LISTS.includes(saved)) return saved;
    } catch {
      // Storage may be disabled.
    }
    return 'unassigned';
  }

  /** Events: `tab(list, focus)` (a click, or the arrow/Home/End keys), `more()`. */
  bind(event, handler) {
    const el = this.el;
    switch (event) {
      case 'tab':
        el.tabs.addEventListener('click', (e) => {
          const tab = e.target.closest('[role="tab"]');
          if (tab) handler(tab.dataset.list, false);
        });
        el.tabs.addEventListener('keydown', (e) => {
          const index = LISTS.indexOf(this.current);
          let next = null;
          if (e.key === 'ArrowRight') next = (index + 1) % LISTS.length;
          else if (e.key === 'ArrowLeft') next = (index + LISTS.length - 1) % LISTS.length;
          else if (e.key === 'Home') next = 0;
          else if (e.key === 'End') next = LISTS.length - 1;
          if (next === null) return;
          e.preventDefault();
          handler(LISTS[next], true);
        });
        break;
      case 'more':
        el.more.addEventListener('click', () => handler());
        break;
      default:
        throw new Error(`ListView: no event ${event}`);
    }
  }

  /** Marks `list`'s tab selected (and remembers it for the next visit). */
  selectTab(list, focus) {
    this.current = list;
    try {
      localStorage.setItem(TAB_KEY, list);
    } catch {
      // Not remembered; fine.
    }
    for (const tab of this.el.tabs.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.list === list;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) {
        this.el.panel.setAttribute('aria-labelledby', tab.id);
        if (focus) tab.focus();
        // On a phone the tabs scroll sideways: keep the selected one in sight.
        if (tab.scrollIntoView) tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
    }
  }

  /**
   * The unread counts on the tabs and in the page title; `unread`: per list. The title counts the
   * tickets a manager answers (unassigned and their own), not other managers'.
   */
  renderTabs(unread) {
    for (const tab of this.el.tabs.querySelectorAll('[role="tab"]')) {
      const list = tab.dataset.list;
      const n = list === 'resolved' ? 0 : unread[list];
      const count = tab.querySelector('.tab-count');
      count.textContent = n ? (n > 99 ? '99+' : String(n)) : '';
      count.hidden = !n;
      const label = t(`lists.${list}`);
      tab.setAttribute('aria-label', n ? t('lists.tabUnread', { label, n }) : label);
    }
    const total = TITLE_VIEWS.reduce((sum, list) => sum + (unread[list] || 0), 0);
    document.title = total ? t('app.titleUnread', { n: total }) : t('app.title');
  }

  /**
   * The selected list: its `items` (in order), paging `meta`, keeping focus on the same ticket.
   * `search`: the text of the search whose results these are ('' for the list itself).
   */
  render({ list, items, meta, me, openId, search = '' }) {
    const el = this.el;
    const focusedId = document.activeElement?.closest?.('.ticket-item')?.dataset.id;
    el.list.replaceChildren(...items.map((tk) => ticketItem(tk, { me, openId, list })));
    if (focusedId) {
      const again = this.item(focusedId);
      if (again) again.focus();
    }
    el.panel.setAttribute('aria-busy', String(meta.loading));
    const empty = items.length === 0;
    el.empty.hidden = !empty || (!meta.loaded && !meta.error && !meta.loading);
    let emptyText = meta.loading && empty ? t('lists.loading') : t(`lists.empty.${list}`);
    if (search) emptyText = meta.loading && empty ? t('search.loading') : t('search.none', { text: search });
    // The search text goes in as text, like every user text.
    el.empty.textContent = emptyText;
    el.empty.classList.toggle('is-search', Boolean(search));
    el.empty.classList.toggle('is-loading', meta.loading && empty);
    if (meta.error && !meta.loading) {
      el.empty.hidden = true;
      el.error.hidden = false;
      el.error.textContent = t('lists.error', { detail: errorText(meta.error) });
    } else {
      el.error.hidden = true;
    }
    el.more.hidden = !meta.hasMore;
    el.more.disabled = meta.loading;
  }

  /** The link of a ticket in the list, if shown. */
  item(id) {
    return this.el.list.querySelector(`.ticket-item[data-id="${CSS.escape(String(id))}"]`);
  }

  /** The ids of the tickets shown, in order (for `j`/`k`). */
  shownIds() {
    return [...this.el.list.querySelectorAll('.ticket-item')].map((a) => Number(a.dataset.id));
  }

  /** Focus on the first ticket, else on the list panel (the skip link). */
  focusFirst() {
    (this.el.list.querySelector('.ticket-item') || this.el.panel).focus();
  }
}
