//! The SQL layer SQLite and Postgres share: every query, the row mapping and the storage logic
//! are written once here, generic over a [`SqlBackend`] that names what truly differs.
//!
//! | file | what |
//! |---|---|
//! | `backend.rs` | [`SqlBackend`]: the dialect differences, each a named item |
//! | `rows.rs` | the tables' columns, `FromRow` rows and their mapping to the wire types |
//! | `statement.rs` | [`Statement`](statement::Statement): SQL text and arguments built at run time |
//! | `queries.rs` | the shared statements and helpers (filters, the first message, a ticket) |
//! | `tickets.rs`, `managers.rs`, `deliveries.rs`, `events.rs` | [`TicketStore`](super::TicketStore), [`ManagerStore`](super::ManagerStore), [`DeliveryStore`](super::DeliveryStore) and [`EventStore`](super::EventStore), once for both |
//! | `attachments.rs` | [`AttachmentStore`](super::AttachmentStore), and a message's attachments written in its transaction |
//! | `batch.rs` | group commit of new messages: writer tasks, one statement per batch (each dialect's in its folder) |
//! | `migrate.rs` | the migration runner and our own `support_schema_migrations` table |
//! | `sqlite/` | [`SqliteStorage`]: two pools, `BEGIN IMMEDIATE`, its batch statement |
//! | `postgres/` | [`PostgresStorage`]: one pool, row locks, the reply lock, its batch statement |
//!
//! Every statement uses `$1`-style placeholders, which both drivers accept (sqlx's SQLite
//! driver binds `$N` by number).
//! Both schemas have the same tables and columns but one: SQLite keeps `unread_count` on the
//! ticket row, Postgres counts it per read (`SqlBackend::TICKET_COUNTERS` says why).
//!
//! Adding a column: one migration file per dialect (`migrations/{sqlite,postgres}/`, picked up
//! by `build.rs`), then the column in `rows.rs` (its list, its row
//! struct, its mapping); a column that a write sets also goes into that write in `queries.rs`
//! or `tickets.rs`.

mod attachments;
mod backend;
mod batch;
mod deliveries;
mod events;
mod managers;
mod migrate;
#[cfg(feature = "postgres")]
mod postgres;
mod queries;
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;
mod statement;
mod team;
mod tickets;

pub(crate) use backend::SqlBackend;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;

use async_trait::async_trait;

use super::Storage;

#[async_trait]
impl<B> Storage for B
where
    B: SqlBackend,
    B: super::TicketStore
        + super::ManagerStore
        + super::DeliveryStore
        + super::EventStore
        + super::AttachmentStore
        + super::TeamStore,
{
    fn backend_name(&self) -> &'static str {
        B::NAME
    }

    async fn close(&self) {
        SqlBackend::close(self).await;
    }
}
