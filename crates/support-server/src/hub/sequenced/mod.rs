//! [`SequencedHub`]: numbered, resumable manager events (extension, SPEC-NOTES "Resumable
//! events").
//!
//! The server wraps whatever hub it is given. Publishing goes through one *appender* task per
//! instance (`appender.rs`): it appends each batch of events to the event log, which numbers them
//! (`seq`), then hands them to the hub in number order. A manager connection sends the number
//! with every event; one that reconnects with the last number it saw is replayed the rest from
//! the log ([`SequencedHub::replay`]).
//!
//! Where the log lives depends on the hub:
//! - **in process** ([`LocalHub`](super::LocalHub)): an [`EventRing`] in memory. One appender
//!   publishes to the one hub, so events arrive numbered and in order; nothing else is needed.
//!   The log does not survive a restart (a client coming back after one is told to resync):
//!   keeping it in storage would cost every event a second SQLite commit (an fsync) for the
//!   one case, a restart, where a reload is acceptable.
//! - **a broker** (Redis, Postgres, or a host's hub): the storage, shared by every instance.
//!   Instances number their events in one sequence, so what arrives from the broker can be out
//!   of order (two instances publishing at once) or missing (a broker outage, a lost
//!   notification). A *sequencer* task per instance (`sequencer.rs`) puts events back in order
//!   and fills gaps from the log: after a short wait for a late event, at once when this
//!   instance's own publish failed, and every second in any case. So an instance that lost its
//!   broker still delivers every event, late but in order, and catches up without a restart.

mod appender;
mod sequencer;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Notify, broadcast, mpsc};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{DynHub, EventHub, HubError, HubEvent};
use crate::storage::{EventRing, EventStore};

/// The most events a reconnecting client is replayed; one further behind is told to resync
/// (a reload over REST is cheaper than thousands of frames).
pub const REPLAY_LIMIT: u32 = 1_000;

/// Events waiting for the appender; publishers wait when it is this far behind.
const APPEND_QUEUE: usize = 4_096;

/// What a reconnecting client gets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// Every event after its position, in order (for every audience: the connection filters),
    /// and the newest number at the time of reading.
    Events {
        /// The events, numbered.
        events: Vec<Arc<HubEvent>>,
        /// The newest number in the log.
        last: u64,
    },
    /// The log cannot tell it everything: the client reloads.
    Resync {
        /// The newest number in the log.
        last: u64,
        /// Why, for the client's logs.
        detail: String,
    },
}

/// Any hub, its events numbered through an event log. Cheap to clone.
#[derive(Clone)]
pub struct SequencedHub {
    inner: Arc<Inner>,
}

struct Inner {
    hub: DynHub,
    log: Arc<dyn EventStore>,
    capacity: u64,
    publish_timeout: Duration,
    /// The appender's queue, started by the first publish inside a runtime.
    appender: OnceLock<mpsc::Sender<HubEvent>>,
    /// For a hub spanning instances: the events back in number order.
    ordered: Option<Ordered>,
    /// Stops the tasks when the last handle goes.
    stop: CancellationToken,
    _stop_on_drop: DropGuard,
}

struct Ordered {
    out: broadcast::Sender<Arc<HubEvent>>,
    /// Wakes the sequencer to read the log (this instance's publish failed).
    nudge: Arc<Notify>,
    started: OnceLock<()>,
}

impl std::fmt::Debug for SequencedHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SequencedHub")
            .field("spans_instances", &self.inner.ordered.is_some())
            .field("capacity", &self.inner.capacity)
            .finish_non_exhaustive()
    }
}

fn storage_error(err: crate::storage::StorageError) -> HubError {
    HubError::Broker(Box::new(err))
}

impl SequencedHub {
    /// Numbers `hub`'s events through `storage`'s event log when the hub spans instances, and
    /// through an [`EventRing`] in memory when it does not ([`EventHub::spans_instances`]);
    /// keeps the newest `capacity` events. `publish_timeout` bounds each hand-over to the
    /// broker; `queue` is the subscribers' queue length.
    pub fn new(
        hub: DynHub,
        storage: Arc<dyn EventStore>,
        capacity: u64,
        publish_timeout: Duration,
        queue: usize,
    ) -> Self {
        let spans = hub.spans_instances();
        let log: Arc<dyn EventStore> = if spans {
            storage
        } else {
            Arc::new(EventRing::new())
        };
        let ordered = spans.then(|| Ordered {
            out: broadcast::channel(queue.max(1)).0,
            nudge: Arc::new(Notify::new()),
            started: OnceLock::new(),
        });
        let stop = CancellationToken::new();
        let hub = Self {
            inner: Arc::new(Inner {
                hub,
                log,
                capacity: capacity.max(1),
                publish_timeout,
                appender: OnceLock::new(),
                ordered,
                _stop_on_drop: stop.clone().drop_guard(),
                stop,
            }),
        };
        // Inside a runtime the sequencer starts now, so it is in place before the first
        // connection; otherwise with the first subscription.
        if tokio::runtime::Handle::try_current().is_ok() {
            hub.start_sequencer();
        }
        hub
    }

    /// The event log in use.
    pub fn log(&self) -> &Arc<dyn EventStore> {
        &self.inner.log
    }

    /// The newest number in the log: 0 before the first event in storage; an in-memory log
    /// starts from its start time (see [`EventRing`]).
    pub async fn position(&self) -> Result<u64, HubError> {
        let slice = self
            .inner
            .log
            .events_after(u64::MAX, 0)
            .await
            .map_err(storage_error)?;
        Ok(slice.last)
    }

    /// What a client that last saw number `after` missed: every event since, for every
    /// audience, or [`Replay::Resync`] when the log no longer reaches back that far, the number
    /// is ahead of the log (another database, or an earlier process's in-memory log), or more
    /// than [`REPLAY_LIMIT`] events were missed.
    pub async fn replay(&self, after: u64) -> Result<Replay, HubError> {
        let slice = self
            .inner
            .log
            .events_after(after, REPLAY_LIMIT + 1)
            .await
            .map_err(storage_error)?;
        let last = slice.last;
        let resync = |detail: &str| {
            Ok(Replay::Resync {
                last,
                detail: detail.to_owned(),
            })
        };
        if after > last {
            return resync("the position is not from this server's event log");
        }
        // The oldest number the log can replay from: its first event, or (empty) the next one.
        let oldest = slice.first.unwrap_or(last.saturating_add(1));
        if oldest > after.saturating_add(1) {
            return resync("the event log no longer holds every event since the position");
        }
        if slice.events.len() > REPLAY_LIMIT as usize {
            return resync("more events were missed than a replay sends");
        }
        let mut events = Vec::with_capacity(slice.events.len());
        for (seq, payload) in slice.events {
            match serde_json::from_str::<HubEvent>(&payload) {
                Ok(mut event) => {
                    event.seq = Some(seq);
                    events.push(Arc::new(event));
                }
                Err(err) => {
                    tracing::warn!(seq, error = %err, "event log: an event this version cannot read");
                    return resync("the event log holds an event this server cannot read");
                }
            }
        }
        Ok(Replay::Events { events, last })
    }

    /// The appender's queue, started on first use; `None` outside a Tokio runtime.
    fn appender(&self) -> Option<&mpsc::Sender<HubEvent>> {
        if let Some(queue) = self.inner.appender.get() {
            return Some(queue);
        }
        tokio::runtime::Handle::try_current().ok()?;
        Some(self.inner.appender.get_or_init(|| {
            let (queue, events) = mpsc::channel(APPEND_QUEUE);
            tokio::spawn(appender::run(appender::Appender {
                hub: self.inner.hub.clone(),
                log: self.inner.log.clone(),
                capacity: self.inner.capacity,
                publish_timeout: self.inner.publish_timeout,
                nudge: self.inner.ordered.as_ref().map(|o| o.nudge.clone()),
                events,
                stop: self.inner.stop.clone(),
            }));
            queue
        }))
    }

    fn start_sequencer(&self) {
        let Some(ordered) = &self.inner.ordered else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        ordered.started.get_or_init(|| {
            // Subscribed here, before the task reads where the log stands: nothing published
            // in between is missed.
            let raw = self.inner.hub.subscribe();
            tokio::spawn(sequencer::run(sequencer::Sequencer {
                raw,
                out: ordered.out.clone(),
                log: self.inner.log.clone(),
                nudge: ordered.nudge.clone(),
                stop: self.inner.stop.clone(),
            }));
        });
    }
}

#[async_trait]
impl EventHub for SequencedHub {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        match self.appender() {
            Some(queue) => match queue.send(event).await {
                Ok(()) => Ok(()),
                // The appender is gone (its runtime shut down): publish unnumbered.
                Err(mpsc::error::SendError(event)) => self.inner.hub.publish(event).await,
            },
            None => self.inner.hub.publish(event).await,
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        match &self.inner.ordered {
            Some(ordered) => {
                self.start_sequencer();
                ordered.out.subscribe()
            }
            None => self.inner.hub.subscribe(),
        }
    }

    async fn ping(&self) -> Result<(), HubError> {
        self.inner.hub.ping().await
    }

    fn spans_instances(&self) -> bool {
        self.inner.hub.spans_instances()
    }
}

#[cfg(test)]
mod tests;
