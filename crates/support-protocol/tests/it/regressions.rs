//! Bugs the fuzz harnesses (`fuzz.rs`) found, kept as plain tests beside their fixes.

use support_protocol::*;

/// A float in an unknown event's raw payload changed in its last digit when the event was
/// re-encoded and read again: serde_json's default float parser is not exact (fixed with its
/// `float_roundtrip` feature).
#[test]
fn regression_floats_survive_a_round_trip() {
    let frame = r#"{"type":"ticket.future","id":{"type":{"type":1.215423533068921e+305}}}"#;
    let event = BotEvent::from_json(frame).unwrap();
    assert_eq!(BotEvent::from_json(&event.to_json()).unwrap(), event);
    let event = ClientEvent::from_json(frame).unwrap();
    let again = ClientEvent::from_json(&serde_json::to_string(&event).unwrap()).unwrap();
    assert_eq!(again, event);
}

/// An offset moved the date out of RFC 3339's years: `0000-01-01T00:00:00+00:01` parsed to
/// year -1, written as `-000001-12-31T23:59:00.000000Z`, which no parser reads back, and
/// `9999-12-31T23:59:59-00:01` panicked (`time`'s `to_offset`: year 10000 is out of its range).
#[test]
fn regression_timestamps_stay_in_rfc3339_years() {
    for s in [
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
        "9999-12-31T23:59:59.999999-23:59",
    ] {
        assert_eq!(Timestamp::parse(s), Err(TimestampError::OutOfRange), "{s}");
    }
    for s in [
        "0000-01-01T00:00:00Z",
        "0000-01-01T00:00:00-00:01",
        "9999-12-31T23:59:59+01:00",
    ] {
        let t = Timestamp::parse(s).unwrap();
        assert_eq!(Timestamp::parse(&t.to_string()), Ok(t), "{s}");
    }
}
