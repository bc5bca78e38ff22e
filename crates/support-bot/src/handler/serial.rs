//! One «Send» at a time per chat, so two presses processed at once cannot both create a ticket.
//!
//! teloxide's dispatcher already handles the updates of one chat one after another (its default
//! distribution function keys them by chat), and then the second press finds the ticket created
//! by the first in the dialogue state. This lock covers what that does not: a host with its own
//! distribution function (or none), or updates fed to the handler some other way. It is
//! in-process only: bot replicas sharing one dialogue storage still rely on Telegram sending a
//! chat's updates to one of them.

use teloxide::types::ChatId;
use tokio::sync::{Mutex, MutexGuard};

/// Locks are striped by chat id: a fixed set, nothing to grow or clean up. Two chats that share
/// a stripe only wait for each other's ticket creation (one REST call).
const STRIPES: usize = 64;

static LOCKS: [Mutex<()>; STRIPES] = [const { Mutex::const_new(()) }; STRIPES];

/// Holds `chat`'s stripe until the guard is dropped.
pub(super) async fn lock(chat: ChatId) -> MutexGuard<'static, ()> {
    // `rem_euclid` of a positive modulus is in `0..STRIPES`, so the cast and the index are safe.
    let stripe = chat.0.rem_euclid(STRIPES as i64) as usize;
    LOCKS[stripe].lock().await
}
