// The search box and the sort control above the ticket list. Typing searches after a pause
// (250 ms); the clear button and Escape end the search. The order is remembered for the next visit.

import { byId, icon } from './dom.js';
import { DEFAULT_ORDERING, ORDERINGS, validOrdering } from './views.js';

const ORDER_KEY = 'support.console.ordering';
/** The pause after the last key before a search goes out: one request per word, not per letter. */
export const SEARCH_DELAY = 250;

export class SearchView {
  constructor() {
    this.el = {
      form: byId('search-form'),
      input: byId('search'),
      clear: byId('search-clear'),
      sort: byId('sort'),
    };
    this.el.clear.append(icon('close', 16));
    this.timer = null;
    this.handlers = { search: () => {} };
    // No page reload on Enter: the search goes out at once instead.
    this.el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.fire();
    });
    this.el.input.addEventListener('input', () => {
      this.renderClear();
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fire(), SEARCH_DELAY);
    });
    this.el.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      // Escape in the box ends the search (and keeps the page's other Escape uses out of it).
      e.preventDefault();
      e.stopPropagation();
      this.clear();
    });
    this.el.clear.addEventListener('click', () => {
      this.clear();
      this.el.input.focus();
    });
    this.el.sort.value = SearchView.savedOrdering();
    this.renderClear();
  }

  /** The order remembered from the last visit, else the default. */
  static savedOrdering() {
    try {
      return validOrdering(localStorage.getItem(ORDER_KEY));
    } catch {
      return DEFAULT_ORDERING;
    }
  }

  /** Events: `search(text)` (as typed; '' ends the search), `sort(ordering)`. */
  bind(event, handler) {
    switch (event) {
      case 'search':
        this.handlers.search = handler;
        break;
      case 'sort':
        this.el.sort.addEventListener('change', () => {
          const ordering = validOrdering(this.el.sort.value);
          try {
            localStorage.setItem(ORDER_KEY, ordering);
          } catch {
            // Not remembered; fine.
          }
          handler(ordering);
        });
        break;
      default:
        throw new Error(`SearchView: no event ${event}`);
    }
  }

  fire() {
    clearTimeout(this.timer);
    this.timer = null;
    this.handlers.search(this.el.input.value);
  }

  /** Empties the box and ends the search. */
  clear() {
    this.el.input.value = '';
    this.renderClear();
    this.fire();
  }

  renderClear() {
    this.el.clear.hidden = this.el.input.value === '';
  }

  focus() {
    this.el.input.focus();
    this.el.input.select();
  }

  /** Whether the search box has the focus. */
  get focused() {
    return document.activeElement === this.el.input;
  }

  get ordering() {
    return ORDERINGS.includes(this.el.sort.value) ? this.el.sort.value : DEFAULT_ORDERING;
  }
}
