//! `ticket.typing` (extension): a manager typing a reply. Each report is passed on to every
//! manager (the console shows who is typing) and, when the typist holds the ticket, to the bot
//! (which shows "typing…" in the user's chat). Reports are throttled per manager and ticket, so
//! a client sending one per keystroke costs the server one lookup every [`TYPING_EVERY`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support_protocol::{ManagerId, ServerEvent, TicketId, TicketTyping};

use crate::hub::Audience;
use crate::state::AppState;

/// At most one report per manager and ticket is passed on in this time.
pub(crate) const TYPING_EVERY: Duration = Duration::from_secs(2);

/// The most (manager, ticket) pairs remembered; past it, the stale ones are dropped first, then
/// all (a flood of distinct pairs only makes some reports pass early).
const REMEMBERED: usize = 10_000;

/// When each manager last had a report on each ticket passed on.
#[derive(Debug, Default)]
pub(crate) struct TypingThrottle(Mutex<HashMap<(ManagerId, TicketId), Instant>>);

impl TypingThrottle {
    /// Whether a report of `manager` on `ticket` at `now` is passed on (and is remembered).
    pub(crate) fn admit(&self, manager: ManagerId, ticket: TicketId, now: Instant) -> bool {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen
            .get(&(manager, ticket))
            .is_some_and(|last| now.duration_since(*last) < TYPING_EVERY)
        {
            return false;
        }
        if seen.len() >= REMEMBERED {
            seen.retain(|_, last| now.duration_since(*last) < TYPING_EVERY);
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
        }
        seen.insert((manager, ticket), now);
        true
    }
}

/// Handles a manager's typing report: silently dropped when throttled, for an unknown or
/// resolved ticket, or when the storage fails (typing is a hint, never worth an error).
pub(crate) async fn typing(state: &AppState, me: ManagerId, ticket: TicketId) {
    if !state.typing().admit(me, ticket, Instant::now()) {
        return;
    }
    let storage = state.storage();
    let Ok(Some(found)) = storage.get_ticket(ticket).await else {
        return;
    };
    if found.resolved {
        return;
    }
    let holds = found.manager_id() == Some(me);
    let manager = if holds {
        found.support_manager.clone()
    } else {
        storage.manager(me).await.ok().flatten().map(|m| m.public())
    };
    crate::api::publish(
        state,
        Audience::AllManagers,
        ServerEvent::TicketTyping(TicketTyping {
            ticket_id: ticket,
            manager,
            // Only the holder's typing reaches the user: the others cannot reply.
            user: holds.then_some(found.user.telegram_id),
        }),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_throttled_per_manager_and_ticket() {
        let throttle = TypingThrottle::default();
        let (anna, boris) = (ManagerId::new(1), ManagerId::new(2));
        let t = TicketId::new(5);
        let start = Instant::now();
        assert!(throttle.admit(anna, t, start));
        assert!(!throttle.admit(anna, t, start + Duration::from_millis(500)));
        assert!(throttle.admit(boris, t, start + Duration::from_millis(500)));
        assert!(throttle.admit(anna, TicketId::new(6), start));
        assert!(throttle.admit(anna, t, start + TYPING_EVERY));
    }

    #[test]
    fn memory_stays_bounded() {
        let throttle = TypingThrottle::default();
        let now = Instant::now();
        for i in 0..(REMEMBERED as i64 * 3) {
            throttle.admit(ManagerId::new(i), TicketId::new(1), now);
        }
        assert!(throttle.0.lock().unwrap().len() <= REMEMBERED);
    }
}
