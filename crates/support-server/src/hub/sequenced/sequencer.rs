//! The sequencer: for a hub spanning instances, one task per instance between the broker and
//! the instance's connections that delivers every numbered event once, in number order.
//!
//! The log's numbers have no gaps (`EventStore::append_events`), so a missing number is an event
//! still on its way or lost by the broker. An event ahead of the next expected number waits in
//! `pending` for at most [`GAP_WAIT`]; then, or when this instance's own publish failed (a
//! nudge), or every [`POLL_EVERY`] in any case, the sequencer reads the log from the next
//! expected number and delivers what is there. Only an event the log no longer holds (trimmed
//! while this instance was cut off longer than the log reaches) is skipped, and then every
//! connection is told `resync_required`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use support_protocol::{ResyncRequired, ServerEvent};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::hub::{Audience, HubEvent};
use crate::storage::EventStore;

/// How long an event ahead of its turn waits for the ones before it to arrive from the broker
/// before they are read from the log. Concurrent publishers on two instances reach the broker
/// within a millisecond or two of each other; a longer wait means a lost event.
const GAP_WAIT: Duration = Duration::from_millis(50);

/// How often the log is read regardless: an instance that lost its broker still delivers, this
/// late at worst.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// Events read from the log at a time.
const FILL_BATCH: u32 = 256;

/// Events waiting for an earlier one; beyond this the gap is given up (read failures for this
/// long mean the storage is down too).
const MAX_PENDING: usize = 16_384;

pub(super) struct Sequencer {
    pub(super) raw: broadcast::Receiver<Arc<HubEvent>>,
    pub(super) out: broadcast::Sender<Arc<HubEvent>>,
    pub(super) log: Arc<dyn EventStore>,
    pub(super) nudge: Arc<Notify>,
    pub(super) stop: CancellationToken,
}

/// Where delivery stands.
struct Order {
    /// The next number to deliver.
    next: u64,
    /// Events that came before their turn.
    pending: BTreeMap<u64, Arc<HubEvent>>,
    /// Since when the oldest pending event has waited.
    gap_since: Option<Instant>,
}

pub(super) async fn run(mut task: Sequencer) {
    let Some(next) = start_position(&task).await else {
        return;
    };
    let mut order = Order {
        next,
        pending: BTreeMap::new(),
        gap_since: None,
    };
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let deadline = order.gap_since.map(|since| since + GAP_WAIT);
        tokio::select! {
            biased;
            () = task.stop.cancelled() => return,
            received = task.raw.recv() => match received {
                Ok(event) => order.arrived(event, &task.out),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "event sequencer lagged; reading the log");
                    order.fill(&*task.log, &task.out).await;
                }
                Err(RecvError::Closed) => return,
            },
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                order.fill(&*task.log, &task.out).await;
            }
            () = task.nudge.notified() => order.fill(&*task.log, &task.out).await,
            _ = poll.tick() => order.fill(&*task.log, &task.out).await,
        }
        if order.pending.len() > MAX_PENDING {
            order.give_up_gap(&task.out);
        }
    }
}

/// The number after the newest in the log, read until the log answers (or the hub stops).
async fn start_position(task: &Sequencer) -> Option<u64> {
    let mut backoff = Duration::from_millis(100);
    loop {
        match task.log.events_after(u64::MAX, 0).await {
            Ok(slice) => return Some(slice.last + 1),
            Err(err) => {
                tracing::warn!(error = %err, "event sequencer: the log is unreadable; retrying");
                tokio::select! {
                    () = task.stop.cancelled() => return None,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(POLL_EVERY * 5);
            }
        }
    }
}

impl Order {
    /// An event from the broker.
    fn arrived(&mut self, event: Arc<HubEvent>, out: &broadcast::Sender<Arc<HubEvent>>) {
        match event.seq {
            // Unnumbered (the log was not writable): nothing to order it by.
            None => send(out, event),
            // Already delivered, from the log.
            Some(seq) if seq < self.next => {}
            Some(seq) if seq == self.next => {
                send(out, event);
                self.next += 1;
                self.drain(out);
            }
            Some(seq) => {
                self.pending.insert(seq, event);
                self.gap_since.get_or_insert_with(Instant::now);
            }
        }
    }

    /// Delivers the pending events that are now next in line.
    fn drain(&mut self, out: &broadcast::Sender<Arc<HubEvent>>) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() < self.next {
                entry.remove();
            } else if *entry.key() == self.next {
                send(out, entry.remove());
                self.next += 1;
            } else {
                break;
            }
        }
        self.gap_since = if self.pending.is_empty() {
            None
        } else {
            Some(self.gap_since.unwrap_or_else(Instant::now))
        };
    }

    /// Reads the log from the next number on and delivers what is there.
    async fn fill(&mut self, log: &dyn EventStore, out: &broadcast::Sender<Arc<HubEvent>>) {
        loop {
            let slice = match log.events_after(self.next - 1, FILL_BATCH).await {
                Ok(slice) => slice,
                Err(err) => {
                    tracing::warn!(error = %err, "event sequencer: reading the log failed; retrying");
                    // Retried after the gap wait if events are pending, else at the next poll.
                    if !self.pending.is_empty() {
                        self.gap_since = Some(Instant::now());
                    }
                    return;
                }
            };
            if let Some(first) = slice.first
                && first > self.next
            {
                resync(
                    out,
                    first - 1,
                    "events this instance missed are no longer in the event log",
                );
                self.next = first;
            }
            let read = slice.events.len();
            for (seq, payload) in slice.events {
                if seq < self.next {
                    continue;
                }
                match serde_json::from_str::<HubEvent>(&payload) {
                    Ok(mut event) => {
                        event.seq = Some(seq);
                        send(out, Arc::new(event));
                    }
                    Err(err) => {
                        tracing::warn!(seq, error = %err, "event log: an event this version cannot read");
                        resync(
                            out,
                            seq,
                            "the event log holds an event this server cannot read",
                        );
                    }
                }
                self.next = seq + 1;
            }
            if read < FILL_BATCH as usize {
                break;
            }
        }
        self.drain(out);
    }

    /// Skips to the oldest pending event, telling every connection to resync.
    fn give_up_gap(&mut self, out: &broadcast::Sender<Arc<HubEvent>>) {
        if let Some(&first) = self.pending.keys().next() {
            tracing::error!(
                from = self.next,
                to = first,
                "event sequencer: events unreadable for too long; skipped"
            );
            resync(
                out,
                first - 1,
                "events were lost while the storage was unreachable",
            );
            self.next = first;
            self.drain(out);
        }
    }
}

fn send(out: &broadcast::Sender<Arc<HubEvent>>, event: Arc<HubEvent>) {
    // No receiver is not an error: no manager is connected to this instance.
    let _ = out.send(event);
}

/// Tells every connection (that asked for resumable events) to reload; its cursor becomes `seq`.
fn resync(out: &broadcast::Sender<Arc<HubEvent>>, seq: u64, detail: &str) {
    send(
        out,
        Arc::new(HubEvent::new(
            Audience::AllManagers,
            ServerEvent::ResyncRequired(ResyncRequired {
                seq,
                detail: detail.to_owned(),
            }),
        )),
    );
}
