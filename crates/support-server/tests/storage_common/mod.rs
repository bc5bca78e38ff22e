//! Harness of the storage conformance suite: per backend, build a fresh store, run a suite on it
//! (`conformance::run`), and clean up whether it passed or not.

use std::sync::Arc;

use support_server::storage::conformance::{self, Suite};

/// The variable naming the Postgres server for the Postgres tests.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES_URL_VAR: &str = "SUPPORT_TEST_POSTGRES_URL";

/// Runs `suite` on a fresh SQLite file in a temporary directory.
#[cfg(feature = "sqlite")]
pub(crate) async fn run_sqlite(suite: Suite) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("support.db");
    let storage = support_server::storage::SqliteStorage::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("open sqlite");
    conformance::run(Arc::new(storage), suite).await;
    drop(dir);
}

/// The Postgres URL, or `None` (with a line saying the test is skipped) when unset.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!("skipped {test}: {POSTGRES_URL_VAR} is not set");
            None
        }
    }
}

/// A throwaway schema in the test database: every pool built from [`PgSchema::options`] has it
/// as its `search_path`, so tests are isolated from each other and from concurrent runs.
#[cfg(feature = "postgres")]
pub(crate) struct PgSchema {
    admin: sqlx::PgPool,
    /// The schema name (`support_test_<random>`).
    pub(crate) name: String,
    /// Connect options with `search_path` set to the schema.
    pub(crate) options: sqlx::postgres::PgConnectOptions,
}

#[cfg(feature = "postgres")]
impl PgSchema {
    /// Creates the schema. Panics (fails the test, never skips it) if Postgres is unreachable.
    pub(crate) async fn create(url: &str) -> Self {
        use std::str::FromStr;
        let admin = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .unwrap_or_else(|e| {
                panic!("{POSTGRES_URL_VAR} is set but Postgres at {url} is unreachable: {e}")
            });
        let name = format!("support_test_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&admin)
            .await
            .expect("create schema");
        let options = sqlx::postgres::PgConnectOptions::from_str(url)
            .expect("a valid Postgres URL")
            .options([("search_path", name.as_str())]);
        Self {
            admin,
            name,
            options,
        }
    }

    /// A [`support_server::storage::PostgresStorage`] on the schema.
    pub(crate) async fn storage(&self) -> support_server::storage::PostgresStorage {
        support_server::storage::PostgresStorage::connect_with(self.options.clone())
            .await
            .expect("connect PostgresStorage")
    }

    /// A plain pool on the schema.
    pub(crate) async fn pool(&self) -> sqlx::PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(self.options.clone())
            .await
            .expect("connect pool")
    }

    /// Drops the schema and everything in it.
    pub(crate) async fn drop(self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        if let Err(e) = sqlx::query(&sql).execute(&self.admin).await {
            eprintln!("could not drop schema {}: {e}", self.name);
        }
        self.admin.close().await;
    }
}

/// Runs `suite` on a [`support_server::storage::PostgresStorage`] in a fresh schema, or prints
/// that it is skipped when [`POSTGRES_URL_VAR`] is unset. The schema is dropped even when the
/// suite fails.
#[cfg(feature = "postgres")]
pub(crate) async fn run_postgres(suite: Suite) {
    let Some(url) = postgres_url("a postgres conformance suite") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let storage =
        support_server::storage::PostgresStorage::connect_with(schema.options.clone()).await;
    let storage = match storage {
        Ok(storage) => storage,
        Err(e) => {
            schema.drop().await;
            panic!("connect PostgresStorage: {e}");
        }
    };
    let result = tokio::spawn(conformance::run(Arc::new(storage), suite)).await;
    schema.drop().await;
    if let Err(err) = result {
        match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => panic!("suite task failed: {err}"),
        }
    }
}

/// A host application's own migrations, embedded in the test: the first `n` of two.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn host_migrator(n: usize) -> sqlx::migrate::Migrator {
    use sqlx::migrate::{Migration, MigrationType};
    let all = [
        (
            20_240_101_000_000,
            "host items",
            "CREATE TABLE host_items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        ),
        (
            20_240_201_000_000,
            "host notes",
            "ALTER TABLE host_items ADD COLUMN note TEXT",
        ),
    ];
    let migrations = all
        .into_iter()
        .take(n)
        .map(|(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into(),
                false,
            )
        })
        .collect();
    sqlx::migrate::Migrator::new(InTestMigrations(migrations))
        .await
        .expect("host migrator")
}

/// Migrations held in memory (sqlx only ships a directory source).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Debug)]
struct InTestMigrations(Vec<sqlx::migrate::Migration>);

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl sqlx::migrate::MigrationSource<'static> for InTestMigrations {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<Vec<sqlx::migrate::Migration>, sqlx::error::BoxDynError>,
    > {
        Box::pin(async move { Ok(self.0) })
    }
}
