//! The in-memory backend: everything in one `Mutex`, for tests and demos. Nothing survives a
//! restart.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use support_protocol::{
    Delivery, DeliveryState, ManagerId, Message, MessageId, Sender, TelegramId, TelegramUser,
    Ticket, TicketId, Timestamp,
};

use super::{
    AssignOutcome, DeliveryChange, DeliveryStore, DeliveryUpdate, ManagerRecord, ManagerStore,
    ManagerUpsert, NewMessageRecord, NewTicketRecord, Storage, StorageError, StorageResult,
    TicketChanges, TicketQuery, TicketStore, WrittenMessage,
};

/// What is known of a Telegram user besides the id.
#[derive(Debug, Clone, Default)]
struct UserRow {
    language_code: Option<String>,
    blocked: bool,
}

/// When a pending reply may be offered (the delivery itself lives on the message).
#[derive(Debug, Clone, Default)]
struct Schedule {
    lease_until: Option<Timestamp>,
    lease_owner: Option<String>,
    sending: bool,
    not_before: Option<Timestamp>,
}

impl Schedule {
    /// When it becomes due: the later of its lease's end and its `not_before`.
    fn due(&self) -> Option<Timestamp> {
        match (self.lease_until, self.not_before) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Debug, Clone)]
struct TicketRow {
    id: TicketId,
    user: TelegramId,
    manager: Option<ManagerId>,
    created_at: Timestamp,
    title: String,
    resolved: bool,
}

#[derive(Debug, Default)]
struct State {
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
    next_ticket: i64,
    next_message: i64,
    next_manager: i64,
}

/// An in-memory [`Storage`]. A std `Mutex` is right here: every critical section is short and
/// never held across an `.await`, which also makes assignment trivially atomic.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    state: Mutex<State>,
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
            updated_at: Some(updated_at),
            unread_count: Some(unread),
            last_message: None,
        }
    }

    fn user(&self, id: TelegramId) -> TelegramUser {
        let mut user = TelegramUser::new(id);
        if let Some(row) = self.users.get(&id) {
            user.language_code.clone_from(&row.language_code);
            user.blocked = row.blocked;
        }
        user
    }

    fn insert_message(&mut self, new: NewMessageRecord) -> Message {
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
        };
        self.messages.insert(message.id, message.clone());
        self.by_ticket
            .entry(new.ticket)
            .or_default()
            .push(message.id);
        message
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
        state.users.entry(new.user_id).or_default();
        state.next_ticket += 1;
        let row = TicketRow {
            id: TicketId::new(state.next_ticket),
            user: new.user_id,
            manager: None,
            created_at: Timestamp::now(),
            title: new.title,
            resolved: new.resolved,
        };
        state.tickets.insert(row.id, row.clone());
        let message = new.first_message.map(|text| {
            state.insert_message(NewMessageRecord {
                ticket: row.id,
                sender: Sender::User,
                text,
                viewed: false,
                manager: None,
            })
        });
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
            .collect();
        rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
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
        let row = row.clone();
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
        Ok(state.insert_message(new))
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
            message: state.insert_message(new),
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
            .cloned();
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
                Ok(m.clone())
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
            .cloned()
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

#[async_trait]
impl DeliveryStore for MemoryStorage {
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: u32,
    ) -> StorageResult<Vec<Message>> {
        let mut state = self.lock();
        let state = &mut *state;
        let mut due: Vec<MessageId> = state
            .schedules
            .iter()
            .filter(|(_, s)| !s.sending && s.due().is_none_or(|t| t <= now))
            .map(|(id, _)| *id)
            .filter(|id| {
                let Some(m) = state.messages.get(id) else {
                    return false;
                };
                let pending = m
                    .delivery
                    .as_ref()
                    .is_some_and(|d| d.state == DeliveryState::Pending);
                let user = state.tickets.get(&m.ticket).map(|t| t.user);
                let blocked = user
                    .and_then(|u| state.users.get(&u))
                    .is_some_and(|u| u.blocked);
                pending && !blocked
            })
            .collect();
        due.sort_unstable();
        due.truncate(limit as usize);
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            if let Some(schedule) = state.schedules.get_mut(&id) {
                schedule.lease_until = Some(lease_until);
                schedule.lease_owner = Some(owner.to_owned());
            }
            if let Some(m) = state.messages.get_mut(&id) {
                if let Some(d) = m.delivery.as_mut() {
                    d.attempts = d.attempts.saturating_add(1);
                }
                claimed.push(m.clone());
            }
        }
        Ok(claimed)
    }

    async fn update_delivery(
        &self,
        message: MessageId,
        update: DeliveryUpdate,
        now: Timestamp,
    ) -> StorageResult<DeliveryChange> {
        let mut state = self.lock();
        let state = &mut *state;
        let Some(m) = state.messages.get_mut(&message) else {
            return Ok(DeliveryChange::NoDelivery);
        };
        let Some(d) = m.delivery.as_mut() else {
            return Ok(DeliveryChange::NoDelivery);
        };
        let mut schedule = Schedule::default();
        match update {
            DeliveryUpdate::Sent { .. } if d.state == DeliveryState::Sent => {
                return Ok(DeliveryChange::Unchanged(m.clone()));
            }
            DeliveryUpdate::Reset if d.state != DeliveryState::Failed => {
                return Ok(DeliveryChange::Unchanged(m.clone()));
            }
            DeliveryUpdate::Sent {
                telegram_message_id,
            } => {
                d.state = DeliveryState::Sent;
                d.telegram_message_id = Some(telegram_message_id);
                d.error_code = None;
                d.error = None;
            }
            DeliveryUpdate::Retry {
                not_before,
                error_code,
                error,
                counted,
            } => {
                d.state = DeliveryState::Pending;
                d.error_code = error_code;
                d.error = Some(error);
                if !counted {
                    d.attempts = d.attempts.saturating_sub(1);
                }
                schedule.not_before = Some(not_before);
            }
            DeliveryUpdate::Failed { error_code, error } => {
                d.state = DeliveryState::Failed;
                d.error_code = error_code;
                d.error = Some(error);
            }
            DeliveryUpdate::Reset => {
                d.state = DeliveryState::Pending;
                d.attempts = 0;
                d.error_code = None;
                d.error = None;
            }
        }
        d.updated_at = now;
        if d.state == DeliveryState::Pending {
            state.schedules.insert(message, schedule);
        } else {
            state.schedules.remove(&message);
        }
        Ok(DeliveryChange::Changed(m.clone()))
    }

    async fn begin_sending(
        &self,
        message: MessageId,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StorageResult<bool> {
        let mut state = self.lock();
        let pending = state
            .messages
            .get(&message)
            .and_then(|m| m.delivery.as_ref())
            .is_some_and(|d| d.state == DeliveryState::Pending);
        let Some(schedule) = state.schedules.get_mut(&message) else {
            return Ok(false);
        };
        let ours = schedule.lease_owner.as_deref() == Some(owner)
            && schedule.lease_until.is_some_and(|until| until > now);
        if !pending || !ours {
            return Ok(false);
        }
        schedule.sending = true;
        schedule.lease_until = Some(lease_until);
        Ok(true)
    }

    async fn expire_unconfirmed(&self, now: Timestamp, error: &str) -> StorageResult<Vec<Message>> {
        let mut state = self.lock();
        let state = &mut *state;
        let expired: Vec<MessageId> = state
            .schedules
            .iter()
            .filter(|(_, s)| s.sending && s.lease_until.is_some_and(|until| until <= now))
            .map(|(id, _)| *id)
            .collect();
        let mut changed = Vec::new();
        for id in expired {
            state.schedules.remove(&id);
            if let Some(m) = state.messages.get_mut(&id)
                && let Some(d) = m.delivery.as_mut()
            {
                d.state = DeliveryState::Failed;
                d.error_code = None;
                d.error = Some(error.to_owned());
                d.updated_at = now;
                changed.push(m.clone());
            }
        }
        changed.sort_by_key(|m| m.id);
        Ok(changed)
    }

    async fn next_delivery_due(&self) -> StorageResult<Option<Timestamp>> {
        let state = self.lock();
        let reachable = |id: &MessageId| {
            state
                .messages
                .get(id)
                .and_then(|m| state.tickets.get(&m.ticket))
                .and_then(|t| state.users.get(&t.user))
                .is_none_or(|u| !u.blocked)
        };
        Ok(state
            .schedules
            .iter()
            .filter(|(id, _)| reachable(id))
            .map(|(_, s)| s.due())
            .min_by(|a, b| match (a, b) {
                // `None` is "due now", the earliest of all.
                (None, _) => std::cmp::Ordering::Less,
                (_, None) => std::cmp::Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .map(|due| due.unwrap_or_else(Timestamp::now)))
    }

    async fn set_user_blocked(&self, user: TelegramId, blocked: bool) -> StorageResult<bool> {
        let mut state = self.lock();
        let row = state.users.entry(user).or_default();
        let changed = row.blocked != blocked;
        row.blocked = blocked;
        Ok(changed)
    }

    async fn user_wrote(
        &self,
        ticket: TicketId,
        language_code: Option<&str>,
    ) -> StorageResult<Option<TelegramId>> {
        let mut state = self.lock();
        let Some(user) = state.tickets.get(&ticket).map(|t| t.user) else {
            return Ok(None);
        };
        let row = state.users.entry(user).or_default();
        if let Some(code) = language_code {
            row.language_code = Some(code.to_owned());
        }
        Ok(std::mem::take(&mut row.blocked).then_some(user))
    }

    async fn claim_notice(&self, ticket: TicketId, resolved: bool) -> StorageResult<bool> {
        Ok(self.lock().notices.insert(ticket, resolved) != Some(resolved))
    }

    async fn get_message(&self, message: MessageId) -> StorageResult<Option<Message>> {
        Ok(self.lock().messages.get(&message).cloned())
    }
}

#[async_trait]
impl ManagerStore for MemoryStorage {
    async fn upsert_manager(&self, upsert: ManagerUpsert) -> StorageResult<ManagerRecord> {
        let mut state = self.lock();
        if let Some(existing) = state
            .managers
            .values_mut()
            .find(|m| m.username == upsert.username)
        {
            existing.first_name = upsert.first_name;
            existing.last_name = upsert.last_name;
            let changed =
                upsert.password_hash.is_some() && upsert.password_hash != existing.password_hash;
            if changed {
                existing.password_hash = upsert.password_hash;
            }
            let record = existing.clone();
            if changed {
                state.sessions.retain(|_, (m, _)| *m != record.id);
            }
            return Ok(record);
        }
        state.next_manager += 1;
        let record = ManagerRecord {
            id: ManagerId::new(state.next_manager),
            username: upsert.username,
            first_name: upsert.first_name,
            last_name: upsert.last_name,
            password_hash: upsert.password_hash,
            active: true,
        };
        state.managers.insert(record.id, record.clone());
        Ok(record)
    }

    async fn set_manager_active(
        &self,
        username: &str,
        active: bool,
    ) -> StorageResult<Option<ManagerRecord>> {
        let mut state = self.lock();
        let Some(manager) = state.managers.values_mut().find(|m| m.username == username) else {
            return Ok(None);
        };
        manager.active = active;
        let record = manager.clone();
        if !active {
            state.sessions.retain(|_, (m, _)| *m != record.id);
        }
        Ok(Some(record))
    }

    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>> {
        Ok(self.lock().managers.get(&id).cloned())
    }

    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>> {
        Ok(self
            .lock()
            .managers
            .values()
            .find(|m| m.username == username)
            .cloned())
    }

    async fn count_managers(&self) -> StorageResult<u64> {
        Ok(self.lock().managers.len() as u64)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        manager: ManagerId,
        expires_at: Timestamp,
    ) -> StorageResult<()> {
        self.lock()
            .sessions
            .insert(token_hash.to_owned(), (manager, expires_at));
        Ok(())
    }

    async fn session_manager(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StorageResult<Option<ManagerId>> {
        let state = self.lock();
        Ok(state
            .sessions
            .get(token_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(m, _)| *m))
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        self.lock().sessions.remove(token_hash);
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StorageResult<u64> {
        let mut state = self.lock();
        let before = state.sessions.len();
        state.sessions.retain(|_, (_, expires)| *expires > now);
        Ok(u64::try_from(before - state.sessions.len()).unwrap_or(u64::MAX))
    }
}
