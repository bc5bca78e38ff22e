//! A manager's reply pushed to the user \[B8\].

use support_protocol::{Message, Ticket};
use teloxide::types::InlineKeyboardMarkup;

use super::{Screen, button};
use crate::callback::Callback;
use crate::escape::escape_html;
use crate::texts::{Texts, fill};

/// The reply, escaped, under a heading naming the ticket, with a button that opens the ticket.
pub fn reply_screen(texts: &Texts, ticket: &Ticket, message: &Message) -> Screen {
    let header = fill(
        &texts.reply_header,
        &[
            ("id", &ticket.id.to_string()),
            ("title", &escape_html(&ticket.title)),
        ],
    );
    let hint = fill(&texts.reply_hint, &[("id", &ticket.id.to_string())]);
    Screen {
        text: format!("{header}\n\n{}\n\n{hint}", escape_html(&message.text)),
        keyboard: InlineKeyboardMarkup::new(vec![vec![button(
            &texts.open_ticket,
            Callback::Ticket {
                id: ticket.id,
                page: 0,
            },
        )]]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::fixtures::{message, ticket};
    use support_protocol::Sender;

    #[test]
    fn reply_is_escaped_and_opens_the_ticket() {
        let s = reply_screen(
            &Texts::default(),
            &ticket(7, "T", false),
            &message(1, Sender::Supp, "<b>bold</b>"),
        );
        assert!(
            s.text.contains("\n\n&lt;b&gt;bold&lt;/b&gt;\n\n"),
            "{}",
            s.text
        );
        assert!(s.text.ends_with("#7.</i>"), "{}", s.text);
        assert_eq!(s.callback_data(), ["sup:t:7:0"]);
        assert_eq!(s.button_labels(), ["Открыть обращение"]);
    }
}
