//! [`Pacer`]: Telegram's sending limits, kept by the push listener — about 30 messages a second
//! overall and one a second per chat (Telegram's FAQ for bots). Bursts beyond them get `429`s,
//! which cost more time than pacing does.
//!
//! A chat's slot is reserved when its message is taken (in the order the server offers them),
//! and the message waits for it: two replies to one chat leave a second apart and in order, while
//! replies to other chats go out meanwhile.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use teloxide::types::ChatId;
use tokio::time::Instant;

/// One message per chat per this.
pub(crate) const PER_CHAT: Duration = Duration::from_secs(1);
/// One message overall per this (30 a second, minus a margin).
pub(crate) const OVERALL: Duration = Duration::from_millis(35);
/// Chats remembered before forgetting those whose slots have passed.
const REMEMBERED_CHATS: usize = 4096;

/// The next free sending slot, overall and per chat.
#[derive(Debug)]
pub(crate) struct Pacer {
    per_chat: Duration,
    overall: Duration,
    chats: Mutex<HashMap<ChatId, Instant>>,
    next_overall: Mutex<Instant>,
    /// When each chat's last message actually left: the slot is taken before the server's
    /// go-ahead, whose round trip varies, so the spacing is checked again right before the call.
    last_sent: Mutex<HashMap<ChatId, Instant>>,
}

impl Pacer {
    pub(crate) fn new(per_chat: Duration, overall: Duration) -> Self {
        Self {
            per_chat,
            overall,
            chats: Mutex::new(HashMap::new()),
            next_overall: Mutex::new(Instant::now()),
            last_sent: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the chat's next slot: when a message to `chat` taken now may leave.
    pub(crate) fn reserve(&self, chat: ChatId) -> Instant {
        let now = Instant::now();
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        if chats.len() >= REMEMBERED_CHATS {
            chats.retain(|_, next| *next > now);
        }
        let next = chats.entry(chat).or_insert(now);
        let slot = (*next).max(now);
        *next = slot + self.per_chat;
        slot
    }

    /// Waits for a reserved chat slot, then for an overall one.
    pub(crate) async fn wait(&self, chat_slot: Instant) {
        tokio::time::sleep_until(chat_slot).await;
        let slot = {
            let mut next = self.next_overall.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.overall;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

impl Pacer {
    /// Right before the Telegram call: waits until a full interval has passed since the chat's
    /// last message actually left, and records this one.
    pub(crate) async fn before_send(&self, chat: ChatId) {
        let earliest = {
            let last = self.last_sent.lock().unwrap_or_else(|e| e.into_inner());
            last.get(&chat).map(|at| *at + self.per_chat)
        };
        if let Some(earliest) = earliest {
            tokio::time::sleep_until(earliest).await;
        }
        let now = Instant::now();
        let mut last = self.last_sent.lock().unwrap_or_else(|e| e.into_inner());
        if last.len() >= REMEMBERED_CHATS {
            last.retain(|_, at| *at + self.per_chat > now);
        }
        last.insert(chat, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_chat_gets_one_message_a_second_and_others_are_not_held() {
        let pacer = Pacer::new(PER_CHAT, OVERALL);
        let start = Instant::now();
        let a1 = pacer.reserve(ChatId(1));
        let a2 = pacer.reserve(ChatId(1));
        let b1 = pacer.reserve(ChatId(2));
        assert_eq!(a1, start);
        assert_eq!(a2, start + PER_CHAT);
        assert_eq!(b1, start);
        pacer.wait(a1).await;
        pacer.wait(b1).await;
        // The second message overall waits for the overall pace only.
        assert_eq!(Instant::now(), start + OVERALL);
        pacer.wait(a2).await;
        assert!(Instant::now() >= start + PER_CHAT);
    }
}
