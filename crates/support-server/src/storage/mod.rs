//! Persistence: the [`Storage`] trait and its backends.
//!
//! | backend | type | feature |
//! |---|---|---|
//! | SQLite (default; a file, WAL, migrations embedded) | `SqliteStorage` | `sqlite` (default) |
//! | Postgres | `PostgresStorage` | `postgres` |
//! | memory (tests, demos) | [`MemoryStorage`] | always |
//!
//! The trait is object safe (`Arc<dyn Storage>`), so the router does not care which backend it
//! runs on. Every backend passes the same conformance suite (`tests/storage_conformance.rs`).
//!
//! Contract shared by all backends:
//! - ids are positive, unique, never reused and increase in insertion order;
//! - tickets list newest first (`created_at` desc, then `id` desc), messages newest first too;
//! - a successful write is committed before the call returns \[S2\];
//! - [`Storage::assign_ticket`] is atomic: of many concurrent non-forced attempts on one
//!   unassigned ticket exactly one wins;
//! - manager replies (`sender = supp`) become visible to [`Storage::replies_after`] in id order,
//!   so a cursor (the last reply id seen) never skips a reply committed later with a smaller id.

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use support_protocol::{
    ManagerId, Message, MessageId, Sender, SupportManager, TelegramId, Ticket, TicketId, Timestamp,
};

pub use memory::MemoryStorage;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The ticket does not exist.
    #[error("ticket {0} not found")]
    TicketNotFound(TicketId),
    /// The message does not exist (or belongs to another ticket).
    #[error("message {0} not found")]
    MessageNotFound(MessageId),
    /// The manager does not exist.
    #[error("manager {0} not found")]
    ManagerNotFound(ManagerId),
    /// A uniqueness rule was broken (e.g. a manager username taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed (I/O, connection, corrupt data).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// Wraps a backend error.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }
}

/// Result alias of this module.
pub type StorageResult<T> = Result<T, StorageError>;

/// A ticket to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicketRecord {
    /// The Telegram user (registered if not known yet).
    pub user_id: TelegramId,
    /// The validated, trimmed title.
    pub title: String,
    /// Created resolved (the original accepts `resolved` on create).
    pub resolved: bool,
    /// The validated first user message, created in the same transaction \[R2\].
    pub first_message: Option<String>,
}

/// A message to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessageRecord {
    /// The ticket; [`StorageError::TicketNotFound`] if absent.
    pub ticket: TicketId,
    /// Who writes it.
    pub sender: Sender,
    /// The validated, trimmed text.
    pub text: String,
    /// Created already viewed (manager messages are).
    pub viewed: bool,
    /// The manager who wrote it, for `sender = supp`.
    pub manager: Option<ManagerId>,
}

/// Filters and paging of a ticket list; every filter that is `Some` applies (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// Only this user's tickets.
    pub user_id: Option<TelegramId>,
    /// Only resolved / open tickets.
    pub resolved: Option<bool>,
    /// Only tickets assigned to this manager.
    pub manager: Option<ManagerId>,
    /// Only tickets without (`true`) or with (`false`) a manager.
    pub manager_isnull: Option<bool>,
    /// At most this many (all if `None`).
    pub limit: Option<u64>,
    /// Skip this many.
    pub offset: u64,
}

/// Changes to a ticket; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketChanges {
    /// A new validated title.
    pub title: Option<String>,
    /// Resolve or reopen.
    pub resolved: Option<bool>,
}

/// The result of [`Storage::assign_ticket`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    /// The ticket is now assigned to the asking manager.
    Assigned {
        /// The ticket after the change.
        ticket: Ticket,
        /// Who held it before (a takeover), if anyone.
        previous: Option<ManagerId>,
    },
    /// Not forced and another manager holds it; nothing changed.
    AlreadyAssigned {
        /// The ticket as it is.
        ticket: Ticket,
    },
}

/// A manager as stored, with credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerRecord {
    /// The id.
    pub id: ManagerId,
    /// The unique login name.
    pub username: String,
    /// First name, possibly empty.
    pub first_name: String,
    /// Last name, possibly empty.
    pub last_name: String,
    /// The argon2 PHC string, if the manager may log in with a password.
    pub password_hash: Option<String>,
    /// Inactive managers cannot log in.
    pub active: bool,
}

impl ManagerRecord {
    /// The wire form `{"id", "first_name", "last_name"}`.
    pub fn public(&self) -> SupportManager {
        SupportManager {
            id: self.id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
        }
    }
}

/// A manager to create or update (matched by `username`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerUpsert {
    /// The unique login name.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The argon2 PHC string; `None` keeps the stored one on update.
    pub password_hash: Option<String>,
}

/// The persistence the server needs. Object safe: use it as `Arc<dyn Storage>`.
///
/// Tickets returned by every method carry the extensions `updated_at` (newest message time, or
/// creation) and `unread_count` (user messages not yet viewed); `last_message` stays `None`.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// A short name for logs (`"sqlite"`, `"postgres"`, `"memory"`).
    fn backend_name(&self) -> &'static str;

    /// Records a Telegram user id as known (idempotent).
    async fn register_user(&self, user: TelegramId) -> StorageResult<()>;
    /// Whether the user id has been registered.
    async fn user_exists(&self, user: TelegramId) -> StorageResult<bool>;

    /// Creates a ticket (and its first message, atomically) and registers the user.
    async fn create_ticket(&self, new: NewTicketRecord)
    -> StorageResult<(Ticket, Option<Message>)>;
    /// One ticket.
    async fn get_ticket(&self, id: TicketId) -> StorageResult<Option<Ticket>>;
    /// Whether the ticket exists (`None` if not) and its manager: what publishing a new message
    /// needs (its audience), without the full ticket's computed extensions. The default reads
    /// the whole ticket; backends override it with a single-row lookup.
    async fn ticket_manager(&self, id: TicketId) -> StorageResult<Option<Option<ManagerId>>> {
        Ok(self.get_ticket(id).await?.map(|t| t.manager_id()))
    }
    /// A page of tickets, newest first, and the total count matching the filters.
    async fn list_tickets(&self, query: &TicketQuery) -> StorageResult<(Vec<Ticket>, u64)>;
    /// Applies changes; `TicketNotFound` if absent.
    async fn update_ticket(&self, id: TicketId, changes: TicketChanges) -> StorageResult<Ticket>;
    /// Assigns atomically. Without `force`, a ticket held by another manager is left alone
    /// ([`AssignOutcome::AlreadyAssigned`]); assigning to the current holder succeeds
    /// (`previous` is that same manager). `TicketNotFound` / `ManagerNotFound` if absent.
    async fn assign_ticket(
        &self,
        id: TicketId,
        manager: ManagerId,
        force: bool,
    ) -> StorageResult<AssignOutcome>;

    /// Creates a message; `TicketNotFound` if the ticket is absent.
    async fn create_message(&self, new: NewMessageRecord) -> StorageResult<Message>;
    /// Creates a message and returns it with the ticket's manager (the audience of its event)
    /// as of the write. The default is [`Storage::ticket_manager`] then
    /// [`Storage::create_message`]; a backend may answer both from one transaction.
    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<(Message, Option<ManagerId>)> {
        let manager = self
            .ticket_manager(new.ticket)
            .await?
            .ok_or(StorageError::TicketNotFound(new.ticket))?;
        Ok((self.create_message(new).await?, manager))
    }
    /// A page of a ticket's messages, newest first, and their total count; `TicketNotFound` if
    /// the ticket is absent.
    async fn list_messages(
        &self,
        ticket: TicketId,
        limit: Option<u64>,
        offset: u64,
    ) -> StorageResult<(Vec<Message>, u64)>;
    /// Marks a message of that ticket viewed and returns it. `TicketNotFound` if the ticket is
    /// absent, `MessageNotFound` if the message is absent or of another ticket.
    async fn mark_viewed(&self, ticket: TicketId, message: MessageId) -> StorageResult<Message>;
    /// Manager replies (`sender = supp`) with an id greater than `after`, in id order, at most
    /// `limit` of them. The bot websocket's cursor is the last id seen \[W9\].
    async fn replies_after(&self, after: MessageId, limit: u32) -> StorageResult<Vec<Message>>;
    /// The id of the newest manager reply (0 if none): where a new bot starts.
    async fn last_reply_id(&self) -> StorageResult<MessageId>;

    /// Creates a manager, or updates the one with that username.
    async fn upsert_manager(&self, manager: ManagerUpsert) -> StorageResult<ManagerRecord>;
    /// A manager by id.
    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>>;
    /// A manager by username.
    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>>;
    /// How many managers exist.
    async fn count_managers(&self) -> StorageResult<u64>;

    /// Stores a login session (the SHA-256 of its token, never the token) until `expires_at`.
    async fn create_session(
        &self,
        token_hash: &str,
        manager: ManagerId,
        expires_at: Timestamp,
    ) -> StorageResult<()>;
    /// The manager of a session that has not expired at `now`.
    async fn session_manager(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StorageResult<Option<ManagerId>>;
    /// Deletes a session (logout); absent sessions are fine.
    async fn delete_session(&self, token_hash: &str) -> StorageResult<()>;

    /// Flushes and closes (graceful shutdown). Later calls may fail.
    async fn close(&self);
}

/// A shared handle to any backend.
pub type DynStorage = Arc<dyn Storage>;
