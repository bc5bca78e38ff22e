//! The dialogue state of the support screens, kept in the host's teloxide `Storage`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use support_protocol::{NewAttachment, TicketId};
use teloxide::dispatching::dialogue::ErasedStorage;

/// A draft's number: it tells the «Send» button of one confirmation from another (see
/// [`SupportState::CreateConfirm`]).
pub type DraftId = u64;

/// Where a user is in the support screens. Only the states that expect typed text make the
/// handler consume plain messages ([`SupportState::takes_text`]); in every other state the
/// host's handlers get them.
///
/// It is serde-serializable, so any teloxide storage works (in memory, Redis, SQLite); a
/// persistent one keeps a dialogue across restarts of the bot. Fields added after the first
/// release have serde defaults, so values stored by an older version still load.
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
        /// The number of this version of the draft, carried by its «Send» button: a button of
        /// an older version (before a new text) or of another draft is not taken for this one.
        /// `0` (stored by an older version of the bot) matches any button.
        #[serde(default)]
        draft: DraftId,
        /// The first message's attachments (then `text` is a caption and may be empty): files
        /// the user sent at step 2, already copied to the server when they could be.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<NewAttachment>,
    },
    /// A ticket is shown; in an open one, typed text becomes a message.
    Ticket {
        /// The ticket.
        id: TicketId,
        /// Whether it was resolved when shown (then it is read-only).
        resolved: bool,
        /// The draft this ticket was just created from: a second press of that draft's «Send»
        /// (a double tap) shows this ticket instead of creating another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created_from: Option<DraftId>,
    },
    /// Support replied in more than one ticket since the user last wrote (or in another ticket
    /// than the one shown): what the user types is held until they choose which ticket it is
    /// for. A Telegram reply to a pushed message needs no choosing.
    Choosing {
        /// The candidate tickets, oldest first.
        tickets: Vec<TicketId>,
        /// The text typed and not sent yet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        held: Option<String>,
    },
}

impl SupportState {
    /// Whether plain text messages belong to support in this state.
    pub fn takes_text(&self) -> bool {
        !matches!(self, Self::Idle)
    }

    /// The state after support's reply in `ticket` reached the user (`None`: unchanged), so that
    /// a typed answer goes where the user means it: to that ticket when nothing else was going
    /// on; to be chosen when another open ticket was current (the user may have been writing
    /// there); unchanged while a ticket is being created.
    pub fn after_reply_in(&self, ticket: TicketId) -> Option<Self> {
        /// Candidates kept at most (the most recent).
        const MAX_CANDIDATES: usize = 5;
        match self {
            Self::Idle | Self::Ticket { resolved: true, .. } => Some(Self::ticket(ticket, false)),
            Self::Ticket { id, .. } if *id == ticket => None,
            Self::Ticket { id, .. } => Some(Self::Choosing {
                tickets: vec![*id, ticket],
                held: None,
            }),
            Self::Choosing { tickets, held } => {
                if tickets.contains(&ticket) {
                    return None;
                }
                let mut tickets = tickets.clone();
                tickets.push(ticket);
                let excess = tickets.len().saturating_sub(MAX_CANDIDATES);
                tickets.drain(..excess);
                Some(Self::Choosing {
                    tickets,
                    held: held.clone(),
                })
            }
            Self::CreateTitle | Self::CreateText { .. } | Self::CreateConfirm { .. } => None,
        }
    }

    /// The state while ticket `id` is shown (not just created).
    pub fn ticket(id: TicketId, resolved: bool) -> Self {
        Self::Ticket {
            id,
            resolved,
            created_from: None,
        }
    }
}

/// The dialogue storage the handler expects as a dependency: any teloxide storage, erased, e.g.
/// `InMemStorage::<SupportState>::new().erase()`, or, to keep dialogues across restarts,
/// `SqliteStorage::open("support-dialogues.db", Json).await?.erase()` (teloxide's feature
/// `sqlite-storage-rustls`). Keep it separate from the host's own dialogue state: another
/// storage instance (for SQLite, another file), since both are keyed by chat.
pub type SupportStorage = Arc<ErasedStorage<SupportState>>;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Values as the first release stored them (serde_json of the enum then) still load.
    #[test]
    fn values_of_the_first_release_still_load() {
        let old = [
            (json!("Idle"), SupportState::Idle),
            (json!("CreateTitle"), SupportState::CreateTitle),
            (
                json!({"CreateText": {"title": "T"}}),
                SupportState::CreateText { title: "T".into() },
            ),
            (
                json!({"CreateConfirm": {"title": "T", "text": "x"}}),
                SupportState::CreateConfirm {
                    title: "T".into(),
                    text: "x".into(),
                    draft: 0,
                    attachments: Vec::new(),
                },
            ),
            (
                json!({"Ticket": {"id": 7, "resolved": false}}),
                SupportState::ticket(TicketId::new(7), false),
            ),
        ];
        for (stored, state) in old {
            let loaded: SupportState = serde_json::from_value(stored.clone()).unwrap();
            assert_eq!(loaded, state, "{stored}");
        }
    }

    #[test]
    fn new_values_round_trip_and_a_plain_ticket_keeps_the_old_shape() {
        for state in [
            SupportState::CreateConfirm {
                title: "T".into(),
                text: "x".into(),
                draft: 42,
                attachments: Vec::new(),
            },
            SupportState::CreateConfirm {
                title: "T".into(),
                text: String::new(),
                draft: 43,
                attachments: vec![NewAttachment::upload(support_protocol::AttachmentId::new(
                    9,
                ))],
            },
            SupportState::Ticket {
                id: TicketId::new(3),
                resolved: false,
                created_from: Some(42),
            },
        ] {
            let stored = serde_json::to_string(&state).unwrap();
            assert_eq!(
                serde_json::from_str::<SupportState>(&stored).unwrap(),
                state
            );
        }
        assert_eq!(
            serde_json::to_value(SupportState::ticket(TicketId::new(3), true)).unwrap(),
            json!({"Ticket": {"id": 3, "resolved": true}})
        );
    }
}
