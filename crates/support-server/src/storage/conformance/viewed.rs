//! Suites of the ticket-level `viewed` mark (the original's 1.2.0 line) and the order it leads.

use std::time::Duration;

use super::*;
use crate::storage::{
    AssignOutcome, DynStorage, StorageError, TicketChanges, TicketOrder, TicketQuery,
};

async fn viewed(s: &DynStorage, t: TicketId) -> (Option<bool>, Option<u64>) {
    let t = s.get_ticket(t).await.unwrap().unwrap();
    (t.viewed, t.unread_count)
}

fn mark(viewed: bool) -> TicketChanges {
    TicketChanges {
        viewed: Some(viewed),
        ..TicketChanges::default()
    }
}

/// `viewed` is false on a new ticket, true once a manager marks it (which views its messages)
/// or views its messages one by one, false again when the user writes or a manager unmarks it;
/// it is never true while `unread_count` > 0.
pub async fn ticket_viewed_mark(s: DynStorage) {
    let anna = add_manager(&s, "anna").await.id;
    let (t, first) = s
        .create_ticket(NewTicketRecord {
            first_message: Some("help".into()),
            ..new_ticket(1, "with a message")
        })
        .await
        .unwrap();
    assert_eq!((t.viewed, t.unread_count), (Some(false), Some(1)));
    let empty = create(&s, 2, "no messages").await;
    assert_eq!(empty.viewed, Some(false), "a new ticket is not viewed");

    // Marked viewed: its messages too.
    let marked = s.update_ticket(t.id, mark(true)).await.unwrap();
    assert_eq!((marked.viewed, marked.unread_count), (Some(true), Some(0)));
    let first = first.unwrap();
    let (messages, _) = s.list_messages(t.id, None, 0).await.unwrap();
    assert!(messages.iter().all(|m| m.viewed), "{messages:?}");
    assert_eq!(messages[0].id, first.id);
    // A ticket without messages can be marked too.
    assert_eq!(
        s.update_ticket(empty.id, mark(true)).await.unwrap().viewed,
        Some(true)
    );

    // The user writes: unviewed, without touching the mark's column.
    let m2 = s.create_message(user_message(t.id, "again")).await.unwrap();
    assert_eq!(viewed(&s, t.id).await, (Some(false), Some(1)));
    // A manager's reply changes nothing.
    s.create_message(supp_message(t.id, "on it", anna))
        .await
        .unwrap();
    assert_eq!(viewed(&s, t.id).await, (Some(false), Some(1)));
    // Viewing the last unread message views the ticket.
    s.mark_viewed(t.id, m2.id).await.unwrap();
    assert_eq!(viewed(&s, t.id).await, (Some(true), Some(0)));

    // Unmarked: the ticket only; its messages stay viewed.
    let unmarked = s.update_ticket(t.id, mark(false)).await.unwrap();
    assert_eq!(
        (unmarked.viewed, unmarked.unread_count),
        (Some(false), Some(0))
    );
    // Every read path agrees.
    let (list, _) = s
        .list_tickets(&TicketQuery {
            user_id: Some(TelegramId::new(1)),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(list[0].viewed, Some(false));
    let AssignOutcome::Assigned { ticket, .. } = s.assign_ticket(t.id, anna, false).await.unwrap()
    else {
        panic!("not assigned")
    };
    assert_eq!(ticket.viewed, Some(false));
    // Viewing a message (even one already viewed) is looking at the ticket again.
    s.mark_viewed(t.id, m2.id).await.unwrap();
    assert_eq!(viewed(&s, t.id).await, (Some(true), Some(0)));

    // Marks of one ticket leave the others alone.
    let other = create(&s, 3, "other").await;
    s.create_message(user_message(other.id, "x")).await.unwrap();
    s.update_ticket(t.id, mark(true)).await.unwrap();
    assert_eq!(viewed(&s, other.id).await, (Some(false), Some(1)));
    assert!(matches!(
        s.update_ticket(TicketId::new(999_999), mark(true)).await,
        Err(StorageError::TicketNotFound(_))
    ));
}

/// `TicketOrder::Unviewed`: unviewed first, then unresolved, then the newest message first
/// (tickets without messages after those with), then the newest created.
pub async fn ticket_list_unviewed_order(s: DynStorage) {
    let pause = || tokio::time::sleep(Duration::from_millis(3));
    let old_quiet = create(&s, 1, "viewed, message long ago").await;
    s.create_message(user_message(old_quiet.id, "a"))
        .await
        .unwrap();
    pause().await;
    let resolved = create(&s, 2, "unviewed, resolved, newest message").await;
    pause().await;
    let fresh_empty = create(&s, 3, "unviewed, no messages, newest").await;
    pause().await;
    let waiting = create(&s, 4, "unviewed, message").await;
    s.create_message(user_message(waiting.id, "b"))
        .await
        .unwrap();
    pause().await;
    let recent_viewed = create(&s, 5, "viewed, recent message").await;
    s.create_message(user_message(recent_viewed.id, "c"))
        .await
        .unwrap();
    pause().await;
    s.create_message(user_message(resolved.id, "d"))
        .await
        .unwrap();
    s.update_ticket(
        resolved.id,
        TicketChanges {
            resolved: Some(true),
            ..TicketChanges::default()
        },
    )
    .await
    .unwrap();
    let older_empty = create(&s, 6, "unviewed, no messages, oldest of those").await;
    pause().await;
    let empty2 = create(&s, 7, "unviewed, no messages, later").await;
    s.update_ticket(old_quiet.id, mark(true)).await.unwrap();
    s.update_ticket(recent_viewed.id, mark(true)).await.unwrap();

    let (list, total) = s
        .list_tickets(&TicketQuery {
            order: TicketOrder::Unviewed,
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 7);
    let expected = vec![
        waiting.id,       // unviewed, unresolved, with a message
        empty2.id,        // unviewed, unresolved, no messages: newest created first
        older_empty.id,   //
        fresh_empty.id,   //
        resolved.id,      // unviewed but resolved
        recent_viewed.id, // viewed: newest message first
        old_quiet.id,
    ];
    let titles = |ids: &[TicketId]| -> Vec<String> {
        ids.iter()
            .map(|id| {
                list.iter()
                    .find(|t| t.id == *id)
                    .map_or("?".to_owned(), |t| t.title.clone())
            })
            .collect()
    };
    assert_eq!(
        titles(&self::ids(&list)),
        titles(&expected),
        "1.2.0's list order"
    );
    // Paging keeps the order.
    let (page, _) = s
        .list_tickets(&TicketQuery {
            order: TicketOrder::Unviewed,
            limit: Some(3),
            offset: 2,
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(self::ids(&page), expected[2..5].to_vec());
}
