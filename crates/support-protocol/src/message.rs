//! Messages of a ticket.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Attachment, Delivery, MessageId, SupportManager, TicketId, Timestamp};

/// Who wrote a message: the Telegram user or a support manager.
///
/// ```
/// use support_protocol::Sender;
/// assert_eq!(serde_json::to_string(&Sender::Supp).unwrap(), r#""supp""#);
/// assert_eq!(serde_json::from_str::<Sender>(r#""user""#).unwrap(), Sender::User);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Sender {
    /// The Telegram user (`"user"`).
    #[serde(rename = "user")]
    User,
    /// A support manager (`"supp"`).
    #[serde(rename = "supp")]
    Supp,
}

impl Sender {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Supp => "supp",
        }
    }

    /// Parses the wire string.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "supp" => Some(Self::Supp),
            _ => None,
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message of a ticket, with the keys in the original's order.
///
/// ```
/// use support_protocol::{Message, Sender};
/// let json = r#"{"id":13,"created_at":"2026-11-24T13:14:55.425557Z","sender":"supp",
///   "text":"reply from A","viewed":true,"ticket":16}"#;
/// let m: Message = serde_json::from_str(json).unwrap();
/// assert_eq!(m.sender, Sender::Supp);
/// assert_eq!(serde_json::to_value(&m).unwrap(), serde_json::from_str::<serde_json::Value>(json).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// The message id.
    pub id: MessageId,
    /// When it was written.
    pub created_at: Timestamp,
    /// Who wrote it.
    pub sender: Sender,
    /// The text (1..=4096 characters, trimmed). Extension: empty for a file sent without a
    /// caption (a message with `attachments`).
    #[cfg_attr(feature = "schema", schemars(length(max = 4096)))]
    pub text: String,
    /// Whether the other side has seen it. Manager messages are created viewed.
    #[serde(default)]
    pub viewed: bool,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// Extension: a manager reply's delivery to Telegram (absent on user messages and on replies
    /// written before deliveries existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Extension: the files, location or contact the message carries, in order (absent when
    /// none; see [`crate::attachment`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Extension: the manager who wrote a reply (`sender = "supp"`), with their display name;
    /// absent on user messages and where the author is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<SupportManager>,
}
