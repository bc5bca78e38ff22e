//! [`DeliveryStore`]: each manager reply's delivery to Telegram, and whether a user can be
//! reached at all.
//!
//! Every manager reply gets a delivery record when it is written (`pending`; a trigger in the
//! SQL backends, so writes from a host's own tools get one too). A bot connection claims due
//! pending replies ([`DeliveryStore::claim_deliveries`]): each is leased to that connection until
//! the lease time, and offered again only once the lease has expired, so of several bot
//! connections (replicas, a restart overlapping the old process) one sends it, and a bot that
//! crashed before reporting gets no second chance to lose it. Its report becomes a
//! [`DeliveryUpdate`]; what follows a failure (retry when, give up when) is the server's policy
//! (`crate::delivery`), not the storage's.

use async_trait::async_trait;
use support_protocol::{Message, MessageId, TelegramId, TicketId, Timestamp};

use super::{StorageResult, UserChange, UserReport};

/// A change to one reply's delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryUpdate {
    /// Telegram accepted it.
    Sent {
        /// Telegram's message id.
        telegram_message_id: i64,
    },
    /// Pending again, due at `not_before`; the failure is recorded as the last error.
    Retry {
        /// When to offer it again.
        not_before: Timestamp,
        /// Telegram's code, if it answered.
        error_code: Option<i32>,
        /// What went wrong.
        error: String,
        /// Whether the attempt counts against the bound (a 429 does not).
        counted: bool,
    },
    /// Given up.
    Failed {
        /// Telegram's code, if it answered.
        error_code: Option<i32>,
        /// What went wrong.
        error: String,
    },
    /// A manager asked to try a failed reply again: pending, no attempts, no error. Applies
    /// only to a `failed` delivery.
    Reset,
}

/// What [`DeliveryStore::update_delivery`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryChange {
    /// The reply has no delivery record (a user message, an unknown id, a reply written before
    /// deliveries existed).
    NoDelivery,
    /// Nothing changed (already sent; a reset of a reply that is not failed). The message as
    /// it is.
    Unchanged(Message),
    /// Changed; the message after the change.
    Changed(Message),
}

/// Deliveries of manager replies and the reachability of users. Object safe; part of every
/// [`Storage`](super::Storage).
#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Claims at most `limit` due pending replies for the bot connection `owner`, oldest first,
    /// leasing each to it until `lease_until` and counting an attempt. Due: pending, not being
    /// sent, no unexpired lease at `now`, past its `not_before`, and its user not blocked.
    /// Atomic: two concurrent claims never get the same reply.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        owner: &str,
        limit: u32,
    ) -> StorageResult<Vec<Message>>;

    /// The connection `owner` is about to send the reply to Telegram: recorded (`sending`), the
    /// lease extended to `lease_until`. `false` (nothing changed) unless the reply is pending and
    /// leased to `owner` at `now`: then another connection has it, and `owner` must not send.
    async fn begin_sending(
        &self,
        message: MessageId,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StorageResult<bool>;

    /// Replies whose lease ended while they were being sent (the bot died during the Telegram
    /// call, so nobody knows whether the user got it): failed with `error`, never offered
    /// again; a manager decides. Returns them after the change.
    async fn expire_unconfirmed(&self, now: Timestamp, error: &str) -> StorageResult<Vec<Message>>;

    /// Applies a bot's report or a manager's retry; clears the lease.
    async fn update_delivery(
        &self,
        message: MessageId,
        update: DeliveryUpdate,
        now: Timestamp,
    ) -> StorageResult<DeliveryChange>;

    /// The earliest time a pending reply of a reachable user becomes due (its `not_before` or
    /// its lease's end), if any is waiting: when a bot connection should look again.
    async fn next_delivery_due(&self) -> StorageResult<Option<Timestamp>>;

    /// Marks a user blocked (Telegram answered 403) or reachable again; `true` if that changed
    /// anything. An unknown user is registered.
    async fn set_user_blocked(&self, user: TelegramId, blocked: bool) -> StorageResult<bool>;

    /// Records what the bot reported of `user` (their Telegram language and contact profile) and
    /// that they wrote: stores those and unblocks them. Returns what changed, `None` if nothing
    /// did (or the user is unknown). Called on user messages, so a backend should not write when
    /// nothing changes.
    async fn update_user(
        &self,
        user: TelegramId,
        report: &UserReport,
    ) -> StorageResult<Option<UserChange>>;

    /// [`Self::update_user`] for the user of `ticket` (`None` if the ticket is unknown).
    async fn user_wrote(
        &self,
        ticket: TicketId,
        report: &UserReport,
    ) -> StorageResult<Option<UserChange>> {
        match self.ticket_user(ticket).await? {
            Some(user) => self.update_user(user, report).await,
            None => Ok(None),
        }
    }

    /// The user of `ticket`, if the ticket exists.
    async fn ticket_user(&self, ticket: TicketId) -> StorageResult<Option<TelegramId>>;

    /// Records that the user of `ticket` is told it is `resolved` (or open again): `true` if this
    /// call is the first to record that state since the recorded one changed, so of several bot
    /// connections exactly one sends a manager's resolve or reopen to the user. A change the
    /// user made themselves is recorded too (the result ignored): they know it.
    async fn claim_notice(&self, ticket: TicketId, resolved: bool) -> StorageResult<bool>;

    /// One message, with its delivery.
    async fn get_message(&self, message: MessageId) -> StorageResult<Option<Message>>;
}
