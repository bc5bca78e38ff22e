//! The values the storage traits take and give besides the wire types: what to create, how to
//! filter, what an assignment did, a manager with credentials.

use super::NewAttachmentRecord;
use super::search::{TicketOrder, TicketSearch};
use support_protocol::{
    ManagerId, Message, Sender, SupportManager, TelegramId, TelegramUser, Ticket, TicketId,
    UserProfile,
};

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
    /// The first message's attachments (with them, `first_message` may be empty).
    pub first_attachments: Vec<NewAttachmentRecord>,
}

/// A message to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessageRecord {
    /// The ticket; [`StorageError::TicketNotFound`](super::StorageError::TicketNotFound) if
    /// absent.
    pub ticket: TicketId,
    /// Who writes it.
    pub sender: Sender,
    /// The validated, trimmed text.
    pub text: String,
    /// Created already viewed (manager messages are).
    pub viewed: bool,
    /// The manager who wrote it, for `sender = supp`.
    pub manager: Option<ManagerId>,
    /// Its attachments, in order (with them, `text` may be empty).
    pub attachments: Vec<NewAttachmentRecord>,
}

impl NewMessageRecord {
    /// The first message of a new ticket: from the user, not viewed. (The SQL layer's.)
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn first_of(
        ticket: TicketId,
        text: String,
        attachments: Vec<NewAttachmentRecord>,
    ) -> Self {
        Self {
            ticket,
            sender: Sender::User,
            text,
            viewed: false,
            manager: None,
            attachments,
        }
    }
}

/// A message just written, with what its event and the bookkeeping after it need, read by the
/// write itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMessage {
    /// The message as stored.
    pub message: Message,
    /// The ticket's manager as of the write: the audience of its event.
    pub assignee: Option<ManagerId>,
    /// The ticket's user as of the write (`blocked`, `language_code`), when the backend read it
    /// with the write; `None` leaves the caller to look it up if it needs to.
    pub user: Option<TelegramUser>,
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
    /// Only tickets held by a manager other than this one (extension `not_manager`).
    pub not_manager: Option<ManagerId>,
    /// Only tickets the search finds (extension `search`).
    pub search: Option<TicketSearch>,
    /// The order (extension `ordering`).
    pub order: TicketOrder,
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
    /// Mark viewed (`true`: the ticket and every message of it) or unviewed (`false`: the
    /// ticket only; its messages keep their marks). See [`Ticket::viewed`](support_protocol::Ticket::viewed).
    pub viewed: Option<bool>,
}

/// The result of [`TicketStore::assign_ticket`](super::TicketStore::assign_ticket).
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
        SupportManager::named(self.id, &self.first_name, &self.last_name, &self.username)
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

/// What the bot reported about a user who wrote: their Telegram language and contact profile,
/// each when known (`None` leaves the stored one as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserReport {
    /// Telegram's `language_code`.
    pub language_code: Option<String>,
    /// The names, username and premium flag, normalized
    /// ([`UserProfile::normalized`]); replaces the stored profile.
    pub profile: Option<UserProfile>,
}

impl UserReport {
    /// Whether storing this report would change `user` (or unblock them).
    pub fn changes(&self, user: &TelegramUser) -> bool {
        user.blocked
            || self
                .language_code
                .as_deref()
                .is_some_and(|code| user.language_code.as_deref() != Some(code))
            || self.profile.as_ref().is_some_and(|p| !p.matches(user))
    }
}

/// What [`DeliveryStore::user_wrote`](super::DeliveryStore::user_wrote) changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    /// The user as now stored.
    pub user: TelegramUser,
    /// They had blocked the bot and are reachable again.
    pub unblocked: bool,
    /// Their profile or language changed.
    pub updated: bool,
}
