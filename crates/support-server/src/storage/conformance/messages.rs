//! Suites of messages: order and paging, viewed marks, the counters a ticket keeps.

use support_protocol::{MessageId, TicketId};

use super::*;
use crate::storage::{
    AssignOutcome, DynStorage, NewMessageRecord, StorageError, TicketChanges, TicketQuery,
};

/// Messages list newest first and page like tickets; an absent ticket is `TicketNotFound`.
pub async fn messages_order_and_paging(s: DynStorage) {
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

/// Viewed marks apply to a message of that ticket only, and are idempotent.
pub async fn viewed_marks(s: DynStorage) {
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

/// A ticket's `updated_at` follows its newest message and `unread_count` its unviewed user messages.
pub async fn updated_at_and_unread_count(s: DynStorage) {
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
