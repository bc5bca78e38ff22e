//! The migration runner: our embedded migrations, applied in order in one transaction and
//! recorded in our own `support_schema_migrations` table — sqlx's `_sqlx_migrations` belongs to
//! the host, whose own migrations may share the database (sqlx issue 1189).
//!
//! Each dialect's migrations are the files of `migrations/{sqlite,postgres}/`
//! (`NNNN_description.sql`: version NNNN), listed and embedded by `build.rs`. A schema change is
//! a new file per dialect, nothing else to register.

use sqlx::{ColumnIndex, Database, Executor, IntoArguments, Pool};
use support_protocol::Timestamp;

use super::SqlBackend;
use super::rows::{Column, Corrupt, db};
use crate::storage::{StorageError, StorageResult};

/// One migration: its version, a description, and its SQL (any number of statements).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Increasing from 1.
    pub(crate) version: i64,
    /// What it does, recorded beside the version.
    pub(crate) description: &'static str,
    /// The statements.
    pub(crate) sql: &'static str,
}

impl Migration {
    /// A migration (the lists `build.rs` writes call this).
    pub(crate) const fn new(version: i64, description: &'static str, sql: &'static str) -> Self {
        Self {
            version,
            description,
            sql,
        }
    }
}

/// Our version table; the same DDL in both databases (SQLite reads `BIGINT` as an integer).
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS support_schema_migrations (
    version     BIGINT PRIMARY KEY NOT NULL,
    description TEXT   NOT NULL,
    applied_at  BIGINT NOT NULL
)";

/// Applies the migrations of `B` that the database has not seen, all in one transaction
/// ([`SqlBackend::begin_migration`]); refuses a database migrated by a newer build.
pub(crate) async fn migrate<B, DB>(pool: &Pool<DB>) -> StorageResult<()>
where
    B: SqlBackend<Db = DB>,
    DB: Database,
    for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    for<'a> &'a str: ColumnIndex<<DB as Database>::Row>,
    usize: ColumnIndex<<DB as Database>::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<bool>: Column<DB>,
    Option<String>: Column<DB>,
{
    let mut tx = B::begin_migration(pool).await?;
    // `Executor::execute(conn, raw_sql(..))`, not `raw_sql(..).execute(conn)`: the latter's
    // future is not `Send` for every lifetime, so a caller could not `tokio::spawn` a connect.
    Executor::execute(&mut *tx, sqlx::raw_sql(VERSION_TABLE))
        .await
        .map_err(db)?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM support_schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
    let known = B::MIGRATIONS.last().map_or(0, |m| m.version);
    if current > known {
        return Err(StorageError::backend(Corrupt(format!(
            "database schema version {current} is newer than this build knows ({known})"
        ))));
    }
    for migration in B::MIGRATIONS.iter().filter(|m| m.version > current) {
        Executor::execute(&mut *tx, sqlx::raw_sql(migration.sql))
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO support_schema_migrations (version, description, applied_at) \
             VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.description.to_owned())
        .bind(Timestamp::now().unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
