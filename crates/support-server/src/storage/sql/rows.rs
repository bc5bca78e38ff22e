//! The columns each query reads, the `FromRow` rows they land in, and the mapping to the wire
//! types: the one Rust place a new column goes. `FromRow` is implemented generically (by
//! `from_row!`), so the same rows decode from SQLite and Postgres.
//!
//! Row fields are `i64`, `bool`, `String` or an `Option` of one: the types the generic impls
//! require of both databases (`queries.rs`); another type means one more bound there. Integer
//! columns are `BIGINT` on Postgres (sqlx decodes an `i64` only from `INT8`) and `INTEGER` on
//! SQLite; times are microseconds since the epoch.

use support_protocol::{
    Delivery, DeliveryState, ManagerId, Message, MessageId, Sender, SupportManager, Ticket,
    TicketId, Timestamp,
};

use sqlx::{Database, Decode, Encode, Type};

use super::SqlBackend;
use crate::storage::{ManagerRecord, StorageError, StorageResult, WrittenMessage};

/// A type stored in a column: bound, read back and typed by the database `DB`.
pub(crate) trait Column<DB: Database>:
    for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync
{
}

impl<DB: Database, T> Column<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync
{
}

/// `SELECT` of a ticket `t` with its manager's public fields and its counters (`updated_at`,
/// `unread_count`: [`SqlBackend::TICKET_COUNTERS`], where the dialects differ); append a
/// `WHERE`/`ORDER BY` on `t`. The columns of [`TicketRow`].
pub(super) fn ticket_select<B: SqlBackend>() -> String {
    format!(
        "SELECT t.id, t.user_id, t.support_manager_id AS manager_id, \
         m.first_name AS manager_first_name, m.last_name AS manager_last_name, \
         m.username AS manager_username, \
         t.created_at, t.title, t.resolved, t.viewed_mark, {counters}, {USER_COLUMNS} \
         FROM support_tickets t LEFT JOIN support_managers m ON m.id = t.support_manager_id \
         LEFT JOIN support_users u ON u.telegram_id = t.user_id",
        counters = B::TICKET_COUNTERS
    )
}

/// The columns of [`MessageRow`], in `support_messages`.
pub(super) const MESSAGE_COLUMNS: &str =
    "id, ticket_id, created_at, sender, text, viewed, attachments";

/// `SELECT` of messages `m` with their deliveries `d` and their authors `a` (a
/// [`DeliveredRow`]); append a `WHERE`/`ORDER BY` on `m`.
pub(super) const MESSAGE_SELECT: &str = "SELECT m.id, m.ticket_id, m.created_at, m.sender, \
     m.text, m.viewed, m.attachments, d.state AS d_state, d.attempts AS d_attempts, \
     d.updated_at AS d_updated_at, d.telegram_message_id AS d_telegram_message_id, \
     d.error_code AS d_error_code, d.error AS d_error, a.id AS a_id, \
     a.username AS a_username, a.first_name AS a_first_name, a.last_name AS a_last_name \
     FROM support_messages m LEFT JOIN support_deliveries d ON d.message_id = m.id \
     LEFT JOIN support_managers a ON a.id = m.manager_id";

/// The columns of [`ManagerRow`], in `support_managers`.
pub(super) const MANAGER_COLUMNS: &str =
    "id, username, first_name, last_name, password_hash, active";

/// Stored data this build cannot interpret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct Corrupt(pub(super) String);

/// A database error as a storage error.
pub(super) fn db(err: sqlx::Error) -> StorageError {
    StorageError::backend(err)
}

/// The first of the numbers an event append returned, checked to be `expected` consecutive
/// numbers (the log's promise: no gaps, no sharing).
pub(super) fn first_of(numbers: &[i64], expected: usize) -> StorageResult<u64> {
    let (Some(min), Some(max)) = (numbers.iter().min(), numbers.iter().max()) else {
        return Ok(0);
    };
    let span = usize::try_from(max - min).ok().map(|s| s + 1);
    if numbers.len() != expected || span != Some(expected) || *min < 1 {
        return Err(StorageError::Backend(
            format!(
                "event log: {expected} events appended but numbers {min}..={max} ({} of them) came back",
                numbers.len()
            )
            .into(),
        ));
    }
    Ok(u64::try_from(*min).unwrap_or(0))
}

/// Whether a write failed on a foreign key (a message to an absent ticket); only the Postgres
/// backend asks.
#[cfg(feature = "postgres")]
pub(super) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

pub(super) fn timestamp(micros: i64) -> StorageResult<Timestamp> {
    Timestamp::from_unix_micros(micros).map_err(StorageError::backend)
}

/// A `COUNT(*)` as a count.
pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A `u64` paging value as a BIGINT (beyond `i64::MAX` means "no bound" anyway).
pub(super) fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `sqlx::FromRow` for a row struct, on any driver: each field read from the column of its name.
/// Fields are `i64`, `String`, `bool` or `Option`s of them.
///
/// Written out rather than `#[derive(sqlx::FromRow)]`: sqlx's `derive` feature makes its proc
/// macro depend on the enabled drivers, so every build compiled sqlx's drivers and SQLite's C
/// library twice (once into the proc macro), and each feature combination CI checks once more.
macro_rules! from_row {
    ($row:ident { $($field:ident),* $(,)? }) => {
        impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for $row
        where
            &'r str: sqlx::ColumnIndex<R>,
            i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        {
            fn from_row(row: &'r R) -> sqlx::Result<Self> {
                Ok(Self {
                    $($field: sqlx::Row::try_get(row, stringify!($field))?,)*
                })
            }
        }
    };
}

mod users;
pub(super) use users::{USER_COLUMNS, USER_TABLE_COLUMNS, UserColumns, UserRow};

/// The ticket's own columns of [`ticket_select`].
struct TicketColumns {
    id: i64,
    user_id: i64,
    manager_id: Option<i64>,
    manager_first_name: Option<String>,
    manager_last_name: Option<String>,
    manager_username: Option<String>,
    created_at: i64,
    title: String,
    resolved: bool,
    viewed_mark: bool,
    updated_at: i64,
    unread_count: i64,
}

from_row!(TicketColumns {
    id,
    user_id,
    manager_id,
    manager_first_name,
    manager_last_name,
    manager_username,
    created_at,
    title,
    resolved,
    viewed_mark,
    updated_at,
    unread_count,
});

/// A row of [`ticket_select`].
pub(super) struct TicketRow {
    ticket: TicketColumns,
    user: UserColumns,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for TicketRow
where
    TicketColumns: sqlx::FromRow<'r, R>,
    UserColumns: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Self {
            ticket: TicketColumns::from_row(row)?,
            user: UserColumns::from_row(row)?,
        })
    }
}

/// A manager's public form from the columns of a `LEFT JOIN` (`None` when absent).
pub(super) fn manager_of(
    id: Option<i64>,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
) -> Option<SupportManager> {
    match (id, username, first_name, last_name) {
        (Some(id), Some(username), Some(first), Some(last)) => Some(SupportManager::named(
            ManagerId::new(id),
            &first,
            &last,
            &username,
        )),
        _ => None,
    }
}

impl TicketRow {
    pub(super) fn into_ticket(self) -> StorageResult<Ticket> {
        let t = self.ticket;
        let support_manager = manager_of(
            t.manager_id,
            t.manager_username,
            t.manager_first_name,
            t.manager_last_name,
        );
        Ok(Ticket {
            id: TicketId::new(t.id),
            user: self.user.into_user(t.user_id),
            support_manager,
            created_at: timestamp(t.created_at)?,
            title: t.title,
            resolved: t.resolved,
            // The wire's `viewed` (migration 10): looked at, and nothing of the user's since.
            viewed: Some(t.viewed_mark && t.unread_count == 0),
            updated_at: Some(timestamp(t.updated_at)?),
            unread_count: Some(count(t.unread_count)),
            last_message: None,
        })
    }
}

/// A row of [`MESSAGE_COLUMNS`].
pub(super) struct MessageRow {
    id: i64,
    ticket_id: i64,
    created_at: i64,
    sender: String,
    text: String,
    viewed: bool,
    /// The wire attachments as a JSON array (schema version 6), `NULL` when none.
    attachments: Option<String>,
}

from_row!(MessageRow {
    id,
    ticket_id,
    created_at,
    sender,
    text,
    viewed,
    attachments,
});

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
            delivery: None,
            attachments: super::attachments::parse_list(self.id, self.attachments)?,
            manager: None,
        })
    }

    /// A message just inserted: a manager reply has the delivery the insert trigger made
    /// (`pending` since its creation, never tried), without reading it back.
    pub(super) fn into_new_message(self) -> StorageResult<Message> {
        let mut message = self.into_message()?;
        if message.sender == Sender::Supp {
            message.delivery = Some(Delivery::pending(message.created_at));
        }
        Ok(message)
    }
}

/// A row of [`MESSAGE_SELECT`]: the message and, when it has one, its delivery.
pub(super) struct DeliveredRow {
    message: MessageRow,
    d_state: Option<String>,
    d_attempts: Option<i64>,
    d_updated_at: Option<i64>,
    d_telegram_message_id: Option<i64>,
    d_error_code: Option<i64>,
    d_error: Option<String>,
    a_id: Option<i64>,
    a_username: Option<String>,
    a_first_name: Option<String>,
    a_last_name: Option<String>,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for DeliveredRow
where
    MessageRow: sqlx::FromRow<'r, R>,
    &'r str: sqlx::ColumnIndex<R>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Self {
            message: MessageRow::from_row(row)?,
            d_state: row.try_get("d_state")?,
            d_attempts: row.try_get("d_attempts")?,
            d_updated_at: row.try_get("d_updated_at")?,
            d_telegram_message_id: row.try_get("d_telegram_message_id")?,
            d_error_code: row.try_get("d_error_code")?,
            d_error: row.try_get("d_error")?,
            a_id: row.try_get("a_id")?,
            a_username: row.try_get("a_username")?,
            a_first_name: row.try_get("a_first_name")?,
            a_last_name: row.try_get("a_last_name")?,
        })
    }
}

impl DeliveredRow {
    pub(super) fn into_message(self) -> StorageResult<Message> {
        let id = self.message.id;
        let mut message = self.message.into_message()?;
        if message.sender == Sender::Supp {
            message.manager = manager_of(
                self.a_id,
                self.a_username,
                self.a_first_name,
                self.a_last_name,
            );
        }
        if let Some(state) = self.d_state {
            let state = DeliveryState::from_wire(&state).ok_or_else(|| {
                StorageError::backend(Corrupt(format!("delivery {id}: state {state:?}")))
            })?;
            message.delivery = Some(Delivery {
                state,
                attempts: u32::try_from(self.d_attempts.unwrap_or(0)).unwrap_or(u32::MAX),
                updated_at: timestamp(self.d_updated_at.unwrap_or(0))?,
                telegram_message_id: self.d_telegram_message_id,
                error_code: self.d_error_code.and_then(|c| i32::try_from(c).ok()),
                error: self.d_error,
            });
        }
        Ok(message)
    }
}

/// The columns a message insert returns besides [`MESSAGE_COLUMNS`]: the ticket's manager (the
/// audience of its event) and its user's `blocked` and `language_code`, as of the write; `ticket` is
/// the expression of the ticket's id. The columns of [`AudienceRow`]. (Postgres reads them in
/// its insert's CTE instead.)
#[cfg(feature = "sqlite")]
pub(super) fn written_columns(ticket: &str) -> String {
    format!(
        "(SELECT t.support_manager_id FROM support_tickets t WHERE t.id = {ticket}) AS audience, \
         (SELECT u.telegram_id FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_id, \
         (SELECT u.blocked FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_blocked, \
         (SELECT u.language_code FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_language_code, \
         (SELECT u.first_name FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_first_name, \
         (SELECT u.last_name FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_last_name, \
         (SELECT u.username FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_username, \
         (SELECT u.is_premium FROM support_tickets t JOIN support_users u \
         ON u.telegram_id = t.user_id WHERE t.id = {ticket}) AS user_is_premium"
    )
}

/// A new message with its ticket's manager and user: a [`MessageRow`]'s columns, `audience`,
/// `user_id` and the [`UserColumns`].
pub(super) struct AudienceRow {
    message: MessageRow,
    audience: Option<i64>,
    user_id: Option<i64>,
    user: UserColumns,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for AudienceRow
where
    MessageRow: sqlx::FromRow<'r, R>,
    UserColumns: sqlx::FromRow<'r, R>,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Self {
            message: MessageRow::from_row(row)?,
            audience: sqlx::Row::try_get(row, "audience")?,
            user_id: sqlx::Row::try_get(row, "user_id")?,
            user: UserColumns::from_row(row)?,
        })
    }
}

impl AudienceRow {
    pub(super) fn into_written(self) -> StorageResult<WrittenMessage> {
        let columns = self.user;
        let user = self.user_id.map(|id| columns.into_user(id));
        Ok(WrittenMessage {
            message: self.message.into_new_message()?,
            assignee: self.audience.map(ManagerId::new),
            user,
        })
    }
}

/// A row of [`MANAGER_COLUMNS`].
pub(super) struct ManagerRow {
    id: i64,
    username: String,
    first_name: String,
    last_name: String,
    password_hash: Option<String>,
    active: bool,
}

from_row!(ManagerRow {
    id,
    username,
    first_name,
    last_name,
    password_hash,
    active,
});

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
