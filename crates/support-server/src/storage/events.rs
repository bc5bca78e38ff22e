//! [`EventStore`]: the event log behind resumable manager events (extension, SPEC-NOTES).
//!
//! Every event published to managers is appended here before it is fanned out, and gets its
//! sequence number from the append: numbers grow by one per event, with no gaps, in the order
//! the appends committed. A manager connection that comes back with the last number it saw is
//! replayed what it missed from here, on whichever instance it reconnects to. The log is bounded:
//! the hub trims it to the newest events (`SupportConfig::event_log_capacity`).

use async_trait::async_trait;

use super::StorageResult;

/// A slice of the log: the events after a position, and where the log starts now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSlice {
    /// `(seq, payload)` in seq order: consecutive numbers, starting right after the position
    /// asked for (or at [`EventSlice::first`] when the log no longer reaches back that far).
    pub events: Vec<(u64, String)>,
    /// The oldest number the log still holds; `None` when it is empty.
    pub first: Option<u64>,
    /// The newest number ever appended (0 before the first append), as of the same read.
    pub last: u64,
}

/// The event log. Object safe; part of every [`Storage`](super::Storage).
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `payloads` (each one event's JSON) as consecutive numbers, committed when this
    /// returns, and returns the first one's number. Concurrent appends, from this process or
    /// another sharing the database, never share or skip a number, and a number is visible to
    /// [`EventStore::events_after`] only once every smaller number is.
    async fn append_events(&self, payloads: Vec<String>) -> StorageResult<u64>;

    /// At most `limit` events numbered above `after`, in order, with the log's bounds.
    async fn events_after(&self, after: u64, limit: u32) -> StorageResult<EventSlice>;

    /// Deletes all but the newest `keep` events.
    async fn trim_events(&self, keep: u64) -> StorageResult<()>;
}
