//! The sequenced hub over the in-process hub and over a broker that loses, reorders or refuses
//! events; two "instances" share one event log as they would share the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use support_protocol::{ManagerId, ServerEvent, TicketAssigned, TicketId};
use tokio::sync::broadcast;

use super::*;
use crate::hub::{Audience, LocalHub};
use crate::storage::MemoryStorage;

fn event(n: i64) -> HubEvent {
    HubEvent::new(
        Audience::AllManagers,
        ServerEvent::TicketAssigned(TicketAssigned {
            id: TicketId::new(n),
            support_manager: ManagerId::new(1),
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

async fn next(rx: &mut broadcast::Receiver<Arc<HubEvent>>) -> Arc<HubEvent> {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the hub is open")
}

fn local(capacity: u64) -> SequencedHub {
    SequencedHub::new(
        Arc::new(LocalHub::default()),
        Arc::new(MemoryStorage::new()),
        capacity,
        Duration::from_secs(1),
        1024,
    )
}

#[tokio::test]
async fn local_events_are_numbered_consecutively_and_replayed_from_any_position() {
    let hub = local(100);
    let mut rx = hub.subscribe();
    for i in 1..=5 {
        hub.publish(event(i)).await.unwrap();
    }
    let mut seqs = Vec::new();
    for i in 1..=5 {
        let got = next(&mut rx).await;
        assert_eq!(id_of(&got), i, "in publish order");
        seqs.push(got.seq.expect("numbered"));
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert_eq!(hub.position().await.unwrap(), seqs[4]);

    let Replay::Events { events, last } = hub.replay(seqs[1]).await.unwrap() else {
        panic!("replayable");
    };
    assert_eq!(last, seqs[4]);
    let replayed: Vec<(i64, Option<u64>)> = events.iter().map(|e| (id_of(e), e.seq)).collect();
    assert_eq!(
        replayed,
        vec![(3, Some(seqs[2])), (4, Some(seqs[3])), (5, Some(seqs[4]))]
    );
    let Replay::Events { events, .. } = hub.replay(seqs[4]).await.unwrap() else {
        panic!("up to date");
    };
    assert!(events.is_empty());
}

#[tokio::test]
async fn positions_the_log_cannot_replay_get_resync() {
    let hub = local(4);
    let mut rx = hub.subscribe();
    for i in 1..=10 {
        hub.publish(event(i)).await.unwrap();
    }
    let mut last = 0;
    for _ in 1..=10 {
        last = next(&mut rx).await.seq.unwrap();
    }
    // Trimmed: the log holds the newest 4 to 5 events (it trims every capacity / 4 appends).
    assert!(matches!(
        hub.replay(last - 9).await.unwrap(),
        Replay::Resync { .. }
    ));
    assert!(
        matches!(hub.replay(last - 3).await.unwrap(), Replay::Events { events, .. } if events.len() == 3)
    );
    // Ahead of the log: another database, or an earlier process.
    assert!(matches!(
        hub.replay(last + 1).await.unwrap(),
        Replay::Resync { .. }
    ));
    // An earlier process's in-memory numbers are all below this one's start.
    assert!(matches!(
        hub.replay(5).await.unwrap(),
        Replay::Resync { .. }
    ));
}

#[tokio::test]
async fn more_missed_than_a_replay_sends_is_a_resync() {
    let hub = local(u64::from(REPLAY_LIMIT) * 2);
    let start = hub.position().await.unwrap();
    let mut rx = hub.subscribe();
    for i in 1..=i64::from(REPLAY_LIMIT) + 1 {
        hub.publish(event(i)).await.unwrap();
    }
    for _ in 0..=REPLAY_LIMIT {
        next(&mut rx).await;
    }
    assert!(matches!(
        hub.replay(start).await.unwrap(),
        Replay::Resync { .. }
    ));
    assert!(
        matches!(hub.replay(start + 1).await.unwrap(), Replay::Events { events, .. } if events.len() == REPLAY_LIMIT as usize)
    );
}

/// A broker shared by "instances": delivers, drops silently, or refuses.
#[derive(Clone)]
struct Broker {
    wire: LocalHub,
    mode: Arc<AtomicU8>,
}

const DELIVER: u8 = 0;
const DROP: u8 = 1;
const REFUSE: u8 = 2;

#[async_trait]
impl EventHub for Broker {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        match self.mode.load(Ordering::SeqCst) {
            DELIVER => {
                self.wire.deliver(Arc::new(event));
                Ok(())
            }
            DROP => Ok(()),
            _ => Err(HubError::Broker("refused".into())),
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.wire.subscribe()
    }
}

/// Two instances on one broker and one log.
fn two_instances() -> (SequencedHub, SequencedHub, Arc<AtomicU8>) {
    let broker = Broker {
        wire: LocalHub::new(4096),
        mode: Arc::new(AtomicU8::new(DELIVER)),
    };
    let log = Arc::new(MemoryStorage::new());
    let instance = || {
        SequencedHub::new(
            Arc::new(broker.clone()),
            log.clone(),
            10_000,
            Duration::from_millis(200),
            4096,
        )
    };
    let (a, b) = (instance(), instance());
    (a, b, broker.mode)
}

/// Collects `n` events and checks they are the consecutive numbers after `after`.
async fn in_order(rx: &mut broadcast::Receiver<Arc<HubEvent>>, after: u64, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let got = next(rx).await;
        assert_eq!(
            got.seq,
            Some(after + 1 + i as u64),
            "event {i} in number order"
        );
        ids.push(id_of(&got));
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_deliver_every_event_once_in_number_order_whoever_published_it() {
    let (a, b, _) = two_instances();
    let (mut on_a, mut on_b) = (a.subscribe(), b.subscribe());
    let start = a.position().await.unwrap();
    let publishers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(k, hub)| {
            tokio::spawn(async move {
                for i in 0..200 {
                    hub.publish(event(k as i64 * 1000 + i)).await.unwrap();
                }
            })
        })
        .collect();
    for p in publishers {
        p.await.unwrap();
    }
    let seen_a = in_order(&mut on_a, start, 400).await;
    let seen_b = in_order(&mut on_b, start, 400).await;
    assert_eq!(seen_a, seen_b, "both instances, the same order");
    let mut sorted = seen_a.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 400, "each once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_the_broker_lost_or_refused_still_arrive_from_the_log() {
    let (a, b, mode) = two_instances();
    let (mut on_a, mut on_b) = (a.subscribe(), b.subscribe());
    let start = a.position().await.unwrap();
    a.publish(event(1)).await.unwrap();
    // Lost without a word (a pub/sub message while a subscriber reconnects): found by the gap
    // behind the next event, or by the poll.
    mode.store(DROP, Ordering::SeqCst);
    a.publish(event(2)).await.unwrap();
    b.publish(event(3)).await.unwrap();
    // Refused (the broker is down): found at once on the publishing instance (nudge), by the
    // poll on the other.
    mode.store(REFUSE, Ordering::SeqCst);
    b.publish(event(4)).await.unwrap();
    mode.store(DELIVER, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1_100)).await; // past the appender's broker pause
    a.publish(event(5)).await.unwrap();
    assert_eq!(in_order(&mut on_a, start, 5).await, vec![1, 2, 3, 4, 5]);
    assert_eq!(in_order(&mut on_b, start, 5).await, vec![1, 2, 3, 4, 5]);
}
