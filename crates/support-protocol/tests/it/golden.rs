//! Every JSON document under `shared/reference/golden/` that holds a ticket, a message, a list of
//! them, or a websocket event parses into the typed model and serializes back to an equal value.

use std::path::PathBuf;

use serde_json::Value;
use support_protocol::{ClientEvent, Message, Page, ServerEvent, Ticket};

fn golden_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        // The copy in this repository first, then the team's shared reference next to it.
        manifest.join("../../tests/golden"),
        manifest.join("../../../shared/reference/golden"),
        manifest.join("../../shared/reference/golden"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .expect("tests/golden holds the recordings of the Python original")
}

fn cases() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value, what: &str) {
    let typed: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what}: {e}: {value}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(&back, value, "{what}: not equal after a round trip");
}

fn is_ticket(v: &Value) -> bool {
    v.get("user").is_some() && v.get("title").is_some()
}

fn is_message(v: &Value) -> bool {
    v.get("sender").is_some() && v.get("text").is_some()
}

/// Round-trips an HTTP body; returns how many documents it held.
fn check_body(body: &Value, what: &str) -> usize {
    match body {
        v if is_ticket(v) => {
            round_trip::<Ticket>(v, what);
            1
        }
        v if is_message(v) => {
            round_trip::<Message>(v, what);
            1
        }
        Value::Array(items) if items.iter().all(is_ticket) && !items.is_empty() => {
            round_trip::<Vec<Ticket>>(body, what);
            1
        }
        Value::Array(items) if items.iter().all(is_message) => {
            round_trip::<Vec<Message>>(body, what);
            1
        }
        v if v.get("results").is_some() => {
            round_trip::<Page<Message>>(v, what);
            1
        }
        _ => 0,
    }
}

#[test]
fn every_golden_document_round_trips() {
    let (mut http, mut events, mut sent) = (0, 0, 0);
    for (name, case) in cases() {
        match case["kind"].as_str() {
            Some("http") => http += check_body(&case["response"]["body"], &name),
            Some("ws") => {
                for event in case["events"].as_array().unwrap() {
                    let data = &event["data"];
                    match event["dir"].as_str() {
                        Some("recv") => {
                            round_trip::<ServerEvent>(data, &name);
                            let typed: ServerEvent = serde_json::from_value(data.clone()).unwrap();
                            assert!(
                                !matches!(typed, ServerEvent::Unknown(_)),
                                "{name}: known event read as Unknown"
                            );
                            events += 1;
                        }
                        Some("send") => {
                            // Well-formed requests of the seed protocol decode to their variant
                            // and re-encode equal (with `id` canonical for ticket.assign).
                            if let Ok(typed) = ClientEvent::from_value(data.clone()) {
                                // Coerced input (assign by `ticket_id`, a numeric text) re-encodes canonically.
                                let canonical = !(matches!(typed, ClientEvent::Assign(_))
                                    && data.get("ticket_id").is_some())
                                    && data.get("text").is_none_or(Value::is_string);
                                if canonical
                                    && !matches!(typed, ClientEvent::Unknown(_))
                                    && data.get("ticket_id").is_none_or(Value::is_number)
                                {
                                    assert_eq!(
                                        &serde_json::to_value(&typed).unwrap(),
                                        data,
                                        "{name}"
                                    );
                                    sent += 1;
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    assert!(http > 60, "only {http} HTTP documents checked");
    assert!(events > 20, "only {events} server events checked");
    assert!(sent > 5, "only {sent} client events checked");
}

/// The same document as 1.2.0 writes it, from ours: the message `viewed` it no longer has is
/// dropped (SPEC-NOTES, "The 1.2.0 line").
fn as_1_2_writes(ours: Value, recorded: &Value) -> Value {
    match (ours, recorded) {
        (Value::Object(mut o), Value::Object(g)) => {
            if g.get("sender").is_some() && g.get("viewed").is_none() {
                o.remove("viewed");
            }
            Value::Object(
                o.into_iter()
                    .map(|(k, v)| {
                        let v = match g.get(&k) {
                            Some(gv) => as_1_2_writes(v, gv),
                            None => v,
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        (Value::Array(o), Value::Array(g)) if o.len() == g.len() => Value::Array(
            o.into_iter()
                .zip(g)
                .map(|(a, b)| as_1_2_writes(a, b))
                .collect(),
        ),
        (other, _) => other,
    }
}

fn round_trip_1_2<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value, what: &str) {
    let typed: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what}: {e}: {value}"));
    let back = as_1_2_writes(serde_json::to_value(&typed).unwrap(), value);
    assert_eq!(&back, value, "{what}: not equal after a round trip");
}

/// Every ticket, message, list and server event the original's 1.2.0 line wrote
/// (`tests/golden/v1.2/`) reads into the typed model (so our bot and clients read a 1.2.0 server)
/// and writes back the same, but for the message `viewed` we keep (and key order).
#[test]
fn every_1_2_document_round_trips() {
    let dir = golden_dir().join("v1.2");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut documents, mut events) = (0, 0);
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        match case["kind"].as_str() {
            Some("http") => {
                let body = &case["response"]["body"];
                match body {
                    v if is_ticket(v) => round_trip_1_2::<Ticket>(v, &name),
                    v if is_message(v) => round_trip_1_2::<Message>(v, &name),
                    Value::Array(items) if !items.is_empty() && items.iter().all(is_ticket) => {
                        round_trip_1_2::<Vec<Ticket>>(body, &name);
                    }
                    Value::Array(items) if items.iter().all(is_message) => {
                        round_trip_1_2::<Vec<Message>>(body, &name);
                    }
                    v if v.get("results").is_some() => round_trip_1_2::<Page<Message>>(v, &name),
                    _ => continue,
                }
                documents += 1;
            }
            Some("ws") => {
                for event in case["events"].as_array().unwrap() {
                    if event["dir"] == "recv" {
                        round_trip_1_2::<ServerEvent>(&event["data"], &name);
                        events += 1;
                    }
                }
            }
            _ => {}
        }
    }
    assert!(documents > 60, "only {documents} HTTP documents checked");
    assert!(events > 20, "only {events} server events checked");
}

#[test]
fn unknown_event_types_and_extra_fields_are_tolerated() {
    let raw = r#"{"type":"ticket.escalated","ticket":{"id":1},"level":3}"#;
    let e: ServerEvent = serde_json::from_str(raw).unwrap();
    assert!(matches!(&e, ServerEvent::Unknown(v) if v["level"] == 3));
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::from_str::<Value>(raw).unwrap()
    );

    let c = ClientEvent::from_json(r#"{"type":"ticket.pin","id":1}"#).unwrap();
    assert!(matches!(c, ClientEvent::Unknown(_)));

    let with_extra = r#"{"type":"ticket.assigned","id":16,"support_manager":1,"by":"anna"}"#;
    assert!(matches!(
        serde_json::from_str::<ServerEvent>(with_extra).unwrap(),
        ServerEvent::TicketAssigned(_)
    ));
    let ticket = r#"{"id":1,"user":{"telegram_id":5,"lang":"ru"},"support_manager":null,
        "created_at":"2026-11-24T13:14:51.951697Z","title":"t","resolved":false,"priority":"high"}"#;
    assert_eq!(serde_json::from_str::<Ticket>(ticket).unwrap().title, "t");

    // A known type with a bad payload is an error, not Unknown.
    assert!(
        serde_json::from_str::<ServerEvent>(r#"{"type":"ticket.created","ticket":5}"#).is_err()
    );
    assert_eq!(
        ClientEvent::from_json(r#"{"type":"ticket.assign","id":null}"#)
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    assert_eq!(
        ClientEvent::from_json("[1,2]").unwrap_err().code(),
        "invalid_json"
    );
    assert_eq!(
        ClientEvent::from_json("{}").unwrap_err().field(),
        Some("type")
    );
}

#[test]
fn type_constants_match_the_wire_names() {
    use support_protocol::*;
    let m = Message {
        id: MessageId::new(1),
        created_at: Timestamp::now(),
        sender: Sender::User,
        text: "a".into(),
        viewed: false,
        ticket: TicketId::new(2),
        delivery: None,
        attachments: Vec::new(),
        manager: None,
    };
    let t: Ticket = serde_json::from_str(
        r#"{"id":1,"user":{"telegram_id":5},"support_manager":null,"created_at":"2026-11-24T13:14:51.951697Z","title":"t"}"#,
    )
    .unwrap();
    let server = [
        (
            ServerEvent::TicketCreated(TicketCreated { ticket: t.clone() }),
            TicketCreated::TYPE,
        ),
        (
            ServerEvent::TicketAssigned(TicketAssigned {
                id: TicketId::new(1),
                support_manager: ManagerId::new(1),
                manager: None,
            }),
            TicketAssigned::TYPE,
        ),
        (
            ServerEvent::MessageNew(MessageNew {
                message: m.clone(),
                cursor: None,
            }),
            MessageNew::TYPE,
        ),
        (
            ServerEvent::MessageViewed(MessageViewed { message: m.clone() }),
            MessageViewed::TYPE,
        ),
        (
            ServerEvent::MessageList(MessageList {
                ticket_id: TicketId::new(1),
                messages: vec![m],
            }),
            MessageList::TYPE,
        ),
        (
            ServerEvent::TicketUpdated(TicketUpdated {
                ticket: t,
                resolved_by: None,
            }),
            TicketUpdated::TYPE,
        ),
        (
            ServerEvent::Error(ErrorEvent {
                code: ErrorCode::NotFound,
                detail: String::new(),
                request: None,
            }),
            ErrorEvent::TYPE,
        ),
        (
            ServerEvent::Resumed(Resumed {
                seq: 1,
                replayed: 0,
            }),
            Resumed::TYPE,
        ),
        (
            ServerEvent::ResyncRequired(ResyncRequired {
                seq: 1,
                detail: String::new(),
            }),
            ResyncRequired::TYPE,
        ),
    ];
    for (event, name) in server {
        assert_eq!(serde_json::to_value(&event).unwrap()["type"], name);
        assert_eq!(event.type_name(), name);
    }
    let client = [
        (
            ClientEvent::Assign(AssignTicket {
                id: TicketId::new(1),
                force: false,
            }),
            AssignTicket::TYPE,
        ),
        (
            ClientEvent::MessageViewed(MarkViewed {
                ticket_id: TicketId::new(1),
                message_id: MessageId::new(2),
            }),
            MarkViewed::TYPE,
        ),
        (
            ClientEvent::MessageNew(SendMessage {
                ticket_id: TicketId::new(1),
                text: "x".into(),
                attachments: Vec::new(),
            }),
            SendMessage::TYPE,
        ),
        (
            ClientEvent::MessageList(ListMessages {
                ticket_id: TicketId::new(1),
            }),
            ListMessages::TYPE,
        ),
    ];
    for (event, name) in client {
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], name);
        assert_eq!(ClientEvent::from_value(json).unwrap(), event);
    }
}
