//! Extension: contact profiles, what Telegram tells the bot about a user (first and last name,
//! username, premium flag) and the bot reports with each ticket and message, and the display
//! names of managers.
//!
//! The bot reports a [`UserProfile`] as the body key `"user"` of `POST tickets/` and
//! `POST tickets/{id}/messages/`; the server stores it on the user (the newest report wins) and
//! every [`TelegramUser`] it writes carries the fields it knows.
//!
//! ```
//! use support_protocol::{TelegramId, TelegramUser, UserProfile};
//! let profile: UserProfile =
//!     serde_json::from_str(r#"{"first_name": "Anna", "username": "anna_li"}"#).unwrap();
//! assert!(profile.validate().is_ok());
//! let mut user = TelegramUser::new(TelegramId::new(1001));
//! profile.apply_to(&mut user);
//! assert_eq!(
//!     serde_json::to_string(&user).unwrap(),
//!     r#"{"telegram_id":1001,"first_name":"Anna","username":"anna_li"}"#
//! );
//! assert_eq!(user.display_name(), "Anna");
//! ```

use serde::{Deserialize, Serialize};

use crate::TelegramUser;

/// The longest first or last name accepted, in characters (Telegram allows 64).
pub const NAME_MAX_CHARS: usize = 64;
/// The shortest Telegram username.
pub const USERNAME_MIN_CHARS: usize = 5;
/// The longest Telegram username.
pub const USERNAME_MAX_CHARS: usize = 32;

/// What the bot reports about a Telegram user (Telegram's `User` object, as far as support needs
/// it). Absent names are unknown or removed: a report replaces the whole stored profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserProfile {
    /// First name (Telegram always has one; at most [`NAME_MAX_CHARS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 64)))]
    pub first_name: Option<String>,
    /// Last name, if the user set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 64)))]
    pub last_name: Option<String>,
    /// Username without `@`: 5 to 32 of `A-Z a-z 0-9 _`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Za-z0-9_]{5,32}$")))]
    pub username: Option<String>,
    /// Telegram Premium.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_premium: bool,
}

/// Why a reported profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// A name longer than [`NAME_MAX_CHARS`] or with control characters.
    #[error("{0} must be at most 64 characters, without control characters.")]
    Name(&'static str),
    /// A username that is not 5 to 32 of `A-Z a-z 0-9 _`.
    #[error("username must be 5 to 32 letters, digits or underscores, without \"@\".")]
    Username,
}

impl UserProfile {
    /// Checks the limits. Blank names count as absent (see [`Self::normalized`]).
    pub fn validate(&self) -> Result<(), ProfileError> {
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if let Some(v) = value
                && (v.chars().count() > NAME_MAX_CHARS || v.chars().any(char::is_control))
            {
                return Err(ProfileError::Name(field));
            }
        }
        if let Some(u) = &self.username
            && !is_username(u)
        {
            return Err(ProfileError::Username);
        }
        Ok(())
    }

    /// The profile with names trimmed and blank ones dropped: how it is stored and compared.
    pub fn normalized(mut self) -> Self {
        for value in [&mut self.first_name, &mut self.last_name] {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
        }
        self
    }

    /// Whether `user` already shows exactly this profile.
    pub fn matches(&self, user: &TelegramUser) -> bool {
        user.first_name == self.first_name
            && user.last_name == self.last_name
            && user.username == self.username
            && user.is_premium == self.is_premium
    }

    /// Writes this profile onto `user` (its id, language and `blocked` stay).
    pub fn apply_to(&self, user: &mut TelegramUser) {
        user.first_name.clone_from(&self.first_name);
        user.last_name.clone_from(&self.last_name);
        user.username.clone_from(&self.username);
        user.is_premium = self.is_premium;
    }

    /// The profile `user` shows.
    pub fn of(user: &TelegramUser) -> Self {
        Self {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            username: user.username.clone(),
            is_premium: user.is_premium,
        }
    }
}

/// Whether `s` is a Telegram username (without `@`).
pub fn is_username(s: &str) -> bool {
    (USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A person's display name from first and last name, else `fallback`: how the console and the
/// server name users and managers.
pub fn display_name(first: &str, last: &str, fallback: &str) -> String {
    let name = format!("{} {}", first.trim(), last.trim());
    let name = name.trim();
    if name.is_empty() {
        fallback.to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TelegramId;

    #[test]
    fn limits() {
        let ok = |p: UserProfile| p.validate().is_ok();
        let name = |n: &str| UserProfile {
            first_name: Some(n.to_owned()),
            ..Default::default()
        };
        let username = |n: &str| UserProfile {
            username: Some(n.to_owned()),
            ..Default::default()
        };
        assert!(ok(name(&"я".repeat(64))));
        assert!(!ok(name(&"я".repeat(65))));
        assert!(ok(name("<b>Анна</b> 🎉 עברית")));
        assert!(!ok(name("a\u{0}b")));
        assert!(ok(username("anna_li")));
        for bad in ["anna", "@anna_li", "anna li", "анна_ли", &"a".repeat(33)] {
            assert!(!ok(username(bad)), "{bad}");
        }
    }

    #[test]
    fn a_report_replaces_the_profile() {
        let mut user = TelegramUser::new(TelegramId::new(7));
        user.language_code = Some("ru".into());
        let first = UserProfile {
            first_name: Some("Anna".into()),
            last_name: Some("Li".into()),
            ..Default::default()
        };
        first.apply_to(&mut user);
        assert!(first.matches(&user));
        assert_eq!(user.display_name(), "Anna Li");
        let second = UserProfile {
            first_name: Some("  Anna ".into()),
            last_name: Some("  ".into()),
            ..Default::default()
        }
        .normalized();
        assert!(!second.matches(&user));
        second.apply_to(&mut user);
        assert_eq!(user.last_name, None);
        assert_eq!(user.language_code.as_deref(), Some("ru"));
        assert_eq!(UserProfile::of(&user), second);
    }

    #[test]
    fn display_names_fall_back() {
        assert_eq!(display_name(" Anna ", "", "x"), "Anna");
        assert_eq!(display_name("", "", "anna"), "anna");
        let mut user = TelegramUser::new(TelegramId::new(9));
        assert_eq!(user.display_name(), "9");
        user.username = Some("anna_li".into());
        assert_eq!(user.display_name(), "@anna_li");
    }
}
