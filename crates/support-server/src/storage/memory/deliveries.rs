//! [`DeliveryStore`] of the memory backend: the delivery lives on the message, its schedule
//! (lease, announcement, retry time) beside it.

use async_trait::async_trait;
use support_protocol::{
    DeliveryState, Message, MessageId, TelegramId, TicketId, Timestamp, UserProfile,
};

use super::MemoryStorage;
use crate::storage::{
    DeliveryChange, DeliveryStore, DeliveryUpdate, StorageResult, UserChange, UserReport,
};

/// When a pending reply may be offered (the delivery itself lives on the message).
#[derive(Debug, Clone, Default)]
pub(super) struct Schedule {
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

    async fn ticket_user(&self, ticket: TicketId) -> StorageResult<Option<TelegramId>> {
        Ok(self.lock().tickets.get(&ticket).map(|t| t.user))
    }

    async fn update_user(
        &self,
        id: TelegramId,
        report: &UserReport,
    ) -> StorageResult<Option<UserChange>> {
        let mut state = self.lock();
        if !state.users.contains_key(&id) {
            return Ok(None);
        }
        let before = state.user(id);
        if !report.changes(&before) {
            return Ok(None);
        }
        let row = state.users.entry(id).or_default();
        if let Some(code) = &report.language_code {
            row.language_code = Some(code.clone());
        }
        if let Some(profile) = &report.profile {
            row.profile = profile.clone();
        }
        let unblocked = std::mem::take(&mut row.blocked);
        let user = state.user(id);
        let updated = user.language_code != before.language_code
            || UserProfile::of(&user) != UserProfile::of(&before);
        Ok((updated || unblocked).then_some(UserChange {
            user,
            unblocked,
            updated,
        }))
    }

    async fn claim_notice(&self, ticket: TicketId, resolved: bool) -> StorageResult<bool> {
        Ok(self.lock().notices.insert(ticket, resolved) != Some(resolved))
    }

    async fn get_message(&self, message: MessageId) -> StorageResult<Option<Message>> {
        let state = self.lock();
        Ok(state.messages.get(&message).map(|m| state.read(m)))
    }
}
