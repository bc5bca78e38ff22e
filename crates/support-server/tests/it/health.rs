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
