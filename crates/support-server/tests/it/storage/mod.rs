//! The storage conformance suite \[S1\] (`support_server::storage::conformance`) on every
//! backend — memory, SQLite on a temporary file, Postgres in a throwaway schema when
//! `SUPPORT_TEST_POSTGRES_URL` is set — plus backend-specific tests of durability, migrations
//! and sharing the database with a host's own sqlx migrations.

mod postgres;
mod sqlite;

use std::sync::Arc;

use support_server::storage::conformance::{self, Suite};
use support_server::storage::{MemoryStorage, PostgresStorage, SqliteStorage};
use support_testkit::PgSchema;
use support_testkit::services::postgres_url;

/// The suites on [`MemoryStorage`], the reference.
mod on_memory {
    support_server::storage_conformance_tests!(|suite| async move {
        super::conformance::run(super::Arc::new(super::MemoryStorage::new()), suite).await;
    });
}

/// The suites on a fresh SQLite file.
mod on_sqlite {
    support_server::storage_conformance_tests!(super::run_sqlite);
}

/// The suites on Postgres, each in its own schema.
mod on_postgres {
    support_server::storage_conformance_tests!(super::run_postgres);
}

/// Runs `suite` on a fresh SQLite file in a temporary directory.
async fn run_sqlite(suite: Suite) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("support.db");
    let storage = SqliteStorage::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("open sqlite");
    conformance::run(Arc::new(storage), suite).await;
}

/// Runs `suite` on a [`PostgresStorage`] in a fresh schema (dropped even when the suite fails),
/// or prints that it is skipped when `SUPPORT_TEST_POSTGRES_URL` is unset.
async fn run_postgres(suite: Suite) {
    let Some(url) = postgres_url("a postgres conformance suite") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let storage: PostgresStorage = schema.storage().await;
    conformance::run(Arc::new(storage), suite).await;
    schema.drop().await;
}
