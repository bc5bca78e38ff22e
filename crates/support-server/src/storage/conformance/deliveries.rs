//! Suites of [`DeliveryStore`](crate::storage::DeliveryStore): deliveries of replies, leases,
//! retries, blocked users and their languages.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use support_protocol::{DeliveryState, MessageId, Sender, TelegramId, Timestamp};

use super::*;
use crate::storage::{DeliveryChange, DeliveryUpdate, DynStorage, TicketQuery};

fn at(base: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_unix_micros(base.unix_micros() + secs * 1_000_000).unwrap()
}

fn changed(change: DeliveryChange) -> support_protocol::Message {
    match change {
        DeliveryChange::Changed(m) => m,
        other => panic!("expected a change, got {other:?}"),
    }
}

/// A reply is pending when written, is claimed once per lease, and its outcome is stored.
pub async fn deliveries_lifecycle(s: DynStorage) {
    let m = add_manager(&s, "deliverer").await;
    let t = create(&s, 501, "deliver me").await;
    let user = s.create_message(user_message(t.id, "hello")).await.unwrap();
    assert_eq!(user.delivery, None, "user messages have no delivery");
    let r1 = s
        .create_message(supp_message(t.id, "one", m.id))
        .await
        .unwrap();
    let r2 = s
        .create_message(supp_message(t.id, "two", m.id))
        .await
        .unwrap();
    let d = r1.delivery.clone().expect("a reply has a delivery");
    assert_eq!((d.state, d.attempts), (DeliveryState::Pending, 0));
    assert_eq!(d.updated_at, r1.created_at);
    // The list shows the same.
    let (listed, _) = s.list_messages(t.id, None, 0).await.unwrap();
    assert_eq!(
        listed.iter().find(|x| x.id == r1.id).unwrap().delivery,
        r1.delivery
    );
    assert_eq!(
        listed.iter().find(|x| x.id == user.id).unwrap().delivery,
        None
    );

    let now = Timestamp::now();
    let claimed = s
        .claim_deliveries(now, at(now, 60), "bot-a", 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r1.id, r2.id],
        "oldest first, only replies"
    );
    assert!(
        claimed
            .iter()
            .all(|x| x.delivery.as_ref().unwrap().attempts == 1)
    );
    assert!(claimed.iter().all(|x| x.sender == Sender::Supp));
    // Leased: nothing more until the lease ends.
    assert!(
        s.claim_deliveries(at(now, 59), at(now, 120), "bot-a", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.next_delivery_due().await.unwrap(), Some(at(now, 60)));

    // Sent: stored with Telegram's id, idempotent.
    let sent = changed(
        s.update_delivery(
            r1.id,
            DeliveryUpdate::Sent {
                telegram_message_id: 77,
            },
            at(now, 1),
        )
        .await
        .unwrap(),
    );
    let d = sent.delivery.unwrap();
    assert_eq!(
        (d.state, d.telegram_message_id, d.attempts),
        (DeliveryState::Sent, Some(77), 1)
    );
    assert_eq!(d.updated_at, at(now, 1));
    assert!(matches!(
        s.update_delivery(r1.id, DeliveryUpdate::Sent { telegram_message_id: 78 }, at(now, 2)).await.unwrap(),
        DeliveryChange::Unchanged(m) if m.delivery.as_ref().unwrap().telegram_message_id == Some(77)
    ));

    // A transient failure: pending again, not before its time, the error kept.
    let retry = changed(
        s.update_delivery(
            r2.id,
            DeliveryUpdate::Retry {
                not_before: at(now, 10),
                error_code: Some(502),
                error: "Bad Gateway".into(),
                counted: true,
            },
            at(now, 1),
        )
        .await
        .unwrap(),
    );
    let d = retry.delivery.unwrap();
    assert_eq!(d.state, DeliveryState::Pending);
    assert_eq!(
        (d.error_code, d.error.as_deref()),
        (Some(502), Some("Bad Gateway"))
    );
    assert_eq!(s.next_delivery_due().await.unwrap(), Some(at(now, 10)));
    assert!(
        s.claim_deliveries(at(now, 9), at(now, 70), "bot-a", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = s
        .claim_deliveries(at(now, 10), at(now, 70), "bot-a", 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.as_ref().unwrap().attempts, 2);
    // A 429 does not count.
    let limited = changed(
        s.update_delivery(
            r2.id,
            DeliveryUpdate::Retry {
                not_before: at(now, 11),
                error_code: Some(429),
                error: "Too Many Requests".into(),
                counted: false,
            },
            at(now, 10),
        )
        .await
        .unwrap(),
    );
    assert_eq!(limited.delivery.unwrap().attempts, 1);
    // Given up, then reset by a manager; a reset of a reply that is not failed changes nothing.
    let failed = changed(
        s.update_delivery(
            r2.id,
            DeliveryUpdate::Failed {
                error_code: Some(400),
                error: "Bad Request: chat not found".into(),
            },
            at(now, 12),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        failed.delivery.as_ref().unwrap().state,
        DeliveryState::Failed
    );
    assert_eq!(
        s.next_delivery_due().await.unwrap(),
        None,
        "nothing pending"
    );
    assert!(
        s.claim_deliveries(at(now, 100), at(now, 160), "bot-a", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.update_delivery(r1.id, DeliveryUpdate::Reset, at(now, 13))
            .await
            .unwrap(),
        DeliveryChange::Unchanged(_)
    ));
    let reset = changed(
        s.update_delivery(r2.id, DeliveryUpdate::Reset, at(now, 13))
            .await
            .unwrap(),
    );
    let d = reset.delivery.unwrap();
    assert_eq!(
        (d.state, d.attempts, d.error_code, d.error),
        (DeliveryState::Pending, 0, None, None)
    );
    assert_eq!(
        s.claim_deliveries(at(now, 13), at(now, 73), "bot-a", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Messages without a delivery.
    assert_eq!(
        s.update_delivery(user.id, DeliveryUpdate::Reset, now)
            .await
            .unwrap(),
        DeliveryChange::NoDelivery
    );
    assert_eq!(
        s.update_delivery(MessageId::new(i64::MAX), DeliveryUpdate::Reset, now)
            .await
            .unwrap(),
        DeliveryChange::NoDelivery
    );
    // Reads by id show the delivery; viewed marks keep it.
    let read = s.get_message(r1.id).await.unwrap().unwrap();
    assert_eq!(read.delivery.unwrap().state, DeliveryState::Sent);
    let viewed = s.mark_viewed(t.id, r1.id).await.unwrap();
    assert_eq!(viewed.delivery.unwrap().telegram_message_id, Some(77));
    assert!(
        s.get_message(MessageId::new(i64::MAX))
            .await
            .unwrap()
            .is_none()
    );
}

/// A blocked user's replies wait until the user writes again; the language is kept.
pub async fn blocked_users_and_languages(s: DynStorage) {
    let m = add_manager(&s, "blocker").await;
    let t = create(&s, 601, "blocked").await;
    let other = create(&s, 602, "reachable").await;
    let r = s
        .create_message(supp_message(t.id, "to a blocked user", m.id))
        .await
        .unwrap();
    let r_other = s
        .create_message(supp_message(other.id, "fine", m.id))
        .await
        .unwrap();
    let user = TelegramId::new(601);
    assert!(s.set_user_blocked(user, true).await.unwrap());
    assert!(
        !s.set_user_blocked(user, true).await.unwrap(),
        "no change the second time"
    );
    assert!(s.get_ticket(t.id).await.unwrap().unwrap().user.blocked);
    let now = Timestamp::now();
    let claimed = s
        .claim_deliveries(now, at(now, 60), "bot-a", 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r_other.id]
    );
    s.update_delivery(
        r_other.id,
        DeliveryUpdate::Sent {
            telegram_message_id: 1,
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        s.next_delivery_due().await.unwrap(),
        None,
        "a blocked user's reply is not due"
    );

    // The user writes: unblocked (reported once), language stored, the reply due again.
    let change = s.user_wrote(t.id, &lang("en")).await.unwrap().unwrap();
    assert_eq!(change.user.telegram_id, user);
    assert!(change.unblocked && change.updated && !change.user.blocked);
    assert_eq!(s.user_wrote(t.id, &lang("en")).await.unwrap(), None);
    let ticket = s.get_ticket(t.id).await.unwrap().unwrap();
    assert!(!ticket.user.blocked);
    assert_eq!(ticket.user.language_code.as_deref(), Some("en"));
    let (listed, _) = s
        .list_tickets(&TicketQuery {
            user_id: Some(user),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(listed[0].user, ticket.user);
    assert_eq!(
        s.claim_deliveries(now, at(now, 60), "bot-a", 10)
            .await
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![r.id]
    );
    // A language is replaced, never cleared by a message without one.
    let change = s.user_wrote(t.id, &lang("ru")).await.unwrap().unwrap();
    assert!(change.updated && !change.unblocked);
    assert_eq!(s.user_wrote(t.id, &Default::default()).await.unwrap(), None);
    let ticket = s.get_ticket(t.id).await.unwrap().unwrap();
    assert_eq!(ticket.user.language_code.as_deref(), Some("ru"));
    // An unknown ticket is nobody.
    assert_eq!(
        s.user_wrote(TicketId::new(i64::MAX), &lang("en"))
            .await
            .unwrap(),
        None
    );
    // Unblocking by hand (a manager's retry) reports the change.
    assert!(s.set_user_blocked(user, true).await.unwrap());
    assert!(s.set_user_blocked(user, false).await.unwrap());
}

/// Concurrent claims never hand one reply to two connections.
pub async fn deliveries_claimed_once(s: DynStorage) {
    let m = add_manager(&s, "claimer").await;
    let mut ids = HashSet::new();
    for i in 0..8 {
        let t = create(&s, 700 + i, "many").await;
        for j in 0..10 {
            let r = s
                .create_message(supp_message(t.id, &format!("reply {j}"), m.id))
                .await
                .unwrap();
            ids.insert(r.id);
        }
    }
    let now = Timestamp::now();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let s = Arc::clone(&s);
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = s
                        .claim_deliveries(now, at(now, 60), "bot-a", 3)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|m| m.id));
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.extend(task.await.unwrap());
    }
    let unique: HashSet<_> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a reply was claimed twice");
    assert_eq!(unique, ids, "every reply claimed");
}

/// Only the connection holding a reply's lease may send it; a reply whose sender died during
/// the Telegram call is failed as unconfirmed, never offered again.
pub async fn deliveries_sending_is_exclusive(s: DynStorage) {
    let m = add_manager(&s, "sender").await;
    let t = create(&s, 801, "exclusive").await;
    let r = s
        .create_message(supp_message(t.id, "once", m.id))
        .await
        .unwrap();
    let r2 = s
        .create_message(supp_message(t.id, "twice?", m.id))
        .await
        .unwrap();
    let now = Timestamp::now();
    let claimed = s
        .claim_deliveries(now, at(now, 10), "bot-a", 1)
        .await
        .unwrap();
    assert_eq!(claimed[0].id, r.id);
    assert!(
        !s.begin_sending(r.id, "bot-b", at(now, 1), at(now, 20))
            .await
            .unwrap(),
        "not b's"
    );
    assert!(
        !s.begin_sending(r2.id, "bot-a", at(now, 1), at(now, 20))
            .await
            .unwrap(),
        "not claimed"
    );
    assert!(
        s.begin_sending(r.id, "bot-a", at(now, 1), at(now, 20))
            .await
            .unwrap()
    );
    // The renewed lease holds past the first one; the other reply is claimable.
    let later = s
        .claim_deliveries(at(now, 15), at(now, 25), "bot-b", 10)
        .await
        .unwrap();
    assert_eq!(later.iter().map(|x| x.id).collect::<Vec<_>>(), vec![r2.id]);
    assert!(
        s.expire_unconfirmed(at(now, 19), "unconfirmed")
            .await
            .unwrap()
            .is_empty()
    );
    // bot-a died during the call: after its lease the reply is failed, unconfirmed.
    let expired = s
        .expire_unconfirmed(at(now, 20), "unconfirmed")
        .await
        .unwrap();
    assert_eq!(expired.len(), 1);
    let d = expired[0].delivery.clone().unwrap();
    assert_eq!(
        (d.state, d.error.as_deref(), d.error_code),
        (DeliveryState::Failed, Some("unconfirmed"), None)
    );
    // Not offered again (and r2 is still bot-b's).
    assert!(
        s.claim_deliveries(at(now, 21), at(now, 31), "bot-x", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.expire_unconfirmed(at(now, 100), "unconfirmed")
            .await
            .unwrap()
            .is_empty()
    );
    // r2's lease (bot-b's) expired without an announcement: bot-b may no longer send it, and
    // another connection claims it.
    assert!(
        !s.begin_sending(r2.id, "bot-b", at(now, 26), at(now, 40))
            .await
            .unwrap()
    );
    let again = s
        .claim_deliveries(at(now, 26), at(now, 36), "bot-c", 10)
        .await
        .unwrap();
    assert_eq!(again.iter().map(|x| x.id).collect::<Vec<_>>(), vec![r2.id]);
    assert!(
        s.begin_sending(r2.id, "bot-c", at(now, 27), at(now, 40))
            .await
            .unwrap()
    );
    // A report clears the attempt: nothing left to expire.
    s.update_delivery(
        r2.id,
        DeliveryUpdate::Sent {
            telegram_message_id: 5,
        },
        at(now, 28),
    )
    .await
    .unwrap();
    assert!(
        s.expire_unconfirmed(at(now, 1000), "unconfirmed")
            .await
            .unwrap()
            .is_empty()
    );
    // A manager's reset makes the unconfirmed one pending again.
    let reset = changed(
        s.update_delivery(r.id, DeliveryUpdate::Reset, at(now, 30))
            .await
            .unwrap(),
    );
    assert_eq!(reset.delivery.unwrap().state, DeliveryState::Pending);
    assert_eq!(
        s.claim_deliveries(at(now, 30), at(now, 40), "bot-c", 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A resolve or reopen is told once: the first claim of a state wins until it changes.
pub async fn resolution_notices_claimed_once(s: DynStorage) {
    let t = create(&s, 901, "notice").await;
    let other = create(&s, 902, "other").await;
    assert!(s.claim_notice(t.id, true).await.unwrap());
    assert!(!s.claim_notice(t.id, true).await.unwrap(), "told already");
    assert!(s.claim_notice(other.id, true).await.unwrap(), "per ticket");
    assert!(
        s.claim_notice(t.id, false).await.unwrap(),
        "reopened: a new state"
    );
    assert!(!s.claim_notice(t.id, false).await.unwrap());
    assert!(s.claim_notice(t.id, true).await.unwrap());
}
