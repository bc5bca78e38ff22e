//! The SQLite backend: one database file in WAL mode, migrations embedded.
//!
//! Two pools over the same file: a *writer* pool of exactly one connection, so every write is
//! serialized in-process and never meets `SQLITE_BUSY` from a sibling connection, and a *reader*
//! pool of several connections, which WAL lets run alongside the writer. Every write transaction
//! starts with `BEGIN IMMEDIATE`, so it holds the write lock from its first statement (another
//! process sharing the file waits up to the busy timeout instead of failing on a lock upgrade).
//!
//! `synchronous = FULL`: a commit is fsynced before the call returns, so an acknowledged write (a
//! 201) survives a power cut [S2]. The cost is one WAL fsync per write transaction (see the
//! conformance suite's timing of 1,000 concurrent inserts).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use support_protocol::{
    ManagerId, Message, MessageId, Sender, SupportManager, TelegramId, TelegramUser, Ticket,
    TicketId, Timestamp,
};

use super::{
    AssignOutcome, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord, Storage,
    StorageError, StorageResult, TicketChanges, TicketQuery,
};

/// Our migrations, applied in order and recorded in `support_schema_migrations`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    include_str!("../../migrations/sqlite/0001_initial.sql"),
)];

/// Our own version table: sqlx's `_sqlx_migrations` belongs to the host (sqlx issue 1189).
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS support_schema_migrations (
    version     INTEGER PRIMARY KEY NOT NULL,
    description TEXT    NOT NULL,
    applied_at  INTEGER NOT NULL
)";

/// How long a connection waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers in the pool; WAL readers do not block each other nor the writer.
const READERS: u32 = 4;
/// Writers queue for the single write connection; with an fsync per commit a burst of a few
/// thousand writes takes seconds, so allow a minute before reporting a failure.
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

const TICKET_SELECT: &str = "SELECT t.id, t.user_id, t.support_manager_id AS manager_id, \
    m.first_name AS manager_first_name, m.last_name AS manager_last_name, \
    t.created_at, t.title, t.resolved, \
    MAX(t.created_at, COALESCE((SELECT n.created_at FROM support_messages n \
        WHERE n.ticket_id = t.id ORDER BY n.id DESC LIMIT 1), t.created_at)) AS updated_at, \
    (SELECT COUNT(*) FROM support_messages u \
        WHERE u.ticket_id = t.id AND u.sender = 'user' AND u.viewed = 0) AS unread_count \
    FROM support_tickets t LEFT JOIN support_managers m ON m.id = t.support_manager_id";

const MESSAGE_COLUMNS: &str = "id, ticket_id, created_at, sender, text, viewed";

const MANAGER_COLUMNS: &str = "id, username, first_name, last_name, password_hash, active";

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
    /// (durable commits [S2]), foreign keys on, a busy timeout.
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
            .connect_with(options.clone())
            .await
            .map_err(StorageError::backend)?;
        migrate(&writer).await?;
        // Opened after the migrations, so no reader ever sees a half-built schema.
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        Ok(Self { writer, reader })
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

async fn migrate(pool: &SqlitePool) -> StorageResult<()> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StorageError::backend)?;
    // `Executor::execute(conn, raw_sql(..))`, not `raw_sql(..).execute(conn)`: the latter's
    // future is not `Send` for every lifetime, so a caller could not `tokio::spawn` a connect.
    sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(VERSION_TABLE))
        .await
        .map_err(StorageError::backend)?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM support_schema_migrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(StorageError::backend)?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StorageError::backend(Corrupt(format!(
            "database schema version {current} is newer than this build knows ({known})"
        ))));
    }
    for &(version, description, sql) in MIGRATIONS {
        if version <= current {
            continue;
        }
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(sql))
            .await
            .map_err(StorageError::backend)?;
        sqlx::query(
            "INSERT INTO support_schema_migrations (version, description, applied_at) \
             VALUES (?, ?, ?)",
        )
        .bind(version)
        .bind(description)
        .bind(Timestamp::now().unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(StorageError::backend)?;
    }
    tx.commit().await.map_err(StorageError::backend)
}

/// Stored data this build cannot interpret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Corrupt(String);

fn db(err: sqlx::Error) -> StorageError {
    StorageError::backend(err)
}

fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

fn timestamp(micros: i64) -> StorageResult<Timestamp> {
    Timestamp::from_unix_micros(micros).map_err(StorageError::backend)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `u64` paging values as SQLite integers (beyond `i64::MAX` means "no bound" anyway).
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    user_id: i64,
    manager_id: Option<i64>,
    manager_first_name: Option<String>,
    manager_last_name: Option<String>,
    created_at: i64,
    title: String,
    resolved: bool,
    updated_at: i64,
    unread_count: i64,
}

impl TicketRow {
    fn into_ticket(self) -> StorageResult<Ticket> {
        let support_manager = match (
            self.manager_id,
            self.manager_first_name,
            self.manager_last_name,
        ) {
            (Some(id), Some(first_name), Some(last_name)) => Some(SupportManager {
                id: ManagerId::new(id),
                first_name,
                last_name,
            }),
            _ => None,
        };
        Ok(Ticket {
            id: TicketId::new(self.id),
            user: TelegramUser {
                telegram_id: TelegramId::new(self.user_id),
            },
            support_manager,
            created_at: timestamp(self.created_at)?,
            title: self.title,
            resolved: self.resolved,
            updated_at: Some(timestamp(self.updated_at)?),
            unread_count: Some(count(self.unread_count)),
            last_message: None,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    ticket_id: i64,
    created_at: i64,
    sender: String,
    text: String,
    viewed: bool,
}

impl MessageRow {
    fn into_message(self) -> StorageResult<Message> {
        let sender = Sender::from_wire(&self.sender).ok_or_else(|| {
            StorageError::backend(Corrupt(format!(
                "message {}: sender {:?}",
                self.id, self.sender
            )))
        })?;
        Ok(Message {
            id: MessageId::new(self.id),
            created_at: timestamp(self.created_at)?,
            sender,
            text: self.text,
            viewed: self.viewed,
            ticket: TicketId::new(self.ticket_id),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ManagerRow {
    id: i64,
    username: String,
    first_name: String,
    last_name: String,
    password_hash: Option<String>,
    active: bool,
}

impl From<ManagerRow> for ManagerRecord {
    fn from(row: ManagerRow) -> Self {
        Self {
            id: ManagerId::new(row.id),
            username: row.username,
            first_name: row.first_name,
            last_name: row.last_name,
            password_hash: row.password_hash,
            active: row.active,
        }
    }
}

async fn fetch_ticket(conn: &mut SqliteConnection, id: TicketId) -> StorageResult<Option<Ticket>> {
    let row: Option<TicketRow> = sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.id = ?"))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.map(TicketRow::into_ticket).transpose()
}

async fn ticket_exists(conn: &mut SqliteConnection, id: TicketId) -> StorageResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM support_tickets WHERE id = ?")
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    Ok(found.is_some())
}

/// Inserts a message in the caller's write transaction.
async fn insert_message(
    conn: &mut SqliteConnection,
    new: &NewMessageRecord,
    now: Timestamp,
) -> StorageResult<Message> {
    let row: MessageRow = sqlx::query_as(&format!(
        "INSERT INTO support_messages (ticket_id, created_at, sender, text, viewed, manager_id) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(new.ticket.get())
    .bind(now.unix_micros())
    .bind(new.sender.as_str())
    .bind(&new.text)
    .bind(new.viewed)
    .bind(new.manager.map(ManagerId::get))
    .fetch_one(conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StorageError::TicketNotFound(new.ticket)
        } else {
            db(e)
        }
    })?;
    row.into_message()
}

fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, query: &TicketQuery) {
    let mut sep = " WHERE ";
    if let Some(user) = query.user_id {
        qb.push(sep).push("t.user_id = ").push_bind(user.get());
        sep = " AND ";
    }
    if let Some(resolved) = query.resolved {
        qb.push(sep).push("t.resolved = ").push_bind(resolved);
        sep = " AND ";
    }
    if let Some(manager) = query.manager {
        qb.push(sep)
            .push("t.support_manager_id = ")
            .push_bind(manager.get());
        sep = " AND ";
    }
    match query.manager_isnull {
        Some(true) => {
            qb.push(sep).push("t.support_manager_id IS NULL");
        }
        Some(false) => {
            qb.push(sep).push("t.support_manager_id IS NOT NULL");
        }
        None => {}
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
        let mut tx = self.write_tx().await?;
        // Taken under the write lock: created_at never decreases as ids increase.
        let now = Timestamp::now();
        if !ticket_exists(&mut tx, new.ticket).await? {
            return Err(StorageError::TicketNotFound(new.ticket));
        }
        let message = insert_message(&mut tx, &new, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(message)
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
