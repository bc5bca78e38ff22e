//! [`HashingLimits`] and the gate every password check passes: argon2 takes ~19 MiB and tens
//! of milliseconds of CPU per check, so checks run at most [`HashingLimits::concurrent`] at a
//! time, with a bounded queue and a bounded wait; past either, the login is answered 429 at once
//! rather than queued without end. The memory they can take is bounded by the limits, whatever
//! clients do.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use argon2::Block;
use tokio::sync::Semaphore;

/// The memory one argon2 check takes with the parameters we hash with (the `argon2` crate's
/// defaults: `m_cost` 19,456 KiB).
pub const MEMORY_PER_HASH: usize = 19_456 * 1024;
/// The default memory budget for password checks running at once: 128 MiB, six checks.
pub const DEFAULT_HASHING_MEMORY: usize = 128 * 1024 * 1024;
/// The default longest wait for a turn before a login is answered 429.
pub const DEFAULT_HASHING_WAIT: Duration = Duration::from_secs(2);

/// How many password checks (argon2) run at once and how many may wait for a turn
/// ([`SupportServerBuilder::password_hashing`](crate::SupportServerBuilder::password_hashing),
/// [`BuiltinAuth::with_limits`](super::BuiltinAuth::with_limits)).
///
/// ```
/// use support_server::auth::HashingLimits;
///
/// // At most 4 checks (76 MiB) at once on any machine with 4 cores or more.
/// let limits = HashingLimits::from_memory_budget(4 * 19_456 * 1024);
/// assert!(limits.concurrent >= 1 && limits.concurrent <= 4);
/// assert_eq!(limits.queue, limits.concurrent * 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Checks running at once (each on a blocking thread, holding ~19 MiB). At least 1.
    pub concurrent: usize,
    /// Logins waiting for a turn; one more is answered 429 at once.
    pub queue: usize,
    /// The longest wait for a turn; a login waiting longer is answered 429.
    pub max_wait: Duration,
}

impl HashingLimits {
    /// One check per core, but no more than `bytes` of argon2 memory at once (at least one
    /// check); a queue of 16 per running check; [`DEFAULT_HASHING_WAIT`].
    pub fn from_memory_budget(bytes: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let concurrent = cores.min(bytes / MEMORY_PER_HASH).max(1);
        Self {
            concurrent,
            queue: concurrent * 16,
            max_wait: DEFAULT_HASHING_WAIT,
        }
    }
}

impl Default for HashingLimits {
    /// [`Self::from_memory_budget`] of [`DEFAULT_HASHING_MEMORY`].
    fn default() -> Self {
        Self::from_memory_budget(DEFAULT_HASHING_MEMORY)
    }
}

/// No turn came: the queue was full or the wait too long. Retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy(pub(crate) u64);

/// A password check for a worker thread, given the thread's argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Runs password checks under [`HashingLimits`], on threads of its own: one per permitted check.
/// Not tokio's blocking pool, which starts a new thread whenever none is idle at that instant:
/// each new thread gets its own malloc arena, which keeps its 19 MiB after the check, so a
/// flood of logins grew the heap by 19 MiB per thread ever used (hundreds of MiB) even with two
/// checks at a time. A fixed set of threads keeps it at one check's memory per thread.
#[derive(Debug)]
pub(crate) struct HashingGate {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    limits: HashingLimits,
    /// The workers' queue (they stop when it is dropped with the gate); `None` if no worker
    /// thread could be started, then checks run on tokio's blocking pool.
    jobs: Option<mpsc::Sender<Job>>,
}

/// Starts `count` worker threads taking jobs from one queue; the queue's sender, or `None` if
/// none could be started.
fn start_workers(count: usize) -> Option<mpsc::Sender<Job>> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    let mut started = 0;
    for i in 0..count {
        let receiver = Arc::clone(&receiver);
        let spawned = std::thread::Builder::new()
            .name(format!("support-argon2-{i}"))
            .spawn(move || {
                // argon2's working memory, kept for the thread's life (see `verify_password_in`).
                let mut memory = Vec::new();
                loop {
                    // The lock is held only while taking a job, never while running one.
                    let job = receiver
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv();
                    match job {
                        // A panicking check (none is known) must not end the thread: its
                        // caller sees the dropped answer.
                        Ok(job) => {
                            let run = std::panic::AssertUnwindSafe(|| job(&mut memory));
                            if std::panic::catch_unwind(run).is_err() {
                                memory = Vec::new();
                            }
                        }
                        Err(_) => return,
                    }
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(error) => tracing::warn!(%error, "a password-check thread could not start"),
        }
    }
    (started > 0).then_some(sender)
}

/// Forgets one waiter when the wait ends, however it ends (a turn, a timeout, or the request
/// dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashingGate {
    pub(crate) fn new(limits: HashingLimits) -> Self {
        let limits = HashingLimits {
            concurrent: limits.concurrent.max(1),
            ..limits
        };
        Self {
            permits: Arc::new(Semaphore::new(limits.concurrent)),
            waiting: AtomicUsize::new(0),
            limits,
            jobs: start_workers(limits.concurrent),
        }
    }

    pub(crate) fn limits(&self) -> HashingLimits {
        self.limits
    }

    /// Runs `check` on a worker thread once a turn is free. The turn is held until `check`
    /// returns, even if the caller stops waiting, so the bound holds for the threads too.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limits.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Busy(1));
                }
                let _waiting = Waiting(&self.waiting);
                let wait = Arc::clone(&self.permits).acquire_owned();
                match tokio::time::timeout(self.limits.max_wait, wait).await {
                    Ok(Ok(permit)) => permit,
                    // Never closed; a timeout means the checks are saturated.
                    _ => return Err(Busy(self.limits.max_wait.as_secs().max(1))),
                }
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(check(memory));
            drop(permit);
        });
        let job = match &self.jobs {
            Some(jobs) => jobs.send(job).err().map(|mpsc::SendError(job)| job),
            None => Some(job),
        };
        if let Some(job) = job {
            drop(tokio::task::spawn_blocking(move || job(&mut Vec::new())));
        }
        // An error: the check panicked.
        result.await.map_err(|_| Busy(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One check running, one waiting: the third is refused at once, and a waiter that waits
    /// too long is refused; once the running check ends, the next one runs.
    #[tokio::test]
    async fn the_queue_and_the_wait_are_bounded() {
        let gate = Arc::new(HashingGate::new(HashingLimits {
            concurrent: 1,
            queue: 1,
            max_wait: Duration::from_secs(3600),
        }));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let running = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move {
                gate.run(move |_| {
                    let _ = started_tx.send(());
                    held.recv().ok()
                })
                .await
            }
        });
        started.await.unwrap();
        let queued = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.run(|_| 2).await }
        });
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.run(|_| 3).await, Err(Busy(1)), "the queue is full");
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(Some(())));
        assert_eq!(queued.await.unwrap(), Ok(2));
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);

        let short = HashingGate::new(HashingLimits {
            concurrent: 1,
            queue: 8,
            max_wait: Duration::ZERO,
        });
        let (release, held) = std::sync::mpsc::channel::<()>();
        let short = Arc::new(short);
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let running = tokio::spawn({
            let gate = Arc::clone(&short);
            async move {
                gate.run(move |_| {
                    let _ = started_tx.send(());
                    held.recv().ok()
                })
                .await
            }
        });
        started.await.unwrap();
        assert_eq!(short.run(|_| 1).await, Err(Busy(1)), "waited too long");
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        assert_eq!(short.run(|_| 1).await, Ok(1));
    }

    #[test]
    fn limits_follow_cores_and_memory() {
        assert_eq!(HashingLimits::from_memory_budget(0).concurrent, 1);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(
            HashingLimits::from_memory_budget(usize::MAX).concurrent,
            cores
        );
    }
}
