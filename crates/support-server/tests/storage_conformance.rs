//! The storage conformance suite \[S1\]: the same generic suites run against every backend
//! (memory, SQLite on a temporary file, Postgres in a throwaway schema when
//! `SUPPORT_TEST_POSTGRES_URL` is set), plus backend-specific tests of durability, migrations and
//! sharing the database with a host's own sqlx migrations.

mod storage_common;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support_protocol::{ManagerId, MessageId, Sender, TelegramId, Ticket, TicketId, Timestamp};
use support_server::storage::{
    AssignOutcome, DynStorage, ManagerRecord, ManagerUpsert, NewMessageRecord, NewTicketRecord,
    StorageError, TicketChanges, TicketQuery,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn new_ticket(user: i64, title: &str) -> NewTicketRecord {
    NewTicketRecord {
        user_id: TelegramId::new(user),
        title: title.to_owned(),
        resolved: false,
        first_message: None,
    }
}

fn user_message(ticket: TicketId, text: &str) -> NewMessageRecord {
    NewMessageRecord {
        ticket,
        sender: Sender::User,
        text: text.to_owned(),
        viewed: false,
        manager: None,
    }
}

fn supp_message(ticket: TicketId, text: &str, manager: ManagerId) -> NewMessageRecord {
    NewMessageRecord {
        ticket,
        sender: Sender::Supp,
        text: text.to_owned(),
        viewed: true,
        manager: Some(manager),
    }
}

async fn add_manager(s: &DynStorage, username: &str) -> ManagerRecord {
    s.upsert_manager(ManagerUpsert {
        username: username.to_owned(),
        first_name: format!("{username} first"),
        last_name: format!("{username} last"),
        password_hash: None,
    })
    .await
    .expect("upsert manager")
}

async fn create(s: &DynStorage, user: i64, title: &str) -> Ticket {
    s.create_ticket(new_ticket(user, title))
        .await
        .expect("create ticket")
        .0
}

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id).collect()
}

/// Tickets in the contract's list order: `created_at` desc, then `id` desc.
fn list_order(tickets: &mut [Ticket]) {
    tickets.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
}

// ---------------------------------------------------------------------------------------------
// Generic suites: each takes a fresh, empty store.
// ---------------------------------------------------------------------------------------------

async fn users_register_and_exist(s: DynStorage) {
    let u = TelegramId::new(42);
    assert!(!s.user_exists(u).await.unwrap());
    s.register_user(u).await.unwrap();
    s.register_user(u).await.unwrap(); // idempotent
    assert!(s.user_exists(u).await.unwrap());
    assert!(!s.user_exists(TelegramId::new(43)).await.unwrap());
    // Creating a ticket registers its user.
    create(&s, 44, "hello").await;
    assert!(s.user_exists(TelegramId::new(44)).await.unwrap());
}

async fn telegram_id_max_round_trips(s: DynStorage) {
    let max = TelegramId::new(i64::MAX);
    let t = create(&s, i64::MAX, "big id").await;
    assert_eq!(t.user.telegram_id, max);
    assert!(s.user_exists(max).await.unwrap());
    assert_eq!(
        s.get_ticket(t.id).await.unwrap().unwrap().user.telegram_id,
        max
    );
    let (list, count) = s
        .list_tickets(&TicketQuery {
            user_id: Some(max),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((ids(&list), count), (vec![t.id], 1));
    assert_eq!(list[0].user.telegram_id, max);
    // A neighbour does not match.
    let (list, count) = s
        .list_tickets(&TicketQuery {
            user_id: Some(TelegramId::new(i64::MAX - 1)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(list.is_empty() && count == 0);
}

async fn ticket_create_get_update(s: DynStorage) {
    let before = Timestamp::now();
    let (t, first) = s
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(7),
            title: "Printer on fire".into(),
            resolved: false,
            first_message: Some("It is on fire".into()),
        })
        .await
        .unwrap();
    let after = Timestamp::now();
    assert!(t.id.get() > 0);
    assert_eq!(t.user.telegram_id, TelegramId::new(7));
    assert_eq!(t.title, "Printer on fire");
    assert!(!t.resolved);
    assert!(t.support_manager.is_none());
    assert!(t.last_message.is_none());
    assert!(
        before <= t.created_at && t.created_at <= after,
        "created_at is now"
    );
    let first = first.expect("first message created");
    assert_eq!(first.ticket, t.id);
    assert_eq!(first.sender, Sender::User);
    assert_eq!(first.text, "It is on fire");
    assert!(!first.viewed);
    assert_eq!(t.unread_count, Some(1));
    assert_eq!(t.updated_at, Some(first.created_at.max(t.created_at)));
    let (msgs, n) = s.list_messages(t.id, None, 0).await.unwrap();
    assert_eq!((msgs, n), (vec![first.clone()], 1));

    // get returns exactly what create returned (timestamps to the microsecond).
    assert_eq!(s.get_ticket(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(
        s.get_ticket(TicketId::new(t.id.get() + 1000))
            .await
            .unwrap(),
        None
    );

    // Without a first message; created resolved.
    let (t2, none) = s
        .create_ticket(NewTicketRecord {
            resolved: true,
            ..new_ticket(7, "second")
        })
        .await
        .unwrap();
    assert!(none.is_none());
    assert!(t2.resolved);
    assert!(t2.id > t.id, "ids increase");
    assert_eq!(t2.unread_count, Some(0));
    assert_eq!(t2.updated_at, Some(t2.created_at));
    assert_eq!(s.list_messages(t2.id, None, 0).await.unwrap(), (vec![], 0));

    // Updates: each field alone, both, neither.
    let u = s
        .update_ticket(
            t.id,
            TicketChanges {
                title: Some("Renamed".into()),
                resolved: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((u.title.as_str(), u.resolved), ("Renamed", false));
    let u = s
        .update_ticket(
            t.id,
            TicketChanges {
                title: None,
                resolved: Some(true),
            },
        )
        .await
        .unwrap();
    assert_eq!((u.title.as_str(), u.resolved), ("Renamed", true));
    let u = s
        .update_ticket(
            t.id,
            TicketChanges {
                title: Some("Again".into()),
                resolved: Some(false),
            },
        )
        .await
        .unwrap();
    assert_eq!((u.title.as_str(), u.resolved), ("Again", false));
    let same = s
        .update_ticket(t.id, TicketChanges::default())
        .await
        .unwrap();
    assert_eq!(same, u);
    assert_eq!(u.created_at, t.created_at);
    assert_eq!(u.unread_count, Some(1));
    assert_eq!(s.get_ticket(t.id).await.unwrap(), Some(u));
    let missing = TicketId::new(t2.id.get() + 1000);
    assert!(matches!(
        s.update_ticket(missing, TicketChanges { resolved: Some(true), title: None }).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));

    // Unicode survives.
    let (t3, m3) = s
        .create_ticket(NewTicketRecord {
            first_message: Some("Привет 👋 ⟨emoji⟩ \u{1} \u{7f}".into()),
            ..new_ticket(8, "Заявка 🔥")
        })
        .await
        .unwrap();
    let got = s.get_ticket(t3.id).await.unwrap().unwrap();
    assert_eq!(got.title, "Заявка 🔥");
    assert_eq!(
        s.list_messages(t3.id, None, 0).await.unwrap().0,
        vec![m3.unwrap()]
    );
}

/// Every combination of every list filter, checked against a model.
async fn ticket_list_filters(s: DynStorage) {
    let m1 = add_manager(&s, "m1").await.id;
    let m2 = add_manager(&s, "m2").await.id;
    let users = [100, 200, 300];
    // (user, manager, resolved) for 18 tickets: all combinations of 3 users × 3 × 2.
    let mut model: Vec<Ticket> = Vec::new();
    for (i, &user) in users.iter().enumerate() {
        for manager in [None, Some(m1), Some(m2)] {
            for resolved in [false, true] {
                let t = create(&s, user, &format!("t{i}")).await;
                if let Some(m) = manager {
                    let AssignOutcome::Assigned { .. } =
                        s.assign_ticket(t.id, m, false).await.unwrap()
                    else {
                        panic!("assign failed")
                    };
                }
                let t = s
                    .update_ticket(
                        t.id,
                        TicketChanges {
                            title: None,
                            resolved: Some(resolved),
                        },
                    )
                    .await
                    .unwrap();
                model.push(t);
            }
        }
    }
    list_order(&mut model);
    let manager_of = |t: &Ticket| t.support_manager.as_ref().map(|m| m.id);

    let user_filters = [None, Some(100), Some(300), Some(999)];
    let resolved_filters = [None, Some(true), Some(false)];
    let manager_filters = [
        None,
        Some(m1),
        Some(m2),
        Some(ManagerId::new(m2.get() + 100)),
    ];
    let isnull_filters = [None, Some(true), Some(false)];
    let mut combinations = 0;
    for user in user_filters {
        for resolved in resolved_filters {
            for manager in manager_filters {
                for isnull in isnull_filters {
                    let query = TicketQuery {
                        user_id: user.map(TelegramId::new),
                        resolved,
                        manager,
                        manager_isnull: isnull,
                        limit: None,
                        offset: 0,
                    };
                    let expected: Vec<&Ticket> = model
                        .iter()
                        .filter(|t| user.is_none_or(|u| t.user.telegram_id.get() == u))
                        .filter(|t| resolved.is_none_or(|r| t.resolved == r))
                        .filter(|t| manager.is_none_or(|m| manager_of(t) == Some(m)))
                        .filter(|t| isnull.is_none_or(|n| manager_of(t).is_none() == n))
                        .collect();
                    let (got, count) = s.list_tickets(&query).await.unwrap();
                    let expected: Vec<Ticket> = expected.into_iter().cloned().collect();
                    assert_eq!(got, expected, "{query:?}");
                    assert_eq!(count, expected.len() as u64, "{query:?}");
                    // Paged: a page of two from offset 1, same count.
                    let paged = TicketQuery {
                        limit: Some(2),
                        offset: 1,
                        ..query.clone()
                    };
                    let (page, count) = s.list_tickets(&paged).await.unwrap();
                    let want: Vec<Ticket> = expected.iter().skip(1).take(2).cloned().collect();
                    assert_eq!(page, want, "{paged:?}");
                    assert_eq!(count, expected.len() as u64, "{paged:?}");
                    combinations += 1;
                }
            }
        }
    }
    assert_eq!(combinations, 4 * 3 * 4 * 3);
    // Spot checks against hand-computed numbers (the model could share a bug).
    let q = |f: fn(&mut TicketQuery)| {
        let mut q = TicketQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(s.list_tickets(&q(|_| {})).await.unwrap().1, 18);
    assert_eq!(
        s.list_tickets(&q(|q| q.manager_isnull = Some(true)))
            .await
            .unwrap()
            .1,
        6
    );
    assert_eq!(
        s.list_tickets(&q(|q| q.manager_isnull = Some(false)))
            .await
            .unwrap()
            .1,
        12
    );
    assert_eq!(
        s.list_tickets(&q(|q| q.resolved = Some(true)))
            .await
            .unwrap()
            .1,
        9
    );
    let (open_unassigned_of_200, n) = s
        .list_tickets(&TicketQuery {
            user_id: Some(TelegramId::new(200)),
            resolved: Some(false),
            manager_isnull: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(open_unassigned_of_200[0].support_manager.is_none());
    // Contradictory filters: a manager and "no manager".
    let query = TicketQuery {
        manager: Some(m1),
        manager_isnull: Some(true),
        ..Default::default()
    };
    assert_eq!(s.list_tickets(&query).await.unwrap(), (vec![], 0));
}

async fn ticket_list_order_and_paging(s: DynStorage) {
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(create(&s, 1 + i % 3, &format!("ticket {i}")).await);
    }
    let mut expected = created.clone();
    list_order(&mut expected);
    // Created one after another: newest first is reverse creation order.
    assert_eq!(
        ids(&expected),
        created.iter().rev().map(|t| t.id).collect::<Vec<_>>()
    );
    let (all, count) = s.list_tickets(&TicketQuery::default()).await.unwrap();
    assert_eq!((ids(&all), count), (ids(&expected), 25));
    for w in all.windows(2) {
        assert!(w[0].created_at >= w[1].created_at);
    }
    // Pages of 7 concatenate to the whole list, each reporting the total.
    let mut paged = Vec::new();
    for page in 0..4 {
        let query = TicketQuery {
            limit: Some(7),
            offset: page * 7,
            ..Default::default()
        };
        let (tickets, count) = s.list_tickets(&query).await.unwrap();
        assert_eq!(count, 25);
        assert_eq!(tickets.len(), if page < 3 { 7 } else { 4 });
        paged.extend(tickets);
    }
    assert_eq!(ids(&paged), ids(&expected));
    // Offset without limit, offset past the end, limit 0, a huge limit.
    let (rest, count) = s
        .list_tickets(&TicketQuery {
            offset: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((ids(&rest), count), (ids(&expected[20..]), 25));
    let (none, count) = s
        .list_tickets(&TicketQuery {
            offset: 25,
            limit: Some(5),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty() && count == 25);
    let (none, count) = s
        .list_tickets(&TicketQuery {
            limit: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty() && count == 25);
    let (all2, _) = s
        .list_tickets(&TicketQuery {
            limit: Some(u64::MAX),
            offset: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&all2), ids(&expected));
    let (none, count) = s
        .list_tickets(&TicketQuery {
            offset: u64::MAX,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty() && count == 25);
    // A message does not reorder tickets (ordering is by created_at, not updated_at).
    s.create_message(user_message(created[0].id, "bump"))
        .await
        .unwrap();
    let (after, _) = s.list_tickets(&TicketQuery::default()).await.unwrap();
    assert_eq!(ids(&after), ids(&expected));
}

async fn messages_order_and_paging(s: DynStorage) {
    let m = add_manager(&s, "anna").await.id;
    let t = create(&s, 1, "chat").await;
    let other = create(&s, 2, "other").await;
    let mut sent = Vec::new();
    for i in 0..15 {
        let new = if i % 3 == 2 {
            supp_message(t.id, &format!("reply {i}"), m)
        } else {
            user_message(t.id, &format!("question {i}"))
        };
        let msg = s.create_message(new.clone()).await.unwrap();
        assert_eq!(
            (msg.ticket, msg.sender, &msg.text, msg.viewed),
            (t.id, new.sender, &new.text, new.viewed)
        );
        if let Some(prev) = sent.last() {
            let prev: &support_protocol::Message = prev;
            assert!(msg.id > prev.id, "ids increase");
            assert!(
                msg.created_at >= prev.created_at,
                "time does not go backwards"
            );
        }
        sent.push(msg);
    }
    s.create_message(user_message(other.id, "elsewhere"))
        .await
        .unwrap();
    let newest_first: Vec<_> = sent.iter().rev().cloned().collect();
    assert_eq!(
        s.list_messages(t.id, None, 0).await.unwrap(),
        (newest_first.clone(), 15)
    );
    let mut paged = Vec::new();
    for page in 0..4 {
        let (msgs, count) = s.list_messages(t.id, Some(4), page * 4).await.unwrap();
        assert_eq!(count, 15);
        paged.extend(msgs);
    }
    assert_eq!(paged, newest_first);
    assert_eq!(
        s.list_messages(t.id, None, 10).await.unwrap(),
        (newest_first[10..].to_vec(), 15)
    );
    assert_eq!(
        s.list_messages(t.id, Some(0), 0).await.unwrap(),
        (vec![], 15)
    );
    assert_eq!(
        s.list_messages(t.id, Some(3), 99).await.unwrap(),
        (vec![], 15)
    );
    assert_eq!(
        s.list_messages(t.id, Some(u64::MAX), u64::MAX)
            .await
            .unwrap(),
        (vec![], 15)
    );
    assert_eq!(s.list_messages(other.id, None, 0).await.unwrap().1, 1);

    let missing = TicketId::new(other.id.get() + 100);
    assert!(matches!(
        s.list_messages(missing, None, 0).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
    assert!(matches!(
        s.create_message(user_message(missing, "nobody home")).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
    assert!(matches!(
        s.create_message(supp_message(missing, "nobody home", m)).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
    // The failed inserts left nothing behind.
    assert_eq!(s.list_messages(t.id, None, 0).await.unwrap().1, 15);
}

async fn viewed_marks(s: DynStorage) {
    let a = create(&s, 1, "a").await;
    let b = create(&s, 2, "b").await;
    let ma = s.create_message(user_message(a.id, "in a")).await.unwrap();
    let mb = s.create_message(user_message(b.id, "in b")).await.unwrap();
    assert!(!ma.viewed);
    let seen = s.mark_viewed(a.id, ma.id).await.unwrap();
    assert_eq!(
        seen,
        support_protocol::Message {
            viewed: true,
            ..ma.clone()
        }
    );
    // Idempotent.
    assert_eq!(s.mark_viewed(a.id, ma.id).await.unwrap(), seen);
    assert_eq!(s.list_messages(a.id, None, 0).await.unwrap().0, vec![seen]);
    // A message of another ticket is "not found" and stays unviewed.
    assert!(matches!(
        s.mark_viewed(a.id, mb.id).await,
        Err(StorageError::MessageNotFound(id)) if id == mb.id
    ));
    assert!(!s.list_messages(b.id, None, 0).await.unwrap().0[0].viewed);
    let absent = MessageId::new(mb.id.get() + 100);
    assert!(matches!(
        s.mark_viewed(a.id, absent).await,
        Err(StorageError::MessageNotFound(id)) if id == absent
    ));
    let missing = TicketId::new(b.id.get() + 100);
    assert!(matches!(
        s.mark_viewed(missing, ma.id).await,
        Err(StorageError::TicketNotFound(id)) if id == missing
    ));
}

async fn updated_at_and_unread_count(s: DynStorage) {
    let m = add_manager(&s, "bob").await.id;
    let t = create(&s, 1, "counting").await;
    assert_eq!(
        (t.updated_at, t.unread_count),
        (Some(t.created_at), Some(0))
    );
    let m1 = s.create_message(user_message(t.id, "one")).await.unwrap();
    let m2 = s.create_message(user_message(t.id, "two")).await.unwrap();
    let t1 = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(
        (t1.updated_at, t1.unread_count),
        (Some(m2.created_at.max(t.created_at)), Some(2))
    );
    // Manager replies are created viewed and do not count.
    let r = s
        .create_message(supp_message(t.id, "reply", m))
        .await
        .unwrap();
    assert!(r.viewed);
    let t2 = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(
        (t2.updated_at, t2.unread_count),
        (Some(r.created_at), Some(2))
    );
    // A user message created viewed does not count either.
    let pre = s
        .create_message(NewMessageRecord {
            viewed: true,
            ..user_message(t.id, "pre-viewed")
        })
        .await
        .unwrap();
    assert!(pre.viewed);
    s.mark_viewed(t.id, m1.id).await.unwrap();
    let t3 = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(
        (t3.updated_at, t3.unread_count),
        (Some(pre.created_at), Some(1))
    );
    // Marking a manager reply viewed again changes nothing.
    s.mark_viewed(t.id, r.id).await.unwrap();
    s.mark_viewed(t.id, m2.id).await.unwrap();
    let t4 = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(t4.unread_count, Some(0));
    // Every read path carries the same extensions.
    let (list, _) = s.list_tickets(&TicketQuery::default()).await.unwrap();
    assert_eq!(list, vec![t4.clone()]);
    let AssignOutcome::Assigned { ticket, .. } = s.assign_ticket(t.id, m, false).await.unwrap()
    else {
        panic!("not assigned")
    };
    assert_eq!(
        (ticket.updated_at, ticket.unread_count),
        (t4.updated_at, t4.unread_count)
    );
    let u = s
        .update_ticket(t.id, TicketChanges::default())
        .await
        .unwrap();
    assert_eq!(
        (u.updated_at, u.unread_count),
        (t4.updated_at, t4.unread_count)
    );
    // Other tickets' messages do not leak in.
    let other = create(&s, 2, "other").await;
    s.create_message(user_message(other.id, "x")).await.unwrap();
    assert_eq!(
        s.get_ticket(t.id).await.unwrap().unwrap().unread_count,
        Some(0)
    );
    assert_eq!(
        s.get_ticket(other.id).await.unwrap().unwrap().unread_count,
        Some(1)
    );
}

async fn assignment_is_atomic(s: DynStorage) {
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

async fn concurrent_message_inserts(s: DynStorage) {
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

/// `ticket_manager` and `create_message_with_manager`: the audience of a message event is the
/// ticket's manager as of the insert, also while the ticket is being taken over.
async fn message_audience(s: DynStorage) {
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
    let (m1, audience) = s
        .create_message_with_manager(user_message(t, "first"))
        .await
        .unwrap();
    assert_eq!(audience, None);
    assert_eq!(
        (m1.ticket, m1.text.as_str(), m1.sender),
        (t, "first", Sender::User)
    );
    s.assign_ticket(t, anna, false).await.unwrap();
    assert_eq!(s.ticket_manager(t).await.unwrap(), Some(Some(anna)));
    let (m2, audience) = s
        .create_message_with_manager(supp_message(t, "reply", anna))
        .await
        .unwrap();
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
                s.create_message_with_manager(user_message(t, &format!("race {i}")))
                    .await
                    .unwrap()
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

async fn replies_cursor(s: DynStorage) {
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
async fn replies_cursor_under_concurrency(s: DynStorage) {
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

async fn managers_upsert_and_lookup(s: DynStorage) {
    assert_eq!(s.count_managers().await.unwrap(), 0);
    assert_eq!(s.manager(ManagerId::new(1)).await.unwrap(), None);
    assert_eq!(s.manager_by_username("anna").await.unwrap(), None);
    let anna = s
        .upsert_manager(ManagerUpsert {
            username: "anna".into(),
            first_name: "Anna".into(),
            last_name: "K".into(),
            password_hash: Some("$argon2id$v=19$first".into()),
        })
        .await
        .unwrap();
    assert!(anna.id.get() > 0);
    assert!(anna.active);
    assert_eq!(
        (
            anna.username.as_str(),
            anna.first_name.as_str(),
            anna.last_name.as_str()
        ),
        ("anna", "Anna", "K")
    );
    assert_eq!(anna.password_hash.as_deref(), Some("$argon2id$v=19$first"));
    let bob = s
        .upsert_manager(ManagerUpsert {
            username: "bob".into(),
            first_name: String::new(),
            last_name: String::new(),
            password_hash: None,
        })
        .await
        .unwrap();
    assert!(bob.id > anna.id);
    assert_eq!(bob.password_hash, None);
    assert_eq!(s.count_managers().await.unwrap(), 2);
    // Update by username: names change, a missing hash keeps the stored one.
    let anna2 = s
        .upsert_manager(ManagerUpsert {
            username: "anna".into(),
            first_name: "Anne".into(),
            last_name: "Karlsson".into(),
            password_hash: None,
        })
        .await
        .unwrap();
    assert_eq!(anna2.id, anna.id);
    assert_eq!(
        (anna2.first_name.as_str(), anna2.last_name.as_str()),
        ("Anne", "Karlsson")
    );
    assert_eq!(anna2.password_hash.as_deref(), Some("$argon2id$v=19$first"));
    let anna3 = s
        .upsert_manager(ManagerUpsert {
            password_hash: Some("$argon2id$v=19$second".into()),
            username: "anna".into(),
            first_name: "Anne".into(),
            last_name: "Karlsson".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        anna3.password_hash.as_deref(),
        Some("$argon2id$v=19$second")
    );
    assert_eq!(s.count_managers().await.unwrap(), 2);
    assert_eq!(s.manager(anna.id).await.unwrap(), Some(anna3.clone()));
    assert_eq!(
        s.manager_by_username("anna").await.unwrap(),
        Some(anna3.clone())
    );
    assert_eq!(
        s.manager_by_username("bob").await.unwrap(),
        Some(bob.clone())
    );
    assert_eq!(
        s.manager_by_username("Anna").await.unwrap(),
        None,
        "usernames are exact"
    );
    assert_eq!(
        s.manager(ManagerId::new(bob.id.get() + 10)).await.unwrap(),
        None
    );
    // A renamed manager shows on tickets.
    let t = create(&s, 1, "t").await;
    s.assign_ticket(t.id, anna.id, false).await.unwrap();
    assert_eq!(
        s.get_ticket(t.id).await.unwrap().unwrap().support_manager,
        Some(anna3.public())
    );
}

async fn sessions_expire(s: DynStorage) {
    let m = add_manager(&s, "frank").await.id;
    let other = add_manager(&s, "grace").await.id;
    // An exact microsecond: valid up to one microsecond before, expired at it.
    let expires = Timestamp::from_unix_micros(1_900_000_000_123_457).unwrap();
    let just_before = Timestamp::from_unix_micros(expires.unix_micros() - 1).unwrap();
    s.create_session("hash-a", m, expires).await.unwrap();
    assert_eq!(
        s.session_manager("hash-a", just_before).await.unwrap(),
        Some(m)
    );
    assert_eq!(s.session_manager("hash-a", expires).await.unwrap(), None);
    let later = Timestamp::from_unix_micros(expires.unix_micros() + 1).unwrap();
    assert_eq!(s.session_manager("hash-a", later).await.unwrap(), None);
    assert_eq!(
        s.session_manager("hash-b", just_before).await.unwrap(),
        None
    );
    // Several sessions side by side; deleting one leaves the others.
    s.create_session("hash-b", other, expires).await.unwrap();
    assert_eq!(
        s.session_manager("hash-b", just_before).await.unwrap(),
        Some(other)
    );
    s.delete_session("hash-a").await.unwrap();
    assert_eq!(
        s.session_manager("hash-a", just_before).await.unwrap(),
        None
    );
    assert_eq!(
        s.session_manager("hash-b", just_before).await.unwrap(),
        Some(other)
    );
    s.delete_session("hash-a").await.unwrap(); // absent is fine
    s.delete_session("never-existed").await.unwrap();
    // Storing the same hash again replaces it.
    let short = Timestamp::from_unix_micros(1_000_000).unwrap();
    s.create_session("hash-b", m, short).await.unwrap();
    assert_eq!(
        s.session_manager("hash-b", just_before).await.unwrap(),
        None
    );
    assert_eq!(
        s.session_manager("hash-b", Timestamp::from_unix_micros(0).unwrap())
            .await
            .unwrap(),
        Some(m)
    );
    // Real clock.
    let now = Timestamp::now();
    let in_an_hour = Timestamp::from_unix_micros(now.unix_micros() + 3_600_000_000).unwrap();
    s.create_session("hash-c", m, in_an_hour).await.unwrap();
    assert_eq!(
        s.session_manager("hash-c", Timestamp::now()).await.unwrap(),
        Some(m)
    );
}

// ---------------------------------------------------------------------------------------------
// One test per suite per backend.
// ---------------------------------------------------------------------------------------------

macro_rules! conformance {
    ($($suite:ident),* $(,)?) => {
        /// The suites on [`support_server::storage::MemoryStorage`], the reference.
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $suite() {
                    crate::storage_common::run_memory(crate::$suite).await;
                }
            )*
        }

        /// The suites on a fresh SQLite file.
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $suite() {
                    crate::storage_common::run_sqlite(crate::$suite).await;
                }
            )*
        }

        /// The suites on Postgres, each in its own schema.
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $suite() {
                    crate::storage_common::run_postgres(
                        concat!("postgres::", stringify!($suite)),
                        crate::$suite,
                    )
                    .await;
                }
            )*
        }
    };
}

conformance!(
    users_register_and_exist,
    telegram_id_max_round_trips,
    ticket_create_get_update,
    ticket_list_filters,
    ticket_list_order_and_paging,
    messages_order_and_paging,
    viewed_marks,
    updated_at_and_unread_count,
    assignment_is_atomic,
    concurrent_message_inserts,
    message_audience,
    replies_cursor,
    replies_cursor_under_concurrency,
    managers_upsert_and_lookup,
    sessions_expire,
);

/// SQLite only: durability across reopen, migrations, sharing the file with a host.
#[cfg(feature = "sqlite")]
#[path = "storage_common/sqlite_tests.rs"]
mod sqlite_specific;

/// Postgres only: durability across reconnect, concurrent migrations, sharing with a host.
#[cfg(feature = "postgres")]
#[path = "storage_common/postgres_tests.rs"]
mod postgres_specific;
