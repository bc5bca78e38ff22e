//! [`ManagerStore`] once for every [`SqlBackend`].

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};
use support_protocol::{ManagerId, Timestamp};

use super::SqlBackend;
use super::rows::{Column, MANAGER_COLUMNS, ManagerRow, count, db};
use crate::storage::{ManagerRecord, ManagerStore, ManagerUpsert, StorageResult};

/// Ends every session and bearer token of the manager `$1` (a new password, a deactivation).
const END_SESSIONS: &str = "DELETE FROM support_sessions WHERE manager_id = $1";

#[async_trait]
impl<B, DB> ManagerStore for B
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
    async fn upsert_manager(&self, manager: ManagerUpsert) -> StorageResult<ManagerRecord> {
        let mut tx = self.begin_write().await?;
        let old_hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM support_managers WHERE username = $1")
                .bind(manager.username.clone())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let changed = manager.password_hash.is_some()
            && old_hash.is_some_and(|old| old != manager.password_hash);
        let row: ManagerRow = sqlx::query_as(&format!(
            "INSERT INTO support_managers (username, first_name, last_name, password_hash) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO UPDATE SET \
             first_name = excluded.first_name, last_name = excluded.last_name, \
             password_hash = COALESCE(excluded.password_hash, support_managers.password_hash) \
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(manager.username)
        .bind(manager.first_name)
        .bind(manager.last_name)
        .bind(manager.password_hash)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let record: ManagerRecord = row.into();
        if changed {
            // The old password's sessions and tokens end with it, in the same transaction.
            sqlx::query(END_SESSIONS)
                .bind(record.id.get())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn set_manager_active(
        &self,
        username: &str,
        active: bool,
    ) -> StorageResult<Option<ManagerRecord>> {
        let mut tx = self.begin_write().await?;
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "UPDATE support_managers SET active = $1 WHERE username = $2 \
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(active)
        .bind(username.to_owned())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let record = row.map(ManagerRecord::from);
        if let Some(manager) = record.as_ref().filter(|_| !active) {
            sqlx::query(END_SESSIONS)
                .bind(manager.id.get())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE username = $1"
        ))
        .bind(username.to_owned())
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn count_managers(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_managers")
            .fetch_one(self.reader())
            .await
            .map_err(db)?;
        Ok(count(n))
    }

    async fn create_session(
        &self,
        token_hash: &str,
        manager: ManagerId,
        expires_at: Timestamp,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO support_sessions (token_hash, manager_id, expires_at) \
             VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO UPDATE SET \
             manager_id = excluded.manager_id, expires_at = excluded.expires_at",
        )
        .bind(token_hash.to_owned())
        .bind(manager.get())
        .bind(expires_at.unix_micros())
        .execute(self.writer())
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session_manager(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StorageResult<Option<ManagerId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT manager_id FROM support_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash.to_owned())
        .bind(now.unix_micros())
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        Ok(id.map(ManagerId::new))
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM support_sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(self.writer())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StorageResult<u64> {
        // `RETURNING` counts the rows portably (sqlx has no dialect-free `rows_affected`).
        let deleted: Vec<i64> = sqlx::query_scalar(
            "DELETE FROM support_sessions WHERE expires_at <= $1 RETURNING manager_id",
        )
        .bind(now.unix_micros())
        .fetch_all(self.writer())
        .await
        .map_err(db)?;
        Ok(u64::try_from(deleted.len()).unwrap_or(u64::MAX))
    }
}
