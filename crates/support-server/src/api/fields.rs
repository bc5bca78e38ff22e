//! Field parsers with the coercions and error texts of Django REST framework, which the Python
//! original's clients rely on (PEER.md section 3.2): `"1001"` and `1001.0` are a user id, `123` is
//! a title, `"yes"` is true.

use serde_json::{Map, Value};
use support_protocol::UserProfile;
use support_protocol::ValidationError;

use super::body::python_type;

/// Collects field errors in the order fields are checked (the serializer's field order).
#[derive(Debug, Default)]
pub(crate) struct Errors(pub(crate) Vec<(String, Vec<String>)>);

impl Errors {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), vec![message.into()]));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub(crate) const REQUIRED: &str = "This field is required.";
pub(crate) const NOT_NULL: &str = "This field may not be null.";

/// A primary-key field (`user_id`): an integer, an integral float, or a string holding one.
pub(crate) fn pk(value: &Value) -> Result<i64, String> {
    let incorrect = || {
        format!(
            "Incorrect type. Expected pk value, received {}.",
            python_type(value)
        )
    };
    match value {
        Value::Null => Err(NOT_NULL.to_owned()),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
            .ok_or_else(incorrect),
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| incorrect()),
        _ => Err(incorrect()),
    }
}

/// A character field: strings, and numbers as their decimal text; then the title/text rules.
pub(crate) fn char_field(
    value: &Value,
    validate: fn(&str) -> Result<String, ValidationError>,
) -> Result<String, String> {
    let raw = match value {
        Value::Null => return Err(NOT_NULL.to_owned()),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err("Not a valid string.".to_owned()),
    };
    validate(&raw).map_err(|e| e.message())
}

/// A boolean field with DRF's accepted spellings.
pub(crate) fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Null => Err(NOT_NULL.to_owned()),
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
        Value::String(s) => parse_bool_text(s).ok_or_else(|| "Must be a valid boolean.".to_owned()),
        _ => Err("Must be a valid boolean.".to_owned()),
    }
}

/// DRF's `BooleanField` text spellings.
pub(crate) fn parse_bool_text(s: &str) -> Option<bool> {
    match s {
        "t" | "T" | "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On"
        | "ON" | "1" => Some(true),
        "f" | "F" | "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off"
        | "Off" | "OFF" | "0" => Some(false),
        _ => None,
    }
}

/// The longest `language_code` accepted: an IETF language tag as Telegram gives it is a few
/// characters ("en", "pt-br"); 35 is the longest tag RFC 5646 requires implementations to keep.
pub(crate) const LANGUAGE_CODE_MAX: usize = 35;

/// The extension field `language_code` (the user's Telegram language, sent by our bot): absent
/// or null is `None`; otherwise a non-empty string of at most [`LANGUAGE_CODE_MAX`] letters,
/// digits, `-` or `_`.
pub(crate) fn language_code(value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty()
                && s.len() <= LANGUAGE_CODE_MAX
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(format!(
            "A language tag of at most {LANGUAGE_CODE_MAX} letters, digits, \"-\" or \"_\" is required."
        )),
    }
}

/// The extension field `user` (the writing user's Telegram profile, sent by our bot): absent or
/// null is `None`; otherwise an object of [`UserProfile`]'s keys within its limits, normalized
/// (names trimmed, blank ones dropped). Unknown keys are ignored, as everywhere.
pub(crate) fn profile(value: Option<&Value>) -> Result<Option<UserProfile>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => {
            let profile: UserProfile = serde_json::from_value(v.clone()).map_err(|_| {
                "An object with the optional keys first_name, last_name, username (strings) \
                 and is_premium (a boolean) is required."
                    .to_owned()
            })?;
            profile.validate().map_err(|e| e.to_string())?;
            Ok(Some(profile.normalized()))
        }
        Some(_) => Err("An object with the user's Telegram profile is required.".to_owned()),
    }
}

/// Reads an optional field: `None` when absent.
pub(crate) fn get<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    body.get(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use support_protocol::validate_title;

    #[test]
    fn drf_coercions() {
        assert_eq!(pk(&json!(1001)), Ok(1001));
        assert_eq!(pk(&json!("1001")), Ok(1001));
        assert_eq!(pk(&json!(1001.0)), Ok(1001));
        assert_eq!(pk(&json!(9_223_372_036_854_775_807_i64)), Ok(i64::MAX));
        assert_eq!(
            pk(&json!("abc")).unwrap_err(),
            "Incorrect type. Expected pk value, received str."
        );
        assert_eq!(
            pk(&json!(true)).unwrap_err(),
            "Incorrect type. Expected pk value, received bool."
        );
        assert_eq!(pk(&json!(null)).unwrap_err(), NOT_NULL);
        assert_eq!(
            char_field(&json!(123), validate_title),
            Ok("123".to_owned())
        );
        assert_eq!(
            char_field(&json!("  padded  "), validate_title),
            Ok("padded".to_owned())
        );
        assert_eq!(
            char_field(&json!({"a": 1}), validate_title).unwrap_err(),
            "Not a valid string."
        );
        assert_eq!(
            char_field(&json!(""), validate_title).unwrap_err(),
            "This field may not be blank."
        );
        assert_eq!(boolean(&json!("yes")), Ok(true));
        assert_eq!(
            boolean(&json!("banana")).unwrap_err(),
            "Must be a valid boolean."
        );
        assert_eq!(boolean(&json!(0)), Ok(false));
    }
}
