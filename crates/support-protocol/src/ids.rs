//! Typed identifiers, so a ticket id cannot be passed where a message id is expected.
//!
//! Every id is an `i64` on the wire (a plain JSON integer). Reading is lenient in the way the Python
//! original is for client input: a JSON string holding an integer (`"16"`) is accepted too, and a
//! float with no fractional part (`16.0`). Writing always produces a JSON integer.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            #[doc = concat!("Wraps a raw ", $what, ".")]
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            #[doc = concat!("The raw ", $what, ".")]
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(LenientI64($what)).map(Self)
            }
        }
    };
}

typed_id!(
    /// The id of a ticket (`"id"` of a ticket, `"ticket"` of a message, `"ticket_id"` in events).
    ///
    /// ```
    /// use support_protocol::TicketId;
    /// let id: TicketId = serde_json::from_str("16").unwrap();
    /// assert_eq!(id, TicketId::new(16));
    /// assert_eq!(serde_json::to_string(&id).unwrap(), "16");
    /// // Client input may carry the id as a string, as the Python original accepts it.
    /// assert_eq!(serde_json::from_str::<TicketId>(r#""16""#).unwrap(), id);
    /// ```
    TicketId,
    "ticket id"
);
typed_id!(
    /// The id of a message.
    ///
    /// ```
    /// use support_protocol::MessageId;
    /// let id: MessageId = serde_json::from_str("28").unwrap();
    /// assert_eq!(id.get(), 28);
    /// ```
    MessageId,
    "message id"
);
typed_id!(
    /// The id of a support manager (the Django user primary key in the original).
    ///
    /// ```
    /// use support_protocol::ManagerId;
    /// assert_eq!(serde_json::to_string(&ManagerId::new(1)).unwrap(), "1");
    /// ```
    ManagerId,
    "manager id"
);
typed_id!(
    /// A Telegram user id. Telegram ids exceed 2^53, so they are kept as exact `i64`.
    ///
    /// ```
    /// use support_protocol::TelegramId;
    /// let id: TelegramId = serde_json::from_str("9223372036854775807").unwrap();
    /// assert_eq!(id.get(), i64::MAX);
    /// ```
    TelegramId,
    "telegram id"
);

typed_id!(
    /// Extension: the id of an attachment (an uploaded file, or a file a message carries).
    ///
    /// ```
    /// use support_protocol::AttachmentId;
    /// assert_eq!(serde_json::from_str::<AttachmentId>("7").unwrap(), AttachmentId::new(7));
    /// ```
    AttachmentId,
    "attachment id"
);

/// Deserializes an `i64` from a JSON integer, an integral float, or a string holding an integer.
struct LenientI64(&'static str);

impl Visitor<'_> for LenientI64 {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} (an integer)", self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
        if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            #[allow(clippy::cast_possible_truncation)]
            Ok(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_reads_and_strict_writes() {
        assert_eq!(serde_json::from_str::<TicketId>("16").unwrap().get(), 16);
        assert_eq!(
            serde_json::from_str::<TicketId>("\"16\"").unwrap().get(),
            16
        );
        assert_eq!(serde_json::from_str::<TicketId>("16.0").unwrap().get(), 16);
        assert!(serde_json::from_str::<TicketId>("16.5").is_err());
        assert!(serde_json::from_str::<TicketId>("\"abc\"").is_err());
        assert!(serde_json::from_str::<TicketId>("null").is_err());
        assert!(serde_json::from_str::<TicketId>("true").is_err());
        assert!(serde_json::from_str::<TicketId>("18446744073709551615").is_err());
        assert_eq!(serde_json::to_string(&MessageId::new(-3)).unwrap(), "-3");
        assert_eq!("42".parse::<ManagerId>().unwrap(), ManagerId::new(42));
    }
}
