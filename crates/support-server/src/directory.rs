//! The host's say on which Telegram users may open tickets (SPEC section 1), and on the contact
//! profiles stored for them.

use async_trait::async_trait;
use support_protocol::{TelegramId, UserProfile};

use crate::storage::{DynStorage, StorageError};

/// Decides whether a Telegram user may open tickets. Rejection is a 400 on `user_id`, as in the
/// original (`Invalid pk "N" - object does not exist.`).
#[async_trait]
pub trait UserDirectory: Send + Sync + 'static {
    /// Whether `user` may open a ticket.
    async fn may_open_tickets(&self, user: TelegramId) -> Result<bool, StorageError>;

    /// The contact profile to store for `user` when they write through the bot: `reported` is
    /// what the bot reported (Telegram's names, username, premium flag), `None` when it sent
    /// none. The default keeps it; a host may supply one from its own records (say, the name a
    /// customer gave at sign-up) or override the bot's. `None` leaves the stored profile alone.
    async fn profile(
        &self,
        user: TelegramId,
        reported: Option<UserProfile>,
    ) -> Result<Option<UserProfile>, StorageError> {
        let _ = user;
        Ok(reported)
    }
}

/// The default directory: every id is accepted (and the storage registers it).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

#[async_trait]
impl UserDirectory for AcceptAll {
    async fn may_open_tickets(&self, _user: TelegramId) -> Result<bool, StorageError> {
        Ok(true)
    }
}

/// Accepts only users already registered in the storage (e.g. by the host with
/// [`TicketStore::register_user`](crate::storage::TicketStore::register_user)): the behaviour of the
/// original, whose users live in the host's own table.
#[derive(Clone)]
pub struct RegisteredUsersOnly(pub DynStorage);

#[async_trait]
impl UserDirectory for RegisteredUsersOnly {
    async fn may_open_tickets(&self, user: TelegramId) -> Result<bool, StorageError> {
        self.0.user_exists(user).await
    }
}
