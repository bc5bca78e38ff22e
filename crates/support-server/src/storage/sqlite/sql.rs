//! The SQL the backend shares between its methods, and row mapping.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use support_protocol::{
    ManagerId, Message, MessageId, Sender, SupportManager, TelegramId, TelegramUser, Ticket,
    TicketId, Timestamp,
};

use crate::storage::{ManagerRecord, NewMessageRecord, StorageError, StorageResult, TicketQuery};

pub(super) const TICKET_SELECT: &str = "SELECT t.id, t.user_id, t.support_manager_id AS manager_id, \
    m.first_name AS manager_first_name, m.last_name AS manager_last_name, \
    t.created_at, t.title, t.resolved, \
    MAX(t.created_at, COALESCE((SELECT n.created_at FROM support_messages n \
        WHERE n.ticket_id = t.id ORDER BY n.id DESC LIMIT 1), t.created_at)) AS updated_at, \
    t.unread_count \
    FROM support_tickets t LEFT JOIN support_managers m ON m.id = t.support_manager_id";

pub(super) const MESSAGE_COLUMNS: &str = "id, ticket_id, created_at, sender, text, viewed";

pub(super) const MANAGER_COLUMNS: &str =
    "id, username, first_name, last_name, password_hash, active";

/// Stored data this build cannot interpret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct Corrupt(pub(super) String);

pub(super) fn db(err: sqlx::Error) -> StorageError {
    StorageError::backend(err)
}

pub(super) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

pub(super) fn timestamp(micros: i64) -> StorageResult<Timestamp> {
    Timestamp::from_unix_micros(micros).map_err(StorageError::backend)
}

pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `u64` paging values as SQLite integers (beyond `i64::MAX` means "no bound" anyway).
pub(super) fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
pub(super) struct TicketRow {
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
    pub(super) fn into_ticket(self) -> StorageResult<Ticket> {
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
pub(super) struct MessageRow {
    id: i64,
    ticket_id: i64,
    created_at: i64,
    sender: String,
    text: String,
    viewed: bool,
}

impl MessageRow {
    pub(super) fn into_message(self) -> StorageResult<Message> {
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
pub(super) struct ManagerRow {
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

pub(super) async fn fetch_ticket(
    conn: &mut SqliteConnection,
    id: TicketId,
) -> StorageResult<Option<Ticket>> {
    let row: Option<TicketRow> = sqlx::query_as(&format!("{TICKET_SELECT} WHERE t.id = ?"))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    row.map(TicketRow::into_ticket).transpose()
}

pub(super) async fn ticket_exists(
    conn: &mut SqliteConnection,
    id: TicketId,
) -> StorageResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM support_tickets WHERE id = ?")
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    Ok(found.is_some())
}

/// Inserts a message in the caller's write transaction.
pub(super) async fn insert_message(
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

pub(super) fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, query: &TicketQuery) {
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
