//! SQLite-only storage tests: durability across reopen, settings, migrations, sharing the file.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
use support_protocol::{MessageId, Sender, TelegramId, Timestamp};
use support_server::storage::{
    DynStorage, ManagerUpsert, NewMessageRecord, NewTicketRecord, SqliteStorage, StorageError,
    TicketQuery,
};
use support_testkit::migrations::our_versions;

fn db_path(dir: &tempfile::TempDir) -> String {
    dir.path()
        .join("support.db")
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

async fn open(path: &str) -> DynStorage {
    Arc::new(SqliteStorage::open(path).await.expect("open sqlite"))
}

/// A plain pool on the file, as another program (the host) would open it.
async fn raw_pool(path: &str) -> sqlx::SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        )
        .await
        .expect("raw pool")
}

/// Our schema versions recorded in the file.
async fn schema_versions(raw: &sqlx::SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM support_schema_migrations ORDER BY version")
        .fetch_all(raw)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_across_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = open(&path).await;
    let anna = s
        .upsert_manager(ManagerUpsert {
            username: "anna".into(),
            first_name: "Anna".into(),
            last_name: String::new(),
            password_hash: Some("$argon2id$hash".into()),
        })
        .await
        .unwrap();
    s.register_user(TelegramId::new(5)).await.unwrap();
    let (t, first) = s
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(i64::MAX),
            title: "keep me".into(),
            resolved: false,
            first_message: Some("first".into()),
            first_attachments: Vec::new(),
        })
        .await
        .unwrap();
    s.assign_ticket(t.id, anna.id, false).await.unwrap();
    s.mark_viewed(t.id, first.unwrap().id).await.unwrap();
    let reply = s
        .create_message(NewMessageRecord {
            ticket: t.id,
            sender: Sender::Supp,
            text: "reply".into(),
            viewed: true,
            manager: Some(anna.id),
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    let expires = Timestamp::from_unix_micros(4_000_000_000_000_001).unwrap();
    s.create_session("token-hash", anna.id, expires)
        .await
        .unwrap();
    let tickets = s.list_tickets(&TicketQuery::default()).await.unwrap();
    let messages = s.list_messages(t.id, None, 0).await.unwrap();
    s.close().await;
    drop(s);

    let s = open(&path).await;
    assert_eq!(
        s.list_tickets(&TicketQuery::default()).await.unwrap(),
        tickets
    );
    assert_eq!(s.list_messages(t.id, None, 0).await.unwrap(), messages);
    assert_eq!(s.manager(anna.id).await.unwrap(), Some(anna.clone()));
    assert!(s.user_exists(TelegramId::new(5)).await.unwrap());
    assert!(s.user_exists(TelegramId::new(i64::MAX)).await.unwrap());
    assert_eq!(s.last_reply_id().await.unwrap(), reply.id);
    let before = Timestamp::from_unix_micros(expires.unix_micros() - 1).unwrap();
    assert_eq!(
        s.session_manager("token-hash", before).await.unwrap(),
        Some(anna.id)
    );
    // Ids keep increasing after a restart.
    let (t2, m2) = s
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(5),
            title: "after restart".into(),
            resolved: false,
            first_message: Some("hi".into()),
            first_attachments: Vec::new(),
        })
        .await
        .unwrap();
    assert!(t2.id > t.id);
    assert!(m2.unwrap().id > reply.id);
    s.close().await;
}

/// Writes acknowledged without `close()` (a crash after the 201) are on disk: a second,
/// independent connection sees them while the first store is still open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_are_visible_to_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = open(&path).await;
    let (t, _) = s
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(1),
            title: "no close".into(),
            resolved: false,
            first_message: Some("text".into()),
            first_attachments: Vec::new(),
        })
        .await
        .unwrap();
    let other = open(&path).await;
    assert_eq!(
        other.get_ticket(t.id).await.unwrap().unwrap().title,
        "no close"
    );
    assert_eq!(other.list_messages(t.id, None, 0).await.unwrap().1, 1);
    other.close().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let first = open(&path).await;
    let t = first
        .create_ticket(NewTicketRecord {
            user_id: TelegramId::new(1),
            title: "x".into(),
            resolved: false,
            first_message: None,
            first_attachments: Vec::new(),
        })
        .await
        .unwrap()
        .0;
    // A second store on the same file while the first is open, then a third after closing.
    let second = open(&path).await;
    assert_eq!(second.get_ticket(t.id).await.unwrap(), Some(t.clone()));
    second.close().await;
    first.close().await;
    let third = open(&path).await;
    assert_eq!(third.get_ticket(t.id).await.unwrap(), Some(t));
    third.close().await;

    let raw = raw_pool(&path).await;
    let versions = schema_versions(&raw).await;
    assert_eq!(versions, our_versions("sqlite"));
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let sqlx_table: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&raw)
    .await
    .unwrap();
    assert_eq!(sqlx_table, None, "we never touch sqlx's migration table");
    raw.close().await;
}

/// A file at schema version 1 (unread counts through a partial index) is upgraded to version 2
/// (a count on each ticket, kept by triggers) with its counts intact, and they stay exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_a_version_1_file_keeping_unread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let raw = raw_pool(&path).await;
    sqlx::raw_sql(include_str!("../../../migrations/sqlite/0001_initial.sql"))
        .execute(&raw)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE support_schema_migrations (version INTEGER PRIMARY KEY NOT NULL, \
         description TEXT NOT NULL, applied_at INTEGER NOT NULL); \
         INSERT INTO support_schema_migrations VALUES (1, 'initial schema', 0); \
         INSERT INTO support_users VALUES (7); \
         INSERT INTO support_tickets (user_id, created_at, title) VALUES (7, 1, 'a'), (7, 2, 'b'); \
         INSERT INTO support_messages (ticket_id, created_at, sender, text, viewed) VALUES \
           (1, 3, 'user', 'one', 0), (1, 4, 'user', 'two', 1), (1, 5, 'supp', 'three', 0), \
           (2, 6, 'user', 'four', 0), (2, 7, 'user', 'five', 0);",
    )
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;

    let s = open(&path).await;
    let unread = |t: &support_protocol::Ticket| t.unread_count;
    let (tickets, _) = s.list_tickets(&TicketQuery::default()).await.unwrap();
    let counts: Vec<_> = tickets.iter().map(|t| (t.id.get(), unread(t))).collect();
    assert_eq!(counts, vec![(2, Some(2)), (1, Some(1))]);
    let activity: Vec<_> = tickets
        .iter()
        .map(|t| t.updated_at.map(Timestamp::unix_micros))
        .collect();
    assert_eq!(
        activity,
        vec![Some(7), Some(5)],
        "the newest message's time"
    );
    // Kept exact from now on: a new user message, a viewed mark (twice), a reply.
    let t1 = support_protocol::TicketId::new(1);
    let t2 = support_protocol::TicketId::new(2);
    s.create_message(NewMessageRecord {
        ticket: t1,
        sender: Sender::User,
        text: "six".into(),
        viewed: false,
        manager: None,
        attachments: Vec::new(),
    })
    .await
    .unwrap();
    s.mark_viewed(t2, MessageId::new(4)).await.unwrap();
    s.mark_viewed(t2, MessageId::new(4)).await.unwrap();
    s.create_message(NewMessageRecord {
        ticket: t2,
        sender: Sender::Supp,
        text: "seven".into(),
        viewed: true,
        manager: None,
        attachments: Vec::new(),
    })
    .await
    .unwrap();
    assert_eq!(unread(&s.get_ticket(t1).await.unwrap().unwrap()), Some(2));
    let t2_now = s.get_ticket(t2).await.unwrap().unwrap();
    assert_eq!(unread(&t2_now), Some(1));
    let (newest, _) = s.list_messages(t2, Some(1), 0).await.unwrap();
    assert_eq!(
        t2_now.updated_at,
        Some(newest[0].created_at),
        "a reply is activity too"
    );
    // Version 3: a reply written after the upgrade is pending; messages from before have no
    // delivery (offering them now would send them a second time).
    let (all, _) = s.list_messages(t2, None, 0).await.unwrap();
    assert_eq!(
        all[0].delivery.as_ref().map(|d| d.state),
        Some(support_protocol::DeliveryState::Pending)
    );
    assert!(all[1..].iter().all(|m| m.delivery.is_none()), "{all:?}");
    s.close().await;

    let raw = raw_pool(&path).await;
    let versions = schema_versions(&raw).await;
    assert_eq!(versions, our_versions("sqlite"));
    // The stored counts equal a recount.
    let drift: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM support_tickets t WHERE t.unread_count != (SELECT COUNT(*) \
         FROM support_messages m WHERE m.ticket_id = t.id AND m.sender = 'user' AND m.viewed = 0)",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(drift, 0);
    raw.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    open(&path).await.close().await;
    let raw = raw_pool(&path).await;
    sqlx::query(
        "INSERT INTO support_schema_migrations (version, description, applied_at) \
         VALUES (999, 'from the future', 0)",
    )
    .execute(&raw)
    .await
    .unwrap();
    raw.close().await;
    let err = SqliteStorage::open(&path)
        .await
        .expect_err("newer schema refused");
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("999"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_the_file_with_a_hosts_sqlx_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let host = raw_pool(&path).await;
    // The host migrates first, then we open, then the host adds a migration and runs again.
    support_testkit::migrations::host_migrator(1)
        .await
        .run(&host)
        .await
        .expect("host migration 1");
    let s = open(&path).await;
    support_testkit::migrations::host_migrator(2)
        .await
        .run(&host)
        .await
        .expect("host migration 2");
    s.close().await;
    let s = open(&path).await; // and we open again
    support_testkit::migrations::host_migrator(2)
        .await
        .run(&host)
        .await
        .expect("host rerun");

    let host_versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&host)
            .await
            .unwrap();
    assert_eq!(host_versions, vec![20_240_101_000_000, 20_240_201_000_000]);
    assert_eq!(schema_versions(&host).await, our_versions("sqlite"));
    sqlx::query("INSERT INTO host_items (id, name, note) VALUES (1, 'a', 'b')")
        .execute(&host)
        .await
        .unwrap();
    s.register_user(TelegramId::new(1)).await.unwrap();
    assert!(s.user_exists(TelegramId::new(1)).await.unwrap());
    s.close().await;
    host.close().await;
}

/// What `synchronous = FULL` costs: sequential single-message commits, FULL against NORMAL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_cost_full_vs_normal() {
    const N: usize = 200;
    let mut timings = Vec::new();
    for synchronous in [SqliteSynchronous::Full, SqliteSynchronous::Normal] {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteStorage::recommended_options(
            SqliteConnectOptions::from_str(&format!("sqlite://{}", db_path(&dir))).unwrap(),
        )
        .synchronous(synchronous);
        let s = SqliteStorage::connect(options).await.unwrap();
        let (t, _) = support_server::storage::TicketStore::create_ticket(
            &s,
            NewTicketRecord {
                user_id: TelegramId::new(1),
                title: "timing".into(),
                resolved: false,
                first_message: None,
                first_attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
        let started = Instant::now();
        let mut last = MessageId::new(0);
        for i in 0..N {
            let m = support_server::storage::TicketStore::create_message(
                &s,
                NewMessageRecord {
                    ticket: t.id,
                    sender: Sender::User,
                    text: format!("m{i}"),
                    viewed: false,
                    manager: None,
                    attachments: Vec::new(),
                },
            )
            .await
            .unwrap();
            assert!(m.id > last);
            last = m.id;
        }
        let elapsed = started.elapsed();
        println!(
            "[sqlite] {N} sequential inserts with synchronous={synchronous:?}: {elapsed:?} ({:?} each)",
            elapsed / N as u32
        );
        timings.push(elapsed);
        support_server::storage::Storage::close(&s).await;
    }
}
