//! [`EventStore`] once for every [`SqlBackend`]; only the append, which numbers the events, is
//! the dialect's own ([`SqlBackend::append_events`]).

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Executor, IntoArguments};

use super::SqlBackend;
use super::rows::{Column, db};
use crate::storage::{EventSlice, EventStore, StorageResult};

#[async_trait]
impl<B, DB> EventStore for B
where
    B: SqlBackend<Db = DB>,
    DB: Database,
    for<'c> &'c mut <DB as Database>::Connection: Executor<'c, Database = DB>,
    for<'q> <DB as Database>::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<<DB as Database>::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
{
    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64> {
        SqlBackend::append_events(self, payloads).await
    }

    async fn events_after(&self, after: u64, limit: u32) -> StorageResult<EventSlice> {
        // One snapshot: a trim or an append between reading the bounds and the events cannot
        // make the slice disagree with them.
        let mut tx = self.begin_snapshot().await?;
        let (first, last): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM support_events")
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, payload FROM support_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        drop(tx);
        let number = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(EventSlice {
            events: rows.into_iter().map(|(s, p)| (number(s), p)).collect(),
            first: first.map(number),
            last: last.map_or(0, number),
        })
    }

    async fn trim_events(&self, keep: u64) -> StorageResult<()> {
        // The newest event always stays: it is where the numbering continues from after a
        // restart (SQLite's AUTOINCREMENT would too; the bounds read above needs a row).
        let keep = i64::try_from(keep.max(1)).unwrap_or(i64::MAX);
        sqlx::query(
            "DELETE FROM support_events \
             WHERE seq <= (SELECT MAX(seq) FROM support_events) - $1",
        )
        .bind(keep)
        .execute(self.writer())
        .await
        .map_err(db)?;
        Ok(())
    }
}
