//! Extension: the bot websocket's delivery mode (`/ws/support/bot/?delivery=1`).
//!
//! The server offers each pending manager reply to one bot connection
//! ([`ServerEvent::DeliveryOffer`](crate::ServerEvent::DeliveryOffer), leased to that
//! connection for a while); the bot sends it to Telegram and reports the outcome with a
//! [`BotEvent`]. A reply whose report never comes (the bot crashed) is offered again when its
//! lease expires, so a reply is never lost; the message id is its idempotency key.
//!
//! ```
//! use support_protocol::{BotEvent, DeliverySent, MessageId};
//! let e = BotEvent::from_json(r#"{"type":"delivery.sent","message_id":13,"telegram_message_id":55}"#).unwrap();
//! assert_eq!(e, BotEvent::Sent(DeliverySent { message_id: MessageId::new(13), telegram_message_id: 55, files: vec![] }));
//! assert_eq!(serde_json::to_string(&e).unwrap(),
//!     r#"{"type":"delivery.sent","message_id":13,"telegram_message_id":55}"#);
//! ```

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::event_codec::tagged;
use crate::{DecodeError, Message, MessageId, Ticket};

/// `delivery.offer` (server → bot): send this reply to the ticket's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryOffer {
    /// The reply, with its delivery.
    pub message: Message,
    /// Its ticket (the user to send to, the title, the user's language).
    pub ticket: Ticket,
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

impl DeliveryOffer {
    /// The wire `type`.
    pub const TYPE: &'static str = "delivery.offer";
}

/// `delivery.sending` (bot → server): the bot is about to send the reply to Telegram. The bot
/// waits for the server's [`DeliveryProceed`] before it does: the server records the attempt
/// (so a bot that dies during the call leaves a reply marked as possibly sent, never sent a
/// second time) and refuses it when the reply's lease is no longer this connection's (another
/// bot has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliverySending {
    /// The reply.
    pub message_id: MessageId,
}

impl DeliverySending {
    /// The wire `type`.
    pub const TYPE: &'static str = "delivery.sending";
}

/// `delivery.proceed` (server → bot): the answer to [`DeliverySending`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryProceed {
    /// The reply.
    pub message_id: MessageId,
    /// `true`: send it now. `false`: do not (its lease went to another connection, or it is no
    /// longer pending).
    pub proceed: bool,
}

impl DeliveryProceed {
    /// The wire `type`.
    pub const TYPE: &'static str = "delivery.proceed";
}

/// `delivery.sent` (bot → server): Telegram accepted the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliverySent {
    /// The reply.
    pub message_id: MessageId,
    /// Telegram's id of the (first) message sent.
    pub telegram_message_id: i64,
    /// Extension: the reply's files as Telegram now knows them (sent by upload), so later sends
    /// reuse Telegram's `file_id` instead of uploading again. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SentFile>,
}

/// One file of a reply as Telegram knows it after the bot sent it: the attachment and its
/// Telegram ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SentFile {
    /// The attachment.
    pub id: crate::AttachmentId,
    /// Telegram's ids of the file.
    pub telegram: crate::TelegramFile,
}

impl DeliverySent {
    /// The wire `type`.
    pub const TYPE: &'static str = "delivery.sent";
}

/// What kind of failure a bot reports; the server decides what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum FailureKind {
    /// Worth retrying (a 5xx, a network error, an unknown answer): retried with backoff, a
    /// bounded number of times.
    Transient,
    /// Telegram's 429: retried after `retry_after`, not counted against the bound.
    RateLimited,
    /// The user blocked the bot (403): failed, and the user is marked blocked.
    Blocked,
    /// Telegram refused the request for good (a 400): failed.
    Permanent,
}

/// `delivery.failed` (bot → server): the reply did not reach Telegram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryFailed {
    /// The reply.
    pub message_id: MessageId,
    /// What kind of failure.
    pub kind: FailureKind,
    /// Telegram's error code, if Telegram answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// Telegram's description, or the network error.
    #[serde(default)]
    pub error: String,
    /// Seconds Telegram asked to wait (429).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// Extension: the files Telegram took before the failure, as it knows them now, so the
    /// retry sends them by `file_id` instead of uploading them again. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<SentFile>,
}

impl DeliveryFailed {
    /// The wire `type`.
    pub const TYPE: &'static str = "delivery.failed";
}

/// An event from the bot to the server on the bot websocket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BotEvent {
    /// `delivery.sending`.
    Sending(DeliverySending),
    /// `delivery.sent`.
    Sent(DeliverySent),
    /// `delivery.failed`.
    Failed(DeliveryFailed),
    /// A `type` this version does not know, kept as raw JSON.
    Unknown(Value),
}

impl BotEvent {
    /// The wire `type` of this event (for an unknown event, its raw `type`).
    pub fn type_name(&self) -> &str {
        match self {
            Self::Sending(_) => DeliverySending::TYPE,
            Self::Sent(_) => DeliverySent::TYPE,
            Self::Failed(_) => DeliveryFailed::TYPE,
            Self::Unknown(raw) => raw.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// Decodes a text frame: the `type` first, then the payload of a known type strictly.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
        let Value::Object(map) = &value else {
            return Err(DecodeError::NotObject);
        };
        let kind = match map.get("type") {
            None => return Err(DecodeError::MissingType),
            Some(Value::String(kind)) => kind.clone(),
            Some(_) => return Err(DecodeError::TypeNotString),
        };
        fn payload<T: serde::de::DeserializeOwned>(
            kind: &str,
            value: Value,
        ) -> Result<T, DecodeError> {
            serde_json::from_value(value).map_err(|e| DecodeError::InvalidField {
                event_type: kind.to_owned(),
                field: "payload".to_owned(),
                reason: e.to_string(),
            })
        }
        Ok(match kind.as_str() {
            DeliverySending::TYPE => Self::Sending(payload(&kind, value)?),
            DeliverySent::TYPE => Self::Sent(payload(&kind, value)?),
            DeliveryFailed::TYPE => Self::Failed(payload(&kind, value)?),
            _ => Self::Unknown(value),
        })
    }

    /// Serializes to a JSON text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl Serialize for BotEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Sending(p) => tagged(serializer, DeliverySending::TYPE, p),
            Self::Sent(p) => tagged(serializer, DeliverySent::TYPE, p),
            Self::Failed(p) => tagged(serializer, DeliveryFailed::TYPE, p),
            Self::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_round_trips_and_bad_payloads_are_errors() {
        let text = r#"{"type":"delivery.failed","message_id":3,"kind":"rate_limited","error_code":429,"error":"Too Many Requests","retry_after":7}"#;
        let e = BotEvent::from_json(text).unwrap();
        assert_eq!(e.to_json(), text);
        assert!(matches!(&e, BotEvent::Failed(f) if f.kind == FailureKind::RateLimited));
        for bad in [
            r#"{"type":"delivery.failed","message_id":3,"kind":"weird"}"#,
            r#"{"type":"delivery.sent","message_id":"x","telegram_message_id":1}"#,
            r#"{"type":"delivery.sent"}"#,
        ] {
            assert_eq!(
                BotEvent::from_json(bad).unwrap_err().code(),
                "invalid_field",
                "{bad}"
            );
        }
        assert_eq!(
            BotEvent::from_json("[1]").unwrap_err().code(),
            "invalid_json"
        );
        assert!(matches!(
            BotEvent::from_json(r#"{"type":"later.thing"}"#).unwrap(),
            BotEvent::Unknown(_)
        ));
    }
}
