//! The event log ([`EventStore`](crate::storage::EventStore)): consecutive numbers, slices,
//! trimming, and concurrent appends that neither share nor skip a number.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::storage::DynStorage;

/// Numbers are consecutive from the log's start, slices honour `after` and `limit`, trimming
/// keeps the newest events (at least one) and numbering continues after it.
pub async fn event_log_numbers_and_slices(s: DynStorage) {
    let empty = s.events_after(0, 10).await.unwrap();
    assert!(
        empty.events.is_empty() && empty.first.is_none(),
        "{empty:?}"
    );
    let before = empty.last;

    let payloads: Vec<String> = (1..=3).map(|i| format!("{{\"e\":{i}}}")).collect();
    let n = s.append_events(payloads.clone()).await.unwrap();
    assert_eq!(n, before + 1, "the first number follows the last");
    let all = s.events_after(before, 10).await.unwrap();
    assert_eq!(
        all.events,
        vec![
            (n, payloads[0].clone()),
            (n + 1, payloads[1].clone()),
            (n + 2, payloads[2].clone())
        ]
    );
    assert_eq!((all.first, all.last), (Some(n), n + 2));
    let one = s.events_after(n, 1).await.unwrap();
    assert_eq!(
        one.events,
        vec![(n + 1, payloads[1].clone())],
        "limit and after"
    );
    assert!(s.events_after(n + 2, 10).await.unwrap().events.is_empty());
    assert!(
        s.events_after(u64::MAX, 10)
            .await
            .unwrap()
            .events
            .is_empty()
    );

    s.trim_events(2).await.unwrap();
    let trimmed = s.events_after(before, 10).await.unwrap();
    assert_eq!(trimmed.first, Some(n + 1), "the oldest went");
    assert_eq!(trimmed.events.first().map(|e| e.0), Some(n + 1));
    s.trim_events(0).await.unwrap();
    let newest = s.events_after(before, 10).await.unwrap();
    assert_eq!(
        newest.events,
        vec![(n + 2, payloads[2].clone())],
        "the newest stays"
    );

    let m = s.append_events(vec!["{}".to_owned()]).await.unwrap();
    assert_eq!(m, n + 3, "numbering continues after a trim, nothing reused");
}

/// 16 writers append batches of 1-3 events at once while a reader keeps reading: every number
/// is handed out once, the numbers are consecutive, every slice the reader sees is consecutive
/// from where it asked (a number never becomes visible before a smaller one), and every payload
/// is stored under its number.
pub async fn event_log_concurrent_appends(s: DynStorage) {
    let start = s.events_after(u64::MAX, 0).await.unwrap().last;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (s, stop) = (s.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = start;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let slice = s.events_after(seen, 64).await.unwrap();
                for (i, (seq, _)) in slice.events.iter().enumerate() {
                    assert_eq!(*seq, seen + 1 + i as u64, "a hole in a slice after {seen}");
                }
                if let Some((last, _)) = slice.events.last() {
                    seen = *last;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for round in 0..20 {
                    let payloads: Vec<String> = (0..1 + (w + round) % 3)
                        .map(|i| format!("w{w}-r{round}-{i}"))
                        .collect();
                    let first = s.append_events(payloads.clone()).await.unwrap();
                    for (i, p) in payloads.into_iter().enumerate() {
                        mine.push((first + i as u64, p));
                    }
                }
                mine
            })
        })
        .collect();
    let mut expected = BTreeMap::new();
    for writer in writers {
        for (seq, payload) in writer.await.unwrap() {
            assert!(
                expected.insert(seq, payload).is_none(),
                "{seq} handed out twice"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    reader.await.unwrap();
    let numbers: Vec<u64> = expected.keys().copied().collect();
    assert_eq!(numbers.first(), Some(&(start + 1)));
    assert_eq!(
        numbers.last(),
        Some(&(start + numbers.len() as u64)),
        "no number skipped"
    );
    let mut stored = BTreeMap::new();
    let mut after = start;
    loop {
        let slice = s.events_after(after, 100).await.unwrap();
        let Some((last, _)) = slice.events.last() else {
            break;
        };
        after = *last;
        stored.extend(slice.events);
    }
    assert_eq!(stored, expected, "every payload under its number");
}
