//! [`SqlBackend`]: what differs between SQLite and Postgres, each difference a named item. The
//! rest of the SQL layer is written once against it.

use std::future::Future;

use sqlx::{Database, Pool, Transaction};
use support_protocol::Timestamp;

use super::migrate::Migration;
use super::statement::Statement;
use crate::storage::{NewMessageRecord, StorageResult, TicketSearch, WrittenMessage};

/// One SQL database as the shared storage logic sees it.
///
/// | difference | SQLite | Postgres |
/// |---|---|---|
/// | connections ([`reader`](Self::reader), [`writer`](Self::writer)) | one writer, four readers | one pool |
/// | write transaction ([`begin_write`](Self::begin_write)) | `BEGIN IMMEDIATE` (the file's write lock) | `BEGIN` |
/// | read snapshot ([`begin_snapshot`](Self::begin_snapshot)) | a deferred read transaction | `REPEATABLE READ READ ONLY` |
/// | row lock ([`LOCK_ROW`](Self::LOCK_ROW)) | none: the write transaction holds the database | `FOR NO KEY UPDATE` |
/// | claiming replies ([`CLAIM_LOCK`](Self::CLAIM_LOCK)) | none: the write transaction holds the database | `FOR UPDATE OF d SKIP LOCKED` |
/// | a filter that must not pick the index ([`FILTER_ONLY`](Self::FILTER_ONLY)) | `+column` | nothing: its planner has statistics |
/// | ticket counters ([`TICKET_COUNTERS`](Self::TICKET_COUNTERS)) | `unread_count` a column kept by triggers | both computed per read |
/// | clock ([`push_now`](Self::push_now)) | the process clock, read under the write lock | the database clock |
/// | new messages ([`insert_message`](Self::insert_message)) | group commit, one writer (`VALUES`) | group commit, two writers (`unnest`); replies and messages with files in a transaction, replies under the reply lock |
/// | event numbers ([`append_events`](Self::append_events)) | `AUTOINCREMENT` on the one writer | a counter row updated by the inserting statement |
/// | migrations ([`MIGRATIONS`](Self::MIGRATIONS), [`begin_migration`](Self::begin_migration)) | `migrations/sqlite/`, `BEGIN IMMEDIATE` | `migrations/postgres/`, an advisory lock across instances |
pub(crate) trait SqlBackend: Send + Sync + 'static {
    /// The sqlx database.
    type Db: Database;

    /// The backend's name for logs (`"sqlite"`, `"postgres"`).
    const NAME: &'static str;

    /// Appended to a `SELECT` of one ticket row in a write transaction, so a concurrent write of
    /// that row waits for this transaction to end.
    const LOCK_ROW: &'static str;

    /// Appended to the subquery that picks the replies a bot connection claims, so concurrent
    /// claims never pick the same row: nothing on SQLite (the write transaction holds the
    /// database), `FOR UPDATE OF d SKIP LOCKED` on Postgres (a concurrent claim takes the next
    /// rows instead of waiting).
    const CLAIM_LOCK: &'static str;

    /// Written before a column in a `WHERE` term that must only check the rows another term's
    /// index found, never pick its own index. SQLite plans without statistics (nothing runs
    /// `ANALYZE`), so between two equally usable indexes it may take the far less selective one;
    /// its unary `+` takes a term out of the choice. Postgres keeps statistics (autovacuum), and
    /// `+` is no operator on its booleans: nothing.
    const FILTER_ONLY: &'static str;

    /// The `updated_at` (the newest of the ticket's creation and its messages' times) and
    /// `unread_count` (user messages not viewed yet) columns of a `SELECT` of the ticket `t`.
    ///
    /// Where the counters live is a measured choice per database. SQLite writes one transaction
    /// at a time anyway, and a column kept by a trigger made its group commits write fewer
    /// pages (schema version 2). On Postgres a counter on the ticket row serializes every
    /// message to a ticket on that row's lock and costs a row update per message: 15% fewer
    /// message POSTs/s over 64 tickets and 56% fewer on one ticket (SPEC-NOTES, BENCHMARKS.md),
    /// so Postgres counts per read, through the partial index `support_messages_unread` and the
    /// `(ticket_id, id)` index.
    const TICKET_COUNTERS: &'static str;

    /// The schema's migrations in version order: the dialect's `migrations/` directory,
    /// embedded by `build.rs`.
    const MIGRATIONS: &'static [Migration];

    /// Connections for reads that need no snapshot.
    fn reader(&self) -> &Pool<Self::Db>;

    /// Connections for single-statement writes.
    fn writer(&self) -> &Pool<Self::Db>;

    /// A write transaction: its writes commit together, and no other write transaction of the
    /// ticket rows it locks ([`Self::LOCK_ROW`]) interleaves.
    fn begin_write(
        &self,
    ) -> impl Future<Output = StorageResult<Transaction<'static, Self::Db>>> + Send;

    /// A read-only transaction whose statements all see one snapshot (a page and its count).
    fn begin_snapshot(
        &self,
    ) -> impl Future<Output = StorageResult<Transaction<'static, Self::Db>>> + Send;

    /// The transaction the migrations run in, holding whatever keeps two processes from
    /// migrating at once.
    fn begin_migration(
        pool: &Pool<Self::Db>,
    ) -> impl Future<Output = StorageResult<Transaction<'static, Self::Db>>> + Send;

    /// Pushes the current time as microseconds since the epoch: a bind of `now` or the
    /// database's own clock. Called inside a write transaction, after [`Self::begin_write`], so
    /// that times never decrease as ids increase.
    fn push_now(statement: &mut Statement<'_, Self::Db>, now: Timestamp);

    /// Pushes the condition of a ticket search on the ticket `t` (see [`TicketSearch`] for what
    /// matches): the number, then the dialect's full-text match of the title, the user's names
    /// and the messages.
    fn push_search(statement: &mut Statement<'_, Self::Db>, search: &TicketSearch);

    /// Inserts one message, committed when the future completes, and returns it with its
    /// ticket's manager (the audience of its event) and user as of that commit.
    fn insert_message(
        &self,
        new: NewMessageRecord,
    ) -> impl Future<Output = StorageResult<WrittenMessage>> + Send;

    /// Appends events to `support_events` as consecutive numbers, committed when the future
    /// completes, and returns the first number. Appends commit in number order (see
    /// [`EventStore::append_events`](crate::storage::EventStore::append_events)).
    fn append_events(
        &self,
        payloads: Vec<String>,
    ) -> impl Future<Output = StorageResult<u64>> + Send;

    /// Flushes and closes every connection.
    fn close(&self) -> impl Future<Output = ()> + Send;
}
