//! Two server instances sharing storage and a broker \[S3\], \[W8\]: a manager connected to
//! instance A receives what happens on instance B (a ticket created, a message posted, an
//! assignment), the bot websocket on A gets replies written on B, and nothing arrives twice.
//!
//! Needs services, named by environment variables; without them each test prints a line and
//! returns, and with them set but unreachable it fails:
//! - `SUPPORT_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`): Postgres
//!   storage shared by both instances (a fresh schema per test) and the LISTEN/NOTIFY hub;
//! - `SUPPORT_TEST_REDIS_URL` (e.g. `redis://127.0.0.1:6379`): the Redis hub (a fresh channel per
//!   test); its storage is the shared Postgres schema when Postgres is configured too, else one
//!   `MemoryStorage` shared by both instances in this process.
#![cfg(any(feature = "postgres", feature = "redis"))]

use std::sync::Arc;

use serde_json::json;
use support_server::SupportServer;
use support_server::hub::{DEFAULT_CAPACITY, DynHub};
use support_server::storage::DynStorage;

use support_testkit::services::{postgres_url, redis_url};
use support_testkit::ws::{id, recv_event, recv_type, send, silent};
use support_testkit::{BOT_TOKEN, EVENT_WAIT, PgSchema, TestServer, unique};

/// Two instances over the given storages and hubs.
async fn instances(
    storage: (DynStorage, DynStorage),
    hub: (DynHub, DynHub),
) -> (TestServer, TestServer) {
    let build = |storage: DynStorage, hub: DynHub| {
        SupportServer::builder()
            .shared_storage(storage)
            .shared_hub(hub)
            .bot_token(BOT_TOKEN)
            .build()
    };
    let a = TestServer::start(build(storage.0, hub.0)).await;
    let b = TestServer::start(build(storage.1, hub.1)).await;
    (a, b)
}

/// The cross-instance scenario.
async fn scenario(a: &TestServer, b: &TestServer) {
    let (_, anna) = a.manager("anna").await;
    let (boris_id, boris) = b.manager("boris").await;
    let mut anna_ws = a.manager_ws(&anna).await;
    let mut boris_ws = b.manager_ws(&boris).await;
    let mut bot = a.bot_ws(None).await;

    // A ticket created on A reaches both, once.
    let ticket = a.create_ticket(1001, "across instances").await;
    let t = id(&ticket);
    for ws in [&mut anna_ws, &mut boris_ws] {
        assert_eq!(recv_type(ws, "ticket.created").await["ticket"], ticket);
        silent(ws).await;
    }

    // A message posted through B reaches Anna on A, once.
    let m = b.user_message(t, "posted on B").await;
    for ws in [&mut anna_ws, &mut boris_ws] {
        assert_eq!(recv_type(ws, "ticket.message.new").await["message"], m);
        silent(ws).await;
    }

    // An assignment made on B reaches A, once.
    send(&mut boris_ws, json!({"type": "ticket.assign", "id": t})).await;
    for ws in [&mut anna_ws, &mut boris_ws] {
        let mut e = recv_event(ws).await;
        assert_eq!(e["manager"]["id"], json!(boris_id));
        e.as_object_mut().unwrap().remove("manager");
        assert_eq!(
            e,
            json!({"type": "ticket.assigned", "id": t, "support_manager": boris_id})
        );
        silent(ws).await;
    }
    assert_eq!(a.ticket(t).await["support_manager"]["id"], json!(boris_id));

    // Now deliveries follow Boris, whichever instance the message came through. A 4,096
    // character Cyrillic text is ~8 KB of UTF-8: over Postgres' NOTIFY limit.
    let long = "я".repeat(4096);
    let m = a.user_message(t, &long).await;
    let e = recv_type(&mut boris_ws, "ticket.message.new").await;
    assert_eq!(e["message"], m);
    assert_eq!(e["message"]["text"].as_str().unwrap().chars().count(), 4096);
    silent(&mut boris_ws).await;
    silent(&mut anna_ws).await;

    // Boris's reply on B reaches the bot websocket on A, with its cursor, once.
    send(
        &mut boris_ws,
        json!({"type": "ticket.message.new", "ticket_id": t, "text": "reply from B"}),
    )
    .await;
    let mine = recv_type(&mut boris_ws, "ticket.message.new").await;
    let pushed = recv_type(&mut bot, "ticket.message.new").await;
    assert_eq!(pushed["message"], mine["message"]);
    assert_eq!(pushed["cursor"], mine["message"]["id"]);
    for ws in [&mut anna_ws, &mut boris_ws, &mut bot] {
        silent(ws).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_listen_notify_connects_two_instances() {
    use support_server::hub::PgHub;
    let Some(url) = postgres_url("postgres_listen_notify_connects_two_instances") else {
        return;
    };
    let schema = PgSchema::create_named(&url, "support_hub_test_").await;
    let channel = unique("support_events_");
    let (sa, sb) = (schema.storage().await, schema.storage().await);
    let ha = PgHub::connect(sa.pool().clone(), &channel, DEFAULT_CAPACITY)
        .await
        .unwrap();
    let hb = PgHub::connect(sb.pool().clone(), &channel, DEFAULT_CAPACITY)
        .await
        .unwrap();
    let (a, b) = instances((Arc::new(sa), Arc::new(sb)), (Arc::new(ha), Arc::new(hb))).await;
    scenario(&a, &b).await;
    drop((a, b));
    schema.drop().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_survives_a_lost_listener_connection() {
    use support_protocol::{ManagerId, ServerEvent, TicketAssigned, TicketId};
    use support_server::hub::{Audience, EventHub, HubEvent, PgHub};
    let Some(url) = postgres_url("postgres_hub_survives_a_lost_listener_connection") else {
        return;
    };
    let schema = PgSchema::create_named(&url, "support_hub_test_").await;
    let channel = unique("support_events_");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect_with(schema.options.clone())
        .await
        .unwrap();
    let hub = PgHub::connect(pool.clone(), &channel, DEFAULT_CAPACITY)
        .await
        .unwrap();
    let mut rx = hub.subscribe();
    let event = |n: i64| {
        HubEvent::new(
            Audience::AllManagers,
            ServerEvent::TicketAssigned(TicketAssigned {
                id: TicketId::new(n),
                support_manager: ManagerId::new(1),
                manager: None,
            }),
        )
    };
    let first = event(1);
    hub.publish(first.clone()).await.unwrap();
    let got = tokio::time::timeout(EVENT_WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    // The whole event, its publication time included, crosses the broker.
    assert_eq!(*got, first);
    assert!(got.published_at.is_some());

    // Kill the listening backend (its last statement is our LISTEN).
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1",
    )
    .bind(format!("LISTEN \"{channel}\""))
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(killed, [true]);
    // Publish until delivery resumes (events sent while it reconnects may be lost).
    let deadline = tokio::time::Instant::now() + EVENT_WAIT;
    let mut n = 2;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hub did not recover"
        );
        hub.publish(event(n)).await.unwrap();
        if let Ok(Ok(got)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await
        {
            assert!(matches!(&got.event, ServerEvent::TicketAssigned(e) if e.id.get() >= 2));
            break;
        }
        n += 1;
    }
    drop(hub);
    pool.close().await;
    schema.drop().await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_pubsub_connects_two_instances() {
    use support_server::hub::RedisHub;
    let Some(url) = redis_url("redis_pubsub_connects_two_instances") else {
        return;
    };
    let channel = unique("support:test:");
    let ha = RedisHub::connect(&url, &channel, DEFAULT_CAPACITY)
        .await
        .unwrap_or_else(|e| panic!("SUPPORT_TEST_REDIS_URL is set but {url} failed: {e}"));
    let hb = RedisHub::connect(&url, &channel, DEFAULT_CAPACITY)
        .await
        .unwrap();
    let hubs: (DynHub, DynHub) = (Arc::new(ha), Arc::new(hb));

    #[cfg(feature = "postgres")]
    if let Some(pg_url) = std::env::var("SUPPORT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let schema = PgSchema::create_named(&pg_url, "support_hub_test_").await;
        let (sa, sb) = (schema.storage().await, schema.storage().await);
        let (a, b) = instances((Arc::new(sa), Arc::new(sb)), hubs).await;
        scenario(&a, &b).await;
        drop((a, b));
        schema.drop().await;
        return;
    }
    println!("redis_pubsub_connects_two_instances: storage is one shared MemoryStorage");
    let shared: DynStorage = Arc::new(support_server::storage::MemoryStorage::new());
    let (a, b) = instances((shared.clone(), shared), hubs).await;
    scenario(&a, &b).await;
}
