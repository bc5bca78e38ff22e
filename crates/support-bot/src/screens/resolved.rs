//! The user is told that support resolved (or reopened) their ticket: a notice pushed to the
//! user's chat, with the buttons to act on it.

use support_protocol::Ticket;
use teloxide::types::InlineKeyboardMarkup;

use super::{Screen, button};
use crate::callback::Callback;
use crate::escape::escape_html;
use crate::texts::{Text, Texts, fill};

/// Ticket #N "Title" was resolved, with «Reopen» and «Open ticket».
pub fn resolved_screen(texts: &Texts, ticket: &Ticket) -> Screen {
    let id = ticket.id;
    Screen {
        text: notice(&texts.resolved_notice, ticket),
        keyboard: InlineKeyboardMarkup::new(vec![
            vec![button(&texts.reopen_ticket, Callback::ReopenTicket { id })],
            vec![button(&texts.open_ticket, Callback::Ticket { id, page: 0 })],
        ]),
    }
}

/// Support reopened ticket #N "Title", with «Open ticket».
pub fn reopened_screen(texts: &Texts, ticket: &Ticket) -> Screen {
    Screen {
        text: notice(&texts.reopened_notice, ticket),
        keyboard: InlineKeyboardMarkup::new(vec![vec![button(
            &texts.open_ticket,
            Callback::Ticket {
                id: ticket.id,
                page: 0,
            },
        )]]),
    }
}

fn notice(template: &Text, ticket: &Ticket) -> String {
    fill(
        template,
        &[
            ("id", &ticket.id.to_string()),
            ("title", &escape_html(&ticket.title)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::fixtures::ticket;

    #[test]
    fn resolved_names_the_ticket_and_offers_reopen_and_open() {
        let s = resolved_screen(&Texts::english(), &ticket(7, "Card <charged>", true));
        assert_eq!(
            s.text,
            "Your ticket #7 “Card &lt;charged&gt;” was resolved. If you still need help, reopen it."
        );
        assert_eq!(s.callback_data(), ["sup:to:7", "sup:t:7:0"]);
        assert_eq!(s.button_labels(), ["Reopen", "Open ticket"]);
        let ru = resolved_screen(&Texts::default(), &ticket(7, "T", true));
        assert!(
            ru.text.starts_with("Обращение #7 «T» решено"),
            "{}",
            ru.text
        );
        assert_eq!(ru.button_labels(), ["Открыть снова", "Открыть обращение"]);
    }

    #[test]
    fn reopened_opens_the_ticket() {
        let s = reopened_screen(&Texts::english(), &ticket(7, "a & b", false));
        assert_eq!(s.text, "Support reopened your ticket #7 “a &amp; b”.");
        assert_eq!(s.callback_data(), ["sup:t:7:0"]);
    }
}
