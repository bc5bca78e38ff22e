//! Our embedded migrations, recorded in our own `support_schema_migrations` table and applied
//! under an advisory lock.

use sqlx::postgres::PgPool;
use support_protocol::Timestamp;

use super::sql::{Corrupt, db};
use crate::storage::{StorageError, StorageResult};

/// Our migrations, applied in order and recorded in `support_schema_migrations`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    include_str!("../../../migrations/postgres/0001_initial.sql"),
)];

/// Our own version table: sqlx's `_sqlx_migrations` belongs to the host (sqlx issue 1189).
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS support_schema_migrations (
    version     BIGINT PRIMARY KEY,
    description TEXT   NOT NULL,
    applied_at  BIGINT NOT NULL
)";

/// Advisory lock key serializing migrations across instances (ASCII "supmigr" + 1).
const MIGRATION_LOCK: i64 = 0x7375_706d_6967_7201;

pub(super) async fn migrate(pool: &PgPool) -> StorageResult<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    // Held to the end of the transaction: a concurrently starting instance waits here, then
    // finds the migrations applied.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    // `Executor::execute(conn, raw_sql(..))`, not `raw_sql(..).execute(conn)`: the latter's
    // future is not `Send` for every lifetime, so a caller could not `tokio::spawn` a connect.
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(VERSION_TABLE))
        .await
        .map_err(db)?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM support_schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
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
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO support_schema_migrations (version, description, applied_at) \
             VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(description)
        .bind(Timestamp::now().unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
