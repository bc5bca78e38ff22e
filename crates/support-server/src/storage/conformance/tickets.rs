//! Suites of users and tickets: registration, creation, updates, list filters, order and paging.

use support_protocol::{ManagerId, Sender, TelegramId, Ticket, TicketId, Timestamp};

use super::*;
use crate::storage::{
    AssignOutcome, DynStorage, NewTicketRecord, StorageError, TicketChanges, TicketQuery,
};

/// Users register idempotently; creating a ticket registers its user.
pub async fn users_register_and_exist(s: DynStorage) {
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

/// The largest Telegram id (`i64::MAX`) is stored, listed and filtered exactly.
pub async fn telegram_id_max_round_trips(s: DynStorage) {
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

/// A ticket and its first message are created together; reads and partial updates round-trip.
pub async fn ticket_create_get_update(s: DynStorage) {
    let before = Timestamp::now();
    let (t, first) = s
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(7),
            title: "Printer on fire".into(),
            resolved: false,
            first_message: Some("It is on fire".into()),
            first_attachments: Vec::new(),
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
                viewed: None,
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
                viewed: None,
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
                viewed: None,
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
        s.update_ticket(missing, TicketChanges { resolved: Some(true), ..Default::default() }).await,
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
/// Every combination of the list filters returns exactly the matching tickets and their count.
pub async fn ticket_list_filters(s: DynStorage) {
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
                            viewed: None,
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
                        ..TicketQuery::default()
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

/// Tickets list newest first; limit and offset page through them without gaps or repeats.
pub async fn ticket_list_order_and_paging(s: DynStorage) {
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
