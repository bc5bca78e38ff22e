//! The dialogue state of the support screens, kept in the host's teloxide `Storage`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use support_protocol::TicketId;
use teloxide::dispatching::dialogue::ErasedStorage;

/// Where a user is in the support screens. Only the states that expect typed text make the
/// handler consume plain messages ([`SupportState::takes_text`]); in every other state the
/// host's handlers get them.
///
/// It is serde-serializable, so any teloxide storage works (in memory, Redis, SQLite).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SupportState {
    /// Not typing anything for support (also: menu and lists are shown).
    #[default]
    Idle,
    /// Create, step 1: waiting for the title.
    CreateTitle,
    /// Create, step 2: waiting for the text of the first message.
    CreateText {
        /// The title given in step 1.
        title: String,
    },
    /// Create, step 3: the confirmation is shown. A new text replaces the first message.
    CreateConfirm {
        /// The title.
        title: String,
        /// The first message.
        text: String,
    },
    /// A ticket is shown; in an open one, typed text becomes a message.
    Ticket {
        /// The ticket.
        id: TicketId,
        /// Whether it was resolved when shown (then it is read-only).
        resolved: bool,
    },
}

impl SupportState {
    /// Whether plain text messages belong to support in this state.
    pub fn takes_text(&self) -> bool {
        !matches!(self, Self::Idle)
    }
}

/// The dialogue storage the handler expects as a dependency: any teloxide storage, erased, e.g.
/// `InMemStorage::<SupportState>::new().erase()` (its own, separate from the host's dialogue
/// state; use a different key space or storage instance than the host's own dialogue).
pub type SupportStorage = Arc<ErasedStorage<SupportState>>;
