// An internal note in the conversation: a yellow card with a note icon, "Note", its author and
// time, and its text (plain text; a long one clamped behind "Show more", then scrolling within
// its card), placed among the messages by time. Never a bubble: nothing about it looks like a
// message the user received. All text goes in as text nodes.

import { h, icon } from './dom.js';
import { t, formatClock, formatFull } from './i18n.js';
import { writtenByMe } from './people.js';
import { dayKeyOf, managerName, nameNode } from './templates.js';

/** Longer notes than this (characters or lines) start clamped, with "Show more". */
const CLAMP_CHARS = 600;
const CLAMP_LINES = 8;

/** Whether a note's text starts clamped. */
export function isLongNote(text) {
  return text.length > CLAMP_CHARS || text.split('\n').length > CLAMP_LINES;
}

/** The author of a note: "You" for one's own, else the manager's name. */
function authorOf(note, me) {
  if (!note.manager) return t('ticket.manager');
  return writtenByMe({ sender: 'supp', manager: note.manager }, me) ? t('ticket.you') : managerName(note.manager, me);
}

/** A note as an item of the message list (`li.note`, `data-note-id`, `data-day`, `data-at`). */
export function noteItem(note, { me }) {
  const long = isLongNote(note.text);
  const text = h('p', { class: 'note-text', dir: 'auto', text: note.text, id: `note-text-${note.id}` });
  const more = long
    ? h('button', {
        type: 'button',
        class: 'link-btn note-more',
        text: t('note.showMore'),
        'aria-expanded': 'false',
        'aria-controls': `note-text-${note.id}`,
      })
    : null;
  const li = h(
    'li',
    {
      class: `note${long ? ' is-clamped' : ''}`,
      dataset: { noteId: String(note.id), day: dayKeyOf(note.created_at), at: String(note.created_at || '') },
    },
    h(
      'article',
      { class: 'note-card', 'aria-label': t('note.label') },
      h(
        'header',
        { class: 'note-head' },
        icon('note', 16),
        h('span', { class: 'note-label', text: t('note.label') }),
        nameNode(authorOf(note, me), 'note-author'),
        h('time', {
          class: 'note-time',
          datetime: note.created_at,
          title: formatFull(note.created_at),
          text: formatClock(note.created_at),
        }),
      ),
      text,
      more,
    ),
  );
  more?.addEventListener('click', () => {
    const open = li.classList.toggle('is-expanded');
    li.classList.toggle('is-clamped', !open);
    more.textContent = open ? t('note.showLess') : t('note.showMore');
    more.setAttribute('aria-expanded', String(open));
  });
  return li;
}
