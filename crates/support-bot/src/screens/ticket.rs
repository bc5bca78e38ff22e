//! The ticket view \[B6\]: `Ticket #id Title`, the messages five per page, a pager.

use support_protocol::{Message, Sender, Ticket};
use teloxide::types::InlineKeyboardMarkup;
use time::UtcOffset;

use super::{Screen, button, date_time, draft_text, page_count, pager_row};
use crate::callback::Callback;
use crate::escape::escape_html;
use crate::texts::{Texts, fill};

/// Messages per ticket page.
pub const MESSAGES_PAGE_SIZE: usize = 5;

/// One page of a ticket. `messages` are newest first; page 0 holds the newest five, shown
/// oldest to newest like a chat. The "previous" arrow goes to older messages. An open ticket
/// has «Close ticket», a resolved one «Reopen» (closing takes one tap: it is undone by Reopen in
/// the same place, so it asks for no confirmation). Back returns to the list the ticket is in. The text may exceed Telegram's limit (five long messages); the
/// sender splits it.
pub fn ticket_screen(
    texts: &Texts,
    ticket: &Ticket,
    messages: &[Message],
    page: usize,
    offset: UtcOffset,
) -> Screen {
    let pages = page_count(messages.len(), MESSAGES_PAGE_SIZE);
    let page = page.min(pages - 1);
    let mut text = fill(
        &texts.ticket_header,
        &[
            ("id", &ticket.id.to_string()),
            ("title", &escape_html(&ticket.title)),
        ],
    );
    let shown: Vec<&Message> = messages
        .iter()
        .skip(page * MESSAGES_PAGE_SIZE)
        .take(MESSAGES_PAGE_SIZE)
        .collect();
    if shown.is_empty() {
        text.push_str("\n\n");
        text.push_str(&texts.no_messages);
    }
    for m in shown.iter().rev() {
        let who = match m.sender {
            Sender::User => &texts.sender_user,
            Sender::Supp => &texts.sender_manager,
        };
        text.push_str(&format!(
            "\n\n<b>{}</b> · {}\n{}",
            escape_html(who),
            date_time(m.created_at, offset),
            escape_html(&draft_text(texts, &m.text, m.attachments.len()))
        ));
    }
    text.push_str("\n\n");
    text.push_str(if ticket.resolved {
        &texts.ticket_resolved_note
    } else {
        &texts.ticket_open_hint
    });

    let mut rows = Vec::new();
    if pages > 1 {
        let go = |p: usize| Callback::Ticket {
            id: ticket.id,
            page: p,
        };
        rows.push(pager_row(
            &texts.prev_page,
            &texts.next_page,
            (page + 1 < pages).then(|| go(page + 1)),
            page.checked_sub(1).map(go),
            pages - page,
            pages,
        ));
    }
    rows.push(vec![lifecycle_button(texts, ticket)]);
    rows.push(vec![button(
        &texts.back,
        Callback::List {
            resolved: ticket.resolved,
            page: 0,
        },
    )]);
    Screen {
        text,
        keyboard: InlineKeyboardMarkup::new(rows),
    }
}

/// «Close ticket» under an open ticket, «Reopen» under a resolved one.
pub(crate) fn lifecycle_button(
    texts: &Texts,
    ticket: &Ticket,
) -> teloxide::types::InlineKeyboardButton {
    let id = ticket.id;
    if ticket.resolved {
        button(&texts.reopen_ticket, Callback::ReopenTicket { id })
    } else {
        button(&texts.close_ticket, Callback::CloseTicket { id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::fixtures::{message, ticket};

    fn twelve() -> Vec<Message> {
        (1..=12)
            .rev()
            .map(|i| {
                message(
                    i,
                    if i % 2 == 0 {
                        Sender::Supp
                    } else {
                        Sender::User
                    },
                    &format!("m{i}"),
                )
            })
            .collect()
    }

    #[test]
    fn twelve_messages_make_three_pages() {
        let texts = Texts::default();
        let t = ticket(7, "Card <charged>", false);
        let p0 = ticket_screen(&texts, &t, &twelve(), 0, UtcOffset::UTC);
        assert!(
            p0.text
                .starts_with("<b>Обращение #7 Card &lt;charged&gt;</b>"),
            "{}",
            p0.text
        );
        for i in 8..=12 {
            assert!(p0.text.contains(&format!("\nm{i}")));
        }
        assert!(!p0.text.contains("\nm7"));
        // Oldest first within the page.
        assert!(p0.text.find("m8").unwrap() < p0.text.find("m12").unwrap());
        assert!(
            p0.text.contains("<b>Вы</b> · 29.12.2024 16:10") && p0.text.contains("<b>Менеджер</b>")
        );
        assert_eq!(
            p0.button_labels(),
            ["◀", "3/3", "Закрыть обращение", "« Назад"]
        );
        assert_eq!(
            p0.callback_data(),
            ["sup:t:7:1", "sup:_", "sup:tx:7", "sup:l:o:0"]
        );

        let p1 = ticket_screen(&texts, &t, &twelve(), 1, UtcOffset::UTC);
        assert_eq!(
            p1.button_labels(),
            ["◀", "2/3", "▶", "Закрыть обращение", "« Назад"]
        );
        let p2 = ticket_screen(&texts, &t, &twelve(), 2, UtcOffset::UTC);
        assert!(p2.text.contains("\nm1\n") || p2.text.contains("\nm1"));
        assert!(p2.text.contains("\nm2") && !p2.text.contains("\nm3"));
        assert_eq!(
            p2.callback_data(),
            ["sup:_", "sup:t:7:1", "sup:tx:7", "sup:l:o:0"]
        );
    }

    #[test]
    fn resolved_and_empty() {
        let texts = Texts::english();
        let t = ticket(3, "Done", true);
        let s = ticket_screen(&texts, &t, &[], 0, UtcOffset::UTC);
        assert!(s.text.contains("No messages yet.") && s.text.contains("read-only"));
        assert_eq!(s.callback_data(), ["sup:to:3", "sup:l:c:0"]);
        assert_eq!(s.button_labels(), ["Reopen", "« Back"]);
    }

    #[test]
    fn message_text_is_escaped() {
        let texts = Texts::default();
        let t = ticket(3, "x", false);
        let s = ticket_screen(
            &texts,
            &t,
            &[message(1, Sender::User, "<b>hi</b> & bye")],
            0,
            UtcOffset::UTC,
        );
        assert!(s.text.contains("&lt;b&gt;hi&lt;/b&gt; &amp; bye"));
    }
}
