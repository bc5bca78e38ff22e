//! Extension: resumable events on the manager websocket.
//!
//! Every event the server sends on the manager websocket carries `seq`, a number that grows by
//! one with every event the server publishes (to anyone; a manager sees the numbers of the events
//! meant for them, so gaps are normal). A client that reconnects with
//! `GET {ws}/manager/?since=<the last seq it saw>` first receives what it missed, in order, and
//! then [`Resumed`]; or, when the server no longer has all of it, [`ResyncRequired`], after which
//! it reloads over REST. `?since=latest` asks for no replay, only [`Resumed`] with the current
//! number. Clients that never send `since` (the Python original's) get neither event, and ignore
//! the added `seq` key.
//!
//! ```
//! use support_protocol::{Resumed, ResyncRequired, Sequenced, ServerEvent};
//! let e: Sequenced = serde_json::from_str(r#"{"type":"ticket.assigned","id":16,"support_manager":1,"seq":41}"#).unwrap();
//! assert_eq!(e.seq, Some(41));
//! assert_eq!(e.event.type_name(), "ticket.assigned");
//! let resumed = ServerEvent::Resumed(Resumed { seq: 41, replayed: 2 });
//! assert_eq!(resumed.to_json(), r#"{"type":"resumed","seq":41,"replayed":2}"#);
//! assert_eq!(ResyncRequired::TYPE, "resync_required");
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::ServerEvent;

/// `resumed` (extension): the events a reconnecting client missed have all been sent (they came
/// before this event); live events follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Resumed {
    /// The number of the newest event published when the replay was read: the client's cursor
    /// from now on, whether or not that event was meant for it.
    pub seq: u64,
    /// How many events were replayed to this client.
    pub replayed: u64,
}

impl Resumed {
    /// The wire `type`.
    pub const TYPE: &'static str = "resumed";
}

/// `resync_required` (extension): the server cannot tell a client everything it missed (the
/// event log no longer holds the client's position, the position is from another database or a
/// previous process, more was missed than a replay sends, or the server skipped events it could
/// not read). The client reloads its view over REST; live events from this one on are complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResyncRequired {
    /// The client's cursor from now on (as in [`Resumed::seq`]).
    pub seq: u64,
    /// Why, in English, for logs.
    pub detail: String,
}

impl ResyncRequired {
    /// The wire `type`.
    pub const TYPE: &'static str = "resync_required";
}

/// A server event with its `seq` (extension), as the manager websocket sends it: the event's own
/// fields plus `"seq"`. `seq` is `None` for events sent without one (the replies to a client's
/// own requests, `error`, and servers that predate the extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequenced {
    /// The event's number.
    pub seq: Option<u64>,
    /// The event.
    pub event: ServerEvent,
}

impl Serialize for Sequenced {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct WithSeq<'a> {
            #[serde(flatten)]
            event: &'a ServerEvent,
            #[serde(skip_serializing_if = "Option::is_none")]
            seq: Option<u64>,
        }
        WithSeq {
            event: &self.event,
            seq: self.seq,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Sequenced {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = Value::deserialize(deserializer)?;
        let seq = match value.get("seq") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or_else(|| D::Error::custom("\"seq\" must be a non-negative integer"))?,
            ),
        };
        let event = ServerEvent::deserialize(value).map_err(D::Error::custom)?;
        Ok(Self { seq, event })
    }
}

/// Appends `"seq": seq` to the JSON text of one event object (`{...}`), without parsing it
/// again: the server adds the number to JSON it serialized once for every connection.
///
/// ```
/// assert_eq!(support_protocol::resume::with_seq(r#"{"type":"x"}"#, 7), r#"{"type":"x","seq":7}"#);
/// assert_eq!(support_protocol::resume::with_seq("{}", 7), r#"{"seq":7}"#);
/// ```
pub fn with_seq(object: &str, seq: u64) -> String {
    let body = object.trim_end();
    let Some(open) = body.strip_suffix('}') else {
        // Not an object: nothing to add a key to (never the case for a server event).
        return object.to_owned();
    };
    let mut out = String::with_capacity(body.len() + 24);
    out.push_str(open);
    if !open.trim_end().ends_with('{') {
        out.push(',');
    }
    out.push_str("\"seq\":");
    out.push_str(&seq.to_string());
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ManagerId, TicketAssigned, TicketId};

    #[test]
    fn sequenced_round_trips_and_keeps_the_events_own_fields() {
        let event = Sequenced {
            seq: Some(9),
            event: ServerEvent::TicketAssigned(TicketAssigned {
                id: TicketId::new(3),
                support_manager: ManagerId::new(1),
                manager: None,
            }),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"type":"ticket.assigned","id":3,"support_manager":1,"seq":9}"#
        );
        assert_eq!(serde_json::from_str::<Sequenced>(&json).unwrap(), event);
        // The spliced form is the same text.
        assert_eq!(with_seq(&event.event.to_json(), 9), json);
        // Without a number the event is as before.
        let plain = Sequenced { seq: None, ..event };
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            plain.event.to_json()
        );
    }

    #[test]
    fn a_bad_seq_is_an_error_not_a_silent_none() {
        let bad = r#"{"type":"resumed","seq":5,"replayed":0,"seq":-1}"#;
        assert!(serde_json::from_str::<Sequenced>(bad).is_err());
        assert!(serde_json::from_str::<Sequenced>(r#"{"type":"x","seq":"1"}"#).is_err());
    }
}
