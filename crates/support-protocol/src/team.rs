//! Extension: what the support team keeps for itself: private [`Note`]s on a ticket (never sent
//! to Telegram) and a shared library of [`CannedReply`]s with variables (`{first_name}`,
//! `{ticket_id}`, ...) the console fills in when a manager inserts one.
//!
//! ```
//! use support_protocol::{CannedReply, Note};
//! let note: Note = serde_json::from_str(r#"{"id":1,"ticket":5,"created_at":"2026-12-03T10:00:00.000000Z",
//!   "text":"VIP customer","manager":{"id":2,"first_name":"Boris","last_name":""}}"#).unwrap();
//! assert_eq!(note.text, "VIP customer");
//! let canned: CannedReply = serde_json::from_str(r#"{"id":3,"title":"Hello",
//!   "text":"Hello {first_name}!","updated_at":"2026-12-03T10:00:00.000000Z"}"#).unwrap();
//! assert_eq!(canned.title, "Hello");
//! ```

use serde::{Deserialize, Serialize};

use crate::{SupportManager, TicketId, Timestamp};

/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 10_000;
/// The longest canned reply title, in characters.
pub const CANNED_TITLE_MAX_CHARS: usize = 100;
/// The most canned replies a team keeps.
pub const CANNED_MAX: usize = 1_000;

/// A private note on a ticket, for the support team only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Note {
    /// The note id.
    pub id: i64,
    /// The ticket it is on.
    pub ticket: TicketId,
    /// When it was written.
    pub created_at: Timestamp,
    /// The text (1..=10,000 characters, trimmed).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 10000)))]
    pub text: String,
    /// Who wrote it (absent if that manager is gone).
    #[serde(default)]
    pub manager: Option<SupportManager>,
}

/// `POST {mount}/tickets/{id}/notes/` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewNote {
    /// The text (1..=10,000 characters after trimming).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 10000)))]
    pub text: String,
}

/// A canned reply of the team's library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CannedReply {
    /// The id.
    pub id: i64,
    /// A short title to pick it by (1..=100 characters).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 100)))]
    pub title: String,
    /// The text, with variables in braces (1..=4,096 characters).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 4096)))]
    pub text: String,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

/// `POST {mount}/canned/` body, and `PATCH {mount}/canned/{id}/` with either key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CannedPatch {
    /// A title (1..=100 characters after trimming); required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 100)))]
    pub title: Option<String>,
    /// A text (1..=4,096 characters after trimming); required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 4096)))]
    pub text: Option<String>,
}
