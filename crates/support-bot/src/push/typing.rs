//! "typing…" in the user's chat while the manager holding their ticket types a reply: the server
//! passes the holder's `ticket.typing` reports to the bot, and the bot calls `sendChatAction`.
//! Telegram shows the action for about five seconds, so one call per chat every
//! [`SHOW_EVERY`] keeps it on while the manager types, and costs little of the bot's rate limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::types::ChatId;

/// At most one `sendChatAction` per chat in this time.
pub(crate) const SHOW_EVERY: Duration = Duration::from_secs(4);

/// The most chats remembered (a flood of reports for distinct chats stays bounded).
const REMEMBERED: usize = 10_000;

/// When "typing…" was last shown in each chat.
#[derive(Debug, Default)]
pub(crate) struct TypingShown(Mutex<HashMap<ChatId, Instant>>);

impl TypingShown {
    /// Whether to show "typing…" in `chat` at `now` (and remember it).
    pub(crate) fn admit(&self, chat: ChatId, now: Instant) -> bool {
        let mut shown = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if shown
            .get(&chat)
            .is_some_and(|last| now.duration_since(*last) < SHOW_EVERY)
        {
            return false;
        }
        if shown.len() >= REMEMBERED {
            shown.retain(|_, last| now.duration_since(*last) < SHOW_EVERY);
            if shown.len() >= REMEMBERED {
                shown.clear();
            }
        }
        shown.insert(chat, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_chat_every_few_seconds_and_bounded() {
        let shown = TypingShown::default();
        let now = Instant::now();
        assert!(shown.admit(ChatId(1), now));
        assert!(!shown.admit(ChatId(1), now + Duration::from_secs(1)));
        assert!(shown.admit(ChatId(2), now + Duration::from_secs(1)));
        assert!(shown.admit(ChatId(1), now + SHOW_EVERY));
        for chat in 0..(REMEMBERED as i64 * 2) {
            shown.admit(ChatId(chat), now);
        }
        assert!(shown.0.lock().unwrap().len() <= REMEMBERED);
    }
}
