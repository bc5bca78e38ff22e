//! [`Writer`]: what the support server is told about the Telegram user who writes, with their
//! ticket or message: their language and contact profile (the `language_code` and `user`
//! extensions of the request bodies).

use serde_json::Value;
use support_protocol::UserProfile;
use support_protocol::profile::{NAME_MAX_CHARS, is_username};

use super::LANGUAGE_CODE_MAX_CHARS;

/// The Telegram user who writes, as the bot reports them to the support server. Servers that do
/// not know the keys (the Python original) ignore them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writer {
    /// Telegram's `language_code` (or the host's choice), e.g. `"en"`.
    pub language_code: Option<String>,
    /// Names, username and premium flag, shown to the managers.
    pub profile: Option<UserProfile>,
}

impl Writer {
    /// A writer known by language only.
    pub fn language(code: Option<&str>) -> Self {
        Self {
            language_code: code.map(str::to_owned),
            profile: None,
        }
    }

    /// The writer `user` of a Telegram update, with the language the bot speaks to them.
    ///
    /// Names are cut to the server's limit and stripped of control characters and a username
    /// that is not one is left out, so a report never makes the server refuse the user's message.
    pub fn of(user: &teloxide::types::User, language_code: Option<String>) -> Self {
        let name = |n: &str| {
            let clean: String = n.chars().filter(|c| !c.is_control()).collect();
            // Trimmed first, as the server counts, then cut.
            let clean: String = clean.trim().chars().take(NAME_MAX_CHARS).collect();
            let clean = clean.trim_end().to_owned();
            (!clean.is_empty()).then_some(clean)
        };
        Self {
            language_code,
            profile: Some(UserProfile {
                first_name: name(&user.first_name),
                last_name: user.last_name.as_deref().and_then(name),
                username: user.username.clone().filter(|u| is_username(u)),
                is_premium: user.is_premium,
            }),
        }
    }

    /// Adds `"language_code"` (when usable) and `"user"` to a request body.
    pub(super) fn add_to(&self, mut body: Value) -> Value {
        let Value::Object(map) = &mut body else {
            return body;
        };
        let code = self
            .language_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        match code {
            Some(code) if code.chars().count() <= LANGUAGE_CODE_MAX_CHARS => {
                map.insert("language_code".to_owned(), Value::String(code.to_owned()));
            }
            Some(code) => {
                tracing::debug!(
                    code,
                    "language code too long for the support server; left out"
                );
            }
            None => {}
        }
        if let Some(profile) = &self.profile
            && let Ok(value) = serde_json::to_value(profile)
        {
            map.insert("user".to_owned(), value);
        }
        body
    }
}

impl From<Option<&str>> for Writer {
    fn from(code: Option<&str>) -> Self {
        Self::language(code)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn telegram_user(json: Value) -> teloxide::types::User {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_telegram_user_is_reported_within_the_limits() {
        let user = telegram_user(json!({
            "id": 1001, "is_bot": false, "first_name": format!(" {}\u{7}", "я".repeat(70)),
            "last_name": "   ", "username": "ab", "is_premium": true
        }));
        let writer = Writer::of(&user, Some("ru".into()));
        let profile = writer.profile.clone().unwrap();
        assert_eq!(profile.first_name.unwrap().chars().count(), NAME_MAX_CHARS);
        assert_eq!(profile.last_name, None);
        assert_eq!(profile.username, None);
        assert!(profile.is_premium);
        let body = writer.add_to(json!({"text": "hi"}));
        assert_eq!(body["language_code"], "ru");
        assert!(body["user"]["first_name"].is_string());
        assert!(writer.profile.unwrap().validate().is_ok());
    }

    #[test]
    fn the_language_code_is_added_only_when_usable() {
        let body = || json!({"text": "hi", "sender": null});
        assert_eq!(
            Writer::language(Some("en")).add_to(body()),
            json!({"text": "hi", "sender": null, "language_code": "en"})
        );
        assert_eq!(Writer::language(Some("  ")).add_to(body()), body());
        assert_eq!(Writer::language(None).add_to(body()), body());
        let longest = "x".repeat(LANGUAGE_CODE_MAX_CHARS);
        assert_eq!(
            Writer::language(Some(&longest)).add_to(body())["language_code"],
            longest.as_str()
        );
        let too_long = "x".repeat(LANGUAGE_CODE_MAX_CHARS + 1);
        assert_eq!(Writer::language(Some(&too_long)).add_to(body()), body());
    }
}
