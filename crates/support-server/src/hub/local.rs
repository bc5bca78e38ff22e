//! The in-process hub (the default): one broadcast channel, fed by one fan-out task.
//!
//! A broadcast `send` wakes every waiting subscriber before it returns: 10,000 task wake-ups
//! for a `ticket.created` with 10,000 managers connected. Done inside the publishing request,
//! that made the request's own response wait for them (BENCHMARKS.md, (c)). [`LocalHub::publish`]
//! instead queues the event for a task that does the broadcast, in publish order, so the
//! response goes out first and its latency no longer grows with the number of sockets.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use tokio::sync::{broadcast, mpsc};

use super::{EventHub, HubError, HubEvent};

/// The default queue length of each subscriber. A manager connection more than this many events
/// behind is a slow consumer and is closed with 1013 \[W8\]; 1,024 events is several seconds of a
/// busy desk, far more than a healthy client ever lags.
pub const DEFAULT_CAPACITY: usize = 1024;

/// An in-process [`EventHub`]: events reach the subscribers of this process only.
#[derive(Debug, Clone)]
pub struct LocalHub {
    sender: broadcast::Sender<Arc<HubEvent>>,
    /// The fan-out task's queue, started by the first publish (inside a runtime).
    fanout: Arc<OnceLock<mpsc::Sender<Arc<HubEvent>>>>,
}

/// Events waiting for the fan-out task; publishers wait when it is this far behind.
const FANOUT_QUEUE: usize = 1024;

impl LocalHub {
    /// A hub whose subscribers may lag `capacity` events before they are dropped.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self {
            sender,
            fanout: Arc::new(OnceLock::new()),
        }
    }

    fn fanout(&self) -> &mpsc::Sender<Arc<HubEvent>> {
        self.fanout.get_or_init(|| {
            let (queue, mut events) = mpsc::channel::<Arc<HubEvent>>(FANOUT_QUEUE);
            let sender = self.sender.clone();
            // Ends when the last clone of this hub (and so the queue's sender) is dropped.
            tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    let _ = sender.send(event);
                }
            });
            queue
        })
    }

    /// Delivers to local subscribers (also used by broker hubs for events they receive).
    pub fn deliver(&self, event: Arc<HubEvent>) {
        // No subscriber is not an error: nobody is connected.
        let _ = self.sender.send(event);
    }
}

impl Default for LocalHub {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[async_trait]
impl EventHub for LocalHub {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        if tokio::runtime::Handle::try_current().is_err() {
            // Polled outside a Tokio runtime: no task can be spawned, deliver from here.
            self.deliver(Arc::new(event));
            return Ok(());
        }
        if let Err(mpsc::error::SendError(event)) = self.fanout().send(Arc::new(event)).await {
            // The task is gone (its runtime shut down): deliver from here.
            self.deliver(event);
        }
        Ok(())
    }

    fn deliver_here(&self, event: HubEvent) -> Option<HubEvent> {
        self.deliver(Arc::new(event));
        None
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.sender.subscribe()
    }

    fn spans_instances(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use support_protocol::{ServerEvent, TicketAssigned, TicketId};

    use super::*;
    use crate::hub::Audience;

    fn event(n: i64) -> HubEvent {
        HubEvent::new(
            Audience::AllManagers,
            ServerEvent::TicketAssigned(TicketAssigned {
                id: TicketId::new(n),
                support_manager: support_protocol::ManagerId::new(1),
                manager: None,
            }),
        )
    }

    fn id_of(event: &HubEvent) -> i64 {
        match &event.event {
            ServerEvent::TicketAssigned(a) => a.id.get(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn delivered_here_reaches_subscribers_at_once_in_order() {
        let hub = LocalHub::new(16);
        let mut rx = hub.subscribe();
        for n in 1..=3 {
            assert!(
                hub.deliver_here(event(n)).is_none(),
                "the local hub takes it"
            );
        }
        // Already broadcast: no task had to run.
        for n in 1..=3 {
            assert_eq!(id_of(&rx.try_recv().unwrap()), n);
        }
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_from_concurrent_publishers_arrive_once_each_in_publish_order() {
        let hub = LocalHub::new(8192);
        let mut rx = hub.subscribe();
        // Two publishers; each one's events must keep their order.
        let tasks: Vec<_> = [0_i64, 1_000_000]
            .into_iter()
            .map(|base| {
                let hub = hub.clone();
                tokio::spawn(async move {
                    for i in 1..=2_000 {
                        hub.publish(event(base + i)).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let (mut last_a, mut last_b) = (0, 1_000_000);
        for _ in 0..4_000 {
            let id = id_of(&rx.recv().await.unwrap());
            if id < 1_000_000 {
                assert_eq!(id, last_a + 1);
                last_a = id;
            } else {
                assert_eq!(id, last_b + 1);
                last_b = id;
            }
        }
        assert_eq!((last_a, last_b), (2_000, 1_002_000));
        assert!(rx.try_recv().is_err(), "nothing twice");
    }

    #[test]
    fn publishing_outside_a_tokio_runtime_delivers_directly() {
        let hub = LocalHub::new(16);
        let mut rx = hub.subscribe();
        futures_util::FutureExt::now_or_never(hub.publish(event(7)))
            .expect("completes at once")
            .unwrap();
        assert_eq!(id_of(&rx.try_recv().unwrap()), 7);
    }

    #[test]
    fn a_hub_outliving_its_first_runtime_still_delivers() {
        let hub = LocalHub::new(16);
        let mut rx = hub.subscribe();
        let first = tokio::runtime::Runtime::new().unwrap();
        first.block_on(hub.publish(event(1))).unwrap();
        let got = first.block_on(rx.recv()).unwrap();
        assert_eq!(id_of(&got), 1);
        drop(first); // the fan-out task dies with its runtime
        let second = tokio::runtime::Runtime::new().unwrap();
        second.block_on(hub.publish(event(2))).unwrap();
        let got = second.block_on(rx.recv()).unwrap();
        assert_eq!(id_of(&got), 2);
    }
}
