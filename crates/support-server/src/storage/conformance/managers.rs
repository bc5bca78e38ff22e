//! Suites of managers and login sessions.

use support_protocol::{ManagerId, Timestamp};

use super::*;
use crate::storage::{DynStorage, ManagerUpsert};

/// Managers are created and updated by username and found by id and username.
pub async fn managers_upsert_and_lookup(s: DynStorage) {
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

/// Sessions resolve to their manager until they expire or are deleted.
pub async fn sessions_expire(s: DynStorage) {
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

/// Expired sessions are deleted by `delete_expired_sessions`, live ones kept.
pub async fn expired_sessions_are_purged(s: DynStorage) {
    let m = add_manager(&s, "heidi").await.id;
    let at = |micros: i64| Timestamp::from_unix_micros(micros).unwrap();
    let now = at(1_900_000_000_000_000);
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 0);
    s.create_session("old-1", m, at(1_000_000)).await.unwrap();
    s.create_session("old-2", m, at(now.unix_micros() - 1))
        .await
        .unwrap();
    // Expiring exactly now is expired, as `session_manager` sees it.
    s.create_session("at-now", m, now).await.unwrap();
    s.create_session("live", m, at(now.unix_micros() + 1))
        .await
        .unwrap();
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 3);
    assert_eq!(s.delete_expired_sessions(now).await.unwrap(), 0);
    let before = at(1);
    for gone in ["old-1", "old-2", "at-now"] {
        assert_eq!(
            s.session_manager(gone, before).await.unwrap(),
            None,
            "{gone}"
        );
    }
    assert_eq!(s.session_manager("live", now).await.unwrap(), Some(m));
}

/// A new password hash ends every session of that manager (and only theirs); the same hash,
/// no hash, or a rename keep them.
pub async fn password_change_ends_sessions(s: DynStorage) {
    let upsert = |name: &str, hash: Option<&str>| ManagerUpsert {
        username: name.into(),
        first_name: String::new(),
        last_name: String::new(),
        password_hash: hash.map(Into::into),
    };
    let ivan = s
        .upsert_manager(upsert("ivan", Some("$argon2id$one")))
        .await
        .unwrap()
        .id;
    let judy = s
        .upsert_manager(upsert("judy", Some("$argon2id$judy")))
        .await
        .unwrap()
        .id;
    let expires = Timestamp::from_unix_micros(4_000_000_000_000_000).unwrap();
    let now = Timestamp::from_unix_micros(1_900_000_000_000_000).unwrap();
    s.create_session("ivan-cookie", ivan, expires)
        .await
        .unwrap();
    s.create_session("ivan-token", ivan, expires).await.unwrap();
    s.create_session("judy-cookie", judy, expires)
        .await
        .unwrap();
    let alive = |hash: &'static str| {
        let s = std::sync::Arc::clone(&s);
        async move { s.session_manager(hash, now).await.unwrap().is_some() }
    };
    // No hash (names only) and the same hash keep the sessions.
    s.upsert_manager(ManagerUpsert {
        first_name: "Ivan".into(),
        ..upsert("ivan", None)
    })
    .await
    .unwrap();
    s.upsert_manager(upsert("ivan", Some("$argon2id$one")))
        .await
        .unwrap();
    assert!(alive("ivan-cookie").await && alive("ivan-token").await);
    // A new hash ends them all, and only Ivan's.
    let changed = s
        .upsert_manager(upsert("ivan", Some("$argon2id$two")))
        .await
        .unwrap();
    assert_eq!(changed.id, ivan);
    assert_eq!(changed.password_hash.as_deref(), Some("$argon2id$two"));
    assert!(!alive("ivan-cookie").await);
    assert!(!alive("ivan-token").await);
    assert!(alive("judy-cookie").await);
    // Sessions started after the change live.
    s.create_session("ivan-new", ivan, expires).await.unwrap();
    assert!(alive("ivan-new").await);
}

/// Deactivating a manager ends their sessions (reactivating does not revive them); unknown
/// usernames are `None`.
pub async fn deactivation_ends_sessions(s: DynStorage) {
    let kate = add_manager(&s, "kate").await;
    let liam = add_manager(&s, "liam").await.id;
    assert!(kate.active);
    let expires = Timestamp::from_unix_micros(4_000_000_000_000_000).unwrap();
    let now = Timestamp::from_unix_micros(1_900_000_000_000_000).unwrap();
    s.create_session("kate-1", kate.id, expires).await.unwrap();
    s.create_session("liam-1", liam, expires).await.unwrap();
    // Activating an active manager changes nothing.
    let same = s.set_manager_active("kate", true).await.unwrap().unwrap();
    assert_eq!(same, kate);
    assert_eq!(
        s.session_manager("kate-1", now).await.unwrap(),
        Some(kate.id)
    );
    let off = s.set_manager_active("kate", false).await.unwrap().unwrap();
    assert_eq!(off.id, kate.id);
    assert!(!off.active);
    assert!(!s.manager(kate.id).await.unwrap().unwrap().active);
    assert_eq!(s.session_manager("kate-1", now).await.unwrap(), None);
    assert_eq!(s.session_manager("liam-1", now).await.unwrap(), Some(liam));
    let on = s.set_manager_active("kate", true).await.unwrap().unwrap();
    assert!(on.active);
    assert_eq!(s.session_manager("kate-1", now).await.unwrap(), None);
    assert_eq!(s.set_manager_active("nobody", false).await.unwrap(), None);
}
