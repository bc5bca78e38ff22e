//! Our embedded migrations, recorded in our own `support_schema_migrations` table.

use sqlx::sqlite::SqlitePool;
use support_protocol::Timestamp;

use super::sql::Corrupt;
use crate::storage::{StorageError, StorageResult};

/// Our migrations, applied in order and recorded in `support_schema_migrations`.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "unread count on the ticket",
        include_str!("../../../migrations/sqlite/0002_unread_count_column.sql"),
    ),
];

/// Our own version table: sqlx's `_sqlx_migrations` belongs to the host (sqlx issue 1189).
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS support_schema_migrations (
    version     INTEGER PRIMARY KEY NOT NULL,
    description TEXT    NOT NULL,
    applied_at  INTEGER NOT NULL
)";

pub(super) async fn migrate(pool: &SqlitePool) -> StorageResult<()> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StorageError::backend)?;
    // `Executor::execute(conn, raw_sql(..))`, not `raw_sql(..).execute(conn)`: the latter's
    // future is not `Send` for every lifetime, so a caller could not `tokio::spawn` a connect.
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(VERSION_TABLE))
        .await
        .map_err(StorageError::backend)?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM support_schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(StorageError::backend)?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StorageError::backend(Corrupt(format!(
            "database schema version {current} is newer than this build knows ({known})"
        ))));
    }
    for &(version, description, sql) in MIGRATIONS {
        if version <= current {
            continue;
        }
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(sql))
            .await
            .map_err(StorageError::backend)?;
        sqlx::query(
            "INSERT INTO support_schema_migrations (version, description, applied_at) \
             VALUES (?, ?, ?)",
        )
        .bind(version)
        .bind(description)
        .bind(Timestamp::now().unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(StorageError::backend)?;
    }
    tx.commit().await.map_err(StorageError::backend)
}
