//! The support dialogue state in the host's storage, as the endpoints read and write it.
//!
//! Not teloxide's `dialogue::enter`: the state is read only where a step depends on it (two
//! buttons, and messages that are not commands), an unreadable state is logged with `tracing`
//! and the update passed on (messages) or taken as idle (buttons), as before this was a tree.

use support_protocol::Ticket;
use teloxide::prelude::*;

use crate::state::{SupportState, SupportStorage};

/// Stores a chat's state. `Idle` is stored as no entry, removed only when there is one (some
/// storages, `InMemStorage` among them, refuse to remove a missing entry).
pub(super) async fn set_state(storage: &SupportStorage, chat: ChatId, state: SupportState) {
    let result = if state == SupportState::Idle {
        match storage.clone().get_dialogue(chat).await {
            Ok(Some(_)) => storage.clone().remove_dialogue(chat).await,
            _ => Ok(()),
        }
    } else {
        storage.clone().update_dialogue(chat, state).await
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot store the support dialogue state");
    }
}

/// A chat's state; one that cannot be read counts as idle.
pub(super) async fn stored_state(storage: &SupportStorage, chat: ChatId) -> SupportState {
    storage
        .clone()
        .get_dialogue(chat)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The state of a message's chat, when it expects input ([`SupportState::takes_text`]); `None`
/// passes the message on, also when the state cannot be read.
pub(super) async fn expecting_input(m: Message, storage: SupportStorage) -> Option<SupportState> {
    match storage.get_dialogue(m.chat.id).await {
        Ok(state) => Some(state.unwrap_or_default()).filter(SupportState::takes_text),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the support dialogue state; passing the update on");
            None
        }
    }
}

/// The state while `ticket` is shown.
pub(super) fn viewing(ticket: &Ticket) -> SupportState {
    SupportState::ticket(ticket.id, ticket.resolved)
}

/// The title of the ticket being created, in the states after step 1 (a newtype, so no bare
/// `String` goes into the dependency map).
#[derive(Debug, Clone)]
pub(super) struct DraftTitle(pub(super) String);

impl DraftTitle {
    /// The title of a draft in `state`: step 2 or the confirmation.
    pub(super) fn of(state: SupportState) -> Option<Self> {
        match state {
            SupportState::CreateText { title } | SupportState::CreateConfirm { title, .. } => {
                Some(Self(title))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draft_title_is_kept_from_step_two_on() {
        let title = |state| DraftTitle::of(state).map(|DraftTitle(t)| t);
        assert_eq!(title(SupportState::CreateTitle), None);
        assert_eq!(
            title(SupportState::CreateText { title: "T".into() }),
            Some("T".to_owned())
        );
        assert_eq!(
            title(SupportState::CreateConfirm {
                title: "T".into(),
                text: "x".into(),
                draft: 1,
                attachments: Vec::new(),
            }),
            Some("T".to_owned())
        );
        assert_eq!(title(SupportState::Idle), None);
    }
}
