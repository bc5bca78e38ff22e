//! The limits on titles and texts, counted as the Python original counts them.
//!
//! Lengths are Unicode scalar values (Python `len(str)`), measured after trimming whitespace the
//! way Python's `str.strip()` does.

/// The longest title, in Unicode scalar values.
pub const TITLE_MAX_CHARS: usize = 256;
/// The longest message text, in Unicode scalar values.
pub const TEXT_MAX_CHARS: usize = 4096;

/// Why a title or a text was refused.
///
/// [`ValidationError::message`] gives the Django REST framework wording the server puts on the
/// wire; `Display` is the lowercase library wording.
///
/// ```
/// use support_protocol::{validate_title, ValidationError};
/// assert_eq!(validate_title("  padded  ").unwrap(), "padded");
/// let err = validate_title(&"x".repeat(257)).unwrap_err();
/// assert_eq!(err, ValidationError::TooLong { max: 256, actual: 257 });
/// assert_eq!(err.message(), "Ensure this field has no more than 256 characters.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Empty or whitespace only.
    #[error("must not be blank")]
    Blank,
    /// Contains U+0000, which Postgres cannot store (DRF refuses it too).
    #[error("must not contain null characters")]
    NullCharacter,
    /// Longer than the limit.
    #[error("must have at most {max} characters, has {actual}")]
    TooLong {
        /// The limit.
        max: usize,
        /// The length found (after trimming).
        actual: usize,
    },
}

impl ValidationError {
    /// The error text the Python original (Django REST framework) uses.
    pub fn message(&self) -> String {
        match self {
            Self::Blank => "This field may not be blank.".to_owned(),
            Self::NullCharacter => "Null characters are not allowed.".to_owned(),
            Self::TooLong { max, .. } => {
                format!("Ensure this field has no more than {max} characters.")
            }
        }
    }
}

/// Whether `c` is whitespace for Python's `str.strip()`: Unicode `White_Space` plus the
/// information separators U+001C..=U+001F.
pub fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn validate(input: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = input.trim_matches(is_python_whitespace);
    if trimmed.is_empty() {
        return Err(ValidationError::Blank);
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(ValidationError::TooLong { max, actual });
    }
    if trimmed.contains('\0') {
        return Err(ValidationError::NullCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Trims a ticket title and checks it is 1..=256 characters.
pub fn validate_title(title: &str) -> Result<String, ValidationError> {
    validate(title, TITLE_MAX_CHARS)
}

/// Trims a message text and checks it is 1..=4096 characters.
///
/// ```
/// use support_protocol::{validate_text, ValidationError};
/// assert_eq!(validate_text(&"я".repeat(4096)).unwrap().chars().count(), 4096);
/// assert_eq!(validate_text(" \n\t").unwrap_err(), ValidationError::Blank);
/// ```
pub fn validate_text(text: &str) -> Result<String, ValidationError> {
    validate(text, TEXT_MAX_CHARS)
}

/// Trims a team note and checks it is 1..=10,000 characters (extension, see [`crate::team`]).
pub fn validate_note(text: &str) -> Result<String, ValidationError> {
    validate(text, crate::team::NOTE_MAX_CHARS)
}

/// Trims a canned reply's title and checks it is 1..=100 characters (extension).
pub fn validate_canned_title(title: &str) -> Result<String, ValidationError> {
    validate(title, crate::team::CANNED_TITLE_MAX_CHARS)
}

/// Trims the text of a message that carries attachments: like [`validate_text`], but it may be
/// empty (a file sent without a caption).
///
/// ```
/// use support_protocol::validate_caption;
/// assert_eq!(validate_caption("  ").unwrap(), "");
/// assert_eq!(validate_caption(" look ").unwrap(), "look");
/// assert!(validate_caption(&"x".repeat(4097)).is_err());
/// ```
pub fn validate_caption(text: &str) -> Result<String, ValidationError> {
    match validate(text, TEXT_MAX_CHARS) {
        Err(ValidationError::Blank) => Ok(String::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_scalar_values_after_trim() {
        assert!(validate_title(&"😀".repeat(256)).is_ok());
        assert!(validate_title(&format!("  {}  ", "a".repeat(256))).is_ok());
        assert_eq!(
            validate_title(&"😀".repeat(257)),
            Err(ValidationError::TooLong {
                max: 256,
                actual: 257
            })
        );
        assert_eq!(validate_text(""), Err(ValidationError::Blank));
        assert_eq!(validate_text("a\0b"), Err(ValidationError::NullCharacter));
        assert_eq!(validate_text("\u{1f}\u{a0}"), Err(ValidationError::Blank));
        assert_eq!(
            validate_text(&"x".repeat(4097)).unwrap_err().message(),
            "Ensure this field has no more than 4096 characters."
        );
    }
}
