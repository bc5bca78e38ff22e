//! [`DeliveryPolicy`]: what the server does with a reply a bot could not deliver, and how long a
//! bot connection holds one.

use std::time::Duration;

use support_protocol::{DeliveryFailed, FailureKind, Timestamp};

use crate::storage::DeliveryUpdate;

/// The delivery settings (part of [`SupportConfig`](crate::config::SupportConfig)).
///
/// ```
/// use std::time::Duration;
/// use support_server::delivery::DeliveryPolicy;
/// let policy = DeliveryPolicy::default();
/// assert_eq!(policy.max_attempts, 6);
/// assert_eq!(policy.backoff(1), Duration::from_secs(2));
/// assert_eq!(policy.backoff(3), Duration::from_secs(8));
/// assert_eq!(policy.backoff(40), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryPolicy {
    /// How long a bot connection holds a reply it was offered before it may be offered to
    /// another (or the same, reconnected) bot. Long enough for the bot to send it (Telegram
    /// answers in well under a second, the bot paces a chat to 1 message/s); short enough that
    /// a crashed bot's replies go out soon after a restart. Default 60 s.
    pub lease: Duration,
    /// Replies offered to one connection and not reported yet, at most. Bounds what a lease
    /// must cover: a bot working through them at Telegram's pace finishes well within it.
    /// Default 16.
    pub in_flight: usize,
    /// Attempts (offers) before a transiently failing reply is given up. Default 6 (about a
    /// minute of backoff in all).
    pub max_attempts: u32,
    /// The wait after the first transient failure; it doubles per attempt. Default 2 s.
    pub backoff_min: Duration,
    /// The longest wait between attempts (and the longest `retry_after` honoured). Default
    /// 5 minutes.
    pub backoff_max: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            in_flight: 16,
            max_attempts: 6,
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
        }
    }
}

impl DeliveryPolicy {
    /// Sets [`Self::lease`].
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets [`Self::backoff_min`] and [`Self::backoff_max`].
    pub fn backoff_between(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max.max(min);
        self
    }

    /// Sets [`Self::max_attempts`] (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait after the `attempt`-th transient failure (from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.backoff_min
            .saturating_mul(1 << doublings)
            .min(self.backoff_max)
    }

    /// What follows a bot's failure report on a reply offered `attempts` times.
    pub fn after_failure(&self, report: &DeliveryFailed, attempts: u32, now: Timestamp) -> Outcome {
        let error = report.error.clone();
        let error_code = report.error_code;
        match report.kind {
            FailureKind::Blocked => Outcome {
                update: DeliveryUpdate::Failed { error_code, error },
                blocks_user: true,
            },
            FailureKind::Permanent => Outcome::only(DeliveryUpdate::Failed { error_code, error }),
            FailureKind::RateLimited => {
                let wait = Duration::from_secs(u64::from(report.retry_after.unwrap_or(1)))
                    .min(self.backoff_max);
                Outcome::only(DeliveryUpdate::Retry {
                    not_before: later(now, wait),
                    error_code,
                    error,
                    counted: false,
                })
            }
            FailureKind::Transient if attempts >= self.max_attempts => {
                Outcome::only(DeliveryUpdate::Failed { error_code, error })
            }
            FailureKind::Transient => Outcome::only(DeliveryUpdate::Retry {
                not_before: later(now, self.backoff(attempts)),
                error_code,
                error,
                counted: true,
            }),
        }
    }
}

/// What a failure report leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The change to the reply's delivery.
    pub update: DeliveryUpdate,
    /// Whether the user is now marked blocked (no reply is offered until they write again).
    pub blocks_user: bool,
}

impl Outcome {
    fn only(update: DeliveryUpdate) -> Self {
        Self {
            update,
            blocks_user: false,
        }
    }
}

/// `now + wait` as a timestamp (saturating at `now` on overflow, which cannot happen for the
/// waits above).
pub(crate) fn later(now: Timestamp, wait: Duration) -> Timestamp {
    let micros = i64::try_from(wait.as_micros()).unwrap_or(i64::MAX);
    Timestamp::from_unix_micros(now.unix_micros().saturating_add(micros)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use support_protocol::MessageId;

    fn report(kind: FailureKind) -> DeliveryFailed {
        DeliveryFailed {
            message_id: MessageId::new(1),
            kind,
            error_code: Some(500),
            error: "Internal Server Error".into(),
            retry_after: Some(7),
            files: Vec::new(),
        }
    }

    #[test]
    fn transient_failures_back_off_then_give_up() {
        let p = DeliveryPolicy::default();
        let now = Timestamp::now();
        let o = p.after_failure(&report(FailureKind::Transient), 1, now);
        assert!(
            matches!(o.update, DeliveryUpdate::Retry { not_before, counted: true, .. } if not_before == later(now, Duration::from_secs(2)))
        );
        let o = p.after_failure(&report(FailureKind::Transient), p.max_attempts, now);
        assert!(matches!(
            o.update,
            DeliveryUpdate::Failed {
                error_code: Some(500),
                ..
            }
        ));
        assert!(!o.blocks_user);
    }

    #[test]
    fn rate_limits_wait_without_counting_and_blocks_block() {
        let p = DeliveryPolicy::default();
        let now = Timestamp::now();
        let o = p.after_failure(&report(FailureKind::RateLimited), 99, now);
        assert!(
            matches!(o.update, DeliveryUpdate::Retry { not_before, counted: false, .. } if not_before == later(now, Duration::from_secs(7)))
        );
        let o = p.after_failure(&report(FailureKind::Blocked), 1, now);
        assert!(o.blocks_user);
        assert!(matches!(o.update, DeliveryUpdate::Failed { .. }));
        let o = p.after_failure(&report(FailureKind::Permanent), 1, now);
        assert!(!o.blocks_user);
        assert!(matches!(o.update, DeliveryUpdate::Failed { .. }));
    }
}
