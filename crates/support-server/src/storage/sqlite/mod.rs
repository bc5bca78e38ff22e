//! The SQLite backend: one database file in WAL mode, migrations embedded.
//!
//! Two pools over the same file: a *writer* pool of exactly one connection, so every write is
//! serialized in-process and never meets `SQLITE_BUSY` from a sibling connection, and a *reader*
//! pool of several connections, which WAL lets run alongside the writer. Every write transaction
//! starts with `BEGIN IMMEDIATE`, so it holds the write lock from its first statement (another
//! process sharing the file waits up to the busy timeout instead of failing on a lock upgrade).
//!
//! `synchronous = FULL`: a commit is fsynced before the call returns, so an acknowledged write (a
//! 201) survives a power cut \[S2\]. The cost is one WAL fsync per write transaction, so new
//! messages, the hot write, use group commit (`batch.rs`): concurrent inserts share one
//! transaction and one fsync, each caller answered after that commit.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite};
use support_protocol::{
    ManagerId, Message, MessageId, Sender, TelegramId, Ticket, TicketId, Timestamp,
};

use super::{
    AssignOutcome, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord, Storage,
    StorageError, StorageResult, TicketChanges, TicketQuery,
};

use sql::{
    MANAGER_COLUMNS, MESSAGE_COLUMNS, ManagerRow, MessageRow, TICKET_SELECT, TicketRow, clamp,
    count, db, fetch_ticket, insert_message, push_filters, ticket_exists,
};

mod batch;
mod migrate;
mod sql;
#[cfg(test)]
mod tests;

/// How long a connection waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers in the pool; WAL readers do not block each other nor the writer.
const READERS: u32 = 4;
/// Writers queue for the single write connection; with an fsync per commit a burst of a few
/// thousand writes takes seconds, so allow a minute before reporting a failure.
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// A [`Storage`] in an SQLite file.
///
/// ```no_run
/// # async fn demo() -> Result<(), support_server::storage::StorageError> {
/// use support_server::storage::SqliteStorage;
/// let storage = SqliteStorage::open("support.db").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    writer: SqlitePool,
    reader: SqlitePool,
    /// New messages go through group commit (see `batch.rs`).
    messages: batch::MessageBatcher,
}

impl SqliteStorage {
    /// Opens (creating it if missing) the database at `url_or_path`, either a `sqlite:` URL or a
    /// file path, with [`SqliteStorage::recommended_options`], and applies the migrations.
    pub async fn open(url_or_path: &str) -> StorageResult<Self> {
        let options = if url_or_path.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url_or_path).map_err(StorageError::backend)?
        } else {
            SqliteConnectOptions::new().filename(url_or_path)
        };
        Self::connect(Self::recommended_options(options)).await
    }

    /// Our settings on top of `options`: create the file if missing, WAL, `synchronous = FULL`
    /// (durable commits \[S2\]), foreign keys on, a busy timeout.
    pub fn recommended_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
        options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
    }

    /// Connects with `options` as given (see [`SqliteStorage::recommended_options`]; only
    /// foreign keys are forced on, the backend relies on them) and applies the migrations.
    pub async fn connect(options: SqliteConnectOptions) -> StorageResult<Self> {
        let options = options.foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .acquire_timeout(WRITER_ACQUIRE_TIMEOUT)
            // Keep the one write connection: reopening it costs a file open and PRAGMAs.
            .idle_timeout(None)
            .max_lifetime(None)
            // A local file cannot drop a connection: no ping (a round trip to the connection's
            // worker thread) before every use.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(StorageError::backend)?;
        migrate::migrate(&writer).await?;
        // Opened after the migrations, so no reader ever sees a half-built schema.
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        let messages = batch::MessageBatcher::start(writer.clone());
        Ok(Self {
            writer,
            reader,
            messages,
        })
    }

    async fn write_tx(&self) -> StorageResult<sqlx::Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StorageError::backend)
    }

    async fn read_tx(&self) -> StorageResult<sqlx::Transaction<'static, Sqlite>> {
        // A read transaction, so a page and its count come from one snapshot.
        self.reader.begin().await.map_err(StorageError::backend)
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn register_user(&self, user: TelegramId) -> StorageResult<()> {
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(user.get())
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn user_exists(&self, user: TelegramId) -> StorageResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT telegram_id FROM support_users WHERE telegram_id = ?")
                .bind(user.get())
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
        Ok(found.is_some())
    }

    async fn create_ticket(
        &self,
        new: NewTicketRecord,
    ) -> StorageResult<(Ticket, Option<Message>)> {
        let mut tx = self.write_tx().await?;
        // Taken under the write lock, so created_at never decreases as ids increase.
        let now = Timestamp::now();
        sqlx::query("INSERT INTO support_users (telegram_id) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(new.user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_tickets (user_id, created_at, title, resolved) \
             VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(new.user_id.get())
        .bind(now.unix_micros())
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
                Some(insert_message(&mut tx, &record, now).await?)
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        fetch_ticket(&mut conn, id).await
    }

    async fn ticket_manager(&self, id: TicketId) -> StorageResult<Option<Option<ManagerId>>> {
        // Not `get_ticket`: its `unread_count` counts the ticket's unread messages, a cost that
        // grows with the ticket, paid on every message POST.
        let row: Option<Option<i64>> =
            sqlx::query_scalar("SELECT support_manager_id FROM support_tickets WHERE id = ?")
                .bind(id.get())
                .fetch_optional(&self.reader)
                .await
                .map_err(db)?;
        Ok(row.map(|m| m.map(ManagerId::new)))
    }

    async fn list_tickets(&self, query: &TicketQuery) -> StorageResult<(Vec<Ticket>, u64)> {
        let mut tx = self.read_tx().await?;
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM support_tickets t");
        push_filters(&mut qb, query);
        let total: i64 = qb
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;

        let mut qb = QueryBuilder::<Sqlite>::new(TICKET_SELECT);
        push_filters(&mut qb, query);
        qb.push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ");
        qb.push_bind(query.limit.map_or(-1, clamp));
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
        let mut tx = self.write_tx().await?;
        let updated = sqlx::query(
            "UPDATE support_tickets SET title = COALESCE(?, title), \
             resolved = COALESCE(?, resolved) WHERE id = ?",
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
        // Atomic: the whole transaction holds SQLite's write lock (BEGIN IMMEDIATE), and the
        // UPDATE itself is conditional, so no two assignments can interleave.
        let mut tx = self.write_tx().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM support_managers WHERE id = ?")
            .bind(manager.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if known.is_none() {
            return Err(StorageError::ManagerNotFound(manager));
        }
        let previous: Option<Option<i64>> =
            sqlx::query_scalar("SELECT support_manager_id FROM support_tickets WHERE id = ?")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let previous = previous
            .ok_or(StorageError::TicketNotFound(id))?
            .map(ManagerId::new);
        let updated = sqlx::query(
            "UPDATE support_tickets SET support_manager_id = ?1 WHERE id = ?2 \
             AND (support_manager_id IS NULL OR support_manager_id = ?1 OR ?3)",
        )
        .bind(manager.get())
        .bind(id.get())
        .bind(force)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let ticket = fetch_ticket(&mut tx, id)
            .await?
            .ok_or(StorageError::TicketNotFound(id))?;
        tx.commit().await.map_err(db)?;
        Ok(if updated.rows_affected() == 1 {
            AssignOutcome::Assigned { ticket, previous }
        } else {
            AssignOutcome::AlreadyAssigned { ticket }
        })
    }

    async fn create_message(&self, new: NewMessageRecord) -> StorageResult<Message> {
        // Group commit: many concurrent messages share one transaction and one fsync.
        Ok(self.messages.insert(new).await?.0)
    }

    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<(Message, Option<ManagerId>)> {
        // The manager comes from the batch's own transaction: no reader round trip.
        self.messages.insert(new).await
    }

    async fn list_messages(
        &self,
        ticket: TicketId,
        limit: Option<u64>,
        offset: u64,
    ) -> StorageResult<(Vec<Message>, u64)> {
        let mut tx = self.read_tx().await?;
        if !ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM support_messages WHERE ticket_id = ?")
                .bind(ticket.get())
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        // Ids increase with time, so id order is creation order (the memory backend's order).
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE ticket_id = ? \
             ORDER BY id DESC LIMIT ? OFFSET ?"
        ))
        .bind(ticket.get())
        .bind(limit.map_or(-1, clamp))
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
        let mut tx = self.write_tx().await?;
        if !ticket_exists(&mut tx, ticket).await? {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "UPDATE support_messages SET viewed = 1 WHERE id = ? AND ticket_id = ? \
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
        // Writes are serialized, so ids commit in order: a cursor never skips a reply.
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE sender = 'supp' AND id > ? \
             ORDER BY id LIMIT ?"
        ))
        .bind(after.get())
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }

    async fn last_reply_id(&self) -> StorageResult<MessageId> {
        let id: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(id), 0) FROM support_messages WHERE sender = 'supp'",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        Ok(MessageId::new(id))
    }

    async fn upsert_manager(&self, manager: ManagerUpsert) -> StorageResult<ManagerRecord> {
        let row: ManagerRow = sqlx::query_as(&format!(
            "INSERT INTO support_managers (username, first_name, last_name, password_hash) \
             VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET \
             first_name = excluded.first_name, last_name = excluded.last_name, \
             password_hash = COALESCE(excluded.password_hash, support_managers.password_hash) \
             RETURNING {MANAGER_COLUMNS}"
        ))
        .bind(&manager.username)
        .bind(&manager.first_name)
        .bind(&manager.last_name)
        .bind(&manager.password_hash)
        .fetch_one(&self.writer)
        .await
        .map_err(db)?;
        Ok(row.into())
    }

    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE id = ?"
        ))
        .bind(id.get())
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>> {
        let row: Option<ManagerRow> = sqlx::query_as(&format!(
            "SELECT {MANAGER_COLUMNS} FROM support_managers WHERE username = ?"
        ))
        .bind(username)
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn count_managers(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_managers")
            .fetch_one(&self.reader)
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
            "INSERT INTO support_sessions (token_hash, manager_id, expires_at) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO UPDATE SET \
             manager_id = excluded.manager_id, expires_at = excluded.expires_at",
        )
        .bind(token_hash)
        .bind(manager.get())
        .bind(expires_at.unix_micros())
        .execute(&self.writer)
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
            "SELECT manager_id FROM support_sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(token_hash)
        .bind(now.unix_micros())
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        Ok(id.map(ManagerId::new))
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM support_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn close(&self) {
        // Readers first: a TRUNCATE checkpoint needs no reader holding an old snapshot.
        self.reader.close().await;
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
        {
            tracing::warn!(%err, "sqlite: WAL checkpoint at close failed");
        }
        self.writer.close().await;
    }
}
