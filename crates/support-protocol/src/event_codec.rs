//! Shared pieces of the event codecs: the decode error, strict field readers, and the
//! `{"type": ..., ...payload}` writer.

use serde::Serialize;
use serde::ser::Serializer;
use serde_json::{Map, Value};

/// Why a websocket frame is not a valid event of a known type.
///
/// [`DecodeError::code`] gives the stable code of the `error` event \[W7\].
///
/// ```
/// use support_protocol::{ClientEvent, DecodeError};
/// let err = ClientEvent::from_json(r#"{"type":"ticket.message.new","ticket_id":16}"#).unwrap_err();
/// assert_eq!(err.code(), "invalid_field");
/// assert_eq!(err.field(), Some("text"));
/// assert_eq!(ClientEvent::from_json("not json{").unwrap_err().code(), "invalid_json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame is not JSON.
    #[error("invalid JSON: {0}")]
    NotJson(String),
    /// The frame is JSON but not an object.
    #[error("an event must be a JSON object")]
    NotObject,
    /// The object has no `type`.
    #[error("an event needs a \"type\"")]
    MissingType,
    /// `type` is not a string.
    #[error("\"type\" must be a string")]
    TypeNotString,
    /// A required field is absent.
    #[error("{event_type}: the field \"{field}\" is required")]
    MissingField {
        /// The event type.
        event_type: String,
        /// The field.
        field: String,
    },
    /// A field has the wrong type or value.
    #[error("{event_type}: the field \"{field}\" {reason}")]
    InvalidField {
        /// The event type.
        event_type: String,
        /// The field.
        field: String,
        /// What is wrong, e.g. "must be an integer".
        reason: String,
    },
}

impl DecodeError {
    /// The stable code for the `error` event: `invalid_json` or `invalid_field`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson(_) | Self::NotObject => "invalid_json",
            Self::MissingType
            | Self::TypeNotString
            | Self::MissingField { .. }
            | Self::InvalidField { .. } => "invalid_field",
        }
    }

    /// The field at fault, if one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::MissingType | Self::TypeNotString => Some("type"),
            Self::MissingField { field, .. } | Self::InvalidField { field, .. } => Some(field),
            Self::NotJson(_) | Self::NotObject => None,
        }
    }
}

/// Strict readers over the fields of one event object.
pub(crate) struct Fields<'a> {
    event_type: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(event_type: &'a str, map: &'a Map<String, Value>) -> Self {
        Self { event_type, map }
    }

    pub(crate) fn missing(&self, field: &str) -> DecodeError {
        DecodeError::MissingField {
            event_type: self.event_type.to_owned(),
            field: field.to_owned(),
        }
    }

    fn invalid(&self, field: &str, reason: &str) -> DecodeError {
        DecodeError::InvalidField {
            event_type: self.event_type.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// An id: a JSON integer, an integral float, or a string holding an integer.
    pub(crate) fn id(&self, field: &str) -> Result<i64, DecodeError> {
        let value = self.map.get(field).ok_or_else(|| self.missing(field))?;
        let parsed = match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| {
                        #[allow(clippy::cast_possible_truncation)]
                        let i = f as i64;
                        i
                    })
            }),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed.ok_or_else(|| self.invalid(field, "must be an integer"))
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&self, field: &str) -> Result<Option<bool>, DecodeError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(field, "must be a boolean")),
        }
    }

    /// An optional JSON array of `T` (absent or null: empty), each element read strictly.
    pub(crate) fn opt_list<T: serde::de::DeserializeOwned>(
        &self,
        field: &str,
    ) -> Result<Vec<T>, DecodeError> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    <T as serde::Deserialize>::deserialize(item)
                        .map_err(|e| self.invalid(field, &e.to_string()))
                })
                .collect(),
            Some(_) => Err(self.invalid(field, "must be a list")),
        }
    }

    /// A text: a JSON string, or a number read as its decimal string.
    pub(crate) fn text(&self, field: &str) -> Result<String, DecodeError> {
        match self.map.get(field) {
            None => Err(self.missing(field)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::Null) => Err(self.invalid(field, "may not be null")),
            Some(_) => Err(self.invalid(field, "must be a string")),
        }
    }
}

/// Writes `{"type": kind, ...payload}` with `type` first and the payload's fields in their
/// declared order (no intermediate `Value`, whose map would sort the keys).
pub(crate) fn tagged<S: Serializer, T: Serialize>(
    serializer: S,
    kind: &'static str,
    payload: &T,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(flatten)]
        payload: &'a T,
    }
    Tagged { kind, payload }.serialize(serializer)
}
