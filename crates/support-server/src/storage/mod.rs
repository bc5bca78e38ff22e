//! Persistence: the [`Storage`] traits and their backends.
//!
//! | backend | type | feature |
//! |---|---|---|
//! | SQLite (default; a file, WAL, migrations embedded) | `SqliteStorage` | `sqlite` (default) |
//! | Postgres | `PostgresStorage` | `postgres` |
//! | memory (tests, demos) | [`MemoryStorage`] | always |
//!
//! [`open`] picks one by URL (`sqlite://...`, `postgres://...`, `memory:`), as a program's
//! `--database` flag does.
//!
//! The storage is split along its concepts, each an object-safe trait a backend implements:
//!
//! | trait | what |
//! |---|---|
//! | [`TicketStore`] | Telegram users, tickets, messages, the bot's reply cursor |
//! | [`ManagerStore`] | manager accounts and login sessions |
//! | [`DeliveryStore`] | each reply's delivery to Telegram (leases, retries), blocked users, languages |
//! | [`AttachmentStore`] | uploads and the attachments of messages, where their bytes are |
//! | [`TeamStore`] | the team's private notes on tickets and its canned replies |
//! | [`EventStore`] | the numbered, bounded log of manager events that reconnecting managers resume from |
//! | [`Storage`] | all of the above, plus the backend's name and a graceful close |
//!
//! The router holds an `Arc<dyn Storage>` ([`DynStorage`]), so it does not care which backend
//! it runs on. SQLite and Postgres share one SQL layer (`sql/`): one place for every query and
//! row mapping, with what truly differs between the two named in its `SqlBackend` trait. Every
//! backend passes the same conformance suite, which a host's own backend can run too (the
//! `test-util` feature: `conformance`).
//!
//! Contract shared by all backends:
//! - ids are positive, unique, never reused and increase in insertion order;
//! - tickets list newest first (`created_at` desc, then `id` desc), messages newest first too;
//! - a successful write is committed before the call returns \[S2\];
//! - [`TicketStore::assign_ticket`] is atomic: of many concurrent non-forced attempts on one
//!   unassigned ticket exactly one wins;
//! - manager replies (`sender = supp`) become visible to [`TicketStore::replies_after`] in id
//!   order, so a cursor (the last reply id seen) never skips a reply committed later with a
//!   smaller id.

mod attachments;
mod by_url;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod conformance;
mod deliveries;
mod error;
mod events;
mod managers;
mod memory;
mod records;
mod search;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod team;
mod tickets;

use std::sync::Arc;

use async_trait::async_trait;

pub use attachments::{AttachmentStore, NewAttachmentRecord, StoredAttachment, Uploader};
pub use by_url::{DEFAULT_POSTGRES_POOL, OpenOptions, open, open_with};
pub use deliveries::{DeliveryChange, DeliveryStore, DeliveryUpdate};
pub use error::{StorageError, StorageResult};
pub use events::{EventSlice, EventStore};
pub use managers::ManagerStore;
pub use memory::{EVENT_RING_MAX_BYTES, EventRing, MemoryStorage};
pub use records::{
    AssignOutcome, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord, TicketChanges,
    TicketQuery, UserChange, UserReport, WrittenMessage,
};
pub use search::{SEARCH_MAX_CHARS, TicketOrder, TicketSearch};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sql::PostgresStorage;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sql::SqliteStorage;
pub use team::{NOTES_PER_TICKET, TeamStore};
pub use tickets::TicketStore;

/// The persistence the server needs: every concept's store, a name and a close. Object safe:
/// use it as `Arc<dyn Storage>` ([`DynStorage`]). Bring [`TicketStore`], [`ManagerStore`],
/// [`DeliveryStore`], [`EventStore`], [`AttachmentStore`] and [`TeamStore`] into scope to call
/// their methods on it.
#[async_trait]
pub trait Storage:
    TicketStore + ManagerStore + DeliveryStore + EventStore + AttachmentStore + TeamStore
{
    /// A short name for logs (`"sqlite"`, `"postgres"`, `"memory"`).
    fn backend_name(&self) -> &'static str;

    /// Flushes and closes (graceful shutdown). Later calls may fail.
    async fn close(&self);

    /// Whether the storage answers: the server's `/readyz` calls it. The default counts the
    /// managers, a cheap query that also fails when the tables are gone (a dropped schema),
    /// which a bare `SELECT 1` would not notice; a backend may answer more cheaply.
    async fn ping(&self) -> StorageResult<()> {
        self.count_managers().await.map(|_| ())
    }
}

/// A shared handle to any backend.
pub type DynStorage = Arc<dyn Storage>;
