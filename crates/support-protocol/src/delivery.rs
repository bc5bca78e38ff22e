//! Extension: the delivery of a manager reply to the user's Telegram chat, owned by the server.
//!
//! Every manager reply (`sender: "supp"`) written by this implementation has a [`Delivery`]:
//! `pending` until a bot connected in delivery mode reports it `sent` (with Telegram's message id)
//! or the server gives up (`failed`, with Telegram's code and description). It rides on the
//! message as the added key `delivery`, which the Python clients ignore. The bot side of the
//! protocol ([`BotEvent`](crate::BotEvent) and [`DeliveryOffer`](crate::DeliveryOffer)) is in
//! [`crate::bot_event`].
//!
//! ```
//! use support_protocol::{Delivery, DeliveryState, Timestamp};
//! let d: Delivery = serde_json::from_str(r#"{"state":"failed","attempts":1,
//!   "updated_at":"2026-12-03T10:00:00.000000Z","error_code":403,
//!   "error":"Forbidden: bot was blocked by the user"}"#).unwrap();
//! assert_eq!(d.state, DeliveryState::Failed);
//! assert_eq!(d.error_code, Some(403));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a reply is on its way to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum DeliveryState {
    /// Not in Telegram yet: waiting for a bot, being sent, or waiting to be retried.
    Pending,
    /// Telegram accepted it: it is in the user's chat.
    Sent,
    /// Given up: Telegram refused it for good, the user blocked the bot, or the retries ran out.
    Failed,
}

impl DeliveryState {
    /// The wire string (also the stored one).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire string.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The delivery of one reply: the message's extension key `delivery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Delivery {
    /// The state.
    pub state: DeliveryState,
    /// How many times a bot was given the reply to send.
    #[serde(default)]
    pub attempts: u32,
    /// When the state last changed (for `sent`: when the bot reported Telegram's acceptance).
    pub updated_at: Timestamp,
    /// Telegram's id of the sent message (`sent` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram_message_id: Option<i64>,
    /// Telegram's error code of the last failure (absent for a network failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// Telegram's description of the last failure, or the network error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Delivery {
    /// A new reply's delivery: pending since `at`, never tried.
    pub fn pending(at: Timestamp) -> Self {
        Self {
            state: DeliveryState::Pending,
            attempts: 0,
            updated_at: at,
            telegram_message_id: None,
            error_code: None,
            error: None,
        }
    }
}
