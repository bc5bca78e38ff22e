//! Suites of the people in a conversation: users' contact profiles, replies' authors, and the
//! newest message of each ticket (a list's previews).

use support_protocol::{TelegramId, TicketId, UserProfile};

use super::*;
use crate::storage::{DynStorage, TicketQuery, UserReport};

fn profile(first: &str, last: Option<&str>, username: Option<&str>) -> UserProfile {
    UserProfile {
        first_name: Some(first.to_owned()),
        last_name: last.map(str::to_owned),
        username: username.map(str::to_owned),
        is_premium: false,
    }
}

fn report(profile: UserProfile) -> UserReport {
    UserReport {
        language_code: None,
        profile: Some(profile),
    }
}

/// A reported profile is stored, shown on every ticket of the user, replaced whole by the next
/// report, reported as a change only when it is one, and never touches language or blocking.
pub async fn contact_profiles(s: DynStorage) {
    let user = TelegramId::new(1001);
    // Unknown users are nobody; registering makes them somebody without a profile.
    assert_eq!(
        s.update_user(user, &report(profile("Anna", None, None)))
            .await
            .unwrap(),
        None
    );
    s.register_user(user).await.unwrap();
    let first = profile("<b>Анна</b> 🎉", Some("עברית"), Some("anna_li"));
    let change = s
        .update_user(user, &report(first.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(change.updated && !change.unblocked);
    assert_eq!(UserProfile::of(&change.user), first);
    assert_eq!(
        s.update_user(user, &report(first.clone())).await.unwrap(),
        None
    );

    let a = create(&s, 1001, "first").await;
    let b = create(&s, 1001, "second").await;
    let other = create(&s, 1002, "someone else").await;
    for t in [&a, &b] {
        let shown = s.get_ticket(t.id).await.unwrap().unwrap().user;
        assert_eq!(UserProfile::of(&shown), first, "ticket {}", t.id);
    }
    assert_eq!(other.user.first_name, None);

    // The next report replaces it whole (the last name and username removed), by ticket too;
    // the language stays.
    s.user_wrote(
        a.id,
        &UserReport {
            language_code: Some("he".into()),
            profile: None,
        },
    )
    .await
    .unwrap();
    let second = UserProfile {
        is_premium: true,
        ..profile("Anna", None, None)
    };
    let change = s
        .user_wrote(b.id, &report(second.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(UserProfile::of(&change.user), second);
    assert_eq!(change.user.language_code.as_deref(), Some("he"));
    let (listed, _) = s
        .list_tickets(&TicketQuery {
            user_id: Some(user),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    for t in &listed {
        assert_eq!(UserProfile::of(&t.user), second);
        assert!(t.user.is_premium);
    }
    // A blocked user who writes the same profile again is unblocked, not "updated".
    assert!(s.set_user_blocked(user, true).await.unwrap());
    let change = s
        .user_wrote(a.id, &report(second.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(change.unblocked && !change.updated);
    assert_eq!(
        s.user_wrote(TicketId::new(i64::MAX), &report(second))
            .await
            .unwrap(),
        None
    );
}

/// Manager replies read back with their author (names and display name); user messages without.
pub async fn reply_authors(s: DynStorage) {
    let anna = add_manager(&s, "anna").await;
    let boris = s
        .upsert_manager(ManagerUpsert {
            username: "boris".to_owned(),
            first_name: String::new(),
            last_name: String::new(),
            password_hash: None,
        })
        .await
        .unwrap();
    let t = create(&s, 1, "chat").await;
    s.create_message(user_message(t.id, "hello")).await.unwrap();
    s.create_message(supp_message(t.id, "from anna", anna.id))
        .await
        .unwrap();
    s.create_message(supp_message(t.id, "from boris", boris.id))
        .await
        .unwrap();
    let (messages, _) = s.list_messages(t.id, None, 0).await.unwrap();
    let authors: Vec<_> = messages
        .iter()
        .map(|m| m.manager.as_ref().map(|a| (a.id, a.display_name.clone())))
        .collect();
    assert_eq!(
        authors,
        vec![
            Some((boris.id, "boris".to_owned())),
            Some((anna.id, "anna first anna last".to_owned())),
            None
        ]
    );
    let replies = s
        .replies_after(support_protocol::MessageId::new(0), 10)
        .await
        .unwrap();
    assert_eq!(replies[0].manager.as_ref().map(|a| a.id), Some(anna.id));
    // A rename shows on what was written before.
    s.upsert_manager(ManagerUpsert {
        username: "boris".to_owned(),
        first_name: "Boris".to_owned(),
        last_name: "Petrov".to_owned(),
        password_hash: None,
    })
    .await
    .unwrap();
    let newest = s.last_messages(&[t.id]).await.unwrap();
    assert_eq!(
        newest[0].manager.as_ref().map(|a| a.display_name.as_str()),
        Some("Boris Petrov")
    );
    let ticket = s.assign_ticket(t.id, boris.id, false).await.unwrap();
    let crate::storage::AssignOutcome::Assigned { ticket, .. } = ticket else {
        panic!("not assigned");
    };
    assert_eq!(ticket.support_manager.unwrap().display_name, "Boris Petrov");
}

/// The newest message of each ticket asked for; tickets without messages and unknown ids are
/// left out.
pub async fn newest_message_per_ticket(s: DynStorage) {
    let m = add_manager(&s, "anna").await.id;
    let a = create(&s, 1, "a").await;
    let b = create(&s, 2, "b").await;
    let empty = create(&s, 3, "empty").await;
    s.create_message(user_message(a.id, "a1")).await.unwrap();
    s.create_message(user_message(b.id, "b1")).await.unwrap();
    let a2 = s.create_message(supp_message(a.id, "a2", m)).await.unwrap();
    let b2 = s.create_message(user_message(b.id, "b2")).await.unwrap();
    let mut newest = s
        .last_messages(&[a.id, b.id, empty.id, TicketId::new(i64::MAX)])
        .await
        .unwrap();
    newest.sort_by_key(|m| m.id);
    assert_eq!(
        newest.iter().map(|m| (m.ticket, m.id)).collect::<Vec<_>>(),
        vec![(a.id, a2.id), (b.id, b2.id)]
    );
    assert_eq!(newest[0].text, "a2");
    assert!(
        newest[0].delivery.is_some(),
        "a reply comes with its delivery"
    );
    assert!(s.last_messages(&[]).await.unwrap().is_empty());
    // More tickets than one query's chunk.
    let mut many = Vec::new();
    for i in 0..600 {
        let t = create(&s, 10 + i, "bulk").await;
        if i % 2 == 0 {
            s.create_message(user_message(t.id, "x")).await.unwrap();
        }
        many.push(t.id);
    }
    assert_eq!(s.last_messages(&many).await.unwrap().len(), 300);
}
