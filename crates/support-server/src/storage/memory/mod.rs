//! The in-memory backend: everything in one `Mutex`, for tests and demos. Nothing survives a
//! restart. `TicketStore` here; `DeliveryStore` in `deliveries.rs`, `ManagerStore` in
//! `managers.rs`, attachments in `attachments.rs`, the event log in `events.rs`.

mod attachments;
mod deliveries;
mod events;
mod managers;
mod team;

pub use self::events::{EVENT_RING_MAX_BYTES, EventRing};

use self::deliveries::Schedule;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use support_protocol::{
    AttachmentId, Delivery, ManagerId, Message, MessageId, Sender, TelegramId, TelegramUser,
    Ticket, TicketId, Timestamp,
};

use super::{
    AssignOutcome, ManagerRecord, NewMessageRecord, NewTicketRecord, Storage, StorageError,
    StorageResult, TicketChanges, TicketOrder, TicketQuery, TicketSearch, TicketStore,
    WrittenMessage,
};

/// What is known of a Telegram user besides the id.
#[derive(Debug, Clone, Default)]
pub(super) struct UserRow {
    profile: support_protocol::UserProfile,
    language_code: Option<String>,
    blocked: bool,
}

#[derive(Debug, Clone)]
pub(super) struct TicketRow {
    id: TicketId,
    user: TelegramId,
    manager: Option<ManagerId>,
    created_at: Timestamp,
    title: String,
    resolved: bool,
    /// A manager has looked at it (SQL: `viewed_mark`, migration 10).
    viewed_mark: bool,
}

#[derive(Debug, Default)]
pub(super) struct State {
    users: HashMap<TelegramId, UserRow>,
    /// The resolution state each ticket's user was last told of.
    notices: HashMap<TicketId, bool>,
    /// Pending replies' schedule, by message.
    schedules: HashMap<MessageId, Schedule>,
    tickets: BTreeMap<TicketId, TicketRow>,
    messages: BTreeMap<MessageId, Message>,
    /// Message ids per ticket, in insertion (= id) order.
    by_ticket: HashMap<TicketId, Vec<MessageId>>,
    managers: BTreeMap<ManagerId, ManagerRecord>,
    sessions: HashMap<String, (ManagerId, Timestamp)>,
    attachments: BTreeMap<AttachmentId, attachments::AttachmentRow>,
    next_attachment: i64,
    next_ticket: i64,
    next_message: i64,
    next_manager: i64,
    /// Notes and canned replies.
    team: team::Team,
}

/// An in-memory [`Storage`]. A std `Mutex` is right here: every critical section is short and
/// never held across an `.await`, which also makes assignment trivially atomic.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    state: Mutex<State>,
    /// The event log (its own lock: appends never wait for a ticket write).
    events: EventRing,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written row (each section writes
        // whole values), so a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn ticket(&self, row: &TicketRow) -> Ticket {
        let ids = self
            .by_ticket
            .get(&row.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let unread = ids
            .iter()
            .filter_map(|id| self.messages.get(id))
            .filter(|m| m.sender == Sender::User && !m.viewed)
            .count() as u64;
        let updated_at = ids
            .last()
            .and_then(|id| self.messages.get(id))
            .map_or(row.created_at, |m| m.created_at.max(row.created_at));
        Ticket {
            id: row.id,
            user: self.user(row.user),
            support_manager: row
                .manager
                .and_then(|m| self.managers.get(&m))
                .map(ManagerRecord::public),
            created_at: row.created_at,
            title: row.title.clone(),
            resolved: row.resolved,
            viewed: Some(row.viewed_mark && unread == 0),
            updated_at: Some(updated_at),
            unread_count: Some(unread),
            last_message: None,
        }
    }

    /// Whether a search finds the ticket `t` (as the SQL backends' full-text match does: every
    /// word of the search starts a word of the title, of the user's names, or of one message).
    fn finds(&self, t: &TicketRow, search: &TicketSearch) -> bool {
        if search
            .number()
            .is_some_and(|n| n == t.id.get() || n == t.user.get())
        {
            return true;
        }
        let user = self.user(t.user);
        let names = [&user.first_name, &user.last_name, &user.username]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        search.words_start_words_of(&t.title)
            || search.words_start_words_of(&names)
            || self
                .by_ticket
                .get(&t.id)
                .into_iter()
                .flatten()
                .filter_map(|id| self.messages.get(id))
                .any(|m| search.words_start_words_of(&m.text))
    }

    /// Sorts a ticket list.
    fn sort(&self, rows: &mut [&TicketRow], order: TicketOrder) {
        match order {
            TicketOrder::Created => {
                rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            }
            TicketOrder::Activity => rows.sort_by(|a, b| {
                let (ta, tb) = (self.ticket(a), self.ticket(b));
                tb.updated_at.cmp(&ta.updated_at).then(b.id.cmp(&a.id))
            }),
            TicketOrder::Waiting => rows.sort_by_key(|t| {
                let waiting = self
                    .by_ticket
                    .get(&t.id)
                    .and_then(|ids| ids.last())
                    .and_then(|id| self.messages.get(id))
                    .is_some_and(|m| m.sender == Sender::User);
                (!waiting, self.ticket(t).updated_at, t.id)
            }),
            TicketOrder::Unviewed => rows.sort_by_cached_key(|t| {
                let ticket = self.ticket(t);
                let has_messages = self.by_ticket.get(&t.id).is_some_and(|ids| !ids.is_empty());
                (
                    ticket.viewed == Some(true),
                    t.resolved,
                    !has_messages,
                    std::cmp::Reverse(ticket.updated_at),
                    std::cmp::Reverse(t.created_at),
                    std::cmp::Reverse(t.id),
                )
            }),
        }
    }

    /// A stored message as a read shows it: a reply with its author's current names.
    pub(super) fn read(&self, message: &Message) -> Message {
        let mut message = message.clone();
        if let Some(author) = &message.manager {
            message.manager = self.managers.get(&author.id).map(ManagerRecord::public);
        }
        message
    }

    fn user(&self, id: TelegramId) -> TelegramUser {
        let mut user = TelegramUser::new(id);
        if let Some(row) = self.users.get(&id) {
            row.profile.apply_to(&mut user);
            user.language_code.clone_from(&row.language_code);
            user.blocked = row.blocked;
        }
        user
    }

    /// Inserts a message and its attachments; fails (writing nothing) when an upload to claim
    /// is not available.
    fn insert_message(&mut self, mut new: NewMessageRecord) -> StorageResult<Message> {
        self.check_claims(&new.attachments)?;
        let news = std::mem::take(&mut new.attachments);
        self.next_message += 1;
        let created_at = Timestamp::now();
        let delivery = (new.sender == Sender::Supp).then(|| Delivery::pending(created_at));
        if delivery.is_some() {
            self.schedules
                .insert(MessageId::new(self.next_message), Schedule::default());
        }
        let message = Message {
            id: MessageId::new(self.next_message),
            created_at,
            sender: new.sender,
            text: new.text,
            viewed: new.viewed,
            ticket: new.ticket,
            delivery,
            attachments: Vec::new(),
            // The author as of the write (the SQL backends read it with each message).
            manager: new
                .manager
                .filter(|_| new.sender == Sender::Supp)
                .and_then(|m| self.managers.get(&m))
                .map(ManagerRecord::public),
        };
        let mut message = message;
        message.attachments = self.attach(message.id, news, created_at);
        self.messages.insert(message.id, message.clone());
        self.by_ticket
            .entry(new.ticket)
            .or_default()
            .push(message.id);
        Ok(message)
    }
}

fn page<T>(items: impl Iterator<Item = T>, limit: Option<u64>, offset: u64) -> Vec<T> {
    let skipped = items.skip(usize::try_from(offset).unwrap_or(usize::MAX));
    match limit {
        Some(limit) => skipped
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect(),
        None => skipped.collect(),
    }
}

#[async_trait]
impl super::EventStore for MemoryStorage {
    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64> {
        self.events.append_events(payloads).await
    }

    async fn events_after(&self, after: u64, limit: u32) -> StorageResult<super::EventSlice> {
        self.events.events_after(after, limit).await
    }

    async fn trim_events(&self, keep: u64) -> StorageResult<()> {
        self.events.trim_events(keep).await
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    async fn close(&self) {}
}

#[async_trait]
impl TicketStore for MemoryStorage {
    async fn register_user(&self, user: TelegramId) -> StorageResult<()> {
        self.lock().users.entry(user).or_default();
        Ok(())
    }

    async fn user_exists(&self, user: TelegramId) -> StorageResult<bool> {
        Ok(self.lock().users.contains_key(&user))
    }

    async fn create_ticket(
        &self,
        new: NewTicketRecord,
    ) -> StorageResult<(Ticket, Option<Message>)> {
        let mut state = self.lock();
        state.check_claims(&new.first_attachments)?;
        state.users.entry(new.user_id).or_default();
        state.next_ticket += 1;
        let row = TicketRow {
            id: TicketId::new(state.next_ticket),
            user: new.user_id,
            manager: None,
            created_at: Timestamp::now(),
            title: new.title,
            resolved: new.resolved,
            viewed_mark: false,
        };
        state.tickets.insert(row.id, row.clone());
        let message = new
            .first_message
            .map(|text| {
                state.insert_message(NewMessageRecord {
                    ticket: row.id,
                    sender: Sender::User,
                    text,
                    viewed: false,
                    manager: None,
                    attachments: new.first_attachments,
                })
            })
            .transpose()?;
        Ok((state.ticket(&row), message))
    }

    async fn get_ticket(&self, id: TicketId) -> StorageResult<Option<Ticket>> {
        let state = self.lock();
        Ok(state.tickets.get(&id).map(|row| state.ticket(row)))
    }

    async fn list_tickets(&self, query: &TicketQuery) -> StorageResult<(Vec<Ticket>, u64)> {
        let state = self.lock();
        let mut rows: Vec<&TicketRow> = state
            .tickets
            .values()
            .filter(|t| query.user_id.is_none_or(|u| t.user == u))
            .filter(|t| query.resolved.is_none_or(|r| t.resolved == r))
            .filter(|t| query.manager.is_none_or(|m| t.manager == Some(m)))
            .filter(|t| {
                query
                    .manager_isnull
                    .is_none_or(|n| t.manager.is_none() == n)
            })
            .filter(|t| {
                query
                    .not_manager
                    .is_none_or(|me| t.manager.is_some_and(|m| m != me))
            })
            .filter(|t| query.search.as_ref().is_none_or(|s| state.finds(t, s)))
            .collect();
        state.sort(&mut rows, query.order);
        let count = rows.len() as u64;
        let tickets = page(rows.into_iter(), query.limit, query.offset)
            .into_iter()
            .map(|row| state.ticket(row))
            .collect();
        Ok((tickets, count))
    }

    async fn update_ticket(&self, id: TicketId, changes: TicketChanges) -> StorageResult<Ticket> {
        let mut state = self.lock();
        let row = state
            .tickets
            .get_mut(&id)
            .ok_or(StorageError::TicketNotFound(id))?;
        if let Some(title) = changes.title {
            row.title = title;
        }
        if let Some(resolved) = changes.resolved {
            row.resolved = resolved;
        }
        if let Some(viewed) = changes.viewed {
            row.viewed_mark = viewed;
        }
        let row = row.clone();
        if changes.viewed == Some(true) {
            for id in state.by_ticket.get(&id).cloned().unwrap_or_default() {
                if let Some(m) = state.messages.get_mut(&id) {
                    m.viewed = true;
                }
            }
        }
        Ok(state.ticket(&row))
    }

    async fn assign_ticket(
        &self,
        id: TicketId,
        manager: ManagerId,
        force: bool,
    ) -> StorageResult<AssignOutcome> {
        let mut state = self.lock();
        if !state.managers.contains_key(&manager) {
            return Err(StorageError::ManagerNotFound(manager));
        }
        let row = state
            .tickets
            .get_mut(&id)
            .ok_or(StorageError::TicketNotFound(id))?;
        let previous = row.manager;
        if !force && previous.is_some_and(|p| p != manager) {
            let row = row.clone();
            return Ok(AssignOutcome::AlreadyAssigned {
                ticket: state.ticket(&row),
            });
        }
        row.manager = Some(manager);
        let row = row.clone();
        Ok(AssignOutcome::Assigned {
            ticket: state.ticket(&row),
            previous,
        })
    }

    async fn create_message(&self, new: NewMessageRecord) -> StorageResult<Message> {
        let mut state = self.lock();
        if !state.tickets.contains_key(&new.ticket) {
            return Err(StorageError::TicketNotFound(new.ticket));
        }
        state.insert_message(new)
    }

    async fn ticket_manager(&self, id: TicketId) -> StorageResult<Option<Option<ManagerId>>> {
        Ok(self.lock().tickets.get(&id).map(|t| t.manager))
    }

    async fn create_message_with_manager(
        &self,
        new: NewMessageRecord,
    ) -> StorageResult<WrittenMessage> {
        // Under one lock: the manager and the user are the ones as of the insert.
        let mut state = self.lock();
        let Some((assignee, user)) = state.tickets.get(&new.ticket).map(|t| (t.manager, t.user))
        else {
            return Err(StorageError::TicketNotFound(new.ticket));
        };
        let user = state.user(user);
        Ok(WrittenMessage {
            message: state.insert_message(new)?,
            assignee,
            user: Some(user),
        })
    }

    async fn list_messages(
        &self,
        ticket: TicketId,
        limit: Option<u64>,
        offset: u64,
    ) -> StorageResult<(Vec<Message>, u64)> {
        let state = self.lock();
        if !state.tickets.contains_key(&ticket) {
            return Err(StorageError::TicketNotFound(ticket));
        }
        let ids = state
            .by_ticket
            .get(&ticket)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let newest_first = ids
            .iter()
            .rev()
            .filter_map(|id| state.messages.get(id))
            .map(|m| state.read(m));
        Ok((page(newest_first, limit, offset), ids.len() as u64))
    }

    async fn mark_viewed(&self, ticket: TicketId, message: MessageId) -> StorageResult<Message> {
        let mut state = self.lock();
        if !state.tickets.contains_key(&ticket) {
            return Err(StorageError::TicketNotFound(ticket));
        }
        match state.messages.get_mut(&message) {
            Some(m) if m.ticket == ticket => {
                m.viewed = true;
                let m = m.clone();
                if let Some(row) = state.tickets.get_mut(&ticket) {
                    row.viewed_mark = true;
                }
                Ok(state.read(&m))
            }
            _ => Err(StorageError::MessageNotFound(message)),
        }
    }

    async fn replies_after(&self, after: MessageId, limit: u32) -> StorageResult<Vec<Message>> {
        let state = self.lock();
        Ok(state
            .messages
            .range(MessageId::new(after.get().saturating_add(1))..)
            .map(|(_, m)| m)
            .filter(|m| m.sender == Sender::Supp)
            .take(limit as usize)
            .map(|m| state.read(m))
            .collect())
    }

    async fn last_reply_id(&self) -> StorageResult<MessageId> {
        let state = self.lock();
        Ok(state
            .messages
            .values()
            .rev()
            .find(|m| m.sender == Sender::Supp)
            .map_or(MessageId::new(0), |m| m.id))
    }
}
