//! Push \[B8\]: manager replies reach the user's chat through the bot websocket.

use std::time::{Duration, Instant};

use crate::harness::*;
use support_bot::protocol::{TelegramId, Ticket};
use support_bot::{CursorStore, FileCursorStore, MemoryCursorStore, PushEnd, PushListener, Texts};

const WAIT: Duration = Duration::from_secs(10);

struct Setup {
    backend: TestServer,
    tg: FakeTelegram,
    ticket: Ticket,
}

async fn setup() -> Setup {
    init_tracing();
    let backend = TestServer::sqlite().await;
    let tg = FakeTelegram::start().await;
    let ticket = client_for(backend.addr)
        .create_ticket(TelegramId::new(USER), "Card <charged>", "help")
        .await
        .unwrap();
    Setup {
        backend,
        tg,
        ticket,
    }
}

fn listener(s: &Setup, store: impl CursorStore + 'static) -> PushListener {
    PushListener::new(
        s.tg.bot(),
        client_for(s.backend.addr),
        Texts::default(),
        store,
    )
    .backoff(Duration::from_millis(50), Duration::from_millis(200))
}

fn replies(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.method == "sendmessage" && !c.failed)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_manager_reply_reaches_the_user_within_a_second_escaped() {
    let s = setup().await;
    let store = MemoryCursorStore::new();
    // Start from the beginning of the stream, so the test does not race the connection.
    store.save(0).await.unwrap();
    let task = tokio::spawn(listener(&s, store.clone()).run());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let reply = s
        .backend
        .manager_reply(s.ticket.id, "<b>Refunded</b> & done")
        .await;
    let calls = s.tg.wait_for(WAIT, |c| !replies(c).is_empty()).await;
    let delivered = replies(&calls).remove(0);
    assert!(delivered.at.duration_since(started) < Duration::from_secs(1));
    assert_eq!(delivered.chat_id(), USER);
    assert!(
        delivered
            .text()
            .contains("&lt;b&gt;Refunded&lt;/b&gt; &amp; done"),
        "{}",
        delivered.text()
    );
    assert!(delivered.text().contains("Card &lt;charged&gt;"));
    assert_eq!(delivered.body["parse_mode"], "HTML");
    assert_eq!(
        delivered.callback_data(),
        [format!("sup:t:{}:0", s.ticket.id)]
    );
    // The cursor moves only after the delivery.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(store.get(), Some(reply.id.get() as u64));
    task.abort();
}

#[tokio::test]
async fn a_long_reply_is_split() {
    let s = setup().await;
    let store = MemoryCursorStore::new();
    store.save(0).await.unwrap();
    let task = tokio::spawn(listener(&s, store).run());
    // The server caps a reply at 4,096 characters, but HTML escaping grows it: 3,999 characters
    // of `a<b ` become about 7,000 on the wire to Telegram, so they must be split.
    let long: String = "a<b ".repeat(1000);
    s.backend.manager_reply(s.ticket.id, &long).await;
    let calls = s.tg.wait_for(WAIT, |c| replies(c).len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let parts = replies(&s.tg.calls());
    assert_eq!(parts.len(), 2, "{calls:#?}");
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
async fn a_restart_mid_stream_loses_and_repeats_nothing() {
    let s = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("push.cursor");
    FileCursorStore::new(&path).save(0).await.unwrap();

    let first = tokio::spawn(listener(&s, FileCursorStore::new(&path)).run());
    for i in 1..=3 {
        s.backend
            .manager_reply(s.ticket.id, &format!("reply {i}"))
            .await;
    }
    s.tg.wait_for(WAIT, |c| replies(c).len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    first.abort();
    let _ = first.await;

    // Replies while the bot is down.
    for i in 4..=6 {
        s.backend
            .manager_reply(s.ticket.id, &format!("reply {i}"))
            .await;
    }
    let second = tokio::spawn(listener(&s, FileCursorStore::new(&path)).run());
    for i in 7..=8 {
        s.backend
            .manager_reply(s.ticket.id, &format!("reply {i}"))
            .await;
    }
    s.tg.wait_for(WAIT, |c| replies(c).len() >= 8).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.abort();

    let texts: Vec<String> = replies(&s.tg.calls())
        .iter()
        .map(|c| c.text().rsplit('\n').next().unwrap_or("").to_owned())
        .collect();
    let expected: Vec<String> = (1..=8).map(|i| format!("reply {i}")).collect();
    assert_eq!(texts, expected);
}

#[tokio::test]
async fn telegram_failures_during_push() {
    let s = setup().await;
    let store = MemoryCursorStore::new();
    store.save(0).await.unwrap();
    // A 429 is waited out and the reply still arrives once.
    s.tg.inject("sendmessage", Inject::RetryAfter(1));
    let task = tokio::spawn(listener(&s, store.clone()).run());
    s.backend.manager_reply(s.ticket.id, "after a wait").await;
    s.tg.wait_for(WAIT, |c| replies(c).len() == 1).await;
    let sends: Vec<_> =
        s.tg.calls()
            .into_iter()
            .filter(|c| c.method == "sendmessage")
            .collect();
    assert_eq!(sends.len(), 2);
    assert!(sends[1].at.duration_since(sends[0].at) >= Duration::from_millis(950));

    // A blocked user: logged, skipped, and the stream goes on.
    s.tg.inject("sendmessage", Inject::Blocked);
    let blocked = s
        .backend
        .manager_reply(s.ticket.id, "to a blocked chat")
        .await;
    let next = s.backend.manager_reply(s.ticket.id, "next").await;
    s.tg.wait_for(WAIT, |c| replies(c).len() == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let attempts =
        s.tg.calls()
            .into_iter()
            .filter(|c| c.method == "sendmessage" && c.text().contains("blocked chat"))
            .count();
    assert_eq!(attempts, 1, "a 403 must not be retried");
    assert!(blocked.id < next.id);
    assert_eq!(store.get(), Some(next.id.get() as u64));
    task.abort();
}

#[tokio::test]
async fn push_switches_off_against_a_server_without_the_bot_websocket() {
    init_tracing();
    // A server without the route (a JSON 404 for unknown paths).
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"detail": "Not found."})),
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let no_push_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let tg = FakeTelegram::start().await;
    let push = PushListener::new(
        tg.bot(),
        client_for(no_push_addr),
        Texts::default(),
        MemoryCursorStore::new(),
    );
    let end = tokio::time::timeout(Duration::from_secs(5), push.run())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(end, PushEnd::Unsupported);

    // The Python original answers the upgrade with an HTML 500.
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "<h1>Server Error (500)</h1>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let push = PushListener::new(
        tg.bot(),
        client_for(addr),
        Texts::default(),
        MemoryCursorStore::new(),
    );
    let end = tokio::time::timeout(Duration::from_secs(5), push.run())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(end, PushEnd::Unsupported);
}

#[tokio::test]
async fn a_wrong_token_stops_push_with_a_clear_error() {
    let s = setup().await;
    let config = support_bot::SupportConfig::builder()
        .host("127.0.0.1")
        .port(s.backend.addr.port())
        .token("wrong")
        .build()
        .unwrap();
    let client = support_bot::SupportClient::new(config).unwrap();
    let push = PushListener::new(
        s.tg.bot(),
        client,
        Texts::default(),
        MemoryCursorStore::new(),
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
    let tg = FakeTelegram::start().await;
    // Reserve a port, start the bot first, then the server on that port.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let store = MemoryCursorStore::new();
    store.save(0).await.unwrap();
    let push = PushListener::new(tg.bot(), client_for(addr), Texts::default(), store)
        .backoff(Duration::from_millis(50), Duration::from_millis(200));
    let task = tokio::spawn(push.run());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let backend = TestServer::sqlite_on(Some(addr)).await;
    let ticket = client_for(addr)
        .create_ticket(TelegramId::new(USER), "T", "x")
        .await
        .unwrap();
    backend.manager_reply(ticket.id, "you are back").await;
    tg.wait_for(WAIT, |c| replies(c).len() == 1).await;
    task.abort();
}
