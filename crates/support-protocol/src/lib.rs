//! # support-protocol
//!
//! The wire types of chatlabs-support, in the exact JSON shapes of the Python original
//! (`chatlabs-support` 0.1.5) plus this implementation's additive extensions \[C3\].
//!
//! | module | what |
//! |---|---|
//! | [`ids`] | typed ids: [`TicketId`], [`MessageId`], [`ManagerId`], [`TelegramId`] |
//! | [`time`] | [`Timestamp`]: RFC 3339, six fractional digits, `Z` \[C4\] |
//! | [`ticket`] | [`Ticket`], [`TelegramUser`], [`SupportManager`] |
//! | [`message`] | [`Message`], [`Sender`] |
//! | [`rest`] | REST bodies ([`NewTicket`], [`NewMessage`], [`TicketPatch`]), [`TicketFilter`], [`Page`], [`Listing`], [`ErrorBody`] |
//! | [`profile`] | extension: contact profiles of users, [`UserProfile`], and display names |
//! | [`team_event`] | extension events: `ticket.user.updated`, `ticket.note.new`, `canned.changed`, `ticket.typing` |
//! | [`team`] | extension: the team's private [`Note`]s and [`CannedReply`]s |
//! | [`attachment`] | extension: files and other media of a message, [`Attachment`], [`NewAttachment`] |
//! | [`delivery`] | extension: a reply's [`Delivery`] to Telegram |
//! | [`bot_event`] | extension: the bot websocket's delivery mode, [`BotEvent`], [`DeliveryOffer`] |
//! | [`client_event`] | manager → server websocket events: [`ClientEvent`] |
//! | [`server_event`] | server → client websocket events: [`ServerEvent`] |
//! | [`resume`] | extension: resumable manager events, [`Sequenced`], [`Resumed`], [`ResyncRequired`] |
//! | [`validate`] | the title and text limits: [`validate_title`], [`validate_text`] |
//! | `schema` | feature `schema`: JSON Schemas of every wire type (`schemars::JsonSchema`), the websocket events' document |
//!
//! Every reader ignores unknown JSON fields; unknown event types decode to an `Unknown` variant
//! that keeps the raw JSON.
//!
//! ```
//! use support_protocol::{ClientEvent, ServerEvent};
//!
//! let request = ClientEvent::from_json(r#"{"type": "ticket.assign", "id": 16}"#).unwrap();
//! assert_eq!(request.type_name(), "ticket.assign");
//!
//! let event: ServerEvent = serde_json::from_str(
//!     r#"{"type": "ticket.assigned", "id": 16, "support_manager": 1, "extra": true}"#,
//! ).unwrap();
//! assert_eq!(event.type_name(), "ticket.assigned");
//! ```
//!
//! This crate does no I/O.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod attachment;
pub mod bot_event;
pub mod client_event;
pub mod delivery;
mod event_codec;
pub mod ids;
pub mod message;
mod nullable;
pub mod profile;
pub mod rest;
pub mod resume;
#[cfg(feature = "schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
pub mod schema;
pub mod server_event;
pub mod team;
pub mod team_event;
pub mod ticket;
pub mod time;
pub mod validate;

pub use attachment::{
    Attachment, AttachmentKind, Contact, Degrees, Location, MAX_ATTACHMENTS, NewAttachment,
    TelegramFile,
};
pub use bot_event::{
    BotEvent, DeliveryFailed, DeliveryOffer, DeliveryProceed, DeliverySending, DeliverySent,
    FailureKind, SentFile,
};
pub use client_event::{AssignTicket, ClientEvent, ListMessages, MarkViewed, SendMessage, Typing};
pub use delivery::{Delivery, DeliveryState};
pub use event_codec::DecodeError;
pub use ids::{AttachmentId, ManagerId, MessageId, TelegramId, TicketId};
pub use message::{Message, Sender};
pub use profile::{ProfileError, UserProfile};
pub use rest::{ErrorBody, Listing, NewMessage, NewTicket, Page, TicketFilter, TicketPatch};
pub use resume::{Resumed, ResyncRequired, Sequenced};
pub use server_event::{
    ErrorCode, ErrorEvent, MessageDelivery, MessageList, MessageNew, MessageViewed, ServerEvent,
    TicketAssigned, TicketCreated, TicketUpdated, UserBlocked,
};
pub use team::{CannedPatch, CannedReply, NewNote, Note};
pub use team_event::{CannedChanged, NoteNew, TicketTyping, UserUpdated};
pub use ticket::{SupportManager, TelegramUser, Ticket};
pub use time::{Timestamp, TimestampError};
pub use validate::{
    TEXT_MAX_CHARS, TITLE_MAX_CHARS, ValidationError, validate_canned_title, validate_caption,
    validate_note, validate_text, validate_title,
};

/// Crate-wide result alias for fallible conversions.
pub type Result<T, E = DecodeError> = std::result::Result<T, E>;

/// The crate README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
