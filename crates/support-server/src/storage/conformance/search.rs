//! Suites of the console's ticket lists: search, "held by others", and the orders by activity
//! and by waiting.

use support_protocol::{TelegramId, TicketId, UserProfile};

use super::*;
use crate::storage::{DynStorage, TicketOrder, TicketQuery, TicketSearch, UserReport};

async fn found(s: &DynStorage, text: &str) -> Vec<TicketId> {
    let (tickets, total) = s
        .list_tickets(&TicketQuery {
            search: TicketSearch::new(text),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        total,
        tickets.len() as u64,
        "{text}: the count matches the page"
    );
    let mut ids = ids(&tickets);
    ids.sort();
    ids
}

async fn name(s: &DynStorage, user: i64, first: &str, last: Option<&str>, username: Option<&str>) {
    s.register_user(TelegramId::new(user)).await.unwrap();
    s.update_user(
        TelegramId::new(user),
        &UserReport {
            language_code: None,
            profile: Some(UserProfile {
                first_name: Some(first.to_owned()),
                last_name: last.map(str::to_owned),
                username: username.map(str::to_owned),
                is_premium: false,
            }),
        },
    )
    .await
    .unwrap();
}

/// A search finds tickets by number, user id, the user's names and username, the title and the
/// messages' words (as word prefixes, any case, any script); what users type is never syntax.
pub async fn ticket_search(s: DynStorage) {
    name(&s, 1001, "Анна", Some("Ли"), Some("anna_li")).await;
    name(&s, 1002, "Boris", None, None).await;
    let a = create(&s, 1001, "Refund for order 77").await;
    let b = create(&s, 1002, "Login problem").await;
    let c = create(&s, 1003, "Другое").await;
    s.create_message(user_message(a.id, "I want my money back"))
        .await
        .unwrap();
    s.create_message(user_message(b.id, "Ошибка при входе: 50% of the time"))
        .await
        .unwrap();
    s.create_message(user_message(c.id, "the café is closed"))
        .await
        .unwrap();

    let sorted = |mut v: Vec<TicketId>| {
        v.sort();
        v
    };
    // Numbers: the ticket's, or its user's Telegram id.
    assert_eq!(found(&s, &c.id.to_string()).await, vec![c.id]);
    assert_eq!(found(&s, &format!("#{}", b.id)).await, vec![b.id]);
    assert_eq!(found(&s, "1003").await, vec![c.id]);
    // Names, username (with or without @), any case and script, as prefixes.
    assert_eq!(found(&s, "анн").await, vec![a.id]);
    assert_eq!(found(&s, "АННА ли").await, vec![a.id]);
    assert_eq!(found(&s, "@anna_li").await, vec![a.id]);
    assert_eq!(found(&s, "BORIS").await, vec![b.id]);
    // Titles and messages.
    assert_eq!(found(&s, "refu").await, vec![a.id]);
    assert_eq!(found(&s, "money BACK").await, vec![a.id]);
    assert_eq!(found(&s, "ошибка").await, vec![b.id]);
    assert_eq!(found(&s, "CAFÉ").await, vec![c.id]);
    assert_eq!(
        found(&s, "money login").await,
        Vec::<TicketId>::new(),
        "all words, one place"
    );
    // Nothing typed is syntax, and nothing matching is no error.
    for text in [
        "%",
        "\"",
        "*",
        "_",
        "' OR 1=1 --",
        "\"money\" OR",
        "NEAR(a b)",
        "x:*",
    ] {
        let hits = found(&s, text).await;
        assert!(hits.len() <= 1, "{text}: {hits:?}");
    }
    assert_eq!(found(&s, "50%").await, vec![b.id]);
    assert_eq!(found(&s, "nothing-like-this").await, Vec::<TicketId>::new());
    // A new message is searchable at once; filters combine with the search.
    s.create_message(user_message(c.id, "money too"))
        .await
        .unwrap();
    assert_eq!(found(&s, "money").await, sorted(vec![a.id, c.id]));
    s.update_ticket(
        a.id,
        crate::storage::TicketChanges {
            resolved: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (open, _) = s
        .list_tickets(&TicketQuery {
            search: TicketSearch::new("money"),
            resolved: Some(false),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&open), vec![c.id]);
}

/// "Held by others" leaves out unassigned tickets and the asking manager's; the orders by
/// activity and by waiting sort as the console shows them.
pub async fn ticket_views_and_orders(s: DynStorage) {
    let anna = add_manager(&s, "anna").await.id;
    let boris = add_manager(&s, "boris").await.id;
    let mine = create(&s, 1, "mine").await;
    let theirs = create(&s, 2, "theirs").await;
    let nobodys = create(&s, 3, "nobody's").await;
    s.assign_ticket(mine.id, anna, false).await.unwrap();
    s.assign_ticket(theirs.id, boris, false).await.unwrap();
    let (others, total) = s
        .list_tickets(&TicketQuery {
            not_manager: Some(anna),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((ids(&others), total), (vec![theirs.id], 1));

    // Activity: `theirs` written to last, then `mine`; `nobody's` only created.
    s.create_message(user_message(mine.id, "hello"))
        .await
        .unwrap();
    s.create_message(supp_message(mine.id, "answered", anna))
        .await
        .unwrap();
    s.create_message(user_message(theirs.id, "waiting"))
        .await
        .unwrap();
    let order = |order| {
        let s = s.clone();
        async move {
            let (tickets, _) = s
                .list_tickets(&TicketQuery {
                    order,
                    ..TicketQuery::default()
                })
                .await
                .unwrap();
            ids(&tickets)
        }
    };
    assert_eq!(
        order(TicketOrder::Activity).await,
        vec![theirs.id, mine.id, nobodys.id]
    );
    // Waiting: the user spoke last in `theirs` only; then the others, oldest activity first.
    assert_eq!(
        order(TicketOrder::Waiting).await,
        vec![theirs.id, nobodys.id, mine.id]
    );
    assert_eq!(
        order(TicketOrder::Created).await,
        vec![nobodys.id, theirs.id, mine.id]
    );
}
