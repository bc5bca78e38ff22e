//! `/healthz` and `/readyz`: opt-in, 200 on a live server, 503 naming the storage once it is
//! closed.

use std::sync::Arc;

use serde_json::{Value, json};
use support_server::SupportServer;
use support_server::storage::{DynStorage, SqliteStorage};
use support_testkit::TestServer;

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = server.client.get(server.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let body = if status == 404 {
        Value::Null
    } else {
        response.json().await.unwrap()
    };
    (status, body)
}

#[tokio::test]
async fn health_is_off_unless_asked_for() {
    let server = TestServer::default_server().await;
    assert_eq!(get(&server, "/healthz").await.0, 404);
    assert_eq!(get(&server, "/readyz").await.0, 404);
    // Metrics too (a host opts in with `metrics(handle)`).
    assert_eq!(get(&server, "/metrics").await.0, 404);
}

/// Asked to, `/readyz` waits for a bot on the bot websocket (either mode), and fails again
/// once the last one leaves.
#[tokio::test]
async fn readyz_can_require_a_connected_bot() {
    let server = TestServer::start(
        SupportServer::builder()
            .health(true)
            .ready_requires_bot(true)
            .bot_token(support_testkit::BOT_TOKEN)
            .build(),
    )
    .await;
    let unready = json!({
        "status": "unavailable",
        "failing": ["bot"],
        "checks": {"storage": "ok", "hub": "ok", "bot": "unavailable"}
    });
    assert_eq!(get(&server, "/readyz").await, (503, unready.clone()));
    for delivery_mode in [true, false] {
        let bot = if delivery_mode {
            server.delivery_ws().await
        } else {
            server.bot_ws(None).await
        };
        ready_becomes(&server, 200).await;
        drop(bot);
        ready_becomes(&server, 503).await;
    }
    assert_eq!(get(&server, "/readyz").await, (503, unready));
}

/// `/readyz` until it answers `status` (a socket is counted once its task runs, just after the
/// handshake; and uncounted once the server notices the close).
async fn ready_becomes(server: &TestServer, status: u16) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (got, body) = get(server, "/readyz").await;
        if got == status {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{got} {body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_live_server_is_healthy_and_ready() {
    let server = TestServer::start(SupportServer::builder().health(true).build()).await;
    assert_eq!(
        get(&server, "/healthz").await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        get(&server, "/readyz").await,
        (
            200,
            json!({"status": "ok", "checks": {"storage": "ok", "hub": "ok"}})
        )
    );
}

#[tokio::test]
async fn readyz_names_a_closed_storage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("support.db");
    let storage: DynStorage = Arc::new(SqliteStorage::open(db.to_str().unwrap()).await.unwrap());
    let server = TestServer::start(
        SupportServer::builder()
            .shared_storage(storage.clone())
            .health(true)
            .build(),
    )
    .await;
    assert_eq!(get(&server, "/readyz").await.0, 200);

    storage.close().await;
    assert_eq!(
        get(&server, "/readyz").await,
        (
            503,
            json!({
                "status": "unavailable",
                "failing": ["storage"],
                "checks": {"storage": "unavailable", "hub": "ok"},
            })
        )
    );
    // The process is still up.
    assert_eq!(get(&server, "/healthz").await.0, 200);
}

/// Postgres storage and hub on a schema of their own; once the schema is dropped, both fail.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn readyz_names_a_dropped_postgres_schema() {
    use support_server::hub::{DEFAULT_CAPACITY, PgHub};
    let Some(url) =
        support_testkit::services::postgres_url("readyz_names_a_dropped_postgres_schema")
    else {
        return;
    };
    let schema = support_testkit::PgSchema::create_named(&url, "support_health_").await;
    let storage = schema.storage().await;
    let hub = PgHub::connect(
        storage.pool().clone(),
        &support_testkit::unique("support_health_"),
        DEFAULT_CAPACITY,
    )
    .await
    .unwrap();
    let server = TestServer::start(
        SupportServer::builder()
            .storage(storage)
            .hub(hub)
            .health(true)
            .build(),
    )
    .await;
    assert_eq!(get(&server, "/readyz").await.0, 200);

    schema.drop().await;
    assert_eq!(
        get(&server, "/readyz").await,
        (
            503,
            json!({
                "status": "unavailable",
                "failing": ["storage", "hub"],
                "checks": {"storage": "unavailable", "hub": "unavailable"},
            })
        )
    );
}

/// The Redis hub answers its `PING`.
#[cfg(feature = "redis")]
#[tokio::test]
async fn readyz_checks_a_redis_hub() {
    use support_server::hub::{DEFAULT_CAPACITY, RedisHub};
    let Some(url) = support_testkit::services::redis_url("readyz_checks_a_redis_hub") else {
        return;
    };
    let hub = RedisHub::connect(
        &url,
        &support_testkit::unique("support_health_"),
        DEFAULT_CAPACITY,
    )
    .await
    .unwrap();
    let server = TestServer::start(SupportServer::builder().hub(hub).health(true).build()).await;
    assert_eq!(
        get(&server, "/readyz").await,
        (
            200,
            json!({"status": "ok", "checks": {"storage": "ok", "hub": "ok"}})
        )
    );
}
