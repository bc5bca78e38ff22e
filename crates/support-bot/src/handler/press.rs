//! [`Press`]: a press on a support button, with the message it came from.

use support_protocol::TelegramId;
use teloxide::types::{CallbackQuery, ChatId, MessageId};

/// A press on a support button that has a message to edit.
#[derive(Debug, Clone)]
pub(super) struct Press {
    /// The press, to answer it.
    pub(super) query: CallbackQuery,
    /// The chat of the message with the button.
    pub(super) chat: ChatId,
    /// The message with the button, where the next screen is shown.
    pub(super) message: MessageId,
    /// Who pressed.
    pub(super) user: TelegramId,
}

impl Press {
    /// The press of `query`, if its message is still there and the user id fits.
    pub(super) fn of(query: CallbackQuery) -> Option<Self> {
        let message = query.message.as_ref()?;
        let (chat, id) = (message.chat().id, message.id());
        let user = i64::try_from(query.from.id.0).ok()?;
        Some(Self {
            chat,
            message: id,
            user: TelegramId::new(user),
            query,
        })
    }
}
