//! Postgres's statement for group commit (`../batch.rs`): the batch as arrays, `unnest`ed.
//!
//! One SQL text whatever the batch size, so sqlx prepares it once per connection and every
//! later batch only binds five arrays (a `VALUES` list would be a new statement, parsed and
//! planned, for every batch size). Committed on its own (autocommit): one WAL flush per batch.

use sqlx::PgPool;
use support_protocol::ManagerId;

use super::super::batch::GroupInsert;
use super::super::rows::{AudienceRow, MESSAGE_COLUMNS, USER_COLUMNS, db};
use crate::storage::{NewMessageRecord, StorageResult, WrittenMessage};

/// Inserts batches through the pool.
pub(super) struct PostgresGroupInsert(pub(super) PgPool);

impl GroupInsert for PostgresGroupInsert {
    const NAME: &'static str = "postgres";

    /// Arrays have no bound-value limit; this keeps one statement's work (and the time the
    /// batch's callers wait for it) to a few milliseconds.
    const MAX_BATCH: usize = 512;

    /// The tickets are locked `FOR SHARE`, as for a single message (`insert_with_audience`): an
    /// assignment ([`SqlBackend::LOCK_ROW`](super::super::SqlBackend::LOCK_ROW)) commits either
    /// before the batch (whose messages then go to the new manager) or after it. Share locks
    /// do not conflict with each other, so concurrent batches never wait for one another, and
    /// an assignment locks one ticket only, so no cycle can form. Ids are drawn in
    /// `ORDER BY v.ord`, the batch order.
    async fn insert(&self, news: &[&NewMessageRecord]) -> StorageResult<Vec<WrittenMessage>> {
        let mut tickets = Vec::with_capacity(news.len());
        let mut senders = Vec::with_capacity(news.len());
        let mut texts = Vec::with_capacity(news.len());
        let mut viewed = Vec::with_capacity(news.len());
        let mut managers = Vec::with_capacity(news.len());
        for new in news {
            tickets.push(new.ticket.get());
            senders.push(new.sender.as_str());
            texts.push(new.text.as_str());
            viewed.push(new.viewed);
            managers.push(new.manager.map(ManagerId::get));
        }
        let rows: Vec<AudienceRow> = sqlx::query_as(&format!(
            "WITH v AS (SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], \
             $4::BOOLEAN[], $5::BIGINT[]) WITH ORDINALITY \
             AS v(ticket_id, sender, text, viewed, manager_id, ord)), \
             t AS (SELECT id, support_manager_id, user_id FROM support_tickets \
             WHERE id IN (SELECT ticket_id FROM v) FOR SHARE), \
             m AS (INSERT INTO support_messages (ticket_id, sender, text, viewed, manager_id) \
             SELECT v.ticket_id, v.sender, v.text, v.viewed, v.manager_id \
             FROM v JOIN t ON t.id = v.ticket_id ORDER BY v.ord RETURNING {MESSAGE_COLUMNS}) \
             SELECT m.*, t.support_manager_id AS audience, u.telegram_id AS user_id, \
             {USER_COLUMNS} \
             FROM m JOIN t ON t.id = m.ticket_id \
             LEFT JOIN support_users u ON u.telegram_id = t.user_id"
        ))
        .bind(tickets)
        .bind(senders)
        .bind(texts)
        .bind(viewed)
        .bind(managers)
        .fetch_all(&self.0)
        .await
        .map_err(db)?;
        rows.into_iter().map(AudienceRow::into_written).collect()
    }
}
