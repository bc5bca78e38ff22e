//! Login throttling: failed attempts counted per (username, client IP) in a fixed window, and
//! per username across all addresses, with an exemption that keeps the second count from locking
//! the real user out.
//!
//! The policy (also in `SPEC-NOTES.md`):
//! - [`MAX_FAILURES`] failures of one username from one address within [`WINDOW`] throttle that
//!   pair until the window ends (a person mistyping is not hindered, guessing from one address is).
//! - [`ACCOUNT_MAX_FAILURES`] failures of one username from all addresses together within
//!   [`WINDOW`] throttle that username, which caps guessing spread over many addresses.
//! - The account-wide throttle never applies to an address that logged in as that user
//!   successfully within [`KNOWN_FOR`] (the real user's office or home): an attacker can slow
//!   logins from new addresses, never lock the user out of every address. Known addresses are
//!   kept in memory, so a restart forgets them (the account window is forgotten too).
//!
//! An attempt counts as a failure from the moment it [begins](LoginRateLimiter::begin), before
//! its password is checked, and is credited back when it [succeeds](LoginRateLimiter::succeeded)
//! (or never got checked, [`credit`](LoginRateLimiter::credit)): so guesses sent in parallel
//! cannot all be checked before the first failure is counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Failed attempts allowed per key within [`WINDOW`]: enough for a person mistyping, far too few
/// for guessing (10 guesses per 5 minutes per address).
pub const MAX_FAILURES: u32 = 10;
/// The counting window.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Failed attempts allowed per username from all addresses together within [`WINDOW`].
pub const ACCOUNT_MAX_FAILURES: u32 = 100;
/// How long an address that logged in successfully stays exempt from the account-wide limit.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);
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
    windows: Mutex<Counts>,
}

/// The counts behind one lock.
#[derive(Debug, Default)]
struct Counts {
    /// Failures per (username, address).
    pairs: HashMap<(String, String), Window>,
    /// Failures per username, from every address.
    accounts: HashMap<String, Window>,
    /// When each (username, address) last logged in successfully.
    known: HashMap<(String, String), Instant>,
}

/// Bounds `map` to [`MAX_KEYS`]: drops the entries `live` rejects, then, if still full, the
/// entry with the oldest `at`.
fn bound<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    live: impl Fn(&V) -> bool,
    at: impl Fn(&V) -> Instant,
) {
    if map.len() < MAX_KEYS {
        return;
    }
    map.retain(|_, v| live(v));
    if map.len() >= MAX_KEYS
        && let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| at(v))
            .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

/// Counts one failure in `map[key]`, starting a new window when the old one ended.
fn count_failure<K: Clone + Eq + std::hash::Hash>(
    map: &mut HashMap<K, Window>,
    key: K,
    now: Instant,
) {
    bound(
        map,
        |w| now.duration_since(w.started) < WINDOW,
        |w| w.started,
    );
    let w = map.entry(key).or_insert(Window {
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

/// Takes back one failure counted in `map[key]`, if its window is still current.
fn uncount<K: Eq + std::hash::Hash>(map: &mut HashMap<K, Window>, key: &K, now: Instant) {
    if let Some(w) = map.get_mut(key)
        && now.duration_since(w.started) < WINDOW
    {
        w.failures = w.failures.saturating_sub(1);
    }
}

/// `Err(seconds left)` when `window` is current and has `max` failures.
fn throttled(window: Option<&Window>, max: u32, now: Instant) -> Result<(), u64> {
    match window {
        Some(w) if now.duration_since(w.started) < WINDOW && w.failures >= max => {
            let left = WINDOW.saturating_sub(now.duration_since(w.started));
            Err(left.as_secs().max(1))
        }
        _ => Ok(()),
    }
}

impl LoginRateLimiter {
    /// A limiter with no recorded failures.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // Every update writes whole values, so a poisoned map is still consistent.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn key(username: &str, ip: &str) -> (String, String) {
        (username.trim().to_lowercase(), ip.to_owned())
    }

    /// `Err(seconds)` until the window ends if the pair, or the account from an address not
    /// known for it, has used up its attempts.
    pub fn check(&self, username: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let counts = self.lock();
        Self::check_locked(&counts, &Self::key(username, ip), now)
    }

    fn check_locked(counts: &Counts, key: &(String, String), now: Instant) -> Result<(), u64> {
        throttled(counts.pairs.get(key), MAX_FAILURES, now)?;
        let known = counts
            .known
            .get(key)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_FOR);
        if known {
            return Ok(());
        }
        throttled(counts.accounts.get(&key.0), ACCOUNT_MAX_FAILURES, now)
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, username: &str, ip: &str) {
        let now = Instant::now();
        let mut counts = self.lock();
        let key = Self::key(username, ip);
        count_failure(&mut counts.accounts, key.0.clone(), now);
        count_failure(&mut counts.pairs, key, now);
    }

    /// Begins an attempt: `Err(seconds)` as [`Self::check`] does, else counts the attempt as a
    /// failure at once (in one step with the check, so parallel attempts cannot all pass it).
    /// End it with [`Self::succeeded`], or [`Self::credit`] if the password was never checked;
    /// a failed attempt needs nothing more.
    pub fn begin(&self, username: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut counts = self.lock();
        let key = Self::key(username, ip);
        Self::check_locked(&counts, &key, now)?;
        count_failure(&mut counts.accounts, key.0.clone(), now);
        count_failure(&mut counts.pairs, key, now);
        Ok(())
    }

    /// Takes back the failure a [`Self::begin`] counted, for an attempt whose password was
    /// never checked (the checks were saturated, the storage failed).
    pub fn credit(&self, username: &str, ip: &str) {
        let now = Instant::now();
        let mut counts = self.lock();
        let key = Self::key(username, ip);
        uncount(&mut counts.accounts, &key.0, now);
        uncount(&mut counts.pairs, &key, now);
    }

    /// Ends a [`Self::begin`] that logged in: takes back its count from the account and
    /// [resets](Self::reset) the pair.
    pub fn succeeded(&self, username: &str, ip: &str) {
        {
            let now = Instant::now();
            let mut counts = self.lock();
            uncount(&mut counts.accounts, &Self::key(username, ip).0, now);
        }
        self.reset(username, ip);
    }

    /// Forgets the pair's failures and remembers the address as known for the user (after a
    /// successful login). The account-wide count stays: others may still be guessing.
    pub fn reset(&self, username: &str, ip: &str) {
        let now = Instant::now();
        let mut counts = self.lock();
        let key = Self::key(username, ip);
        counts.pairs.remove(&key);
        bound(
            &mut counts.known,
            |at| now.duration_since(*at) < KNOWN_FOR,
            |at| *at,
        );
        counts.known.insert(key, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attempts count from their beginning: with every attempt still running, no more than
    /// [`MAX_FAILURES`] begin; a success and a credit give their count back.
    #[tokio::test(start_paused = true)]
    async fn attempts_count_before_their_check_ends() {
        let l = LoginRateLimiter::new();
        let begun = (0..3 * MAX_FAILURES)
            .filter(|_| l.begin("anna", "1.2.3.4").is_ok())
            .count();
        assert_eq!(begun, MAX_FAILURES as usize, "in flight counts");
        assert_eq!(l.begin("anna", "1.2.3.4"), Err(300));
        l.credit("anna", "1.2.3.4");
        assert!(l.begin("anna", "1.2.3.4").is_ok(), "a credit frees one");
        assert!(l.begin("anna", "1.2.3.4").is_err());
        l.succeeded("anna", "1.2.3.4");
        assert!(
            l.check("anna", "1.2.3.4").is_ok(),
            "a success clears the pair"
        );

        // The account count: a success takes back its own attempt only.
        let l = LoginRateLimiter::new();
        for i in 0..ACCOUNT_MAX_FAILURES - 1 {
            l.begin("boris", &format!("192.0.2.{}", i % 50)).unwrap();
        }
        l.begin("boris", "10.0.0.1").unwrap();
        assert!(l.begin("boris", "198.51.100.7").is_err(), "the account cap");
        l.succeeded("boris", "10.0.0.1");
        assert!(
            l.check("boris", "198.51.100.7").is_ok(),
            "one credited back"
        );
        assert!(l.begin("boris", "198.51.100.7").is_ok());
        assert!(l.begin("boris", "198.51.100.8").is_err());
        assert!(l.begin("boris", "10.0.0.1").is_ok(), "the known address");
    }

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

    #[tokio::test(start_paused = true)]
    async fn the_account_limit_spares_known_addresses() {
        let l = LoginRateLimiter::new();
        // The real user logged in from home before the attack.
        l.reset("anna", "10.0.0.1");
        // Guessing from many addresses, each under its own limit.
        for i in 0..ACCOUNT_MAX_FAILURES {
            let ip = format!("192.0.2.{}", i % 50);
            assert!(l.check("anna", &ip).is_ok(), "{i}");
            l.record_failure("anna", &ip);
        }
        assert_eq!(l.check("anna", "198.51.100.7"), Err(300), "a new address");
        assert!(l.check("Anna", "10.0.0.1").is_ok(), "the known address");
        assert!(l.check("boris", "198.51.100.7").is_ok(), "another user");
        // Known addresses still have their own limit.
        for _ in 0..MAX_FAILURES {
            l.record_failure("anna", "10.0.0.1");
        }
        assert!(l.check("anna", "10.0.0.1").is_err());
        tokio::time::advance(WINDOW).await;
        assert!(l.check("anna", "198.51.100.7").is_ok(), "the window ended");
        // A known address is forgotten after KNOWN_FOR.
        l.reset("anna", "10.0.0.1");
        tokio::time::advance(KNOWN_FOR).await;
        for i in 0..ACCOUNT_MAX_FAILURES {
            l.record_failure("anna", &format!("192.0.2.{}", i % 50));
        }
        assert!(l.check("anna", "10.0.0.1").is_err());
    }
}
