//! Albums: Telegram delivers the parts of an album (one `media_group_id`, up to ten) as separate
//! messages, within about a second. Support sends them as one ticket message.
//!
//! ## Design
//!
//! A small buffer keyed by (chat, `media_group_id`). The first part of a group creates its entry
//! and gets a [`Collecting`] handle; its endpoint spawns a task that waits with it and then
//! sends the group. The other parts only join the entry, so their endpoints return at once:
//! teloxide's dispatcher handles a chat's updates one after another, and an endpoint that waited
//! for the next part would wait for itself.
//!
//! - **When a group is complete**: after [`QUIET`] without a new part, or as soon as it has
//!   [`MAX_ATTACHMENTS`] parts (Telegram's album limit), and in any case [`MAX_COLLECT`] after its
//!   first part, so a trickle cannot hold it open.
//! - **Bounded memory**: at most [`MAX_GROUPS`] groups wait at once, each with at most
//!   [`MAX_ATTACHMENTS`] parts. A part beyond either bound, or one arriving after its group left
//!   the buffer, is sent alone ([`Added::Alone`]), never dropped.
//! - **No leak**: every entry belongs to a task that removes it when it ends: the handle's
//!   `Drop` does, so also when the task panics or the group never completes (it is sent with the
//!   parts that came).
//! - **Order**: a chat's messages that are not album parts wait, before they are handled, until
//!   the chat's pending albums are sent ([`Albums::settled`], at most [`SETTLE_MAX`]), so a text
//!   typed right after an album reaches the ticket after it. Messages of other chats never wait.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use support_protocol::MAX_ATTACHMENTS;
use teloxide::types::{ChatId, Message};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// How long a group waits for one more part. Telegram sends an album's parts within a few
/// hundred milliseconds of each other; a second is what bot frameworks commonly wait
/// (aiogram's media-group middleware: 1 s), short enough that the user hardly notices.
pub(crate) const QUIET: Duration = Duration::from_millis(900);
/// The longest a group is collected, from its first part.
pub(crate) const MAX_COLLECT: Duration = Duration::from_secs(5);
/// Groups collected at once in the process, all chats together.
pub(crate) const MAX_GROUPS: usize = 1024;
/// The longest a chat's next message waits for its albums to be sent (they copy files first).
pub(crate) const SETTLE_MAX: Duration = Duration::from_secs(120);

type Key = (ChatId, String);

/// The buffer. One per process ([`global`]); tests make their own.
pub(crate) struct Albums<T> {
    groups: Mutex<HashMap<Key, Group<T>>>,
}

struct Group<T> {
    parts: Vec<T>,
    first: Instant,
    last: Instant,
    /// Taken by the task: the group is being sent, new parts go alone.
    sending: bool,
    /// Wakes the task when the group is full.
    full: Arc<Notify>,
    /// `true` once the group is sent (or given up).
    done: watch::Receiver<bool>,
}

/// What became of a part.
pub(crate) enum Added<T> {
    /// The first part of its group: wait with the handle, then send the parts.
    First(Collecting<T>),
    /// Joined a group whose task will send it.
    Joined,
    /// Not buffered (a bound, or its group is already being sent): send it alone.
    Alone(T),
}

impl<T: Send + 'static> Albums<T> {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self {
            groups: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Group<T>>> {
        // A panic while holding the lock leaves a map that is still consistent (every change
        // is a single insert, push or remove), so a poisoned lock is used as is.
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a part of the album `group` in `chat`.
    pub(crate) fn add(self: &Arc<Self>, chat: ChatId, group: &str, part: T) -> Added<T> {
        let key = (chat, group.to_owned());
        let now = Instant::now();
        let mut groups = self.lock();
        if let Some(g) = groups.get_mut(&key) {
            if g.sending || g.parts.len() >= MAX_ATTACHMENTS {
                return Added::Alone(part);
            }
            g.parts.push(part);
            g.last = now;
            if g.parts.len() >= MAX_ATTACHMENTS {
                g.full.notify_one();
            }
            return Added::Joined;
        }
        if groups.len() >= MAX_GROUPS {
            tracing::warn!("too many albums collected at once; a part is sent alone");
            return Added::Alone(part);
        }
        let (done_tx, done_rx) = watch::channel(false);
        let full = Arc::new(Notify::new());
        groups.insert(
            key.clone(),
            Group {
                parts: vec![part],
                first: now,
                last: now,
                sending: false,
                full: full.clone(),
                done: done_rx,
            },
        );
        Added::First(Collecting {
            albums: self.clone(),
            key,
            full,
            done: done_tx,
        })
    }

    /// Waits until no album of `chat` is collected or being sent (at most [`SETTLE_MAX`]).
    pub(crate) async fn settled(&self, chat: ChatId) {
        let pending: Vec<watch::Receiver<bool>> = self
            .lock()
            .iter()
            .filter(|((c, _), _)| *c == chat)
            .map(|(_, g)| g.done.clone())
            .collect();
        for mut done in pending {
            // An error: the sender is gone, so is the group.
            let waited = tokio::time::timeout(SETTLE_MAX, done.wait_for(|d| *d)).await;
            if waited.is_err() {
                tracing::warn!("an album took too long to send; the next message goes first");
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// The task's hold on a group: [`Self::parts`] waits for the group to complete; dropping it
/// removes the group and lets the chat's next messages go.
pub(crate) struct Collecting<T> {
    albums: Arc<Albums<T>>,
    key: Key,
    full: Arc<Notify>,
    done: watch::Sender<bool>,
}

impl<T: Send + 'static> Collecting<T> {
    /// The group's parts once it is complete, in the order they came. The group stays in the
    /// buffer (as being sent) until this handle is dropped.
    pub(crate) async fn parts(&self) -> Vec<T> {
        loop {
            let deadline = {
                let mut groups = self.albums.lock();
                let Some(g) = groups.get_mut(&self.key) else {
                    return Vec::new();
                };
                let deadline = (g.last + QUIET).min(g.first + MAX_COLLECT);
                if g.parts.len() >= MAX_ATTACHMENTS || Instant::now() >= deadline {
                    g.sending = true;
                    return std::mem::take(&mut g.parts);
                }
                deadline
            };
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.full.notified() => {}
            }
        }
    }
}

impl<T> Drop for Collecting<T> {
    fn drop(&mut self) {
        let mut groups = self
            .albums
            .groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        groups.remove(&self.key);
        drop(groups);
        let _ = self.done.send(true);
    }
}

/// The process's buffer of the handler's messages. A static, like the creation locks
/// (`handler/serial.rs`): every dispatcher in the process shares it, keyed by chat and group, and
/// a host's dependency map needs nothing more.
pub(crate) fn global() -> &'static Arc<Albums<Message>> {
    static GLOBAL: LazyLock<Arc<Albums<Message>>> = LazyLock::new(|| Arc::new(Albums::new()));
    &GLOBAL
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: ChatId = ChatId(7);

    fn first(added: Added<u32>) -> Collecting<u32> {
        match added {
            Added::First(c) => c,
            _ => panic!("not the first part"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_is_sent_after_a_quiet_period_with_every_part() {
        let albums = Arc::new(Albums::new());
        let collecting = first(albums.add(CHAT, "g", 1));
        let task = tokio::spawn(async move {
            let parts = collecting.parts().await;
            (parts, collecting)
        });
        for part in 2..=3 {
            tokio::time::sleep(QUIET / 2).await;
            assert!(matches!(albums.add(CHAT, "g", part), Added::Joined));
        }
        let started = Instant::now();
        let (parts, collecting) = task.await.unwrap();
        assert_eq!(parts, [1, 2, 3]);
        assert!(started.elapsed() >= QUIET / 2, "waited for quiet");
        // Being sent: a late part goes alone, and the chat is not settled yet.
        assert!(matches!(albums.add(CHAT, "g", 4), Added::Alone(4)));
        let settled = tokio::spawn({
            let albums = albums.clone();
            async move { albums.settled(CHAT).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!settled.is_finished());
        drop(collecting);
        settled.await.unwrap();
        assert_eq!(albums.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_group_goes_at_once_and_an_eleventh_part_alone() {
        let albums = Arc::new(Albums::new());
        let collecting = first(albums.add(CHAT, "g", 0));
        for part in 1..MAX_ATTACHMENTS as u32 {
            assert!(matches!(albums.add(CHAT, "g", part), Added::Joined));
        }
        assert!(matches!(albums.add(CHAT, "g", 99), Added::Alone(99)));
        let started = Instant::now();
        assert_eq!(collecting.parts().await.len(), MAX_ATTACHMENTS);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_off_and_nothing_is_left_behind() {
        let albums = Arc::new(Albums::new());
        let collecting = first(albums.add(CHAT, "g", 0));
        let task = tokio::spawn(async move { collecting.parts().await.len() });
        // A part every 800 ms would keep a group open forever without the cap; parts are
        // bounded by ten, so the cap is reached at the tenth at the latest.
        let mut sent = 1;
        while !task.is_finished() && sent < 6 {
            tokio::time::sleep(QUIET - Duration::from_millis(100)).await;
            if matches!(albums.add(CHAT, "g", sent), Added::Joined) {
                sent += 1;
            }
        }
        let n = task.await.unwrap();
        assert!(n <= sent as usize && n >= 5, "{n} of {sent}");
        // The handle was dropped by the task: nothing stays.
        assert_eq!(albums.len(), 0);
        // Another chat, another group: never waits on this one.
        albums.settled(ChatId(8)).await;
    }

    #[tokio::test]
    async fn groups_are_bounded() {
        let albums = Arc::new(Albums::new());
        let mut held = Vec::new();
        for i in 0..MAX_GROUPS {
            held.push(first(albums.add(CHAT, &i.to_string(), 0)));
        }
        assert!(matches!(albums.add(CHAT, "one more", 5), Added::Alone(5)));
        drop(held);
        assert_eq!(albums.len(), 0);
    }
}
