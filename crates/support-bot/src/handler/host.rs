//! The way out of support through the host's UI: a host command (`/...` other than `/support`)
//! or a press on a host button ends the user's support state, and the update is passed on to the
//! host's handlers. Neither branch has an endpoint, so both always continue.

use teloxide::dptree;
use teloxide::prelude::*;

use super::Tree;
use crate::state::{SupportState, SupportStorage};

/// A host command in a private chat (the message branch has classified it).
pub(super) fn command() -> Tree {
    dptree::inspect_async(|m: Message, storage: SupportStorage| async move {
        leave(&storage, m.chat.id).await;
    })
}

/// A press on a button whose data is not support's. A press without data (a game's button) is
/// left alone.
pub(super) fn button() -> Tree {
    dptree::inspect_async(|q: CallbackQuery, storage: SupportStorage| async move {
        if q.data.is_some()
            && let Some(m) = &q.message
        {
            leave(&storage, m.chat().id).await;
        }
    })
}

/// Resets a chat's support state to idle (only writes when it is not idle already).
async fn leave(storage: &SupportStorage, chat: ChatId) {
    if let Ok(Some(state)) = storage.clone().get_dialogue(chat).await
        && state != SupportState::Idle
        && let Err(e) = storage.clone().remove_dialogue(chat).await
    {
        tracing::warn!(error = %e, "cannot reset the support dialogue state");
    }
}
