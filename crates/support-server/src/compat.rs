//! [`CompatLine`]: which release line of the Python original the server answers like, where the
//! two lines disagree.
//!
//! Everything one line adds that the other's clients ignore is served on both: the 1.2.0 line's
//! ticket `viewed` and `last_message` are added keys for 0.1.5 clients, and 0.1.5's message
//! `viewed` an added key for 1.2.0 clients. What cannot be both is chosen here: today, the order
//! of an unfiltered `GET tickets/` without `ordering=` (SPEC-NOTES, "The 1.2.0 line").

use std::fmt;
use std::str::FromStr;

use crate::storage::TicketOrder;

/// A release line of the original (`chatlabs-support` 0.1.5, or `chatlabs-django-support`
/// 1.2.0 with `chatlabs-aiogram-support` 0.2.0). Written and parsed as `0.1.5` / `1.2`.
///
/// ```
/// use support_server::CompatLine;
/// assert_eq!(CompatLine::default(), CompatLine::V0_1_5);
/// assert_eq!("1.2".parse::<CompatLine>(), Ok(CompatLine::V1_2));
/// assert_eq!("1.2.0".parse::<CompatLine>(), Ok(CompatLine::V1_2));
/// assert_eq!(CompatLine::V1_2.to_string(), "1.2");
/// assert!("2.0".parse::<CompatLine>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompatLine {
    /// `chatlabs-support` 0.1.5, which the SPEC and the golden recordings follow (the default).
    #[default]
    V0_1_5,
    /// `chatlabs-django-support` 1.2.0 and `chatlabs-aiogram-support` 0.2.0.
    V1_2,
}

impl CompatLine {
    /// The values [`FromStr`] takes, for messages and `--help`.
    pub const CHOICES: &'static str = "0.1.5, 1.2";

    /// The order of a ticket list that asks for none: 0.1.5's newest created first (the
    /// original lists in insertion order; SPEC-NOTES says why we do not), 1.2.0's unviewed,
    /// then unresolved, then newest message first.
    pub fn default_ticket_order(self) -> TicketOrder {
        match self {
            Self::V0_1_5 => TicketOrder::Created,
            Self::V1_2 => TicketOrder::Unviewed,
        }
    }
}

impl fmt::Display for CompatLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V0_1_5 => "0.1.5",
            Self::V1_2 => "1.2",
        })
    }
}

/// A line [`CompatLine::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown release line {0:?} of the original: expected one of {choices}", choices = CompatLine::CHOICES)]
pub struct UnknownLine(String);

impl FromStr for CompatLine {
    type Err = UnknownLine;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "0.1" | "0.1.5" => Ok(Self::V0_1_5),
            "1.2" | "1.2.0" => Ok(Self::V1_2),
            other => Err(UnknownLine(other.to_owned())),
        }
    }
}
