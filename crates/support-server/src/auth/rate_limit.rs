//! Login throttling: failed attempts counted per (username, client IP) in a fixed window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Failed attempts allowed per key within [`WINDOW`]: enough for a person mistyping, far too few
/// for guessing (10 guesses per 5 minutes per address).
pub const MAX_FAILURES: u32 = 10;
/// The counting window.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// At most this many keys are tracked; past it, expired entries are pruned and, if still full,
/// the oldest window is evicted, so a flood of distinct usernames cannot grow memory without
/// bound.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Counts failed logins. A std `Mutex` is right: the critical sections are a few map operations
/// and never span an `.await`.
#[derive(Debug, Default)]
pub struct LoginRateLimiter {
    windows: Mutex<HashMap<(String, String), Window>>,
}

impl LoginRateLimiter {
    /// A limiter with no recorded failures.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Window>> {
        // Every update writes whole values, so a poisoned map is still consistent.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn key(username: &str, ip: &str) -> (String, String) {
        (username.trim().to_lowercase(), ip.to_owned())
    }

    /// `Err(seconds)` until the window ends if the key has used up its attempts.
    pub fn check(&self, username: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let map = self.lock();
        match map.get(&Self::key(username, ip)) {
            Some(w) if now.duration_since(w.started) < WINDOW && w.failures >= MAX_FAILURES => {
                let left = WINDOW.saturating_sub(now.duration_since(w.started));
                Err(left.as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, username: &str, ip: &str) {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, w| now.duration_since(w.started) < WINDOW);
            if map.len() >= MAX_KEYS
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        let w = map.entry(Self::key(username, ip)).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.duration_since(w.started) >= WINDOW {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// Forgets the key's failures (after a successful login).
    pub fn reset(&self, username: &str, ip: &str) {
        self.lock().remove(&Self::key(username, ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn blocks_after_max_failures_until_the_window_ends() {
        let l = LoginRateLimiter::new();
        for _ in 0..MAX_FAILURES {
            assert!(l.check("Anna", "1.2.3.4").is_ok());
            l.record_failure("Anna", "1.2.3.4");
        }
        assert_eq!(l.check("anna", "1.2.3.4"), Err(300));
        assert!(
            l.check("anna", "5.6.7.8").is_ok(),
            "another address is not blocked"
        );
        tokio::time::advance(Duration::from_secs(299)).await;
        assert_eq!(l.check("anna", "1.2.3.4"), Err(1));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(l.check("anna", "1.2.3.4").is_ok());
        l.record_failure("anna", "1.2.3.4");
        assert!(l.check("anna", "1.2.3.4").is_ok(), "a new window starts");
        l.reset("anna", "1.2.3.4");
        assert!(l.check("anna", "1.2.3.4").is_ok());
    }
}
