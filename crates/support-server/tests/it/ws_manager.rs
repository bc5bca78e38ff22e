//! The manager websocket's deliveries \[W1\]-\[W6\] over real sockets: who receives which event,
//! exactly once per connection, several connections per manager, deliveries following the
//! current assignment, atomic assignment and forced takeover, and answers to the asker only.

use serde_json::{Value, json};

use support_testkit::ws::{id, recv, recv_event, recv_type, send, silent};
use support_testkit::{SILENCE, TestServer, Ws};

/// Reads one `ticket.created` on every socket.
async fn drain_created(sockets: &mut [&mut Ws]) {
    for ws in sockets.iter_mut() {
        recv_type(ws, "ticket.created").await;
    }
}

#[tokio::test]
async fn ticket_created_reaches_every_connection_once() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;

    let ticket = s.create_ticket(1001, "have a prob").await;
    for ws in [&mut a1, &mut a2, &mut b] {
        let event = recv_event(ws).await;
        // Key order as in the original: type first, then the ticket as REST answered it (and
        // the extension `seq` last, removed here).
        assert_eq!(
            event.to_string(),
            json!({"type": "ticket.created", "ticket": ticket}).to_string()
        );
        silent(ws).await;
    }
}

#[tokio::test]
async fn deliveries_follow_the_current_assignment() {
    let s = TestServer::default_server().await;
    let (anna_id, anna) = s.manager("anna").await;
    let (boris_id, boris) = s.manager("boris").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;
    let ticket = s.create_ticket(1001, "help").await;
    let t = id(&ticket);
    drain_created(&mut [&mut a1, &mut a2, &mut b]).await;

    // While unassigned, a user message reaches every manager, once per connection.
    let m0 = s.user_message(t, "anyone there?").await;
    for ws in [&mut a1, &mut a2, &mut b] {
        let e = recv_type(ws, "ticket.message.new").await;
        assert_eq!(e["message"], m0);
        silent(ws).await;
    }

    // Anna assigns from tab 1: every connection (hers and Boris's) learns it, once.
    send(&mut a1, json!({"type": "ticket.assign", "id": t})).await;
    for ws in [&mut a1, &mut a2, &mut b] {
        let mut e = recv_event(ws).await;
        // Extension: the holder with their names, after the original's keys.
        let holder = e.as_object_mut().unwrap().remove("manager").unwrap();
        assert_eq!(holder["id"], json!(anna_id));
        assert_eq!(holder["display_name"], "anna");
        assert_eq!(
            e.to_string(),
            json!({"type": "ticket.assigned", "id": t, "support_manager": anna_id}).to_string()
        );
        silent(ws).await;
    }
    assert_eq!(s.ticket(t).await["support_manager"]["id"], json!(anna_id));

    // A user message now reaches both of Anna's tabs (also the one that did not assign, B6),
    // and a tab she opens after the assignment; Boris gets nothing.
    let mut a3 = s.manager_ws(&anna).await;
    let m1 = s.user_message(t, "still broken").await;
    for ws in [&mut a1, &mut a2, &mut a3] {
        let e = recv_type(ws, "ticket.message.new").await;
        assert_eq!(e["message"], m1);
        silent(ws).await;
    }
    silent(&mut b).await;

    // Boris cannot take it without force.
    send(&mut b, json!({"type": "ticket.assign", "id": t})).await;
    let e = recv_type(&mut b, "error").await;
    assert_eq!(e["code"], "already_assigned");
    assert_eq!(e["request"], "ticket.assign");
    silent(&mut b).await;
    silent(&mut a1).await;
    assert_eq!(s.ticket(t).await["support_manager"]["id"], json!(anna_id));

    // With force he takes it over (`ticket_id` spelling accepted); everyone learns it.
    send(
        &mut b,
        json!({"type": "ticket.assign", "ticket_id": t, "force": true}),
    )
    .await;
    for ws in [&mut a1, &mut a2, &mut a3, &mut b] {
        let e = recv_type(ws, "ticket.assigned").await;
        assert_eq!(e["support_manager"], json!(boris_id));
        silent(ws).await;
    }
    assert_eq!(s.ticket(t).await["support_manager"]["id"], json!(boris_id));

    // Deliveries now follow Boris: the previous assignee's tabs get nothing (B6).
    let m2 = s.user_message(t, "hello again").await;
    let e = recv_type(&mut b, "ticket.message.new").await;
    assert_eq!(e["message"], m2);
    silent(&mut b).await;
    for ws in [&mut a1, &mut a2, &mut a3] {
        silent(ws).await;
    }
}

#[tokio::test]
async fn a_manager_reply_is_stored_once_and_delivered_once_per_connection() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;
    let t = id(&s.create_ticket(1001, "help").await);
    drain_created(&mut [&mut a1, &mut a2, &mut b]).await;
    send(&mut a1, json!({"type": "ticket.assign", "id": t})).await;
    for ws in [&mut a1, &mut a2, &mut b] {
        recv_type(ws, "ticket.assigned").await;
    }

    // Text is trimmed and the number coerced, as over REST.
    send(
        &mut a1,
        json!({"type": "ticket.message.new", "ticket_id": t.to_string(), "text": "  on it  "}),
    )
    .await;
    let mut seen = Vec::new();
    for ws in [&mut a1, &mut a2] {
        let e = recv_type(ws, "ticket.message.new").await;
        seen.push(e["message"].clone());
        // Exactly once (the original delivers twice, B1).
        silent(ws).await;
    }
    silent(&mut b).await;
    assert_eq!(seen[0], seen[1]);
    let m = &seen[0];
    assert_eq!(m["sender"], "supp");
    assert_eq!(m["viewed"], true);
    assert_eq!(m["text"], "on it");
    assert_eq!(m["ticket"], json!(t));
    let stored = s.messages(t).await;
    assert_eq!(stored, json!([m]), "stored once");
}

#[tokio::test]
async fn others_may_not_post_to_or_mark_an_assigned_ticket_but_may_on_an_unassigned_one() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let mut a = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;
    let held = id(&s.create_ticket(1001, "held").await);
    let open = id(&s.create_ticket(1002, "open").await);
    drain_created(&mut [&mut a, &mut b]).await;
    drain_created(&mut [&mut a, &mut b]).await;
    send(&mut a, json!({"type": "ticket.assign", "id": held})).await;
    recv_type(&mut a, "ticket.assigned").await;
    recv_type(&mut b, "ticket.assigned").await;
    let user_msg = s.user_message(held, "hi").await;
    recv_type(&mut a, "ticket.message.new").await;
    let before = s.messages(held).await;

    send(
        &mut b,
        json!({"type": "ticket.message.new", "ticket_id": held, "text": "me too"}),
    )
    .await;
    let e = recv_type(&mut b, "error").await;
    assert_eq!(e["code"], "forbidden");
    assert_eq!(e["request"], "ticket.message.new");
    send(
        &mut b,
        json!({"type": "ticket.message.viewed", "ticket_id": held, "message_id": id(&user_msg)}),
    )
    .await;
    assert_eq!(recv_type(&mut b, "error").await["code"], "forbidden");
    silent(&mut a).await;
    assert_eq!(s.messages(held).await, before, "nothing changed");

    // An unassigned ticket: any manager may answer; every manager sees the reply.
    send(
        &mut b,
        json!({"type": "ticket.message.new", "ticket_id": open, "text": "from the queue"}),
    )
    .await;
    for ws in [&mut a, &mut b] {
        let e = recv_type(ws, "ticket.message.new").await;
        assert_eq!(e["message"]["text"], "from the queue");
        silent(ws).await;
    }
    assert_eq!(s.ticket(open).await["support_manager"], Value::Null);
}

#[tokio::test]
async fn viewed_is_stored_and_sent_to_the_tickets_audience() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;
    let t = id(&s.create_ticket(1001, "help").await);
    drain_created(&mut [&mut a1, &mut a2, &mut b]).await;
    send(&mut a1, json!({"type": "ticket.assign", "id": t})).await;
    for ws in [&mut a1, &mut a2, &mut b] {
        recv_type(ws, "ticket.assigned").await;
    }
    let m = s.user_message(t, "read me").await;
    for ws in [&mut a1, &mut a2] {
        recv_type(ws, "ticket.message.new").await;
    }
    send(
        &mut a2,
        json!({"type": "ticket.message.viewed", "ticket_id": t, "message_id": id(&m)}),
    )
    .await;
    let mut expected = m.clone();
    expected["viewed"] = json!(true);
    for ws in [&mut a1, &mut a2] {
        let e = recv_type(ws, "ticket.message.viewed").await;
        assert_eq!(e["message"], expected);
        silent(ws).await;
    }
    silent(&mut b).await;
    assert_eq!(s.messages(t).await, json!([expected]));
}

#[tokio::test]
async fn message_list_is_answered_to_the_asking_connection_only() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (_, boris) = s.manager("boris").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut b = s.manager_ws(&boris).await;
    let t = id(&s.create_ticket(1001, "help").await);
    drain_created(&mut [&mut a1, &mut a2, &mut b]).await;
    send(&mut a1, json!({"type": "ticket.assign", "id": t})).await;
    for ws in [&mut a1, &mut a2, &mut b] {
        recv_type(ws, "ticket.assigned").await;
    }
    for text in ["one", "two", "three"] {
        s.user_message(t, text).await;
        recv_type(&mut a1, "ticket.message.new").await;
        recv_type(&mut a2, "ticket.message.new").await;
    }
    let rest = s.messages(t).await;
    assert_eq!(rest[0]["text"], "three", "newest first");

    send(
        &mut a1,
        json!({"type": "ticket.message.list", "ticket_id": t}),
    )
    .await;
    let e = recv(&mut a1).await;
    assert_eq!(
        e.to_string(),
        json!({"type": "ticket.message.list", "ticket_id": t, "messages": rest}).to_string()
    );
    silent(&mut a2).await;
    silent(&mut b).await;

    // A manager who does not hold the ticket may read it too (as over REST); the holder gets
    // nothing unsolicited (B5).
    send(
        &mut b,
        json!({"type": "ticket.message.list", "ticket_id": t}),
    )
    .await;
    assert_eq!(
        recv_type(&mut b, "ticket.message.list").await["messages"],
        rest
    );
    silent(&mut a1).await;
    silent(&mut a2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_race_has_exactly_one_winner() {
    const RACERS: usize = 8;
    let s = TestServer::default_server().await;
    let mut managers = Vec::new();
    for i in 0..RACERS {
        let (mid, token) = s.manager(&format!("m{i}")).await;
        managers.push((mid, s.manager_ws(&token).await));
    }
    let t = id(&s.create_ticket(1001, "race").await);
    for (_, ws) in &mut managers {
        recv_type(ws, "ticket.created").await;
    }
    // Everyone asks at once.
    let frame = json!({"type": "ticket.assign", "id": t}).to_string();
    futures_util::future::join_all(managers.iter_mut().map(|(_, ws)| {
        let frame = frame.clone();
        async move {
            use futures_util::SinkExt;
            ws.send(tokio_tungstenite::tungstenite::Message::text(frame))
                .await
                .unwrap();
        }
    }))
    .await;

    let mut winners = Vec::new();
    let mut losers = 0;
    for (mid, ws) in &mut managers {
        // Each connection: exactly one `ticket.assigned`, plus its own error if it lost.
        let mut assigned = Vec::new();
        let mut errors = Vec::new();
        for _ in 0..2 {
            match tokio::time::timeout(SILENCE, recv(ws)).await {
                Ok(e) if e["type"] == "ticket.assigned" => assigned.push(e),
                Ok(e) if e["type"] == "error" => errors.push(e),
                Ok(e) => panic!("unexpected {e}"),
                Err(_) => break,
            }
        }
        assert_eq!(assigned.len(), 1, "manager {mid}: {assigned:?}");
        let winner = assigned[0]["support_manager"].as_i64().unwrap();
        winners.push(winner);
        if winner == mid.get() {
            assert!(errors.is_empty());
        } else {
            assert_eq!(errors.len(), 1, "manager {mid} lost and is told so");
            assert_eq!(errors[0]["code"], "already_assigned");
            losers += 1;
        }
        silent(ws).await;
    }
    winners.dedup();
    assert_eq!(winners.len(), 1, "everyone saw the same winner");
    assert_eq!(losers, RACERS - 1);
    assert_eq!(
        s.ticket(t).await["support_manager"]["id"],
        json!(winners[0])
    );
}
