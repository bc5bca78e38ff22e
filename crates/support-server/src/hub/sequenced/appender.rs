//! The appender: one task per instance that numbers events through the event log and hands
//! them to the hub in number order.
//!
//! Batched: it takes every event waiting (up to [`BATCH`]) and appends them in one statement,
//! so under load the log costs one commit per batch, not per event. The request that published
//! an event does not wait for any of this (it returns once the event is queued).
//!
//! With a broker, a second task hands the numbered batches to it (one pipeline or statement per
//! batch), so appending the next batch overlaps publishing the last: a batch waits for one
//! commit or one broker round trip, whichever is longer, not for both. Publishing one batch at a
//! time keeps this instance's events in number order on the broker (the sequencer would
//! restore the order anyway).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::hub::{DynHub, HubEvent};
use crate::storage::EventStore;

/// The most events appended in one statement.
const BATCH: usize = 256;

/// After the broker refused or timed out, how long events skip it (and reach this instance's
/// sockets, and the other instances', from the log instead): a dead broker costs one timeout
/// per this interval, not one per event.
const BROKER_RETRY: Duration = Duration::from_secs(1);

pub(super) struct Appender {
    pub(super) hub: DynHub,
    pub(super) log: Arc<dyn EventStore>,
    pub(super) capacity: u64,
    pub(super) publish_timeout: Duration,
    /// The sequencer's wake-up: hubs spanning instances only (`None`: the in-process hub).
    pub(super) nudge: Option<Arc<Notify>>,
    pub(super) events: mpsc::Receiver<HubEvent>,
    pub(super) stop: CancellationToken,
}

pub(super) async fn run(mut task: Appender) {
    let mut batch = Vec::with_capacity(BATCH);
    // Trim a few times per `capacity` events: the log stays within 1.25 × capacity.
    let trim_every = (task.capacity / 4).clamp(1, 4_096);
    let mut since_trim = 0_u64;
    // With a broker, numbered batches go to the publishing task; it ends when this one does.
    let publisher = task.nudge.clone().map(|nudge| {
        let (batches, numbered) = mpsc::channel(PUBLISH_QUEUE);
        tokio::spawn(publish(Publisher {
            hub: task.hub.clone(),
            publish_timeout: task.publish_timeout,
            nudge,
            batches: numbered,
        }));
        batches
    });
    loop {
        let received = tokio::select! {
            () = task.stop.cancelled() => return,
            n = task.events.recv_many(&mut batch, BATCH) => n,
        };
        if received == 0 {
            return;
        }
        number(&*task.log, &mut batch).await;
        since_trim += batch.len() as u64;
        if since_trim >= trim_every {
            since_trim = 0;
            if let Err(err) = task.log.trim_events(task.capacity).await {
                tracing::warn!(error = %err, "event log: trimming failed; retried later");
            }
        }
        match &publisher {
            Some(batches) => {
                let numbered = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if batches.send(numbered).await.is_err() {
                    return;
                }
            }
            // The in-process hub: this task is the only publisher and already off every
            // request's path, so it broadcasts itself (`deliver_here`) instead of queueing for
            // the hub's fan-out task: one task wake-up less per event (BENCHMARKS.md, round
            // three).
            None => {
                for event in batch.drain(..) {
                    if let Some(event) = task.hub.deliver_here(event)
                        && let Err(err) = task.hub.publish(event).await
                    {
                        tracing::error!(error = %err, "publishing an event failed");
                    }
                }
            }
        }
    }
}

/// Numbered batches waiting for the broker; the appender waits when it is this far ahead.
const PUBLISH_QUEUE: usize = 64;

struct Publisher {
    hub: DynHub,
    publish_timeout: Duration,
    nudge: Arc<Notify>,
    batches: mpsc::Receiver<Vec<HubEvent>>,
}

/// Hands numbered batches to the broker, one at a time, in order.
async fn publish(mut task: Publisher) {
    let mut broker_down_until: Option<Instant> = None;
    while let Some(events) = task.batches.recv().await {
        let unnumbered = events.iter().filter(|e| e.seq.is_none()).count();
        if broker_down_until.is_some_and(|until| Instant::now() < until) {
            skipped(&task.nudge, unnumbered);
            continue;
        }
        let published = tokio::time::timeout(task.publish_timeout, task.hub.publish_many(events));
        match published.await {
            Ok(Ok(())) => broker_down_until = None,
            failed => {
                match failed {
                    Ok(Err(err)) => tracing::error!(error = %err, "publishing events failed"),
                    _ => tracing::error!(
                        "publishing events timed out; the event hub's broker is slow or \
                         unreachable"
                    ),
                }
                crate::metrics::event_broker_failure();
                broker_down_until = Some(Instant::now() + BROKER_RETRY);
                skipped(&task.nudge, unnumbered);
            }
        }
    }
}

/// Numbers the batch through the log. When the log cannot be written, the events go out
/// unnumbered: live connections still get them, a reconnecting one cannot be replayed them.
async fn number(log: &dyn EventStore, batch: &mut [HubEvent]) {
    let payloads: Vec<String> = batch
        .iter()
        .map(|event| serde_json::to_string(event).unwrap_or_default())
        .collect();
    match log.append_events(payloads).await {
        Ok(first) => {
            for (i, event) in batch.iter_mut().enumerate() {
                event.seq = Some(first + i as u64);
            }
        }
        Err(err) => {
            crate::metrics::event_log_failure(batch.len());
            tracing::error!(
                error = %err,
                events = batch.len(),
                "event log: append failed; these events go out unnumbered and cannot be replayed"
            );
        }
    }
}

/// Events the broker did not take: they are in the log, so this instance's sequencer reads
/// them from there now (the others within their poll interval). The `unnumbered` ones (the log
/// could not be written either) are lost to every other instance.
fn skipped(nudge: &Notify, unnumbered: usize) {
    nudge.notify_one();
    if unnumbered > 0 {
        tracing::warn!(
            events = unnumbered,
            "events neither the broker nor the event log took are lost to other instances"
        );
    }
}
