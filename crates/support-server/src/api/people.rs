//! What a user message tells about its writer: the `language_code` and `user` (contact profile)
//! extensions of the bot's bodies, passed through the host's
//! [`UserDirectory`](crate::directory::UserDirectory), stored, and announced to the managers when
//! they change.

use serde_json::{Map, Value};
use support_protocol::{TelegramId, TicketId};

use super::fields::{self, Errors};
use crate::state::AppState;
use crate::storage::{StorageError, UserReport};

/// The body's `language_code` and `user`, each checked; a bad one is a field error.
pub(crate) struct Reported {
    language_code: Option<String>,
    profile: Option<support_protocol::UserProfile>,
}

impl Reported {
    /// Reads both fields of a user message's body.
    pub(crate) fn read(body: &Map<String, Value>, errors: &mut Errors) -> Self {
        let language_code = fields::language_code(fields::get(body, "language_code"))
            .map_err(|e| errors.add("language_code", e))
            .ok()
            .flatten();
        let profile = fields::profile(fields::get(body, "user"))
            .map_err(|e| errors.add("user", e))
            .ok()
            .flatten();
        Self {
            language_code,
            profile,
        }
    }

    /// The report to store for `user`: the profile as the host's directory decides.
    pub(crate) async fn resolve(
        self,
        state: &AppState,
        user: TelegramId,
    ) -> Result<UserReport, StorageError> {
        let profile = state
            .directory()
            .profile(user, self.profile)
            .await?
            .map(|p| p.normalized());
        Ok(UserReport {
            language_code: self.language_code,
            profile,
        })
    }
}

/// Stores what a user message reported about `user` before their ticket is created (so the
/// ticket and its `ticket.created` show it) and announces a change to the viewers of the user's
/// other tickets (a user new to the server has none: nothing to announce).
pub(crate) async fn before_ticket(
    state: &AppState,
    user: TelegramId,
    report: &UserReport,
) -> Result<(), StorageError> {
    let storage = state.storage();
    let known = storage.user_exists(user).await?;
    if !known {
        if report.language_code.is_none() && report.profile.is_none() {
            return Ok(());
        }
        storage.register_user(user).await?;
    }
    if let Some(change) = storage.update_user(user, report).await?
        && known
    {
        crate::delivery::announce_user(state, change).await;
    }
    Ok(())
}

/// Stores what a message to `ticket` reported about its user, announcing any change; failures are
/// logged (the message itself is stored).
pub(crate) async fn after_message(state: &AppState, ticket: TicketId, report: &UserReport) {
    crate::delivery::user_wrote(state, ticket, report).await;
}
