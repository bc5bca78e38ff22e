//! [`EventRing`]: the event log in memory, for [`MemoryStorage`](super::MemoryStorage) and for
//! a single instance's in-process hub, which has no other instance to share a log with.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use support_protocol::Timestamp;

use crate::storage::{EventSlice, EventStore, StorageResult};

/// An [`EventStore`] in memory. Nothing survives the process, so its numbers start at the
/// start time in microseconds since the epoch: a client holding a number from an earlier process
/// is always behind the new log's start and is told to resync, never replayed another process's
/// events under its old numbers (that would take an earlier process appending more than one
/// event per microsecond on average). Such numbers stay below 2^53, so JavaScript reads them
/// exactly.
#[derive(Debug)]
pub struct EventRing {
    inner: Mutex<Ring>,
}

#[derive(Debug)]
struct Ring {
    /// The number of `events[0]`.
    first: u64,
    events: VecDeque<String>,
}

impl EventRing {
    /// An empty log numbered from now.
    pub fn new() -> Self {
        let start = u64::try_from(Timestamp::now().unix_micros()).unwrap_or(1);
        Self::starting_at(start)
    }

    /// An empty log whose first event gets `first` (tests).
    pub fn starting_at(first: u64) -> Self {
        Self {
            inner: Mutex::new(Ring {
                first: first.max(1),
                events: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        // Every section leaves the ring whole, so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for EventRing {
    fn default() -> Self {
        Self::new()
    }
}

impl Ring {
    /// The newest number appended (the one before `first` while empty).
    fn last(&self) -> u64 {
        self.first + self.events.len() as u64 - 1
    }
}

#[async_trait]
impl EventStore for EventRing {
    async fn append_events(&self, payloads: &[String]) -> StorageResult<u64> {
        let mut ring = self.lock();
        let number = ring.last() + 1;
        ring.events.extend(payloads.iter().cloned());
        Ok(number)
    }

    async fn events_after(&self, after: u64, limit: u32) -> StorageResult<EventSlice> {
        let ring = self.lock();
        let from = after.saturating_add(1).max(ring.first);
        let skip = usize::try_from(from - ring.first).unwrap_or(usize::MAX);
        let events = ring
            .events
            .iter()
            .skip(skip)
            .take(limit as usize)
            .enumerate()
            .map(|(i, payload)| (from + i as u64, payload.clone()))
            .collect();
        Ok(EventSlice {
            events,
            first: (!ring.events.is_empty()).then_some(ring.first),
            last: ring.last(),
        })
    }

    async fn trim_events(&self, keep: u64) -> StorageResult<()> {
        let mut ring = self.lock();
        // The newest event always stays, as in the SQL backends.
        let keep = usize::try_from(keep.max(1)).unwrap_or(usize::MAX);
        while ring.events.len() > keep {
            ring.events.pop_front();
            ring.first += 1;
        }
        Ok(())
    }
}
