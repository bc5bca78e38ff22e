//! The Postgres backend: several server instances can share one database \[S3\].
//!
//! - Migrations are embedded and recorded in our own `support_schema_migrations` table, applied in
//!   one transaction holding `pg_advisory_xact_lock(MIGRATION_LOCK)`, so instances starting
//!   together migrate exactly once. Tables live in the first schema of the `search_path`.
//! - Ids come from identity columns (BIGINT); timestamps are BIGINT microseconds from the
//!   database clock, so all instances agree on one clock and precision is exact.
//! - [`Storage::assign_ticket`] is one conditional `UPDATE` that locks the row first, so of many
//!   concurrent attempts exactly one wins.
//! - A manager reply (`sender = supp`) is inserted under `pg_advisory_xact_lock(REPLY_LOCK)`:
//!   reply ids are drawn and committed one transaction at a time, so a reply with a smaller id
//!   is always visible before one with a larger id and the bot's cursor
//!   ([`Storage::replies_after`]) never skips one. User messages do not take the lock.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder};
use support_protocol::{
    ManagerId, Message, MessageId, Sender, TelegramId, Ticket, TicketId, Timestamp,
};

use super::{
    AssignOutcome, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord, Storage,
    StorageError, StorageResult, TicketChanges, TicketQuery,
};

use sql::{
    MANAGER_COLUMNS, MESSAGE_COLUMNS, ManagerRow, MessageRow, TICKET_SELECT, TicketRow, clamp,
    count, db, fetch_ticket, insert_message, insert_message_with_manager, push_filters,
    ticket_exists,
};

mod migrate;
mod sql;

/// Connections per instance; every request holds one only for its queries.
const MAX_CONNECTIONS: u32 = 10;
/// How long a request waits for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// A [`Storage`] in Postgres.
///
/// ```no_run
/// # async fn demo() -> Result<(), support_server::storage::StorageError> {
/// use support_server::storage::PostgresStorage;
/// let storage = PostgresStorage::connect("postgres://support@localhost/support").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    /// Connects to the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let options: PgConnectOptions = url.parse().map_err(StorageError::backend)?;
        Self::connect_with(options).await
    }

    /// Connects with `options` (e.g. with a `search_path` set through
    /// [`PgConnectOptions::options`]) and applies the migrations.
    pub async fn connect_with(options: PgConnectOptions) -> StorageResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (shared with the host, for example) and applies the migrations.
    pub async fn from_pool(pool: PgPool) -> StorageResult<Self> {
        migrate::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, e.g. for the Postgres event hub's LISTEN/NOTIFY.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn tx(&self) -> StorageResult<sqlx::Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db)
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn register_user(&self, user: TelegramId) -> StorageResult<()> {
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(user.get())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn user_exists(&self, user: TelegramId) -> StorageResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT telegram_id FROM support_users WHERE telegram_id = $1")
                .bind(user.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(found.is_some())
    }

    async fn create_ticket(
        &self,
        new: NewTicketRecord,
    ) -> StorageResult<(Ticket, Option<Message>)> {
        let mut tx = self.tx().await?;
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(new.user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_tickets (user_id, title, resolved) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(new.user_id.get())
        .bind(&new.title)
        .bind(new.resolved)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = TicketId::new(id);
        let message = match new.first_message {
            Some(text) => {
                let record = NewMessageRecord {
                    ticket: id,
                    sender: Sender::User,
                    text,
                    viewed: false,
                    manager: None,
                };
                Some(insert_message(&mut tx, &record).await?)
            }
            None => None,
        };
        let ticket = fetch_ticket(&mut tx, id)
            .await?
            .ok_or(StorageError::TicketNotFound(id))?;
        tx.commit().await.map_err(db)?;
        Ok((ticket, message))
    }

    async fn get_ticket(&self, id: TicketId) -> StorageResult<Option<Ticket>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        fetch_ticket(&mut conn, id).await
    }

    async fn list_tickets(&self, query: &TicketQuery) -> StorageResult<(Vec<Ticket>, u64)> {
        // One snapshot for the page and its count.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db)?;
        let mut qb = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM support_tickets t");
        push_filters(&mut qb, query);
        let total: i64 = qb
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;

        let mut qb = QueryBuilder::<Postgres>::new(TICKET_SELECT);
        push_filters(&mut qb, query);
        // LIMIT NULL is no limit.
        qb.push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ");
        qb.push_bind(query.limit.map(clamp));
        qb.push(" OFFSET ").push_bind(clamp(query.offset));
        let rows: Vec<TicketRow> = qb.build_query_as().fetch_all(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        let tickets = rows
            .into_iter()
            .map(TicketRow::into_ticket)
            .collect::<StorageResult<_>>()?;
        Ok((tickets, count(total)))
    }

    async fn update_ticket(&self, id: TicketId, changes: TicketChanges) -> StorageResult<Ticket> {
        let mut tx = self.tx().await?;
        let updated = sqlx::query(
            "UPDATE support_tickets SET title = COALESCE($1, title), \
             resolved = COALESCE($2, resolved) WHERE id = $3",
        )
        .bind(changes.title)
        .bind(changes.resolved)
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if updated.rows_affected() == 0 {
            return Err(StorageError::TicketNotFound(id));
        }
        let ticket = fetch_ticket(&mut tx, id)
            .await?
            .ok_or(StorageError::TicketNotFound(id))?;
        tx.commit().await.map_err(db)?;
        Ok(ticket)
    }

    async fn assign_ticket(
        &self,
        id: TicketId,
        manager: ManagerId,
        force: bool,
    ) -> StorageResult<AssignOutcome> {
        let mut tx = self.tx().await?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM support_managers WHERE id = $1")
                .bind(manager.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if known.is_none() {
            return Err(StorageError::ManagerNotFound(manager));
        }
        // One conditional UPDATE. The sub-select locks the row (FOR UPDATE waits for a
        // concurrent assignment to commit, then yields the row as that one left it), so the
        // condition is checked against the latest holder and `old` tells who held it before.
        let previous: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE support_tickets AS t SET support_manager_id = $2 \
             FROM (SELECT id, support_manager_id FROM support_tickets WHERE id = $1 FOR UPDATE) \
                 AS old \
             WHERE t.id = old.id \
             AND (old.support_manager_id IS NULL OR old.support_manager_id = $2 OR $3) \
             RETURNING old.support_manager_id",
        )
        .bind(id.get())
        .bind(manager.get())
        .bind(force)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let ticket = fetch_ticket(&mut tx, id)
            .await?
            .ok_or(StorageError::TicketNotFound(id))?;
        tx.commit().await.map_err(db)?;
        Ok(match previous {
            Some(previous) => AssignOutcome::Assigned {
                ticket,
                previous: previous.map(ManagerId::new),
            },
            None => AssignOutcome::AlreadyAssigned { ticket },
        })
    }

    async fn create_message(&self, new: NewMessageRecord) -> StorageResult<Message> {
        Ok(self.create_message_with_manager(new).await?.0)
    }

    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<(Message, Option<ManagerId>)> {
        if new.sender == Sender::Supp {
            // The reply lock is held until commit: an explicit transaction.
            let mut tx = self.tx().await?;
            let created = insert_message_with_manager(&mut tx, &new).await?;
            tx.commit().await.map_err(db)?;
            Ok(created)
        } else {
            // One statement, committed on its own: one round trip.
            let mut conn = self.pool.acquire().await.map_err(db)?;
            insert_message_with_manager(&mut conn, &new).await
        }
    }

    async fn ticket_manager(&self, id: TicketId) -> StorageResult<Option<Option<ManagerId>>> {
        // Not `get_ticket`: its `unread_count` grows with the ticket.
        let row: Option<Option<i64>> =
            sqlx::query_scalar("SELECT support_manager_id FROM support_tickets WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(row.map(|m| m.map(ManagerId::new)))
    }

    async fn list_messages(
        &self,
        ticket: TicketId,
        limit: Option<u64>,
        offset: u64,
    ) -> StorageResult<(Vec<Message>, u64)> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db)?;
        if !ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM support_messages WHERE ticket_id = $1")
                .bind(ticket.get())
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        // Ids increase with time, so id order is creation order (the memory backend's order).
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE ticket_id = $1 \
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(ticket.get())
        .bind(limit.map(clamp))
        .bind(clamp(offset))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let messages = rows
            .into_iter()
            .map(MessageRow::into_message)
            .collect::<StorageResult<_>>()?;
        Ok((messages, count(total)))
    }

    async fn mark_viewed(&self, ticket: TicketId, message: MessageId) -> StorageResult<Message> {
        let mut tx = self.tx().await?;
        if !ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "UPDATE support_messages SET viewed = TRUE WHERE id = $1 AND ticket_id = $2 \
             RETURNING {MESSAGE_COLUMNS}"
        ))
        .bind(message.get())
        .bind(ticket.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let row = row.ok_or(StorageError::MessageNotFound(message))?;
        tx.commit().await.map_err(db)?;
        row.into_message()
    }

    async fn replies_after(&self, after: MessageId, limit: u32) -> StorageResult<Vec<Message>> {
        // Replies commit in id order (REPLY_LOCK), so a cursor never skips one.
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE sender = 'supp' AND id > $1 \
             ORDER BY id LIMIT $2"
        ))
        .bind(after.get())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }

    async fn last_reply_id(&self) -> StorageResult<MessageId> {
        let id: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(id), 0) FROM support_messages WHERE sender = 'supp'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(MessageId::new(id))
    }

    async fn upsert_manager(&self, manager: ManagerUpsert) -> StorageResult<ManagerRecord> {
        let row: ManagerRow = sqlx::query_as(&format!(
            "INSERT INTO support_managers (username, first_name, last_name, password_hash) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO UPDATE SET \
             first_name = excluded.first_name, last_name = excluded.last_name, \
             password_hash = COALESCE(excluded.password_hash, support_managers.password_hash) \
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(&manager.username)
        .bind(&manager.first_name)
        .bind(&manager.last_name)
        .bind(&manager.password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.into())
    }

    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn count_managers(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_managers")
            .fetch_one(&self.pool)
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
        .bind(token_hash)
        .bind(manager.get())
        .bind(expires_at.unix_micros())
        .execute(&self.pool)
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
        .bind(token_hash)
        .bind(now.unix_micros())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(id.map(ManagerId::new))
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM support_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
