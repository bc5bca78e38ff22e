//! Suites of concurrent writers: atomic assignment, concurrent inserts, a message's audience
//! around a takeover, and the bot's reply cursor under concurrent replies.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support_protocol::{ManagerId, MessageId, Sender, TicketId};

use super::*;
use crate::storage::{AssignOutcome, DynStorage, StorageError, TicketQuery};

/// Of 100 concurrent non-forced assignments of one ticket exactly one wins; forcing takes over.
pub async fn assignment_is_atomic(s: DynStorage) {
    let mut managers = Vec::new();
    for i in 0..100 {
        managers.push(add_manager(&s, &format!("manager{i:03}")).await);
    }
    let t = create(&s, 1, "contested").await;
    let tasks: Vec<_> = managers
        .iter()
        .map(|m| {
            let s = Arc::clone(&s);
            let (ticket, manager) = (t.id, m.id);
            tokio::spawn(async move { (manager, s.assign_ticket(ticket, manager, false).await) })
        })
        .collect();
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (m, Ok(AssignOutcome::Assigned { ticket, previous })) => {
                assert_eq!(previous, None);
                assert_eq!(ticket.support_manager.as_ref().map(|x| x.id), Some(m));
                winners.push(m);
            }
            (_, Ok(AssignOutcome::AlreadyAssigned { ticket })) => losers.push(ticket),
            (m, Err(e)) => panic!("assign by {m} failed: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner: {winners:?}");
    assert_eq!(losers.len(), 99);
    let winner = winners[0];
    let record = managers.iter().find(|m| m.id == winner).unwrap();
    for ticket in &losers {
        assert_eq!(
            ticket.support_manager,
            Some(record.public()),
            "losers see the winner"
        );
    }
    let stored = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(stored.support_manager, Some(record.public()));

    // The holder again: succeeds, previous is the holder.
    match s.assign_ticket(t.id, winner, false).await.unwrap() {
        AssignOutcome::Assigned { previous, .. } => assert_eq!(previous, Some(winner)),
        other => panic!("{other:?}"),
    }
    // Someone else without force: nothing changes.
    let other = managers.iter().find(|m| m.id != winner).unwrap();
    assert!(matches!(
        s.assign_ticket(t.id, other.id, false).await.unwrap(),
        AssignOutcome::AlreadyAssigned { ticket } if ticket.support_manager == Some(record.public())
    ));
    // Forced takeover.
    match s.assign_ticket(t.id, other.id, true).await.unwrap() {
        AssignOutcome::Assigned { ticket, previous } => {
            assert_eq!(previous, Some(winner));
            assert_eq!(ticket.support_manager, Some(other.public()));
        }
        o => panic!("{o:?}"),
    }
    let by_manager = |m: ManagerId| TicketQuery {
        manager: Some(m),
        ..Default::default()
    };
    assert_eq!(
        ids(&s.list_tickets(&by_manager(other.id)).await.unwrap().0),
        vec![t.id]
    );
    assert_eq!(s.list_tickets(&by_manager(winner)).await.unwrap().1, 0);
    // Forced on an unassigned ticket: previous is None.
    let t2 = create(&s, 2, "free").await;
    assert!(matches!(
        s.assign_ticket(t2.id, winner, true).await.unwrap(),
        AssignOutcome::Assigned { previous: None, .. }
    ));
    // Unknown manager / ticket.
    let ghost = ManagerId::new(managers.iter().map(|m| m.id.get()).max().unwrap() + 1);
    assert!(matches!(
        s.assign_ticket(t.id, ghost, true).await,
        Err(StorageError::ManagerNotFound(id)) if id == ghost
    ));
    let missing = TicketId::new(t2.id.get() + 100);
    assert!(matches!(
        s.assign_ticket(missing, winner, false).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
    // The failed attempts changed nothing.
    assert_eq!(
        s.get_ticket(t.id).await.unwrap().unwrap().support_manager,
        Some(other.public())
    );
}

/// 1,000 concurrent message inserts all commit, with unique increasing ids.
pub async fn concurrent_message_inserts(s: DynStorage) {
    const N: usize = 1_000;
    let m = add_manager(&s, "carol").await.id;
    let a = create(&s, 1, "busy a").await.id;
    let b = create(&s, 2, "busy b").await.id;
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let s = Arc::clone(&s);
            tokio::spawn(async move {
                let ticket = if i % 2 == 0 { a } else { b };
                let new = if i % 4 < 2 {
                    user_message(ticket, &format!("msg {i}"))
                } else {
                    supp_message(ticket, &format!("msg {i}"), m)
                };
                s.create_message(new).await
            })
        })
        .collect();
    let mut created = Vec::with_capacity(N);
    for task in tasks {
        created.push(task.await.unwrap().expect("insert"));
    }
    let elapsed = started.elapsed();
    println!(
        "[{}] {N} concurrent message inserts: {elapsed:?}",
        s.backend_name()
    );
    let unique: HashSet<MessageId> = created.iter().map(|m| m.id).collect();
    assert_eq!(unique.len(), N, "ids unique");
    assert!(created.iter().all(|m| m.id.get() > 0));
    let mut total = 0;
    for ticket in [a, b] {
        let (msgs, count) = s.list_messages(ticket, None, 0).await.unwrap();
        assert_eq!(count, N as u64 / 2);
        assert_eq!(msgs.len(), N / 2, "none lost");
        for w in msgs.windows(2) {
            assert!(w[0].id > w[1].id, "newest first, ids strictly decreasing");
        }
        let mut expected: Vec<_> = created
            .iter()
            .filter(|m| m.ticket == ticket)
            .cloned()
            .collect();
        expected.sort_by_key(|m| std::cmp::Reverse(m.id));
        assert_eq!(msgs, expected, "stored exactly as returned");
        total += msgs.len();
    }
    assert_eq!(total, N);
    let replies = s.replies_after(MessageId::new(0), u32::MAX).await.unwrap();
    assert_eq!(replies.len(), N / 2);
    assert_eq!(s.last_reply_id().await.unwrap(), replies.last().unwrap().id);
    assert_eq!(
        s.get_ticket(a).await.unwrap().unwrap().unread_count,
        Some(N as u64 / 4)
    );
}

/// Concurrent messages share commits (group commit), but each is answered alone: a message to
/// a missing ticket, or one the database cannot store (a NUL character: Postgres refuses it,
/// SQLite and memory keep it), fails by itself while its batch-mates commit, and every caller
/// gets its own message back (ticket, text, unique id).
pub async fn batched_messages_fail_alone(s: DynStorage) {
    const N: usize = 400;
    let tickets: Vec<TicketId> = {
        let mut v = Vec::new();
        for user in 1..=8 {
            v.push(create(&s, user, &format!("batch {user}")).await.id);
        }
        v
    };
    let missing = TicketId::new(tickets.iter().map(|t| t.get()).max().unwrap() + 1_000);
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let s = Arc::clone(&s);
            let ticket = match i % 10 {
                3 => missing,
                _ => tickets[i % tickets.len()],
            };
            let text = match i % 50 {
                7 => format!("bad \0 {i}"),
                8 => format!("«ünïcødé» 'quoted' \"{i}\" ✓ {}", "x".repeat(4000)),
                _ => format!("m {i}"),
            };
            tokio::spawn(async move {
                let result = s
                    .create_message_with_manager(user_message(ticket, &text))
                    .await;
                (ticket, text, result)
            })
        })
        .collect();
    let mut ids = HashSet::new();
    let mut stored = 0u64;
    for task in tasks {
        let (ticket, text, result) = task.await.unwrap();
        if ticket == missing {
            assert!(
                matches!(result, Err(StorageError::TicketNotFound(t)) if t == missing),
                "{result:?}"
            );
            continue;
        }
        match result {
            Ok(written) => {
                assert_eq!(
                    (written.message.ticket, &written.message.text),
                    (ticket, &text)
                );
                assert!(ids.insert(written.message.id), "ids unique");
                stored += 1;
            }
            // Only a message the database cannot store may fail, and only alone.
            Err(err) => assert!(text.contains('\0'), "{text:?}: {err}"),
        }
    }
    assert!(
        stored >= (N - N / 10 - N / 50) as u64,
        "batch-mates committed: {stored}"
    );
    let mut total = 0;
    for ticket in &tickets {
        total += s.list_messages(*ticket, None, 0).await.unwrap().1;
    }
    assert_eq!(total, stored, "stored exactly what was answered");
}

/// `ticket_manager` and `create_message_with_manager`: the audience of a message event is the
/// ticket's manager as of the insert, also while the ticket is being taken over.
pub async fn message_audience(s: DynStorage) {
    let anna = add_manager(&s, "anna").await.id;
    let boris = add_manager(&s, "boris").await.id;
    let t = create(&s, 1, "audience").await.id;
    let missing = TicketId::new(t.get() + 1_000);
    assert_eq!(s.ticket_manager(missing).await.unwrap(), None);
    assert!(matches!(
        s.create_message_with_manager(user_message(missing, "lost")).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
    assert_eq!(s.ticket_manager(t).await.unwrap(), Some(None));
    let written = s
        .create_message_with_manager(user_message(t, "first"))
        .await
        .unwrap();
    let (m1, audience) = (written.message, written.assignee);
    assert_eq!(audience, None);
    // The ticket's user as of the write, where the backend reads it (all of ours do).
    if let Some(user) = written.user {
        assert_eq!(user.telegram_id, TelegramId::new(1));
        assert!(!user.blocked);
    }
    assert_eq!(
        (m1.ticket, m1.text.as_str(), m1.sender),
        (t, "first", Sender::User)
    );
    s.assign_ticket(t, anna, false).await.unwrap();
    assert_eq!(s.ticket_manager(t).await.unwrap(), Some(Some(anna)));
    let written = s
        .create_message_with_manager(supp_message(t, "reply", anna))
        .await
        .unwrap();
    let (m2, audience) = (written.message, written.assignee);
    assert_eq!(audience, Some(anna));
    assert!(m2.id > m1.id);
    // A reply is on the bot's cursor like one made by `create_message`.
    assert_eq!(s.replies_after(m1.id, 10).await.unwrap(), vec![m2.clone()]);
    let stored = s.list_messages(t, None, 0).await.unwrap().0;
    assert_eq!(stored, vec![m2, m1], "stored exactly as returned");

    // Messages racing a forced takeover: every message inserted before it goes to anna, every
    // one after to boris, so by id the audiences form one block of anna then one of boris.
    const N: usize = 200;
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let s = Arc::clone(&s);
            tokio::spawn(async move {
                if i == N / 2 {
                    s.assign_ticket(t, boris, true).await.unwrap();
                }
                let written = s
                    .create_message_with_manager(user_message(t, &format!("race {i}")))
                    .await
                    .unwrap();
                (written.message, written.assignee)
            })
        })
        .collect();
    let mut results = Vec::with_capacity(N);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results.sort_by_key(|(m, _)| m.id);
    let audiences: Vec<_> = results.iter().map(|(_, a)| *a).collect();
    let switch = audiences
        .iter()
        .position(|a| *a == Some(boris))
        .expect("messages after the takeover go to boris");
    assert!(
        audiences[..switch].iter().all(|a| *a == Some(anna)),
        "before the takeover: anna; {audiences:?}"
    );
    assert!(
        audiences[switch..].iter().all(|a| *a == Some(boris)),
        "after the takeover: boris only; {audiences:?}"
    );
    assert_eq!(s.ticket_manager(t).await.unwrap(), Some(Some(boris)));
    assert_eq!(s.list_messages(t, None, 0).await.unwrap().1, N as u64 + 2);
}

/// `replies_after` returns manager replies in id order after a cursor; `last_reply_id` is the newest.
pub async fn replies_cursor(s: DynStorage) {
    assert_eq!(s.last_reply_id().await.unwrap(), MessageId::new(0));
    assert!(
        s.replies_after(MessageId::new(0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let m = add_manager(&s, "dave").await.id;
    let a = create(&s, 1, "a").await.id;
    let b = create(&s, 2, "b").await.id;
    s.create_message(user_message(a, "q")).await.unwrap();
    assert_eq!(
        s.last_reply_id().await.unwrap(),
        MessageId::new(0),
        "user messages are no replies"
    );
    let mut replies = Vec::new();
    for i in 0..10 {
        let ticket = if i % 2 == 0 { a } else { b };
        replies.push(
            s.create_message(supp_message(ticket, &format!("r{i}"), m))
                .await
                .unwrap(),
        );
        s.create_message(user_message(ticket, &format!("u{i}")))
            .await
            .unwrap();
    }
    assert_eq!(s.last_reply_id().await.unwrap(), replies[9].id);
    assert_eq!(
        s.replies_after(MessageId::new(0), 100).await.unwrap(),
        replies
    );
    assert_eq!(
        s.replies_after(MessageId::new(0), 3).await.unwrap(),
        replies[..3].to_vec()
    );
    assert_eq!(
        s.replies_after(replies[3].id, 4).await.unwrap(),
        replies[4..8].to_vec()
    );
    // A cursor between replies (a user message id) works too.
    let between = MessageId::new(replies[5].id.get() + 1);
    assert_eq!(
        s.replies_after(between, 100).await.unwrap(),
        replies[6..].to_vec()
    );
    assert!(
        s.replies_after(replies[9].id, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.replies_after(MessageId::new(i64::MAX), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.replies_after(MessageId::new(0), 0)
            .await
            .unwrap()
            .is_empty()
    );
    // Walking with a cursor in small steps sees every reply once, in order.
    let mut cursor = MessageId::new(0);
    let mut seen = Vec::new();
    loop {
        let batch = s.replies_after(cursor, 3).await.unwrap();
        let Some(last) = batch.last() else { break };
        cursor = last.id;
        seen.extend(batch);
    }
    assert_eq!(seen, replies);
}

/// While replies are written concurrently, a cursor reader never skips one: replies become
/// visible in id order.
pub async fn replies_cursor_under_concurrency(s: DynStorage) {
    const WRITERS: usize = 8;
    const PER_WRITER: usize = 40;
    let m = add_manager(&s, "erin").await.id;
    let ticket = create(&s, 1, "stream").await.id;
    let start = s.last_reply_id().await.unwrap();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (s, done) = (Arc::clone(&s), Arc::clone(&done));
        tokio::spawn(async move {
            let mut cursor = start;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let batch = s.replies_after(cursor, 7).await.unwrap();
                if let Some(last) = batch.last() {
                    cursor = last.id;
                    seen.extend(batch.into_iter().map(|m| m.id));
                } else if finished {
                    break seen;
                } else {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let s = Arc::clone(&s);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..PER_WRITER {
                    let msg = s
                        .create_message(supp_message(ticket, &format!("{w}/{i}"), m))
                        .await;
                    ids.push(msg.unwrap().id);
                    // Interleave user messages, which take another path on some backends.
                    s.create_message(user_message(ticket, "ping"))
                        .await
                        .unwrap();
                }
                ids
            })
        })
        .collect();
    let mut written = BTreeSet::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .unwrap()
        .unwrap();
    for w in seen.windows(2) {
        assert!(w[0] < w[1], "cursor order");
    }
    let seen: BTreeSet<MessageId> = seen.into_iter().collect();
    let skipped: Vec<_> = written.difference(&seen).collect();
    assert!(skipped.is_empty(), "the cursor skipped replies {skipped:?}");
    assert_eq!(seen, written);
}
