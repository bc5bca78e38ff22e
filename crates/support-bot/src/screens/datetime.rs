//! Dates and times on the screens, in the configured offset (`SupportOptions::utc_offset`).
//!
//! Where the zone mark goes: on every time (`29.12.2024 16:10 (UTC+3)`), not once per screen.
//! A ticket page may be split into several Telegram messages, and a time quoted or forwarded on
//! its own must still say which clock it is on; the mark is short, and a page has at most five
//! times. Bare dates (the ticket list's buttons, `29.12.2024`) carry no mark: a date is coarse,
//! the button label is short, and opening the ticket shows its times with the mark.

use support_protocol::Timestamp;
use time::UtcOffset;
use time::macros::format_description;

/// `dd.mm.yyyy` in the given offset.
pub(crate) fn date(ts: Timestamp, offset: UtcOffset) -> String {
    ts.as_offset_datetime()
        .to_offset(offset)
        .format(format_description!("[day].[month].[year]"))
        .unwrap_or_default()
}

/// `dd.mm.yyyy HH:MM (mark)` in the given offset, the mark from [`zone_mark`].
pub(crate) fn date_time(ts: Timestamp, offset: UtcOffset) -> String {
    let local = ts
        .as_offset_datetime()
        .to_offset(offset)
        .format(format_description!("[day].[month].[year] [hour]:[minute]"))
        .unwrap_or_default();
    format!("{local} ({})", zone_mark(offset))
}

/// The offset as people write it: `UTC` for zero, `UTC+3`, `UTC-4`, `UTC+5:30`, `UTC-9:30`
/// (and seconds, `UTC+0:20:15`, for the rare historical offset that has them).
pub(crate) fn zone_mark(offset: UtcOffset) -> String {
    if offset.is_utc() {
        return "UTC".to_owned();
    }
    let sign = if offset.is_negative() { '-' } else { '+' };
    let (h, m, s) = offset.as_hms();
    let (h, m, s) = (h.unsigned_abs(), m.unsigned_abs(), s.unsigned_abs());
    match (m, s) {
        (0, 0) => format!("UTC{sign}{h}"),
        (m, 0) => format!("UTC{sign}{h}:{m:02}"),
        (m, s) => format!("UTC{sign}{h}:{m:02}:{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(h: i8, m: i8, s: i8) -> UtcOffset {
        UtcOffset::from_hms(h, m, s).unwrap()
    }

    #[test]
    fn dates_are_day_first_and_times_carry_the_zone() {
        let ts = Timestamp::parse("2024-12-29T23:10:38.620768Z").unwrap();
        assert_eq!(date(ts, UtcOffset::UTC), "29.12.2024");
        assert_eq!(date_time(ts, UtcOffset::UTC), "29.12.2024 23:10 (UTC)");
        assert_eq!(date_time(ts, offset(3, 0, 0)), "30.12.2024 02:10 (UTC+3)");
        assert_eq!(date(ts, offset(3, 0, 0)), "30.12.2024");
        assert_eq!(
            date_time(ts, offset(5, 30, 0)),
            "30.12.2024 04:40 (UTC+5:30)"
        );
        assert_eq!(
            date_time(ts, offset(-9, -30, 0)),
            "29.12.2024 13:40 (UTC-9:30)"
        );
    }

    #[test]
    fn zone_marks() {
        assert_eq!(zone_mark(UtcOffset::UTC), "UTC");
        assert_eq!(zone_mark(offset(3, 0, 0)), "UTC+3");
        assert_eq!(zone_mark(offset(-4, 0, 0)), "UTC-4");
        assert_eq!(zone_mark(offset(5, 45, 0)), "UTC+5:45");
        assert_eq!(zone_mark(offset(0, -30, 0)), "UTC-0:30");
        assert_eq!(zone_mark(offset(14, 0, 0)), "UTC+14");
        assert_eq!(zone_mark(offset(0, 20, 15)), "UTC+0:20:15");
    }
}
