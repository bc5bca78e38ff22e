//! [`TicketStore`]: the conversation — Telegram users, their tickets and the messages in them.

use async_trait::async_trait;
use support_protocol::{ManagerId, Message, MessageId, TelegramId, Ticket, TicketId};

use super::{
    AssignOutcome, NewMessageRecord, NewTicketRecord, StorageError, StorageResult, TicketChanges,
    TicketQuery, WrittenMessage,
};

/// Users, tickets and messages. Object safe; part of every [`Storage`](super::Storage).
///
/// Tickets returned by every method carry the extensions `updated_at` (newest message time, or
/// creation) and `unread_count` (user messages not yet viewed); `last_message` stays `None`
/// ([`TicketStore::last_messages`] reads those).
#[async_trait]
pub trait TicketStore: Send + Sync + 'static {
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
    /// needs (its audience), without the full ticket. The default reads the whole ticket;
    /// backends override it with a single-row lookup.
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
    /// and, where the backend reads it with the write, the ticket's user, as of the write. The
    /// default is [`TicketStore::ticket_manager`] then [`TicketStore::create_message`] (no
    /// user); a backend may answer all of it from one statement.
    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<WrittenMessage> {
        let assignee = self
            .ticket_manager(new.ticket)
            .await?
            .ok_or(StorageError::TicketNotFound(new.ticket))?;
        Ok(WrittenMessage {
            message: self.create_message(new).await?,
            assignee,
            user: None,
        })
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
    /// The newest message of each of `tickets` that has one, in no particular order: the
    /// `last_message` of a ticket list. The default asks [`TicketStore::list_messages`] once per
    /// ticket; backends override it with one query.
    async fn last_messages(&self, tickets: &[TicketId]) -> StorageResult<Vec<Message>> {
        let mut found = Vec::with_capacity(tickets.len());
        for &ticket in tickets {
            match self.list_messages(ticket, Some(1), 0).await {
                Ok((mut newest, _)) => found.extend(newest.pop()),
                Err(StorageError::TicketNotFound(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(found)
    }
    /// Manager replies (`sender = supp`) with an id greater than `after`, in id order, at most
    /// `limit` of them. The bot websocket's cursor is the last id seen \[W9\].
    async fn replies_after(&self, after: MessageId, limit: u32) -> StorageResult<Vec<Message>>;
    /// The id of the newest manager reply (0 if none): where a new bot starts.
    async fn last_reply_id(&self) -> StorageResult<MessageId>;
}
