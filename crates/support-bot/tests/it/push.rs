//! Push \[B8\]: manager replies reach the user's chat through the bot websocket's delivery mode,
//! each exactly once, with the server recording what happened.

use std::time::{Duration, Instant};

use crate::harness::*;
use support_bot::protocol::{DeliveryState, Message, TelegramId, Ticket};
use support_bot::{Languages, PushEnd, PushListener, SupportState};

const WAIT: Duration = Duration::from_secs(10);

struct Setup {
    h: Harness,
    ticket: Ticket,
}

async fn setup() -> Setup {
    init_tracing();
    let h = Harness::new().await;
    let ticket = h
        .client
        .create_ticket(TelegramId::new(USER), "Card <charged>", "help")
        .await
        .unwrap();
    Setup { h, ticket }
}

fn replies(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.method == "sendmessage" && !c.failed)
        .cloned()
        .collect()
}

fn attempts(calls: &[Call], text: &str) -> usize {
    calls
        .iter()
        .filter(|c| c.method == "sendmessage" && c.text().contains(text))
        .count()
}

/// The stored message, once its delivery is in `state` (within 30 s: a Telegram 5xx alone
/// costs 10, teloxide's wait before it returns one).
pub(crate) async fn delivered(h: &Harness, reply: &Message, state: DeliveryState) -> Message {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let messages = h.backend.stored_messages(reply.ticket.get()).await;
        let found = messages.into_iter().find(|m| m.id == reply.id).unwrap();
        if found.delivery.as_ref().is_some_and(|d| d.state == state) {
            return found;
        }
        assert!(Instant::now() < deadline, "no {state} delivery: {found:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_manager_reply_reaches_the_user_escaped_and_the_server_records_it_sent() {
    let s = setup().await;
    let task = tokio::spawn(s.h.push_listener().run());
    let started = Instant::now();
    let reply =
        s.h.backend
            .manager_reply(s.ticket.id, "<b>Refunded</b> & done")
            .await;
    let calls = s.h.tg.wait_for(WAIT, |c| !replies(c).is_empty()).await;
    let sent = replies(&calls).remove(0);
    assert!(sent.at.duration_since(started) < Duration::from_secs(1));
    assert_eq!(sent.chat_id(), USER);
    assert!(
        sent.text()
            .contains("&lt;b&gt;Refunded&lt;/b&gt; &amp; done"),
        "{}",
        sent.text()
    );
    assert!(sent.text().contains("Card &lt;charged&gt;"));
    assert!(sent.text().contains("просто напишите"), "{}", sent.text());
    assert_eq!(sent.body["parse_mode"], "HTML");
    assert_eq!(sent.callback_data(), [format!("sup:t:{}:0", s.ticket.id)]);
    let stored = delivered(&s.h, &reply, DeliveryState::Sent).await;
    let delivery = stored.delivery.unwrap();
    assert_eq!(delivery.telegram_message_id, Some(sent.message_id()));
    assert_eq!(delivery.attempts, 1);
    // The pushed ticket is now the user's current one.
    assert_eq!(
        s.h.state(USER).await,
        SupportState::ticket(s.ticket.id, false)
    );
    task.abort();
}

#[tokio::test]
async fn the_reply_is_in_the_users_language() {
    let s = setup().await;
    // The user's language reaches the server with their messages (the ticket's user carries
    // it), and the push picks the texts by it.
    s.h.client
        .send_message_with_language(s.ticket.id, "hello?", Some("en"))
        .await
        .unwrap();
    let listener = PushListener::new(
        s.h.tg.bot(),
        s.h.client.clone(),
        Languages::default(),
        s.h.storage.clone(),
    );
    let task = tokio::spawn(listener.run());
    s.h.backend.manager_reply(s.ticket.id, "hi").await;
    let calls = s.h.tg.wait_for(WAIT, |c| !replies(c).is_empty()).await;
    let sent = replies(&calls).remove(0);
    assert!(sent.text().contains("Support reply"), "{}", sent.text());
    assert_eq!(sent.button_labels(), ["Open ticket"]);
    task.abort();
}

#[tokio::test]
async fn a_long_reply_is_split() {
    let s = setup().await;
    let task = tokio::spawn(s.h.push_listener().run());
    // The server caps a reply at 4,096 characters, but HTML escaping grows it: 3,999 characters
    // of `a<b ` become about 7,000 on the wire to Telegram, so they must be split.
    let long: String = "a<b ".repeat(1000);
    let reply = s.h.backend.manager_reply(s.ticket.id, &long).await;
    s.h.tg.wait_for(WAIT, |c| replies(c).len() >= 2).await;
    delivered(&s.h, &reply, DeliveryState::Sent).await;
    let parts = replies(&s.h.tg.calls());
    assert_eq!(parts.len(), 2);
    assert!(
        parts
            .iter()
            .all(|p| p.text().encode_utf16().count() <= 4096)
    );
    assert!(parts[0].callback_data().is_empty());
    assert_eq!(parts[1].callback_data().len(), 1);
    let joined: String = parts.iter().map(|p| p.text()).collect();
    assert_eq!(joined.matches("a&lt;b").count(), 1000);
    task.abort();
}

#[tokio::test]
async fn replies_written_while_no_bot_runs_are_delivered_once_in_order_after_a_restart() {
    let s = setup().await;
    let first = tokio::spawn(s.h.push_listener().run());
    for i in 1..=3 {
        s.h.backend
            .manager_reply(s.ticket.id, &format!("reply {i}"))
            .await;
    }
    s.h.tg.wait_for(WAIT, |c| replies(c).len() >= 3).await;
    first.abort();
    let _ = first.await;

    // Replies while the bot is down: a fresh bot, with nothing on disk, gets them.
    for i in 4..=6 {
        s.h.backend
            .manager_reply(s.ticket.id, &format!("reply {i}"))
            .await;
    }
    let second = tokio::spawn(s.h.push_listener().run());
    let last = s.h.backend.manager_reply(s.ticket.id, "reply 7").await;
    s.h.tg.wait_for(WAIT, |c| replies(c).len() >= 7).await;
    delivered(&s.h, &last, DeliveryState::Sent).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.abort();

    let sent = replies(&s.h.tg.calls());
    let second_started = sent[3].at;
    let texts: Vec<&str> = sent
        .iter()
        .map(|c| c.text().split("\n\n").nth(1).unwrap_or_default())
        .collect();
    let expected: Vec<String> = (1..=7).map(|i| format!("reply {i}")).collect();
    assert_eq!(texts, expected);
    // One chat: at most one message a second (Telegram's limit) from one bot, measured on the
    // fake (the two processes do not share a pace).
    for pair in sent.windows(2).filter(|p| p[0].at >= second_started) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(950), "{gap:?}");
    }
}

#[tokio::test]
async fn a_telegram_500_then_200_delivers_once() {
    let s = setup().await;
    s.h.tg.inject("sendmessage", Inject::ServerError(500));
    let task = tokio::spawn(s.h.push_listener().run());
    let reply = s.h.backend.manager_reply(s.ticket.id, "after a 500").await;
    let stored = delivered(&s.h, &reply, DeliveryState::Sent).await;
    assert_eq!(stored.delivery.unwrap().attempts, 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = s.h.tg.calls();
    assert_eq!(
        attempts(&calls, "after a 500"),
        2,
        "one failure, one success"
    );
    assert_eq!(replies(&calls).len(), 1, "delivered once");
    task.abort();
}

#[tokio::test]
async fn a_429_waits_its_retry_after_and_delivers_once() {
    let s = setup().await;
    s.h.tg.inject("sendmessage", Inject::RetryAfter(1));
    let task = tokio::spawn(s.h.push_listener().run());
    let reply = s.h.backend.manager_reply(s.ticket.id, "after a wait").await;
    delivered(&s.h, &reply, DeliveryState::Sent).await;
    let sends: Vec<_> =
        s.h.tg
            .calls()
            .into_iter()
            .filter(|c| c.method == "sendmessage")
            .collect();
    assert_eq!(sends.len(), 2);
    assert!(sends[1].at.duration_since(sends[0].at) >= Duration::from_millis(950));
    task.abort();
}

#[tokio::test]
async fn a_user_who_blocked_the_bot_fails_the_reply_and_is_not_retried_until_they_write() {
    let s = setup().await;
    s.h.tg.inject("sendmessage", Inject::Blocked);
    let task = tokio::spawn(s.h.push_listener().run());
    let blocked =
        s.h.backend
            .manager_reply(s.ticket.id, "to a blocked chat")
            .await;
    let stored = delivered(&s.h, &blocked, DeliveryState::Failed).await;
    let delivery = stored.delivery.unwrap();
    assert_eq!(delivery.error_code, Some(403));
    assert!(delivery.error.unwrap().contains("blocked"));
    assert!(
        s.h.backend
            .stored_ticket(s.ticket.id.get())
            .await
            .user
            .blocked
    );
    // Later replies wait for the user.
    let waiting = s.h.backend.manager_reply(s.ticket.id, "waiting").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let calls = s.h.tg.calls();
    assert_eq!(
        attempts(&calls, "to a blocked chat"),
        1,
        "a 403 is not retried"
    );
    assert_eq!(attempts(&calls, "waiting"), 0);
    // The user writes again: unblocked, and the waiting reply goes out.
    s.h.client
        .send_message(s.ticket.id, "I unblocked you")
        .await
        .unwrap();
    delivered(&s.h, &waiting, DeliveryState::Sent).await;
    assert!(
        !s.h.backend
            .stored_ticket(s.ticket.id.get())
            .await
            .user
            .blocked
    );
    assert_eq!(attempts(&s.h.tg.calls(), "to a blocked chat"), 1);
    task.abort();
}

#[tokio::test]
async fn two_bot_replicas_send_each_reply_once() {
    let s = setup().await;
    let mut users = Vec::new();
    for n in 0..6 {
        let user = 5000 + n;
        let t =
            s.h.client
                .create_ticket(TelegramId::new(user), "replica", "x")
                .await
                .unwrap();
        users.push(t);
    }
    let a = tokio::spawn(s.h.push_listener().run());
    let b = tokio::spawn(s.h.push_listener().run());
    let mut last = None;
    for t in &users {
        for i in 0..2 {
            last = Some(
                s.h.backend
                    .manager_reply(t.id, &format!("r{i} to {}", t.id))
                    .await,
            );
        }
    }
    s.h.tg.wait_for(WAIT, |c| replies(c).len() >= 12).await;
    delivered(&s.h, &last.unwrap(), DeliveryState::Sent).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = replies(&s.h.tg.calls());
    assert_eq!(calls.len(), 12, "each reply once");
    for t in &users {
        for i in 0..2 {
            assert_eq!(attempts(&calls, &format!("r{i} to {}", t.id)), 1);
        }
    }
    a.abort();
    b.abort();
}

#[tokio::test]
async fn a_manager_resolving_the_ticket_is_told_to_the_user() {
    let s = setup().await;
    let task = tokio::spawn(s.h.push_listener().run());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, session) = s.h.backend.manager("closer").await;
    let response =
        s.h.backend
            .client()
            .patch(
                s.h.backend
                    .url(&format!("/support/tickets/{}/", s.ticket.id)),
            )
            .header("cookie", format!("support_session={session}"))
            .header("origin", s.h.backend.origin())
            .json(&serde_json::json!({"resolved": true}))
            .send()
            .await
            .unwrap();
    assert_eq!(response.status(), 200);
    let calls = s.h.tg.wait_for(WAIT, |c| !replies(c).is_empty()).await;
    let notice = replies(&calls).remove(0);
    assert_eq!(notice.chat_id(), USER);
    assert!(
        notice.text().contains(&format!("#{}", s.ticket.id)),
        "{}",
        notice.text()
    );
    assert!(
        notice
            .callback_data()
            .contains(&format!("sup:to:{}", s.ticket.id)),
        "{:?}",
        notice.callback_data()
    );
    // The user closing it themselves is not told back.
    s.h.set_resolved(s.ticket.id, false).await;
    s.h.set_resolved(s.ticket.id, true).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(replies(&s.h.tg.calls()).len(), 1);
    task.abort();
}

#[tokio::test]
async fn push_switches_off_against_a_server_without_the_bot_websocket() {
    init_tracing();
    let h = Harness::new().await;
    for (status, body) in [
        // A server without the route (a JSON 404 for unknown paths).
        (404, r#"{"detail": "Not found."}"#),
        // The Python original answers the upgrade with an HTML 500.
        (500, "<h1>Server Error (500)</h1>"),
    ] {
        let app = axum::Router::new().fallback(move || async move {
            (axum::http::StatusCode::from_u16(status).unwrap(), body)
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let push = PushListener::new(
            h.tg.bot(),
            client_for(addr),
            Languages::default(),
            h.storage.clone(),
        );
        let end = tokio::time::timeout(Duration::from_secs(5), push.run())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(end, PushEnd::Unsupported);
    }
}

#[tokio::test]
async fn a_wrong_token_stops_push_with_a_clear_error() {
    let s = setup().await;
    let config = support_bot::SupportConfig::builder()
        .host("127.0.0.1")
        .port(s.h.backend.addr.port())
        .token("wrong")
        .build()
        .unwrap();
    let client = support_bot::SupportClient::new(config).unwrap();
    let push = PushListener::new(
        s.h.tg.bot(),
        client,
        Languages::default(),
        s.h.storage.clone(),
    );
    let err = tokio::time::timeout(Duration::from_secs(5), push.run())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("BACKEND_TOKEN"), "{err}");
}

#[tokio::test]
async fn push_reconnects_after_the_server_comes_back() {
    init_tracing();
    // Reserve a port, start the bot first, then the server on that port.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let h = Harness::with_client(TestServer::default_server().await, client_for(addr)).await;
    let task = tokio::spawn(h.push_listener().run());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let backend = TestServer::sqlite_on(Some(addr)).await;
    let ticket = client_for(addr)
        .create_ticket(TelegramId::new(USER), "T", "x")
        .await
        .unwrap();
    backend.manager_reply(ticket.id, "you are back").await;
    h.tg.wait_for(WAIT, |c| replies(c).len() == 1).await;
    task.abort();
}
