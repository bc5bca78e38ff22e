//! Timestamps as the wire writes them \[C4\]: UTC RFC 3339 with exactly six fractional digits and `Z`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time with microsecond precision, always in UTC.
///
/// Written as `2024-12-29T16:10:38.620768Z` (always six fractional digits and `Z`, as Django REST
/// framework writes them); read from any RFC 3339 string (other offsets are converted to UTC,
/// precision beyond microseconds is truncated).
///
/// ```
/// use support_protocol::Timestamp;
/// let t: Timestamp = serde_json::from_str(r#""2024-12-29T19:10:38.62+03:00""#).unwrap();
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2024-12-29T16:10:38.620000Z""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// Why a string is not a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// Not RFC 3339.
    #[error("invalid RFC 3339 datetime: {0}")]
    Invalid(String),
    /// Out of the range this type represents.
    #[error("datetime out of range")]
    OutOfRange,
}

impl Timestamp {
    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_offset_datetime(OffsetDateTime::now_utc())
    }

    /// Converts to UTC and truncates to microseconds.
    pub fn from_offset_datetime(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let micros = t.microsecond();
        Self(t.replace_microsecond(micros).unwrap_or(t))
    }

    /// Microseconds since the Unix epoch (how the storage backends keep timestamps).
    pub fn unix_micros(self) -> i64 {
        // Fits: OffsetDateTime's range (year ±9999) is far inside ±2^63 µs.
        #[allow(clippy::cast_possible_truncation)]
        let micros = (self.0.unix_timestamp_nanos() / 1_000) as i64;
        micros
    }

    /// The inverse of [`Timestamp::unix_micros`].
    pub fn from_unix_micros(micros: i64) -> Result<Self, TimestampError> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .map(Self)
            .map_err(|_| TimestampError::OutOfRange)
    }

    /// Parses any RFC 3339 datetime whose UTC time is in RFC 3339's years 0000-9999.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let t = OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| TimestampError::Invalid(e.to_string()))?;
        // An offset can move the date out of those years (`0000-01-01T00:00:00+01:00` is in
        // year -1 in UTC, `9999-12-31T23:59:59-01:00` in year 10000): such a timestamp could
        // not be written back as RFC 3339 (`Display` falls back to `-000001`, which no parser
        // reads), and `to_offset` panics beyond `time`'s range. Out of range instead (found by
        // the fuzz harness, issue 15).
        t.checked_to_offset(UtcOffset::UTC)
            .filter(|utc| (0..=9999).contains(&utc.year()))
            .map(Self::from_offset_datetime)
            .ok_or(TimestampError::OutOfRange)
    }

    /// The underlying `time` value (UTC).
    pub fn as_offset_datetime(self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let year = t.year();
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+07}")?;
        }
        write!(
            f,
            "-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_six_digits_and_z() {
        let t = Timestamp::parse("2026-11-24T13:08:14Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T13:08:14.000000Z");
        let t = Timestamp::parse("2026-11-24T13:08:14.711817Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T13:08:14.711817Z");
        let t = Timestamp::parse("2026-11-24T13:08:14.7118179999Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T13:08:14.711817Z");
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn micros_round_trip() {
        let t = Timestamp::now();
        assert_eq!(Timestamp::from_unix_micros(t.unix_micros()).unwrap(), t);
        let t = Timestamp::parse("1969-12-31T23:59:59.999999Z").unwrap();
        assert_eq!(t.unix_micros(), -1);
        assert_eq!(Timestamp::from_unix_micros(-1).unwrap(), t);
    }
}
