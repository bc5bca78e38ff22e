//! The SQLite backend: one database file in WAL mode, migrations embedded. Its queries are the
//! shared SQL layer's; this file holds what is SQLite's own ([`SqlBackend`]).
//!
//! Two pools over the same file: a *writer* pool of exactly one connection, so every write is
//! serialized in-process and never meets `SQLITE_BUSY` from a sibling connection, and a *reader*
//! pool of several connections, which WAL lets run alongside the writer. Every write transaction
//! starts with `BEGIN IMMEDIATE`, so it holds the write lock from its first statement (another
//! process sharing the file waits up to the busy timeout instead of failing on a lock upgrade).
//! Holding the whole database, a write transaction needs no row locks.
//!
//! `synchronous = FULL`: a commit is fsynced before the call returns, so an acknowledged write (a
//! 201) survives a power cut \[S2\]. The cost is one WAL fsync per write transaction, so new
//! messages, the hot write, use group commit (`../batch.rs`; this backend's statement in
//! `batch.rs`): concurrent inserts share one transaction and one fsync, each caller answered
//! after that commit.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use support_protocol::Timestamp;

use super::SqlBackend;
use super::batch::MessageBatcher;
use super::migrate::{Migration, migrate};
use super::queries::Queries;
use super::rows::{db, first_of};
use super::statement::Statement;
use crate::storage::{NewMessageRecord, StorageError, StorageResult, TicketSearch, WrittenMessage};

mod batch;
#[cfg(test)]
mod tests;

/// How long a connection waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers in the pool; WAL readers do not block each other nor the writer.
const READERS: u32 = 4;
/// Writers queue for the single write connection; with an fsync per commit a burst of a few
/// thousand writes takes seconds, so allow a minute before reporting a failure.
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// A [`Storage`](crate::storage::Storage) in an SQLite file.
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
    /// New messages go through group commit (see `../batch.rs`).
    messages: MessageBatcher,
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
        migrate::<Self, Sqlite>(&writer).await?;
        // Opened after the migrations, so no reader ever sees a half-built schema.
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        // One writer task: there is one write connection.
        let messages = MessageBatcher::start(batch::SqliteGroupInsert(writer.clone()), 1);
        Ok(Self {
            writer,
            reader,
            messages,
        })
    }
}

impl SqlBackend for SqliteStorage {
    type Db = Sqlite;

    const NAME: &'static str = "sqlite";

    /// `BEGIN IMMEDIATE` holds the database's write lock: nothing to lock per row.
    const LOCK_ROW: &'static str = "";
    const CLAIM_LOCK: &'static str = "";
    const FILTER_ONLY: &'static str = "+";

    /// `unread_count` is a column kept by triggers (schema version 2); the activity time is the
    /// newest message's (through `support_messages_ticket`), never before the creation.
    const TICKET_COUNTERS: &'static str = "MAX(t.created_at, COALESCE((SELECT n.created_at \
        FROM support_messages n WHERE n.ticket_id = t.id ORDER BY n.id DESC LIMIT 1), \
        t.created_at)) AS updated_at, t.unread_count";

    /// `migrations/sqlite/*.sql`, listed by `build.rs`.
    const MIGRATIONS: &'static [Migration] =
        include!(concat!(env!("OUT_DIR"), "/migrations_sqlite.rs"));

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    async fn begin_write(&self) -> StorageResult<Transaction<'static, Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    async fn begin_snapshot(&self) -> StorageResult<Transaction<'static, Sqlite>> {
        // A deferred transaction reads one WAL snapshot from its first read to its end.
        self.reader.begin().await.map_err(db)
    }

    async fn begin_migration(pool: &SqlitePool) -> StorageResult<Transaction<'static, Sqlite>> {
        pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    /// The process clock, bound as a value. SQLite's own clock (`unixepoch('subsec')`) has
    /// only milliseconds; every write of this process is serialized on the writer, and the
    /// caller reads the clock under the write lock, so times never decrease as ids increase.
    fn push_now(statement: &mut Statement<'_, Sqlite>, now: Timestamp) {
        statement.push_bind(now.unix_micros());
    }

    fn push_search(statement: &mut Statement<'_, Sqlite>, search: &TicketSearch) {
        let number = statement.bind(search.number().unwrap_or(0));
        statement.push(&format!("(t.id = {number} OR t.user_id = {number}"));
        if !search.words().is_empty() {
            // FTS5: every word a prefix ("word"*), quoted so nothing in it is syntax (words are
            // letters and digits only).
            let q: Vec<String> = search.words().iter().map(|w| format!("\"{w}\"*")).collect();
            let q = statement.bind(q.join(" AND "));
            statement.push(&format!(
                " OR t.id IN (SELECT rowid FROM support_tickets_fts \
                 WHERE support_tickets_fts MATCH {q}) \
                 OR t.user_id IN (SELECT rowid FROM support_users_fts \
                 WHERE support_users_fts MATCH {q}) \
                 OR t.id IN (SELECT m.ticket_id FROM support_messages m WHERE m.id IN \
                 (SELECT rowid FROM support_messages_fts WHERE support_messages_fts MATCH {q}))"
            ));
        }
        statement.push(")");
    }

    async fn insert_message(&self, new: NewMessageRecord) -> StorageResult<WrittenMessage> {
        if !new.attachments.is_empty() {
            // Several statements (the message, each attachment, the list): a transaction on
            // the one writer, which orders it with the group commits.
            let mut tx = self.begin_write().await?;
            let written =
                Queries::<Self>::insert_with_attachments_in(&mut tx, new, Timestamp::now()).await?;
            tx.commit().await.map_err(db)?;
            return Ok(written);
        }
        // Group commit: many concurrent messages share one statement and one fsync, and the
        // audience comes from that same statement.
        self.messages.insert(new).await
    }

    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64> {
        if payloads.is_empty() {
            return Ok(0);
        }
        // The one writer serializes every write of this process, and the statement commits on
        // its own: numbers commit in order. Rowids follow the VALUES order.
        let mut numbers = Vec::with_capacity(payloads.len());
        let mut conn = self.writer.acquire().await.map_err(db)?;
        // 2 bound values per row stay far below SQLite's 32,766 variables.
        for chunk in payloads.chunks(4096) {
            let mut qb = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO support_events (payload, created_at) ",
            );
            let now = Timestamp::now().unix_micros();
            qb.push_values(chunk, |mut row, payload| {
                row.push_bind(payload.as_str()).push_bind(now);
            });
            qb.push(" RETURNING seq");
            let seqs: Vec<i64> = qb
                .build_query_scalar()
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
            numbers.extend(seqs);
        }
        first_of(&numbers, payloads.len())
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
