//! The support screens, rendered as pure values (HTML text and an inline keyboard) so they can be
//! tested without Telegram. One file per screen.

mod create;
mod datetime;
mod list;
mod menu;
mod reply;
mod resolved;
mod ticket;

pub(crate) use create::draft_text;
pub use create::{confirm_screen, text_prompt_screen, title_prompt_screen};
pub use list::{LIST_PAGE_SIZE, list_screen};
pub use menu::menu_screen;
pub use reply::reply_screen;
pub use resolved::{reopened_screen, resolved_screen};
pub use ticket::{MESSAGES_PAGE_SIZE, ticket_screen};

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::callback::Callback;

pub(crate) use datetime::{date, date_time};

/// A rendered screen: HTML text (for `ParseMode::Html`) and its inline keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    /// The text, HTML, with every user and manager text escaped.
    pub text: String,
    /// The buttons.
    pub keyboard: InlineKeyboardMarkup,
}

impl Screen {
    /// Every callback data of the keyboard, row by row (handy in tests).
    pub fn callback_data(&self) -> Vec<String> {
        use teloxide::types::InlineKeyboardButtonKind;
        self.keyboard
            .inline_keyboard
            .iter()
            .flatten()
            .filter_map(|b| match &b.kind {
                InlineKeyboardButtonKind::CallbackData(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every button label, row by row.
    pub fn button_labels(&self) -> Vec<String> {
        self.keyboard
            .inline_keyboard
            .iter()
            .flatten()
            .map(|b| b.text.clone())
            .collect()
    }
}

pub(crate) fn button(text: &str, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(text.to_owned(), callback.data())
}

/// How many pages `len` items make (at least one, so an empty list has a page).
pub(crate) fn page_count(len: usize, size: usize) -> usize {
    len.div_ceil(size).max(1)
}

/// A pager row: `◀ p/n ▶` with the arrows only where there is somewhere to go. `prev` and
/// `next` give the callback of each direction; `label_page` is the 1-based page number shown.
pub(crate) fn pager_row(
    prev_text: &str,
    next_text: &str,
    prev: Option<Callback>,
    next: Option<Callback>,
    label_page: usize,
    pages: usize,
) -> Vec<InlineKeyboardButton> {
    let mut row = Vec::new();
    if let Some(prev) = prev {
        row.push(button(prev_text, prev));
    }
    row.push(button(&format!("{label_page}/{pages}"), Callback::Noop));
    if let Some(next) = next {
        row.push(button(next_text, next));
    }
    row
}

#[cfg(test)]
pub(crate) mod fixtures {
    use support_protocol::{
        Message, MessageId, Sender, TelegramId, TelegramUser, Ticket, TicketId, Timestamp,
    };

    pub(crate) fn ticket(id: i64, title: &str, resolved: bool) -> Ticket {
        Ticket {
            id: TicketId::new(id),
            user: TelegramUser::new(TelegramId::new(1001)),
            support_manager: None,
            created_at: Timestamp::parse("2024-12-29T16:10:38.620768Z").unwrap(),
            title: title.to_owned(),
            resolved,
            viewed: None,
            updated_at: None,
            unread_count: None,
            last_message: None,
        }
    }

    pub(crate) fn message(id: i64, sender: Sender, text: &str) -> Message {
        Message {
            id: MessageId::new(id),
            created_at: Timestamp::parse("2024-12-29T16:10:38.620768Z").unwrap(),
            sender,
            text: text.to_owned(),
            viewed: false,
            ticket: TicketId::new(7),
            delivery: None,
            attachments: Vec::new(),
            manager: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 10), 1);
        assert_eq!(page_count(10, 10), 1);
        assert_eq!(page_count(25, 10), 3);
    }
}
