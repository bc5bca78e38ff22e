//! The bot websocket's delivery mode: each pending reply offered to one bot connection, leased,
//! acknowledged, retried with backoff, given up, or waiting for a blocked user; the managers
//! see every change (`ticket.message.delivery`, `ticket.user.blocked`) and can retry a failed
//! reply over REST.

use std::time::Duration;

use serde_json::{Value, json};

use support_testkit::ws::{id, recv, recv_type, recv_until, send, silent};
use support_testkit::{TestServer, Ws};

/// A manager connection (the ticket is unassigned, so it sees every event of it) and its
/// session.
async fn manager(s: &TestServer, name: &str) -> (Ws, String) {
    let (_, session) = s.manager(name).await;
    (s.manager_ws(&session).await, session)
}

/// The test servers' policy with a 2-second lease, for the tests of its end.
fn short_lease() -> support_server::delivery::DeliveryPolicy {
    support_testkit::delivery_policy().lease(Duration::from_secs(2))
}

async fn reply(ws: &mut Ws, ticket: i64, text: &str) -> Value {
    send(
        ws,
        json!({"type": "ticket.message.new", "ticket_id": ticket, "text": text}),
    )
    .await;
    loop {
        let echo = recv_until(ws, "ticket.message.new").await;
        if echo["message"]["text"] == text {
            return echo["message"].clone();
        }
    }
}

/// The next offer: asserts its shape, returns (message id, attempt, ticket).
async fn offer(bot: &mut Ws) -> (i64, u64, Value) {
    let e = recv_type(bot, "delivery.offer").await;
    assert_eq!(e["message"]["sender"], "supp", "{e}");
    assert_eq!(e["message"]["delivery"]["state"], "pending", "{e}");
    assert_eq!(e["ticket"]["id"], e["message"]["ticket"], "{e}");
    (
        id(&e["message"]),
        e["attempt"].as_u64().expect("an attempt"),
        e["ticket"].clone(),
    )
}

async fn sent(bot: &mut Ws, message: i64, telegram_id: i64) {
    send(
        bot,
        json!({"type": "delivery.sent", "message_id": message, "telegram_message_id": telegram_id}),
    )
    .await;
}

async fn delivery_event(ws: &mut Ws) -> Value {
    recv_until(ws, "ticket.message.delivery").await["message"].clone()
}

async fn stored_delivery(s: &TestServer, ticket: i64, message: i64) -> Value {
    let messages = s.messages(ticket).await;
    messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| id(m) == message)
        .unwrap_or_else(|| panic!("message {message} in {messages}"))["delivery"]
        .clone()
}

#[tokio::test]
async fn a_reply_is_offered_with_its_ticket_and_its_acknowledgement_is_stored_and_shown() {
    let s = TestServer::sqlite().await;
    let t = id(&s.create_ticket(1001, "push").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut bot = s.delivery_ws().await;
    let r = reply(&mut anna, t, "hello from support").await;
    assert_eq!(r["delivery"]["state"], "pending", "{r}");
    assert_eq!(r["delivery"]["attempts"], 0);

    let (offered, attempt, ticket) = offer(&mut bot).await;
    assert_eq!((offered, attempt), (id(&r), 1));
    assert_eq!(ticket["user"]["telegram_id"], 1001);
    sent(&mut bot, offered, 555).await;

    let shown = delivery_event(&mut anna).await;
    assert_eq!(id(&shown), id(&r));
    assert_eq!(shown["delivery"]["state"], "sent", "{shown}");
    assert_eq!(shown["delivery"]["telegram_message_id"], 555);
    let stored = stored_delivery(&s, t, id(&r)).await;
    assert_eq!(stored["state"], "sent");
    // A repeated acknowledgement changes nothing and announces nothing.
    sent(&mut bot, offered, 556).await;
    silent(&mut anna).await;
    assert_eq!(
        stored_delivery(&s, t, id(&r)).await["telegram_message_id"],
        555
    );
    silent(&mut bot).await;
}

#[tokio::test]
async fn a_bot_that_connects_later_gets_every_pending_reply_oldest_first_and_nothing_twice() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "offline").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id(&reply(&mut anna, t, &format!("reply {i}")).await));
    }
    let mut bot = s.delivery_ws().await;
    let mut offered = Vec::new();
    for _ in 0..5 {
        offered.push(offer(&mut bot).await.0);
    }
    assert_eq!(offered, ids);
    for m in &ids {
        sent(&mut bot, *m, 1000 + m).await;
    }
    // A second bot connection (a replica) gets none of them.
    let mut replica = s.delivery_ws().await;
    silent(&mut replica).await;
    silent(&mut bot).await;
}

#[tokio::test]
async fn an_unacknowledged_reply_is_offered_again_only_when_its_lease_ends() {
    let s = TestServer::with_delivery(short_lease()).await;
    let t = id(&s.create_ticket(1001, "crash").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut first = s.delivery_ws().await;
    let mut second = s.delivery_ws().await;
    let r = id(&reply(&mut anna, t, "in flight").await);
    // Offered to exactly one of the two connections.
    let (got_first, mut holder, mut other) = tokio::select! {
        e = recv(&mut first) => (e, first, second),
        e = recv(&mut second) => (e, second, first),
    };
    assert_eq!(got_first["type"], "delivery.offer");
    assert_eq!(id(&got_first["message"]), r);
    silent(&mut other).await;
    // The holder dies without reporting: after the lease (2 s here) the other
    // connection gets it, as attempt 2.
    drop(holder.close(None).await);
    let again = tokio::time::timeout(Duration::from_secs(5), offer(&mut other))
        .await
        .expect("offered again after the lease");
    assert_eq!((again.0, again.1), (r, 2));
    sent(&mut other, r, 9).await;
    assert_eq!(delivery_event(&mut anna).await["delivery"]["state"], "sent");
    holder = s.delivery_ws().await;
    silent(&mut holder).await;
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff_then_given_up_with_the_reason() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "flaky").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut bot = s.delivery_ws().await;
    let r = id(&reply(&mut anna, t, "retry me").await);
    // A 500, then the retry (200 ms later in the test servers) succeeds: delivered once.
    let (m, attempt, _) = offer(&mut bot).await;
    assert_eq!((m, attempt), (r, 1));
    send(
        &mut bot,
        json!({"type": "delivery.failed", "message_id": r, "kind": "transient",
               "error_code": 500, "error": "Internal Server Error"}),
    )
    .await;
    let pending = delivery_event(&mut anna).await;
    assert_eq!(pending["delivery"]["state"], "pending");
    assert_eq!(pending["delivery"]["error_code"], 500);
    let (m, attempt, _) = offer(&mut bot).await;
    assert_eq!((m, attempt), (r, 2));
    sent(&mut bot, r, 42).await;
    let done = delivery_event(&mut anna).await;
    assert_eq!(done["delivery"]["state"], "sent");
    assert!(done["delivery"].get("error").is_none(), "{done}");

    // Another reply fails every time: given up after max_attempts (6), with the last reason.
    let r2 = id(&reply(&mut anna, t, "never").await);
    for n in 1..=6 {
        let (m, attempt, _) = offer(&mut bot).await;
        assert_eq!((m, attempt), (r2, n));
        send(
            &mut bot,
            json!({"type": "delivery.failed", "message_id": r2, "kind": "transient",
                   "error": "connection reset"}),
        )
        .await;
    }
    let failed = loop {
        let e = delivery_event(&mut anna).await;
        if e["delivery"]["state"] == "failed" {
            break e;
        }
    };
    assert_eq!(failed["delivery"]["error"], "connection reset");
    assert_eq!(failed["delivery"]["attempts"], 6);
    silent(&mut bot).await;

    // A manager retries it: pending with no attempts, offered again.
    let (_, session) = s.manager("boris").await;
    let retried: Value = s
        .client()
        .post(s.url(&format!("/support/tickets/{t}/messages/{r2}/retry/")))
        .header("cookie", format!("support_session={session}"))
        .header("origin", s.origin())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retried["delivery"]["state"], "pending", "{retried}");
    assert_eq!(retried["delivery"]["attempts"], 0);
    let (m, attempt, _) = offer(&mut bot).await;
    assert_eq!((m, attempt), (r2, 1));
}

#[tokio::test]
async fn a_blocked_user_fails_the_reply_marks_the_user_and_waits_until_they_write() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(2002, "blocked").await);
    let (mut anna, session) = manager(&s, "anna").await;
    let mut bot = s.delivery_ws().await;
    let r1 = id(&reply(&mut anna, t, "first").await);
    let (m, _, _) = offer(&mut bot).await;
    assert_eq!(m, r1);
    send(
        &mut bot,
        json!({"type": "delivery.failed", "message_id": r1, "kind": "blocked",
               "error_code": 403, "error": "Forbidden: bot was blocked by the user"}),
    )
    .await;
    let blocked = recv_until(&mut anna, "ticket.user.blocked").await;
    assert_eq!(
        blocked["user"],
        json!({"telegram_id": 2002, "blocked": true})
    );
    let failed = delivery_event(&mut anna).await;
    assert_eq!(failed["delivery"]["state"], "failed");
    assert_eq!(failed["delivery"]["error_code"], 403);
    assert_eq!(s.ticket(t).await["user"]["blocked"], true);

    // Later replies wait: not offered while the user is blocked.
    let r2 = id(&reply(&mut anna, t, "second").await);
    silent(&mut bot).await;
    // The user writes again (through the bot, with their language): unblocked, the waiting
    // reply goes out; the failed one stays failed until a manager retries it.
    let written = s
        .bot(
            reqwest::Method::POST,
            &format!("/support/tickets/{t}/messages/"),
        )
        .json(&json!({"text": "I am back", "language_code": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    // The new language first (extension `ticket.user.updated`), then the unblock, each with
    // the user as now stored.
    let updated = recv_until(&mut anna, "ticket.user.updated").await;
    assert_eq!(
        updated["user"],
        json!({"telegram_id": 2002, "language_code": "en"})
    );
    let unblocked = recv_until(&mut anna, "ticket.user.blocked").await;
    assert_eq!(
        unblocked["user"],
        json!({"telegram_id": 2002, "language_code": "en", "blocked": false})
    );
    let (m, _, ticket) = offer(&mut bot).await;
    assert_eq!(m, r2);
    assert_eq!(
        ticket["user"],
        json!({"telegram_id": 2002, "language_code": "en"})
    );
    assert_eq!(stored_delivery(&s, t, r1).await["state"], "failed");

    // Retry over REST: 409 for a reply that is not failed, 404 for another ticket's message or
    // an unknown one, 403 for the bot.
    let other = id(&s.create_ticket(3003, "other").await);
    for (path, status) in [
        (format!("/support/tickets/{t}/messages/{r2}/retry/"), 409),
        (
            format!("/support/tickets/{other}/messages/{r1}/retry/"),
            404,
        ),
        (format!("/support/tickets/{t}/messages/999999/retry/"), 404),
        (format!("/support/tickets/{t}/messages/abc/retry/"), 404),
        (format!("/support/tickets/{t}/messages/{r1}/retry"), 200),
    ] {
        let response = s
            .client()
            .post(s.url(&path))
            .header("cookie", format!("support_session={session}"))
            .header("origin", s.origin())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(body.is_object(), "{path}: {body}");
    }
    let by_bot = s
        .bot(
            reqwest::Method::POST,
            &format!("/support/tickets/{t}/messages/{r1}/retry/"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_bot.status(), 403);
}

#[tokio::test]
async fn bad_reports_get_error_events_and_the_connection_stays_open() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "bad").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut bot = s.delivery_ws().await;
    for (frame, code) in [
        (json!("not an object"), "invalid_json"),
        (
            json!({"type": "delivery.sent", "message_id": "x"}),
            "invalid_field",
        ),
        (
            json!({"type": "delivery.failed", "message_id": 1, "kind": "bored"}),
            "invalid_field",
        ),
        (json!({"type": "delivery.later"}), "unknown_type"),
        (
            json!({"type": "delivery.sent", "message_id": 99999, "telegram_message_id": 1}),
            "not_found",
        ),
    ] {
        send(&mut bot, frame.clone()).await;
        let e = recv_type(&mut bot, "error").await;
        assert_eq!(e["code"], code, "{frame} -> {e}");
    }
    // A user message is no reply: not_found too.
    let user = s.user_message(t, "hi").await;
    send(
        &mut bot,
        json!({"type": "delivery.sent", "message_id": id(&user), "telegram_message_id": 1}),
    )
    .await;
    assert_eq!(recv_type(&mut bot, "error").await["code"], "not_found");
    // Still working.
    let r = id(&reply(&mut anna, t, "still here").await);
    assert_eq!(offer(&mut bot).await.0, r);
}

#[tokio::test]
async fn a_bad_mode_is_a_json_400_and_the_cursor_mode_is_unchanged() {
    let s = TestServer::default_server().await;
    let (status, body) = support_testkit::ws::refused(
        &s.ws_url("/ws/support/bot/?delivery=maybe"),
        &[(
            "authorization",
            format!("Bearer {}", support_testkit::BOT_TOKEN),
        )],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["delivery"][0], "Must be 1 or 0.");
    // The cursor stream still carries replies (now with their delivery).
    let t = id(&s.create_ticket(1001, "cursor").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut old_bot = s.bot_ws(None).await;
    let r = reply(&mut anna, t, "old protocol").await;
    let e = recv_type(&mut old_bot, "ticket.message.new").await;
    assert_eq!(e["cursor"], id(&r));
}

#[tokio::test]
async fn a_bot_that_dies_during_the_telegram_call_leaves_the_reply_failed_unconfirmed_not_sent_twice()
 {
    let s = TestServer::with_delivery(short_lease()).await;
    let t = id(&s.create_ticket(1001, "mid-call").await);
    let (mut anna, _) = manager(&s, "anna").await;
    let mut a = s.delivery_ws().await;
    let r = id(&reply(&mut anna, t, "maybe sent").await);
    assert_eq!(offer(&mut a).await.0, r);
    // Another connection may not announce it: the lease is a's.
    let mut b = s.delivery_ws().await;
    send(&mut b, json!({"type": "delivery.sending", "message_id": r})).await;
    let refused = recv_type(&mut b, "delivery.proceed").await;
    assert_eq!(
        refused,
        json!({"type": "delivery.proceed", "message_id": r, "proceed": false})
    );
    // a announces it and dies during the Telegram call.
    send(&mut a, json!({"type": "delivery.sending", "message_id": r})).await;
    let go = recv_type(&mut a, "delivery.proceed").await;
    assert_eq!(go["proceed"], true);
    drop(a);
    // After the lease (2 s here): failed as unconfirmed, and never offered again.
    let failed = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            let m = delivery_event(&mut anna).await;
            if m["delivery"]["state"] == "failed" {
                return m;
            }
        }
    })
    .await
    .expect("marked failed after the lease");
    assert!(
        failed["delivery"]["error"]
            .as_str()
            .unwrap()
            .starts_with("Unconfirmed"),
        "{failed}"
    );
    assert!(failed["delivery"].get("error_code").is_none());
    silent(&mut b).await;
}

#[tokio::test]
async fn a_managers_resolution_goes_to_one_bot_connection_and_the_users_own_to_none() {
    let s = TestServer::default_server().await;
    let t = id(&s.create_ticket(1001, "resolve").await);
    let (_, session) = s.manager("anna").await;
    let mut a = s.delivery_ws().await;
    let mut b = s.delivery_ws().await;
    let patch = |resolved: bool| {
        s.client()
            .patch(s.url(&format!("/support/tickets/{t}/")))
            .header("cookie", format!("support_session={session}"))
            .header("origin", s.origin())
            .json(&json!({ "resolved": resolved }))
            .send()
    };
    assert_eq!(patch(true).await.unwrap().status(), 200);
    let told = tokio::select! {
        e = recv(&mut a) => { silent(&mut b).await; e }
        e = recv(&mut b) => { silent(&mut a).await; e }
    };
    assert_eq!(told["type"], "ticket.updated");
    assert_eq!(told["resolved_by"], "supp");
    assert_eq!(told["ticket"]["resolved"], true);
    // The user reopens it through the bot: nobody is told (they know); a manager's resolve
    // after that is told again.
    let by_bot = s
        .bot(reqwest::Method::PATCH, &format!("/support/tickets/{t}/"))
        .json(&json!({"resolved": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_bot.status(), 200);
    silent(&mut a).await;
    silent(&mut b).await;
    assert_eq!(patch(true).await.unwrap().status(), 200);
    let again = tokio::select! {
        e = recv(&mut a) => e,
        e = recv(&mut b) => e,
    };
    assert_eq!(again["ticket"]["resolved"], true);
}
