//! The Postgres backend: several server instances can share one database \[S3\]. Its queries
//! are the shared SQL layer's; this file holds what is Postgres's own ([`SqlBackend`]).
//!
//! - Migrations are embedded and recorded in our own `support_schema_migrations` table, applied in
//!   one transaction holding `pg_advisory_xact_lock(MIGRATION_LOCK)`, so instances starting
//!   together migrate exactly once. Tables live in the first schema of the `search_path`.
//! - Ids come from identity columns (BIGINT); timestamps are BIGINT microseconds from the
//!   database clock, so all instances agree on one clock and precision is exact.
//! - An assignment reads the ticket's holder `FOR NO KEY UPDATE` and a message insert `FOR
//!   SHARE`, so an assignment and the messages of its ticket serialize (the audience of each
//!   message is exact) while messages to one ticket do not wait for each other.
//! - A manager reply (`sender = supp`) is inserted under `pg_advisory_xact_lock(REPLY_LOCK)`:
//!   reply ids are drawn and committed one transaction at a time, so a reply with a smaller id
//!   is always visible before one with a larger id and the bot's cursor
//!   ([`TicketStore::replies_after`](crate::storage::TicketStore::replies_after)) never skips
//!   one. User messages do not take the lock.
//! - User messages without attachments, the hot write, go through group commit (`../batch.rs`,
//!   this backend's statement in `batch.rs`): `MESSAGE_WRITERS` batches in flight, each one
//!   statement and one WAL flush.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};
use support_protocol::{ManagerId, Sender, Timestamp};

use super::SqlBackend;
use super::batch::MessageBatcher;
use super::migrate::{Migration, migrate};
use super::queries::Queries;
use super::rows::{
    AudienceRow, MESSAGE_COLUMNS, USER_COLUMNS, db, first_of, is_foreign_key_violation,
};
use super::statement::Statement;
use crate::storage::{NewMessageRecord, StorageError, StorageResult, TicketSearch, WrittenMessage};

mod batch;

/// Group-commit writers: batches of user messages committing at once. Each holds a pool
/// connection only while its statement runs. 1, 2, 4 and 8 were measured: BENCHMARKS.md,
/// "Round three (issue 18)", goal 1.
const MESSAGE_WRITERS: usize = 2;
/// How long a request waits for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// Advisory lock key serializing migrations across instances (ASCII "supmigr" + 1).
const MIGRATION_LOCK: i64 = 0x7375_706d_6967_7201;
/// Advisory lock key serializing manager-reply inserts (ASCII "suprepl" + 1).
const REPLY_LOCK: i64 = 0x7375_7072_6570_6c01;
/// The database clock in our unit: microseconds since the epoch. `clock_timestamp()`, not
/// `now()`: the time of the statement, not of its transaction's start.
const CLOCK_MICROS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT";

/// A [`Storage`](crate::storage::Storage) in Postgres.
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
    /// User messages without attachments go through group commit (see `batch.rs`).
    messages: MessageBatcher,
    /// One connection of its own for the event log's appends: the server's appender numbers
    /// every event through it, and behind the requests queueing for `pool` under load each
    /// batch of events waited as long as a request (measured: (b) under load p50 15 → 36 ms).
    /// Opened on first use, with the same options.
    events: PgPool,
}

impl PostgresStorage {
    /// Connects to the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let options: PgConnectOptions = url.parse().map_err(StorageError::backend)?;
        Self::connect_with(options).await
    }

    /// Connects with `options` (e.g. with a `search_path` set through
    /// [`PgConnectOptions::options`]) and a pool of
    /// [`DEFAULT_POSTGRES_POOL`](crate::storage::DEFAULT_POSTGRES_POOL) connections, and applies
    /// the migrations.
    pub async fn connect_with(options: PgConnectOptions) -> StorageResult<Self> {
        Self::connect_with_pool(options, crate::storage::DEFAULT_POSTGRES_POOL).await
    }

    /// Connects with `options` and a pool of `size` connections (at least 2: the message
    /// writers must not take every connection), and applies the migrations. The event log's
    /// appends use one more connection of their own.
    pub async fn connect_with_pool(options: PgConnectOptions, size: u32) -> StorageResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(size.max(2))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (shared with the host, for example) and applies the migrations.
    pub async fn from_pool(pool: PgPool) -> StorageResult<Self> {
        Self::migrate(&pool).await?;
        let events = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with((*pool.connect_options()).clone());
        let writers = MESSAGE_WRITERS.min(pool.options().get_max_connections() as usize / 2);
        let messages = MessageBatcher::start(batch::PostgresGroupInsert(pool.clone()), writers);
        Ok(Self {
            pool,
            messages,
            events,
        })
    }

    /// Applies our migrations to the database of `pool` (what [`Self::from_pool`] does first).
    pub(crate) async fn migrate(pool: &PgPool) -> StorageResult<()> {
        migrate::<Self, Postgres>(pool).await
    }

    /// The pool, e.g. for the Postgres event hub's LISTEN/NOTIFY.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl SqlBackend for PostgresStorage {
    type Db = Postgres;

    const NAME: &'static str = "postgres";

    /// Not `FOR UPDATE`: no key column changes, so foreign-key checks of concurrent message
    /// inserts into the ticket (`FOR KEY SHARE`) need not wait. It does wait for the message
    /// inserts that read the ticket's holder `FOR SHARE` (`insert_with_audience`).
    const LOCK_ROW: &'static str = " FOR NO KEY UPDATE";
    const CLAIM_LOCK: &'static str = " FOR UPDATE OF d SKIP LOCKED";
    const FILTER_ONLY: &'static str = "";

    /// Both counted per read (see [`SqlBackend::TICKET_COUNTERS`] for why): the newest message
    /// through `support_messages_ticket`, unread ones through the partial index
    /// `support_messages_unread`.
    const TICKET_COUNTERS: &'static str = "GREATEST(t.created_at, (SELECT n.created_at \
        FROM support_messages n WHERE n.ticket_id = t.id ORDER BY n.id DESC LIMIT 1)) \
        AS updated_at, (SELECT COUNT(*) FROM support_messages u WHERE u.ticket_id = t.id \
        AND u.sender = 'user' AND NOT u.viewed) AS unread_count";

    /// `migrations/postgres/*.sql`, listed by `build.rs`.
    const MIGRATIONS: &'static [Migration] =
        include!(concat!(env!("OUT_DIR"), "/migrations_postgres.rs"));

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> StorageResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db)
    }

    async fn begin_snapshot(&self) -> StorageResult<Transaction<'static, Postgres>> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db)
    }

    async fn begin_migration(pool: &PgPool) -> StorageResult<Transaction<'static, Postgres>> {
        let mut tx = pool.begin().await.map_err(db)?;
        // Held to the end of the transaction: a concurrently starting instance waits here, then
        // finds the migrations applied.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Ok(tx)
    }

    /// The database clock, so that every instance agrees on one.
    fn push_now(statement: &mut Statement<'_, Postgres>, _now: Timestamp) {
        statement.push(CLOCK_MICROS);
    }

    fn push_search(statement: &mut Statement<'_, Postgres>, search: &TicketSearch) {
        let number = statement.bind(search.number().unwrap_or(0));
        statement.push(&format!("(t.id = {number} OR t.user_id = {number}"));
        if !search.words().is_empty() {
            // tsquery: every word a prefix ('word':*), quoted (words are letters and digits
            // only); the expressions are those of the GIN indexes (schema version 8).
            let q: Vec<String> = search.words().iter().map(|w| format!("'{w}':*")).collect();
            let q = statement.bind(q.join(" & "));
            statement.push(&format!(
                " OR to_tsvector('simple', t.title) @@ to_tsquery('simple', {q}) \
                 OR t.user_id IN (SELECT telegram_id FROM support_users WHERE \
                 to_tsvector('simple', COALESCE(first_name, '') || ' ' || \
                 COALESCE(last_name, '') || ' ' || COALESCE(username, '')) \
                 @@ to_tsquery('simple', {q})) \
                 OR t.id IN (SELECT m.ticket_id FROM support_messages m WHERE \
                 to_tsvector('simple', m.text) @@ to_tsquery('simple', {q}))"
            ));
        }
        statement.push(")");
    }

    async fn insert_message(&self, new: NewMessageRecord) -> StorageResult<WrittenMessage> {
        if new.sender == Sender::Supp || !new.attachments.is_empty() {
            let started = std::time::Instant::now();
            let written = self.insert_in_transaction(new).await;
            crate::metrics::storage_commit("postgres", started.elapsed(), 1);
            written
        } else {
            // Group commit (timed per batch by the writers): concurrent messages share one
            // statement and one WAL flush.
            self.messages.insert(new).await
        }
    }

    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64> {
        let count = payloads.len();
        // One statement: the counter row's update and the inserts commit together, and the row
        // lock orders concurrent appends from every instance (the migration says why).
        let seqs: Vec<i64> = sqlx::query_scalar(&format!(
            "WITH n AS (UPDATE support_event_counter SET last = last + cardinality($1::TEXT[]) \
             WHERE id = 1 RETURNING last) \
             INSERT INTO support_events (seq, payload, created_at) \
             SELECT n.last - cardinality($1::TEXT[]) + p.ord, p.payload, {CLOCK_MICROS} \
             FROM n, unnest($1::TEXT[]) WITH ORDINALITY AS p(payload, ord) RETURNING seq"
        ))
        .bind(payloads)
        .fetch_all(&self.events)
        .await
        .map_err(db)?;
        first_of(&seqs, count)
    }

    async fn close(&self) {
        self.events.close().await;
        self.pool.close().await;
    }
}

impl PostgresStorage {
    /// A reply (under the reply lock, held until commit) or a message with attachments (which
    /// commit with it): an explicit transaction each.
    async fn insert_in_transaction(&self, new: NewMessageRecord) -> StorageResult<WrittenMessage> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if new.sender == Sender::Supp {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(REPLY_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let created = if new.attachments.is_empty() {
            insert_with_audience(&mut tx, &new).await?
        } else {
            Queries::<Self>::insert_with_attachments_in(&mut tx, new, Timestamp::now()).await?
        };
        tx.commit().await.map_err(db)?;
        Ok(created)
    }
}

/// Inserts a message and reads its ticket's manager in one statement. The ticket row is locked
/// `FOR SHARE` first, so a concurrent assignment ([`SqlBackend::LOCK_ROW`]) commits either
/// before (and this message's audience is the new manager) or after this statement's
/// transaction (and the assignment's event follows this message's). `FOR SHARE`, not a write
/// lock: messages to one ticket do not wait for each other.
async fn insert_with_audience(
    conn: &mut PgConnection,
    new: &NewMessageRecord,
) -> StorageResult<WrittenMessage> {
    let row: Option<AudienceRow> = sqlx::query_as(&format!(
        "WITH t AS (SELECT id, support_manager_id, user_id FROM support_tickets \
         WHERE id = $1 FOR SHARE), \
         m AS (INSERT INTO support_messages (ticket_id, sender, text, viewed, manager_id) \
         SELECT t.id, $2, $3, $4, $5 FROM t RETURNING {MESSAGE_COLUMNS}) \
         SELECT m.*, t.support_manager_id AS audience, u.telegram_id AS user_id, \
         {USER_COLUMNS} \
         FROM m CROSS JOIN t LEFT JOIN support_users u ON u.telegram_id = t.user_id"
    ))
    .bind(new.ticket.get())
    .bind(new.sender.as_str())
    .bind(&new.text)
    .bind(new.viewed)
    .bind(new.manager.map(ManagerId::get))
    .fetch_optional(conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StorageError::TicketNotFound(new.ticket)
        } else {
            db(e)
        }
    })?;
    row.ok_or(StorageError::TicketNotFound(new.ticket))?
        .into_written()
}
