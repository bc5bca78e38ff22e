//! Events a manager's client sends over the manager websocket (SPEC \[W1\]-\[W3\], \[W6\]).
//!
//! Decoding happens in two steps: first the `type`, then the payload of a known type, strictly
//! ([`ClientEvent::from_json`]). An unknown `type` becomes [`ClientEvent::Unknown`] with the raw JSON;
//! a known type with a bad payload is a [`DecodeError`] naming the field, which the server turns
//! into an `error` event \[W7\].

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::event_codec::{DecodeError, Fields, tagged};
use crate::{MessageId, NewAttachment, TicketId};

/// `ticket.assign`: assign the ticket to me \[W1\].
///
/// The seed's field is `id`; `ticket_id` is accepted too. `force` (extension) takes over a ticket
/// another manager holds.
///
/// ```
/// use support_protocol::{AssignTicket, ClientEvent, TicketId};
/// let e = ClientEvent::from_json(r#"{"type": "ticket.assign", "id": 16}"#).unwrap();
/// assert_eq!(e, ClientEvent::Assign(AssignTicket { id: TicketId::new(16), force: false }));
/// let e = ClientEvent::from_json(r#"{"type": "ticket.assign", "ticket_id": 16, "force": true}"#).unwrap();
/// assert_eq!(e, ClientEvent::Assign(AssignTicket { id: TicketId::new(16), force: true }));
/// assert_eq!(AssignTicket::TYPE, "ticket.assign");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::assign_ticket))]
pub struct AssignTicket {
    /// The ticket.
    pub id: TicketId,
    /// Take the ticket over from another manager.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
}

impl AssignTicket {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.assign";
}

/// `ticket.message.viewed`: mark a message viewed \[W2\].
///
/// ```
/// use support_protocol::{ClientEvent, MarkViewed};
/// let e = ClientEvent::from_json(r#"{"type":"ticket.message.viewed","ticket_id":16,"message_id":28}"#).unwrap();
/// assert!(matches!(e, ClientEvent::MessageViewed(MarkViewed { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MarkViewed {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The message of that ticket.
    pub message_id: MessageId,
}

impl MarkViewed {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.viewed";
}

/// `ticket.message.new`: a manager's reply \[W3\].
///
/// `text` may arrive as a JSON number, which is read as its decimal string (the original's
/// coercion). Length limits are checked by the server with [`crate::validate_text`].
///
/// ```
/// use support_protocol::{ClientEvent, SendMessage, TicketId};
/// let e = ClientEvent::from_json(r#"{"type":"ticket.message.new","ticket_id":16,"text":"hi"}"#).unwrap();
/// assert_eq!(e, ClientEvent::MessageNew(SendMessage { ticket_id: TicketId::new(16), text: "hi".into(), attachments: vec![] }));
/// // Extension: files uploaded before, by their upload ids.
/// let e = ClientEvent::from_json(r#"{"type":"ticket.message.new","ticket_id":16,"text":"","attachments":[{"upload":3}]}"#).unwrap();
/// let ClientEvent::MessageNew(send) = e else { panic!() };
/// assert_eq!(send.attachments.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SendMessage {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The text.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::lenient_text")
    )]
    pub text: String,
    /// Extension: attachments (earlier uploads of this manager), at most
    /// [`MAX_ATTACHMENTS`](crate::attachment::MAX_ATTACHMENTS); then `text` may be empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<NewAttachment>,
}

impl SendMessage {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.new";
}

/// `ticket.message.list`: ask for the messages of a ticket \[W6\]; answered to this connection only.
///
/// ```
/// use support_protocol::{ClientEvent, ListMessages, TicketId};
/// let e = ClientEvent::from_json(r#"{"type":"ticket.message.list","ticket_id":16}"#).unwrap();
/// assert_eq!(e, ClientEvent::MessageList(ListMessages { ticket_id: TicketId::new(16) }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListMessages {
    /// The ticket.
    pub ticket_id: TicketId,
}

impl ListMessages {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.list";
}

/// Extension `ticket.typing`: I am typing a reply on this ticket (sent at most every few
/// seconds while the composer has input). The server tells the other managers and, when I hold
/// the ticket, the bot.
///
/// ```
/// use support_protocol::{ClientEvent, Typing, TicketId};
/// let e = ClientEvent::from_json(r#"{"type":"ticket.typing","ticket_id":16}"#).unwrap();
/// assert_eq!(e, ClientEvent::Typing(Typing { ticket_id: TicketId::new(16) }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Typing {
    /// The ticket.
    pub ticket_id: TicketId,
}

impl Typing {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.typing";
}

/// An event from a manager's client to the server.
///
/// ```
/// use support_protocol::{ClientEvent, ListMessages, TicketId};
/// let e = ClientEvent::MessageList(ListMessages { ticket_id: TicketId::new(3) });
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"type":"ticket.message.list","ticket_id":3}"#);
/// let unknown = ClientEvent::from_json(r#"{"type":"ticket.future","x":1}"#).unwrap();
/// assert!(matches!(unknown, ClientEvent::Unknown(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// `ticket.assign`.
    Assign(AssignTicket),
    /// `ticket.message.viewed`.
    MessageViewed(MarkViewed),
    /// `ticket.message.new`.
    MessageNew(SendMessage),
    /// `ticket.message.list`.
    MessageList(ListMessages),
    /// `ticket.typing` (extension).
    Typing(Typing),
    /// A `type` this version does not know, kept as raw JSON \[C3\].
    Unknown(Value),
}

impl ClientEvent {
    /// The wire `type` of this event (for an unknown event, its raw `type`).
    pub fn type_name(&self) -> &str {
        match self {
            Self::Assign(_) => AssignTicket::TYPE,
            Self::MessageViewed(_) => MarkViewed::TYPE,
            Self::MessageNew(_) => SendMessage::TYPE,
            Self::MessageList(_) => ListMessages::TYPE,
            Self::Typing(_) => Typing::TYPE,
            Self::Unknown(raw) => raw.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Decodes a text frame.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
        Self::from_value(value)
    }

    /// Decodes an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<Self, DecodeError> {
        let Value::Object(map) = value else {
            return Err(DecodeError::NotObject);
        };
        let Some(kind) = map.get("type") else {
            return Err(DecodeError::MissingType);
        };
        let Some(kind) = kind.as_str() else {
            return Err(DecodeError::TypeNotString);
        };
        let kind = kind.to_owned();
        let fields = Fields::new(&kind, &map);
        Ok(match kind.as_str() {
            AssignTicket::TYPE => {
                let id = if map.contains_key("id") {
                    fields.id("id")?
                } else if map.contains_key("ticket_id") {
                    fields.id("ticket_id")?
                } else {
                    return Err(fields.missing("id"));
                };
                Self::Assign(AssignTicket {
                    id: TicketId::new(id),
                    force: fields.opt_bool("force")?.unwrap_or(false),
                })
            }
            MarkViewed::TYPE => Self::MessageViewed(MarkViewed {
                ticket_id: TicketId::new(fields.id("ticket_id")?),
                message_id: MessageId::new(fields.id("message_id")?),
            }),
            SendMessage::TYPE => Self::MessageNew(SendMessage {
                ticket_id: TicketId::new(fields.id("ticket_id")?),
                text: fields.text("text")?,
                attachments: fields.opt_list("attachments")?,
            }),
            ListMessages::TYPE => Self::MessageList(ListMessages {
                ticket_id: TicketId::new(fields.id("ticket_id")?),
            }),
            Typing::TYPE => Self::Typing(Typing {
                ticket_id: TicketId::new(fields.id("ticket_id")?),
            }),
            _ => Self::Unknown(Value::Object(map)),
        })
    }
}

impl Serialize for ClientEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Assign(p) => tagged(serializer, AssignTicket::TYPE, p),
            Self::MessageViewed(p) => tagged(serializer, MarkViewed::TYPE, p),
            Self::MessageNew(p) => tagged(serializer, SendMessage::TYPE, p),
            Self::MessageList(p) => tagged(serializer, ListMessages::TYPE, p),
            Self::Typing(p) => tagged(serializer, Typing::TYPE, p),
            Self::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ClientEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(serde::de::Error::custom)
    }
}
