//! [`PgSchema`]: a throwaway schema in the test database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use support_server::storage::PostgresStorage;

use crate::services::POSTGRES_URL_VAR;

/// A schema of its own in the test database: every pool built from [`PgSchema::options`] has it
/// as its `search_path`, so tests are isolated from each other and from concurrent runs. It is
/// dropped by [`PgSchema::drop`], or when the value is dropped (a failing test included).
pub struct PgSchema {
    url: String,
    /// The schema name (`<prefix><random>`).
    pub name: String,
    /// Connect options with `search_path` set to the schema.
    pub options: PgConnectOptions,
    dropped: bool,
}

impl PgSchema {
    /// Creates a schema named `support_test_<random>`. Panics (fails the test, never skips it)
    /// if Postgres is unreachable.
    pub async fn create(url: &str) -> Self {
        Self::create_named(url, "support_test_").await
    }

    /// Creates a schema named `prefix` and random hex digits.
    pub async fn create_named(url: &str, prefix: &str) -> Self {
        let admin = admin_pool(url).await;
        let name = crate::unique(prefix);
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&admin)
            .await
            .expect("create schema");
        admin.close().await;
        let options = PgConnectOptions::from_str(url)
            .expect("a valid Postgres URL")
            .options([("search_path", name.as_str())]);
        Self {
            url: url.to_owned(),
            name,
            options,
            dropped: false,
        }
    }

    /// A [`PostgresStorage`] on the schema (each server instance gets its own, as in production).
    pub async fn storage(&self) -> PostgresStorage {
        PostgresStorage::connect_with(self.options.clone())
            .await
            .expect("connect PostgresStorage")
    }

    /// A plain pool on the schema.
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(3)
            .connect_with(self.options.clone())
            .await
            .expect("connect pool")
    }

    /// Drops the schema and everything in it.
    pub async fn drop(mut self) {
        drop_schema(&self.url, &self.name).await;
        self.dropped = true;
    }
}

impl Drop for PgSchema {
    /// A test that failed (or forgot [`PgSchema::drop`]) still leaves nothing behind: the
    /// schema is dropped on a thread of its own, with its own runtime, since `Drop` cannot await.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (url, name) = (self.url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(drop_schema(&url, &name));
            }
        });
        let _ = cleanup.join();
    }
}

async fn admin_pool(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .unwrap_or_else(|e| {
            panic!("{POSTGRES_URL_VAR} is set but Postgres at {url} is unreachable: {e}")
        })
}

async fn drop_schema(url: &str, name: &str) {
    let Ok(admin) = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
    else {
        eprintln!("could not drop schema {name}: Postgres unreachable");
        return;
    };
    if let Err(e) = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
        .execute(&admin)
        .await
    {
        eprintln!("could not drop schema {name}: {e}");
    }
    admin.close().await;
}
