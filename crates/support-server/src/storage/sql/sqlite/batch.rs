//! SQLite's statement for group commit (`../batch.rs`): `INSERT … SELECT … FROM (VALUES …)` on
//! the one write connection.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use support_protocol::{ManagerId, Timestamp};

use super::super::batch::GroupInsert;
use super::super::rows::{AudienceRow, MESSAGE_COLUMNS, db, written_columns};
use crate::storage::{NewMessageRecord, StorageResult, WrittenMessage};

/// Inserts batches through the write connection.
pub(super) struct SqliteGroupInsert(pub(super) SqlitePool);

impl GroupInsert for SqliteGroupInsert {
    const NAME: &'static str = "sqlite";

    /// 6 bound values each stays far below SQLite's 32,766 variables, and a batch this size
    /// commits in a few milliseconds.
    const MAX_BATCH: usize = 512;

    /// The statement inserts only the rows whose ticket exists and returns, with each row, its
    /// ticket's manager read by the same statement: the audience as of this commit. One round
    /// trip to sqlx's worker thread instead of four (`BEGIN`, a ticket lookup, the insert,
    /// `COMMIT`): every round trip is two thread wake-ups, which dominated a lone message's
    /// latency. `fetch_all` returns once the statement has stepped to its end, i.e. after its
    /// commit. Rowids are assigned in `VALUES` order.
    async fn insert(&self, news: &[&NewMessageRecord]) -> StorageResult<Vec<WrittenMessage>> {
        // The only write connection: no other write of this process runs until it is released.
        let mut conn = self.0.acquire().await.map_err(db)?;
        // Taken while holding the write connection: created_at never decreases as ids increase.
        let now = Timestamp::now();
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO support_messages (ticket_id, created_at, sender, text, viewed, manager_id) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6 FROM (",
        );
        qb.push_values(news.iter(), |mut row, new| {
            row.push_bind(new.ticket.get())
                .push_bind(now.unix_micros())
                .push_bind(new.sender.as_str())
                .push_bind(new.text.clone())
                .push_bind(new.viewed)
                .push_bind(new.manager.map(ManagerId::get));
        });
        qb.push(
            ") AS v WHERE EXISTS (SELECT 1 FROM support_tickets t WHERE t.id = v.column1) \
             RETURNING ",
        )
        .push(MESSAGE_COLUMNS)
        .push(", ")
        .push(written_columns("support_messages.ticket_id"));
        let rows: Vec<AudienceRow> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        drop(conn);
        rows.into_iter().map(AudienceRow::into_written).collect()
    }
}
