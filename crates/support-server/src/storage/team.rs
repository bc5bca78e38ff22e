//! [`TeamStore`]: what the support team keeps for itself (extension): private notes on tickets
//! and the shared library of canned replies.

use async_trait::async_trait;
use support_protocol::{CannedReply, ManagerId, Note, TicketId};

use super::StorageResult;

/// The most notes a ticket's list returns (the newest of them, oldest first).
pub const NOTES_PER_TICKET: u32 = 500;

/// Notes and canned replies. Object safe; part of every [`Storage`](super::Storage).
#[async_trait]
pub trait TeamStore: Send + Sync + 'static {
    /// Writes a note of `manager` on `ticket` (text validated and trimmed);
    /// `TicketNotFound` if the ticket is absent.
    async fn create_note(
        &self,
        ticket: TicketId,
        manager: ManagerId,
        text: String,
    ) -> StorageResult<Note>;

    /// The newest [`NOTES_PER_TICKET`] notes of `ticket`, oldest first, with their authors;
    /// `TicketNotFound` if the ticket is absent.
    async fn list_notes(&self, ticket: TicketId) -> StorageResult<Vec<Note>>;

    /// Every canned reply, by title (then id).
    async fn list_canned(&self) -> StorageResult<Vec<CannedReply>>;

    /// Adds a canned reply (title and text validated and trimmed).
    async fn create_canned(&self, title: String, text: String) -> StorageResult<CannedReply>;

    /// Changes a canned reply (`None` keeps a field); `None` if there is no such reply.
    async fn update_canned(
        &self,
        id: i64,
        title: Option<String>,
        text: Option<String>,
    ) -> StorageResult<Option<CannedReply>>;

    /// Deletes a canned reply; `false` if there was none.
    async fn delete_canned(&self, id: i64) -> StorageResult<bool>;

    /// How many canned replies there are (the library is bounded).
    async fn count_canned(&self) -> StorageResult<u64>;
}
