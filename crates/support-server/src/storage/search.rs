//! [`TicketSearch`] and [`TicketOrder`]: the console's search box and sort order of a ticket list
//! (extensions of `GET tickets/`: `search=`, `ordering=`), parsed once into what every backend
//! matches the same way.
//!
//! A ticket matches a search when the text is its number (`123`, `#123`) or its user's Telegram
//! id, or when every word of it (letters and digits; case ignored) starts a word
//! of the ticket's title, of its user's names and username together, or of one of its messages:
//! "анн" finds "Анна", "@anna_li" finds the username `anna_li`, "refu mon" finds "Refund my
//! money" (full text: SQLite FTS5, Postgres `to_tsvector('simple', ...)`, both indexed). Nothing a
//! user types is syntax: `%`, `_`, `"`, `*` separate words like spaces.

/// The longest search accepted, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;

/// The most words of a search matched against messages (the rest are ignored).
pub(crate) const SEARCH_MAX_WORDS: usize = 8;

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSearch {
    text: String,
    number: Option<i64>,
    words: Vec<String>,
}

impl TicketSearch {
    /// Parses a search; `None` when it is blank (no filter).
    pub fn new(raw: &str) -> Option<Self> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        let number = text
            .strip_prefix('#')
            .unwrap_or(text)
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0);
        let words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .take(SEARCH_MAX_WORDS)
            .collect();
        Some(Self {
            text: text.to_owned(),
            number,
            words,
        })
    }

    /// The text as typed (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The number it names (a ticket number or a Telegram id), if it is one.
    pub fn number(&self) -> Option<i64> {
        self.number
    }

    /// Its words, lowercased: letters and digits only, at most eight.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether every word starts a word of `message` (the memory backend's full-text match).
    pub fn words_start_words_of(&self, message: &str) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let theirs: Vec<String> = message
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        self.words
            .iter()
            .all(|w| theirs.iter().any(|t| t.starts_with(w.as_str())))
    }
}

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketOrder {
    /// Newest created first (the original's order).
    #[default]
    Created,
    /// Newest activity (message or creation) first: `ordering=-updated_at`.
    Activity,
    /// Tickets whose newest message is the user's first, the longest waiting first; then the
    /// rest, oldest activity first: `ordering=waiting`.
    Waiting,
    /// The original 1.2.0 line's order: tickets not viewed first, then unresolved, then the
    /// newest message first (tickets without messages after those with), then the newest
    /// created: `ordering=unviewed`, and the default of the 1.2 line
    /// ([`CompatLine::V1_2`](crate::CompatLine::V1_2)).
    Unviewed,
}

impl TicketOrder {
    /// Parses the `ordering` parameter.
    pub fn from_param(value: &str) -> Option<Self> {
        match value {
            "-updated_at" => Some(Self::Activity),
            "waiting" => Some(Self::Waiting),
            "-created_at" => Some(Self::Created),
            "unviewed" => Some(Self::Unviewed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_parse() {
        assert_eq!(TicketSearch::new("   "), None);
        let s = TicketSearch::new(" #42 ").unwrap();
        assert_eq!((s.text(), s.number()), ("#42", Some(42)));
        assert!(s.words() == ["42"]);
        let s = TicketSearch::new("@Anna_Li").unwrap();
        assert_eq!(s.words(), ["anna", "li"]);
        assert_eq!(s.number(), None);
        let s = TicketSearch::new("Возврат денег, \"срочно\"*").unwrap();
        assert_eq!(s.words(), ["возврат", "денег", "срочно"]);
        assert_eq!(TicketSearch::new("%").unwrap().words().len(), 0);
    }

    #[test]
    fn memory_matching() {
        let s = TicketSearch::new("refu MON").unwrap();
        assert!(s.words_start_words_of("Please refund my money!"));
        assert!(!s.words_start_words_of("Please refund"));
        assert!(!s.words_start_words_of("prefund money"));
        assert!(
            TicketSearch::new("АНН")
                .unwrap()
                .words_start_words_of("Анна Li")
        );
    }
}
