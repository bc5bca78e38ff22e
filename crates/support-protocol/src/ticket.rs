//! Tickets and the people on them: Telegram users and support managers.

use serde::{Deserialize, Serialize};

use crate::{ManagerId, Message, TelegramId, TicketId, Timestamp};

/// A Telegram user as the ticket shows it: `{"telegram_id": N}`, plus the extensions, each written
/// only when known: the contact profile the bot reported (`first_name`, `last_name`, `username`,
/// `is_premium`: see [`crate::profile`]), `language_code` (as the bot last reported it) and
/// `blocked` (written only when true: the user blocked the bot, so replies cannot reach them
/// until they write again).
///
/// ```
/// use support_protocol::{TelegramId, TelegramUser};
/// let user: TelegramUser = serde_json::from_str(r#"{"telegram_id": 1001}"#).unwrap();
/// assert_eq!(user, TelegramUser::new(TelegramId::new(1001)));
/// assert_eq!(serde_json::to_string(&user).unwrap(), r#"{"telegram_id":1001}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TelegramUser {
    /// The Telegram user id.
    pub telegram_id: TelegramId,
    /// Extension: first name, as the bot last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Extension: last name, as the bot last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Extension: Telegram username without `@`, as the bot last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Extension: the user's Telegram language (`from.language_code`), as the bot reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// Extension: Telegram Premium (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_premium: bool,
    /// Extension: the user blocked the bot (Telegram answered 403); cleared when they write.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

impl TelegramUser {
    /// A user known only by id.
    pub fn new(telegram_id: TelegramId) -> Self {
        Self {
            telegram_id,
            first_name: None,
            last_name: None,
            username: None,
            language_code: None,
            is_premium: false,
            blocked: false,
        }
    }

    /// How to name the user: first and last name, else `@username`, else the Telegram id.
    pub fn display_name(&self) -> String {
        let fallback = match &self.username {
            Some(u) => format!("@{u}"),
            None => self.telegram_id.to_string(),
        };
        crate::profile::display_name(
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or(""),
            &fallback,
        )
    }
}

/// A support manager as tickets show them: `{"id": 1, "first_name": "", "last_name": ""}`, plus
/// the extension `display_name` (first and last name, else the username; written when not
/// empty).
///
/// ```
/// use support_protocol::{ManagerId, SupportManager};
/// let m: SupportManager =
///     serde_json::from_str(r#"{"id": 1, "first_name": "Anna", "last_name": ""}"#).unwrap();
/// assert_eq!(m.first_name, "Anna");
/// let named = SupportManager::named(ManagerId::new(2), "", "", "boris");
/// assert_eq!(
///     serde_json::to_string(&named).unwrap(),
///     r#"{"id":2,"first_name":"","last_name":"","display_name":"boris"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupportManager {
    /// The manager id.
    pub id: ManagerId,
    /// First name, possibly empty.
    #[serde(default)]
    pub first_name: String,
    /// Last name, possibly empty.
    #[serde(default)]
    pub last_name: String,
    /// Extension: how to name the manager (first and last name, else the username).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
}

impl SupportManager {
    /// A manager with their display name made from the names, else `username`.
    pub fn named(id: ManagerId, first_name: &str, last_name: &str, username: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            display_name: crate::profile::display_name(first_name, last_name, username),
        }
    }
}

/// A support ticket, with the keys in the original's order.
///
/// The fields after `resolved` are extensions of this implementation \[C3\]: they are written only
/// when set, so a ticket without them is byte-for-byte the Python original's shape.
///
/// ```
/// use support_protocol::Ticket;
/// let json = r#"{"id":21,"user":{"telegram_id":4},"support_manager":null,
///   "created_at":"2024-12-29T16:10:38.620768Z","title":"have a prob","resolved":false}"#;
/// let ticket: Ticket = serde_json::from_str(json).unwrap();
/// assert_eq!(ticket.title, "have a prob");
/// assert!(ticket.support_manager.is_none());
/// let back = serde_json::to_value(&ticket).unwrap();
/// assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ticket {
    /// The ticket id.
    pub id: TicketId,
    /// The Telegram user who opened the ticket.
    pub user: TelegramUser,
    /// The assigned manager, if any.
    pub support_manager: Option<SupportManager>,
    /// When the ticket was opened.
    pub created_at: Timestamp,
    /// The title (1..=256 characters, trimmed).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 256)))]
    pub title: String,
    /// Whether the ticket is resolved (closed). The README's `ticket.created` example omits it, so
    /// it defaults to `false` when absent.
    #[serde(default)]
    pub resolved: bool,
    /// Whether the team has seen the ticket: the 1.2.0 line's ticket-level mark (extension for
    /// 0.1.5 clients). True when a manager marked it viewed (`PATCH {"viewed": true}`, which
    /// also marks its messages) or viewed its messages one by one, and no message of the user
    /// has come since: `viewed` implies `unread_count == 0`. A new ticket is not viewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewed: Option<bool>,
    /// Extension: the time of the latest activity (newest message, or creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Extension: how many user messages the managers have not viewed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_count: Option<u64>,
    /// The newest message of the ticket (an extension for 0.1.5; the 1.2.0 line's key):
    /// `Some(Some(m))`; `Some(None)`, written `null`, when the ticket has no message; `None`,
    /// left out, where the writer does not know (a ticket straight from storage, most events).
    /// [`Ticket::newest_message`] reads it.
    ///
    /// ```
    /// use support_protocol::Ticket;
    /// let base = r#""id":1,"user":{"telegram_id":5},"support_manager":null,
    ///   "created_at":"2026-11-24T13:14:51.951697Z","title":"t","resolved":false"#;
    /// let none: Ticket = serde_json::from_str(&format!("{{{base},\"last_message\":null}}")).unwrap();
    /// assert_eq!(none.last_message, Some(None));
    /// assert!(serde_json::to_string(&none).unwrap().ends_with(r#""last_message":null}"#));
    /// let unknown: Ticket = serde_json::from_str(&format!("{{{base}}}")).unwrap();
    /// assert_eq!(unknown.last_message, None);
    /// assert!(!serde_json::to_string(&unknown).unwrap().contains("last_message"));
    /// ```
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::nullable"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Message>"))]
    pub last_message: Option<Option<Box<Message>>>,
}

impl Ticket {
    /// The newest message, when the ticket carries it.
    pub fn newest_message(&self) -> Option<&Message> {
        self.last_message.as_ref().and_then(|m| m.as_deref())
    }

    /// The assigned manager's id, if any.
    pub fn manager_id(&self) -> Option<ManagerId> {
        self.support_manager.as_ref().map(|m| m.id)
    }
}
