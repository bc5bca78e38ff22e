//! [`EventRing`]: the event log in memory, for [`MemoryStorage`](super::MemoryStorage) and for
//! a single instance's in-process hub, which has no other instance to share a log with.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use support_protocol::Timestamp;

use crate::storage::{EventSlice, EventStore, StorageResult};

/// The most bytes of event JSON an [`EventRing`] holds, whatever its event capacity: 10,000
/// events of 4,096 Cyrillic characters would otherwise be 80 MB. The oldest go first.
pub const EVENT_RING_MAX_BYTES: usize = 16 * 1024 * 1024;

/// An [`EventStore`] in memory, bounded by [`EVENT_RING_MAX_BYTES`] as well as by what the hub
/// trims. Nothing survives the process, so its numbers start at the
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
    /// The bytes of `events`.
    bytes: usize,
    max_bytes: usize,
}

impl EventRing {
    /// An empty log numbered from now.
    pub fn new() -> Self {
        let start = u64::try_from(Timestamp::now().unix_micros()).unwrap_or(1);
        Self::starting_at(start, EVENT_RING_MAX_BYTES)
    }

    /// An empty log whose first event gets `first`, holding at most `max_bytes` of JSON
    /// (tests).
    pub fn starting_at(first: u64, max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Ring {
                first: first.max(1),
                events: VecDeque::new(),
                bytes: 0,
                max_bytes,
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

    /// Drops the oldest events while more than `keep` or more than the byte budget are held;
    /// the newest always stays.
    fn trim(&mut self, keep: usize) {
        while self.events.len() > keep.max(1)
            || (self.bytes > self.max_bytes && self.events.len() > 1)
        {
            if let Some(oldest) = self.events.pop_front() {
                self.bytes -= oldest.len();
                self.first += 1;
            }
        }
    }
}

#[async_trait]
impl EventStore for EventRing {
    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64> {
        let mut ring = self.lock();
        let number = ring.last() + 1;
        ring.bytes += payloads.iter().map(String::len).sum::<usize>();
        ring.events.extend(payloads);
        ring.trim(usize::MAX);
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
        self.lock()
            .trim(usize::try_from(keep).unwrap_or(usize::MAX));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_byte_budget_drops_the_oldest_events_but_never_the_newest() {
        let ring = EventRing::starting_at(10, 25);
        let ten = "x".repeat(10);
        let first = ring
            .append_events(vec![ten.clone(), ten.clone()])
            .await
            .unwrap();
        assert_eq!(first, 10);
        ring.append_events(vec![ten.clone()]).await.unwrap();
        let slice = ring.events_after(0, 10).await.unwrap();
        assert_eq!(
            (slice.first, slice.last),
            (Some(11), 12),
            "30 bytes > 25: the oldest went"
        );
        ring.append_events(vec!["y".repeat(100)]).await.unwrap();
        let slice = ring.events_after(0, 10).await.unwrap();
        assert_eq!(
            slice.events,
            vec![(13, "y".repeat(100))],
            "alone over budget, still kept"
        );
    }
}
