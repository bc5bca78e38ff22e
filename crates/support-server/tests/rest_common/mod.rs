//! Shared helpers of the REST tests: a real server on loopback, reqwest clients.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;

use support_server::SupportServer;
use support_server::storage::DynStorage;

/// The bot token every REST test server accepts.
pub const BOT_TOKEN: &str = "test-bot-token";

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub support: SupportServer,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `support` on 127.0.0.1 with an OS-chosen port.
    pub async fn start(support: SupportServer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app: axum::Router = support.router();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            addr,
            support,
            client,
            task,
        }
    }

    /// A server over `storage` with the test bot token.
    pub async fn with_storage(storage: DynStorage) -> Self {
        Self::start(
            SupportServer::builder()
                .shared_storage(storage)
                .bot_token(BOT_TOKEN)
                .build(),
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request with the bot token.
    pub fn bot(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(BOT_TOKEN)
    }

    pub fn storage(&self) -> &DynStorage {
        self.support.state().storage()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The storage backends the REST end-to-end tests run against: memory always, SQLite when the
/// backend is compiled in, Postgres when `SUPPORT_TEST_POSTGRES_URL` is set.
pub async fn backends() -> Vec<(&'static str, DynStorage)> {
    let mut out: Vec<(&'static str, DynStorage)> = vec![(
        "memory",
        Arc::new(support_server::storage::MemoryStorage::new()),
    )];
    out.extend(extra_backends().await);
    out
}

#[allow(unused_mut)]
async fn extra_backends() -> Vec<(&'static str, DynStorage)> {
    let mut out: Vec<(&'static str, DynStorage)> = Vec::new();
    #[cfg(feature = "sqlite")]
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("support.db");
        let storage = support_server::storage::SqliteStorage::open(path.to_str().unwrap())
            .await
            .unwrap();
        // The file must outlive the test; the OS temp dir is cleaned by the machine.
        let _ = dir.keep();
        out.push(("sqlite", Arc::new(storage)));
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = std::env::var("SUPPORT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        out.push(("postgres", Arc::new(postgres_in_fresh_schema(&url).await)));
    }
    out
}

/// A Postgres backend in a new schema of its own (`support_rest_<random>`), so concurrent tests
/// never see each other's rows. Panics, failing the test, when Postgres is unreachable.
#[cfg(feature = "postgres")]
pub async fn postgres_in_fresh_schema(url: &str) -> support_server::storage::PostgresStorage {
    use std::str::FromStr;
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
        .unwrap_or_else(|e| {
            panic!("SUPPORT_TEST_POSTGRES_URL is set but Postgres is unreachable: {e}")
        });
    let schema = format!("support_rest_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    support_server::storage::PostgresStorage::connect_with(options)
        .await
        .unwrap()
}
