//! Extension events of the people in a conversation and of the support team (issue 17): a user's
//! changed profile, a private note, the canned replies changed, a manager typing. Decoded and
//! written as [`ServerEvent`](crate::ServerEvent) variants like the others.

use serde::{Deserialize, Serialize};

use crate::{SupportManager, TelegramUser, TicketId};

/// Extension `ticket.user.updated`: the bot reported a changed contact profile or language for a
/// user (see [`crate::profile`]). Sent to every manager; apply it to every ticket of that user.
///
/// ```
/// use support_protocol::{ServerEvent, TelegramId, TelegramUser, UserUpdated};
/// let mut user = TelegramUser::new(TelegramId::new(4));
/// user.first_name = Some("Anna".into());
/// let e = ServerEvent::UserUpdated(UserUpdated { user });
/// assert_eq!(e.to_json(), r#"{"type":"ticket.user.updated","user":{"telegram_id":4,"first_name":"Anna"}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserUpdated {
    /// The user as now stored.
    pub user: TelegramUser,
}

impl UserUpdated {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.user.updated";
}

/// Extension `ticket.note.new`: a manager wrote a private note on a ticket. Sent to every
/// manager, never to the bot.
///
/// ```
/// use support_protocol::{NoteNew, ServerEvent};
/// let e: ServerEvent = serde_json::from_str(r#"{"type":"ticket.note.new","note":{"id":1,"ticket":5,
///   "created_at":"2026-12-03T10:00:00.000000Z","text":"VIP","manager":null}}"#).unwrap();
/// assert!(matches!(e, ServerEvent::NoteNew(NoteNew { note }) if note.text == "VIP"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NoteNew {
    /// The note.
    pub note: crate::Note,
}

impl NoteNew {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.note.new";
}

/// Extension `canned.changed`: the team's canned replies changed (one was added, edited or
/// deleted); reload them. Sent to every manager.
///
/// ```
/// use support_protocol::{CannedChanged, ServerEvent};
/// assert_eq!(ServerEvent::CannedChanged(CannedChanged {}).to_json(), r#"{"type":"canned.changed"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CannedChanged {}

impl CannedChanged {
    /// The wire `type`.
    pub const TYPE: &'static str = "canned.changed";
}

/// Extension `ticket.typing`: a manager is typing a reply on a ticket. Sent to every manager (the
/// console shows who), and to the bot when the typist holds the ticket (the bot shows
/// "typing…" to the user).
///
/// ```
/// use support_protocol::{ServerEvent, TicketId, TicketTyping};
/// let e = ServerEvent::TicketTyping(TicketTyping { ticket_id: TicketId::new(5), manager: None, user: None });
/// assert_eq!(e.to_json(), r#"{"type":"ticket.typing","ticket_id":5}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketTyping {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Who is typing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<SupportManager>,
    /// The ticket's Telegram user (on the bot websocket: whose chat shows "typing…").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<crate::TelegramId>,
}

impl TicketTyping {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.typing";
}
