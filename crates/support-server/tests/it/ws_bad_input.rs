//! Bad input on the manager websocket \[W7\]: every row of PEER.md's bad-input table (golden
//! cases 133-162) gets an `error` event with a stable code, the socket stays open, and stored
//! data is unchanged. The original closed the socket with 1011 or silently ignored (B3, B4).

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use support_testkit::TestServer;
use support_testkit::ws::{id, recv, recv_type, send_raw, silent};

/// Tickets and all their messages, as the REST API shows them.
async fn snapshot(s: &TestServer) -> Value {
    let tickets: Value = s
        .bot(reqwest::Method::GET, "/support/tickets/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tickets.as_array().unwrap() {
        out.push(json!({"ticket": t, "messages": s.messages(id(t)).await}));
    }
    Value::Array(out)
}

#[tokio::test]
async fn every_bad_request_gets_an_error_event_and_the_socket_stays_open() {
    let s = TestServer::default_server().await;
    let (anna_id, anna) = s.manager("anna").await;
    let t = id(&s.create_ticket(1001, "bad input").await);
    let other = id(&s.create_ticket(1002, "other").await);
    let m = id(&s.user_message(t, "hello").await);
    let m_other = id(&s.user_message(other, "elsewhere").await);
    let mut ws = s.manager_ws(&anna).await;
    let before = snapshot(&s).await;
    let missing = 999_999_999;

    let text = |v: Value| Message::text(v.to_string());
    // (golden case, frame, expected code, expected `request`)
    let rows: Vec<(&str, Message, &str, Value)> = vec![
        (
            "133 invalid json",
            Message::text("not json{"),
            "invalid_json",
            Value::Null,
        ),
        (
            "134 binary frame",
            Message::binary(vec![0u8, 1, 2]),
            "invalid_json",
            Value::Null,
        ),
        (
            "135 json array",
            Message::text("[1, 2]"),
            "invalid_json",
            Value::Null,
        ),
        (
            "136 json string",
            Message::text("\"hello\""),
            "invalid_json",
            Value::Null,
        ),
        (
            "137 json number",
            Message::text("42"),
            "invalid_json",
            Value::Null,
        ),
        (
            "138 json null",
            Message::text("null"),
            "invalid_json",
            Value::Null,
        ),
        (
            "139 empty object",
            Message::text("{}"),
            "invalid_field",
            Value::Null,
        ),
        (
            "140 unknown type",
            text(json!({"type": "ticket.unknown"})),
            "unknown_type",
            json!("ticket.unknown"),
        ),
        (
            "141 type not string",
            text(json!({"type": 5})),
            "invalid_field",
            Value::Null,
        ),
        (
            "142 assign missing id",
            text(json!({"type": "ticket.assign"})),
            "invalid_field",
            json!("ticket.assign"),
        ),
        (
            "144 assign nonexistent",
            text(json!({"type": "ticket.assign", "id": missing})),
            "not_found",
            json!("ticket.assign"),
        ),
        (
            "145 assign id abc",
            text(json!({"type": "ticket.assign", "id": "abc"})),
            "invalid_field",
            json!("ticket.assign"),
        ),
        (
            "146 assign id null",
            text(json!({"type": "ticket.assign", "id": null})),
            "invalid_field",
            json!("ticket.assign"),
        ),
        (
            "147 new missing text",
            text(json!({"type": "ticket.message.new", "ticket_id": t})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "148 new missing ticket_id",
            text(json!({"type": "ticket.message.new", "text": "x"})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "149 new nonexistent ticket",
            text(json!({"type": "ticket.message.new", "ticket_id": missing, "text": "x"})),
            "not_found",
            json!("ticket.message.new"),
        ),
        (
            "150 new text null",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": null})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "151 new text 5000",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": "L".repeat(5000)})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "152 new text empty",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": ""})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "152b new text blank",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": " \n\t "})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "152c new text object",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": {"a": 1}})),
            "invalid_field",
            json!("ticket.message.new"),
        ),
        (
            "155 viewed missing message_id",
            text(json!({"type": "ticket.message.viewed", "ticket_id": t})),
            "invalid_field",
            json!("ticket.message.viewed"),
        ),
        (
            "156 viewed nonexistent message",
            text(json!({"type": "ticket.message.viewed", "ticket_id": t, "message_id": missing})),
            "not_found",
            json!("ticket.message.viewed"),
        ),
        (
            "157 viewed message of other ticket",
            text(json!({"type": "ticket.message.viewed", "ticket_id": t, "message_id": m_other})),
            "not_found",
            json!("ticket.message.viewed"),
        ),
        (
            "157b viewed nonexistent ticket",
            text(json!({"type": "ticket.message.viewed", "ticket_id": missing, "message_id": m})),
            "not_found",
            json!("ticket.message.viewed"),
        ),
        (
            "159 list nonexistent ticket",
            text(json!({"type": "ticket.message.list", "ticket_id": missing})),
            "not_found",
            json!("ticket.message.list"),
        ),
        (
            "160 list ticket_id with space",
            text(json!({"type": "ticket.message.list", "ticket_id": "bad id"})),
            "invalid_field",
            json!("ticket.message.list"),
        ),
        (
            "162 list missing ticket_id",
            text(json!({"type": "ticket.message.list"})),
            "invalid_field",
            json!("ticket.message.list"),
        ),
        (
            "assign force not bool",
            text(json!({"type": "ticket.assign", "id": t, "force": "yes"})),
            "invalid_field",
            json!("ticket.assign"),
        ),
        (
            "frame over 64 KiB",
            text(json!({"type": "ticket.message.new", "ticket_id": t, "text": "x".repeat(70_000)})),
            "too_large",
            Value::Null,
        ),
    ];
    for (case, frame, code, request) in rows {
        send_raw(&mut ws, frame).await;
        let e = recv(&mut ws).await;
        assert_eq!(e["type"], "error", "{case}: {e}");
        assert_eq!(e["code"], code, "{case}: {e}");
        assert_eq!(e["request"], request, "{case}: {e}");
        assert!(
            e["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{case}: {e}"
        );
        // Exactly one answer, and nothing broadcast.
        silent(&mut ws).await;
    }

    // Still open and working.
    send_raw(
        &mut ws,
        Message::text(json!({"type": "ticket.message.list", "ticket_id": t}).to_string()),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "ticket.message.list").await["messages"][0]["id"],
        json!(m)
    );
    assert_eq!(snapshot(&s).await, before, "stored data unchanged");
    let _ = anna_id;
}

#[tokio::test]
async fn the_originals_lenient_spellings_are_accepted() {
    let s = TestServer::default_server().await;
    let (anna_id, anna) = s.manager("anna").await;
    let t = id(&s.create_ticket(1001, "lenient").await);
    let m = id(&s.user_message(t, "hello").await);
    let mut ws = s.manager_ws(&anna).await;

    // 158: viewed on an unassigned ticket is fine (every manager sees it).
    send_raw(
        &mut ws,
        Message::text(
            json!({"type": "ticket.message.viewed", "ticket_id": t, "message_id": m}).to_string(),
        ),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "ticket.message.viewed").await["message"]["viewed"],
        true
    );
    // 161: list of an unassigned ticket is answered.
    send_raw(
        &mut ws,
        Message::text(json!({"type": "ticket.message.list", "ticket_id": t}).to_string()),
    )
    .await;
    recv_type(&mut ws, "ticket.message.list").await;
    // 153: a number as text is stored as its decimal string; 154: a numeric string id works.
    send_raw(
        &mut ws,
        Message::text(
            json!({"type": "ticket.message.new", "ticket_id": t.to_string(), "text": 12345})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "ticket.message.new").await["message"]["text"],
        "12345"
    );
    // 143: `ticket_id` instead of `id` assigns ([W1] accepts both).
    send_raw(
        &mut ws,
        Message::text(json!({"type": "ticket.assign", "ticket_id": t}).to_string()),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "ticket.assigned").await["support_manager"],
        json!(anna_id)
    );
    // Unknown extra fields are ignored [C3].
    send_raw(
        &mut ws,
        Message::text(
            json!({"type": "ticket.message.list", "ticket_id": t, "extra": [1]}).to_string(),
        ),
    )
    .await;
    recv_type(&mut ws, "ticket.message.list").await;
    silent(&mut ws).await;
}
