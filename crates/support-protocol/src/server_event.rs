//! Events the server sends over the manager and bot websockets (SPEC \[W1\]-\[W9\]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::event_codec::tagged;
use crate::{
    CannedChanged, DeliveryOffer, DeliveryProceed, ManagerId, Message, NoteNew, Resumed,
    ResyncRequired, SupportManager, TelegramUser, Ticket, TicketId, TicketTyping, UserUpdated,
};

/// `ticket.created`: a ticket was opened \[W5\]; sent to every manager.
///
/// ```
/// use support_protocol::{ServerEvent, TicketCreated};
/// let e: ServerEvent = serde_json::from_str(r#"{"type":"ticket.created","ticket":{"id":21,
///   "user":{"telegram_id":4},"support_manager":null,"created_at":"2024-12-29T16:10:38.620768Z",
///   "title":"have a prob"}}"#).unwrap();
/// assert!(matches!(e, ServerEvent::TicketCreated(TicketCreated { ticket }) if ticket.id.get() == 21));
/// assert_eq!(TicketCreated::TYPE, "ticket.created");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketCreated {
    /// The new ticket, as `POST /tickets/` answered it.
    pub ticket: Ticket,
}

impl TicketCreated {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.created";
}

/// `ticket.assigned`: a ticket got a manager \[W1\]; sent to every manager.
///
/// ```
/// use support_protocol::{ManagerId, ServerEvent, TicketAssigned, TicketId};
/// let e = ServerEvent::TicketAssigned(TicketAssigned { id: TicketId::new(16), support_manager: ManagerId::new(1), manager: None });
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"type":"ticket.assigned","id":16,"support_manager":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketAssigned {
    /// The ticket.
    pub id: TicketId,
    /// The manager it is now assigned to (an id, as in the original).
    pub support_manager: ManagerId,
    /// Extension: that manager with their names and display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<SupportManager>,
}

impl TicketAssigned {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.assigned";
}

/// `ticket.message.new`: a message was written \[W4\]. On the bot websocket \[W9\] it carries the
/// extension field `cursor`, which only grows.
///
/// ```
/// use support_protocol::{MessageNew, ServerEvent};
/// let e: ServerEvent = serde_json::from_str(r#"{"type":"ticket.message.new","message":{"id":13,
///   "created_at":"2026-11-24T13:14:55.425557Z","sender":"supp","text":"hi","viewed":true,"ticket":16},
///   "cursor":7}"#).unwrap();
/// assert!(matches!(e, ServerEvent::MessageNew(MessageNew { cursor: Some(7), .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageNew {
    /// The message, as the REST API shows it.
    pub message: Message,
    /// Extension (bot websocket): the position of this event in the reply stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
}

impl MessageNew {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.new";
}

/// `ticket.message.viewed`: a message was marked viewed \[W2\].
///
/// ```
/// use support_protocol::MessageViewed;
/// assert_eq!(MessageViewed::TYPE, "ticket.message.viewed");
/// let e: MessageViewed = serde_json::from_str(r#"{"message":{"id":1,"created_at":"2026-11-24T13:14:55.425557Z",
///   "sender":"user","text":"a","viewed":true,"ticket":2}}"#).unwrap();
/// assert!(e.message.viewed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageViewed {
    /// The message, now with `viewed: true`.
    pub message: Message,
}

impl MessageViewed {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.viewed";
}

/// `ticket.message.list`: the answer to a `ticket.message.list` request \[W6\], newest first.
///
/// ```
/// use support_protocol::{MessageList, TicketId};
/// let e: MessageList = serde_json::from_str(r#"{"ticket_id":16,"messages":[]}"#).unwrap();
/// assert_eq!(e.ticket_id, TicketId::new(16));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageList {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its messages, newest first.
    pub messages: Vec<Message>,
}

impl MessageList {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.list";
}

/// Extension `ticket.updated`: a ticket changed (resolved or reopened, retitled) \[R4\].
///
/// ```
/// use support_protocol::TicketUpdated;
/// assert_eq!(TicketUpdated::TYPE, "ticket.updated");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketUpdated {
    /// The whole ticket after the change.
    pub ticket: Ticket,
    /// Extension: who resolved or reopened it, when `resolved` is what changed (`"user"`: the
    /// user through the bot; `"supp"`: a manager). The bot tells the user of a manager's change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<crate::Sender>,
}

impl TicketUpdated {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.updated";
}

/// Extension `ticket.message.delivery`: a reply's delivery changed (sent, failed, pending again
/// after a retry). Same audience as `ticket.message.new`.
///
/// ```
/// use support_protocol::MessageDelivery;
/// assert_eq!(MessageDelivery::TYPE, "ticket.message.delivery");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageDelivery {
    /// The whole message, with its `delivery`.
    pub message: Message,
}

impl MessageDelivery {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.message.delivery";
}

/// Extension `ticket.user.blocked`: a user blocked the bot (`blocked: true`, Telegram answered
/// 403) or wrote again (`blocked: false`). Sent to every manager.
///
/// ```
/// use support_protocol::{ServerEvent, TelegramId, TelegramUser, UserBlocked};
/// let mut user = TelegramUser::new(TelegramId::new(4));
/// user.blocked = true;
/// let e = ServerEvent::UserBlocked(UserBlocked { user });
/// assert_eq!(e.to_json(), r#"{"type":"ticket.user.blocked","user":{"telegram_id":4,"blocked":true}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserBlocked {
    /// The user, with `blocked` as it now is (written as `false` too).
    #[serde(with = "user_with_blocked")]
    #[cfg_attr(feature = "schema", schemars(with = "user_with_blocked::Wire"))]
    pub user: TelegramUser,
}

impl UserBlocked {
    /// The wire `type`.
    pub const TYPE: &'static str = "ticket.user.blocked";
}

/// `ticket.user.blocked` always writes `blocked`, even `false` (a ticket's user omits it then).
mod user_with_blocked {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::{TelegramId, TelegramUser, UserProfile};

    /// A Telegram user with `blocked` always written.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[cfg_attr(feature = "schema", schemars(rename = "BlockedUser"))]
    pub(super) struct Wire {
        /// The Telegram user id.
        telegram_id: TelegramId,
        /// The user's contact profile, as the bot reported it.
        #[serde(flatten)]
        profile: UserProfile,
        /// The user's Telegram language, as the bot reported it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language_code: Option<String>,
        /// Whether the user blocked the bot.
        #[serde(default)]
        blocked: bool,
    }

    pub(super) fn serialize<S: Serializer>(u: &TelegramUser, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            telegram_id: u.telegram_id,
            profile: UserProfile::of(u),
            language_code: u.language_code.clone(),
            blocked: u.blocked,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TelegramUser, D::Error> {
        let w = Wire::deserialize(d)?;
        let mut user = TelegramUser::new(w.telegram_id);
        w.profile.apply_to(&mut user);
        user.language_code = w.language_code;
        user.blocked = w.blocked;
        Ok(user)
    }
}

/// The stable codes of the `error` event \[W7\]. Codes this version does not know are kept.
///
/// ```
/// use support_protocol::ErrorCode;
/// assert_eq!(serde_json::to_string(&ErrorCode::AlreadyAssigned).unwrap(), r#""already_assigned""#);
/// assert_eq!(serde_json::from_str::<ErrorCode>(r#""rate_limited""#).unwrap(),
///     ErrorCode::Other("rate_limited".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not a JSON object (or not text).
    InvalidJson,
    /// The `type` is not one the server handles.
    UnknownType,
    /// A field is missing, mistyped, or out of its limits.
    InvalidField,
    /// The ticket or message does not exist.
    NotFound,
    /// The ticket has another manager (send `force: true` to take it over), or the race was lost.
    AlreadyAssigned,
    /// Not allowed for this manager.
    Forbidden,
    /// The frame is larger than the server accepts.
    TooLarge,
    /// A code this version does not know.
    Other(String),
}

impl ErrorCode {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::UnknownType => "unknown_type",
            Self::InvalidField => "invalid_field",
            Self::NotFound => "not_found",
            Self::AlreadyAssigned => "already_assigned",
            Self::Forbidden => "forbidden",
            Self::TooLarge => "too_large",
            Self::Other(code) => code,
        }
    }

    /// Parses the wire string.
    pub fn from_wire(code: &str) -> Self {
        match code {
            "invalid_json" => Self::InvalidJson,
            "unknown_type" => Self::UnknownType,
            "invalid_field" => Self::InvalidField,
            "not_found" => Self::NotFound,
            "already_assigned" => Self::AlreadyAssigned,
            "forbidden" => Self::Forbidden,
            "too_large" => Self::TooLarge,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::from_wire(&s))
    }
}

/// Extension `error`: a request could not be carried out \[W7\]; the connection stays open.
///
/// ```
/// use support_protocol::{ErrorCode, ErrorEvent, ServerEvent};
/// let e = ServerEvent::Error(ErrorEvent {
///     code: ErrorCode::NotFound,
///     detail: "No Ticket matches the given query.".into(),
///     request: Some("ticket.assign".into()),
/// });
/// assert_eq!(serde_json::to_string(&e).unwrap(),
///     r#"{"type":"error","code":"not_found","detail":"No Ticket matches the given query.","request":"ticket.assign"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorEvent {
    /// The stable code.
    pub code: ErrorCode,
    /// A human-readable explanation.
    pub detail: String,
    /// The `type` of the request that failed, when it had one.
    #[serde(default)]
    pub request: Option<String>,
}

impl ErrorEvent {
    /// The wire `type`.
    pub const TYPE: &'static str = "error";
}

/// An event from the server to a manager's (or the bot's) client.
///
/// ```
/// use support_protocol::ServerEvent;
/// let e: ServerEvent = serde_json::from_str(r#"{"type":"ticket.future","anything":[1,2]}"#).unwrap();
/// assert!(matches!(&e, ServerEvent::Unknown(raw) if raw["anything"][1] == 2));
/// // A known type with a bad payload is an error, not `Unknown`.
/// assert!(serde_json::from_str::<ServerEvent>(r#"{"type":"ticket.assigned","id":"x"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// The bot's offer (a message and its ticket, each with the people on them) is the largest; an
// event is built once per change and shared behind an `Arc` by the hubs, so boxing it would
// save nothing measurable and change every match on it.
#[allow(clippy::large_enum_variant)]
pub enum ServerEvent {
    /// `ticket.created`.
    TicketCreated(TicketCreated),
    /// `ticket.assigned`.
    TicketAssigned(TicketAssigned),
    /// `ticket.message.new`.
    MessageNew(MessageNew),
    /// `ticket.message.viewed`.
    MessageViewed(MessageViewed),
    /// `ticket.message.list`.
    MessageList(MessageList),
    /// `ticket.updated` (extension).
    TicketUpdated(TicketUpdated),
    /// `ticket.message.delivery` (extension).
    MessageDelivery(MessageDelivery),
    /// `ticket.user.blocked` (extension).
    UserBlocked(UserBlocked),
    /// `ticket.user.updated` (extension).
    UserUpdated(UserUpdated),
    /// `ticket.note.new` (extension).
    NoteNew(NoteNew),
    /// `canned.changed` (extension).
    CannedChanged(CannedChanged),
    /// `ticket.typing` (extension).
    TicketTyping(TicketTyping),
    /// `delivery.offer` (extension, bot websocket in delivery mode).
    DeliveryOffer(DeliveryOffer),
    /// `delivery.proceed` (extension, bot websocket in delivery mode).
    DeliveryProceed(DeliveryProceed),
    /// `error` (extension).
    Error(ErrorEvent),
    /// `resumed` (extension, manager websocket: [`crate::resume`]).
    Resumed(Resumed),
    /// `resync_required` (extension, manager websocket: [`crate::resume`]).
    ResyncRequired(ResyncRequired),
    /// A `type` this version does not know, kept as raw JSON \[C3\].
    Unknown(Value),
}

impl ServerEvent {
    /// The wire `type` of this event (for an unknown event, its raw `type`).
    pub fn type_name(&self) -> &str {
        match self {
            Self::TicketCreated(_) => TicketCreated::TYPE,
            Self::TicketAssigned(_) => TicketAssigned::TYPE,
            Self::MessageNew(_) => MessageNew::TYPE,
            Self::MessageViewed(_) => MessageViewed::TYPE,
            Self::MessageList(_) => MessageList::TYPE,
            Self::TicketUpdated(_) => TicketUpdated::TYPE,
            Self::MessageDelivery(_) => MessageDelivery::TYPE,
            Self::UserBlocked(_) => UserBlocked::TYPE,
            Self::UserUpdated(_) => UserUpdated::TYPE,
            Self::NoteNew(_) => NoteNew::TYPE,
            Self::CannedChanged(_) => CannedChanged::TYPE,
            Self::TicketTyping(_) => TicketTyping::TYPE,
            Self::DeliveryOffer(_) => DeliveryOffer::TYPE,
            Self::DeliveryProceed(_) => DeliveryProceed::TYPE,
            Self::Error(_) => ErrorEvent::TYPE,
            Self::Resumed(_) => Resumed::TYPE,
            Self::ResyncRequired(_) => ResyncRequired::TYPE,
            Self::Unknown(raw) => raw.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Serializes to a JSON text frame.
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl Serialize for ServerEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::TicketCreated(p) => tagged(serializer, TicketCreated::TYPE, p),
            Self::TicketAssigned(p) => tagged(serializer, TicketAssigned::TYPE, p),
            Self::MessageNew(p) => tagged(serializer, MessageNew::TYPE, p),
            Self::MessageViewed(p) => tagged(serializer, MessageViewed::TYPE, p),
            Self::MessageList(p) => tagged(serializer, MessageList::TYPE, p),
            Self::TicketUpdated(p) => tagged(serializer, TicketUpdated::TYPE, p),
            Self::MessageDelivery(p) => tagged(serializer, MessageDelivery::TYPE, p),
            Self::UserBlocked(p) => tagged(serializer, UserBlocked::TYPE, p),
            Self::UserUpdated(p) => tagged(serializer, UserUpdated::TYPE, p),
            Self::NoteNew(p) => tagged(serializer, NoteNew::TYPE, p),
            Self::CannedChanged(p) => tagged(serializer, CannedChanged::TYPE, p),
            Self::TicketTyping(p) => tagged(serializer, TicketTyping::TYPE, p),
            Self::DeliveryOffer(p) => tagged(serializer, DeliveryOffer::TYPE, p),
            Self::DeliveryProceed(p) => tagged(serializer, DeliveryProceed::TYPE, p),
            Self::Error(p) => tagged(serializer, ErrorEvent::TYPE, p),
            Self::Resumed(p) => tagged(serializer, Resumed::TYPE, p),
            Self::ResyncRequired(p) => tagged(serializer, ResyncRequired::TYPE, p),
            Self::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ServerEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = Value::deserialize(deserializer)?;
        let kind = match value.get("type") {
            Some(Value::String(kind)) => kind.clone(),
            Some(_) => return Err(D::Error::custom("\"type\" must be a string")),
            None => return Err(D::Error::custom("an event needs a \"type\"")),
        };
        fn payload<T: serde::de::DeserializeOwned, E: Error>(value: Value) -> Result<T, E> {
            serde_json::from_value(value).map_err(E::custom)
        }
        Ok(match kind.as_str() {
            TicketCreated::TYPE => Self::TicketCreated(payload(value)?),
            TicketAssigned::TYPE => Self::TicketAssigned(payload(value)?),
            MessageNew::TYPE => Self::MessageNew(payload(value)?),
            MessageViewed::TYPE => Self::MessageViewed(payload(value)?),
            MessageList::TYPE => Self::MessageList(payload(value)?),
            TicketUpdated::TYPE => Self::TicketUpdated(payload(value)?),
            MessageDelivery::TYPE => Self::MessageDelivery(payload(value)?),
            UserBlocked::TYPE => Self::UserBlocked(payload(value)?),
            UserUpdated::TYPE => Self::UserUpdated(payload(value)?),
            NoteNew::TYPE => Self::NoteNew(payload(value)?),
            CannedChanged::TYPE => Self::CannedChanged(payload(value)?),
            TicketTyping::TYPE => Self::TicketTyping(payload(value)?),
            DeliveryOffer::TYPE => Self::DeliveryOffer(payload(value)?),
            DeliveryProceed::TYPE => Self::DeliveryProceed(payload(value)?),
            ErrorEvent::TYPE => Self::Error(payload(value)?),
            Resumed::TYPE => Self::Resumed(payload(value)?),
            ResyncRequired::TYPE => Self::ResyncRequired(payload(value)?),
            _ => Self::Unknown(value),
        })
    }
}
