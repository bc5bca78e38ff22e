//! Postgres-only storage tests. Each runs in
//! its own schema; without `SUPPORT_TEST_POSTGRES_URL` they print that they are skipped.

use support_protocol::{Sender, TelegramId, Timestamp};
use support_server::storage::{
    ManagerStore, ManagerUpsert, NewMessageRecord, NewTicketRecord, PostgresStorage, Storage,
    StorageError, TicketQuery, TicketStore,
};

use support_testkit::PgSchema;
use support_testkit::migrations::{host_migrator, our_versions};
use support_testkit::services::postgres_url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_across_reconnect() {
    let Some(url) = postgres_url("postgres_specific::durable_across_reconnect") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let s = schema.storage().await;
    let anna = s
        .upsert_manager(ManagerUpsert {
            username: "anna".into(),
            first_name: "Anna".into(),
            last_name: String::new(),
            password_hash: Some("$argon2id$hash".into()),
        })
        .await
        .unwrap();
    let (t, _) = s
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

    let s = schema.storage().await;
    assert_eq!(
        s.list_tickets(&TicketQuery::default()).await.unwrap(),
        tickets
    );
    assert_eq!(s.list_messages(t.id, None, 0).await.unwrap(), messages);
    assert_eq!(s.manager(anna.id).await.unwrap(), Some(anna.clone()));
    assert!(s.user_exists(TelegramId::new(i64::MAX)).await.unwrap());
    assert_eq!(s.last_reply_id().await.unwrap(), reply.id);
    let before = Timestamp::from_unix_micros(expires.unix_micros() - 1).unwrap();
    assert_eq!(
        s.session_manager("token-hash", before).await.unwrap(),
        Some(anna.id)
    );
    s.close().await;
    schema.drop().await;
}

/// Instances starting together migrate exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_startup_migrates_once() {
    let Some(url) = postgres_url("postgres_specific::concurrent_startup_migrates_once") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let options = schema.options.clone();
            tokio::spawn(async move { PostgresStorage::connect_with(options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().expect("every instance starts"));
    }
    stores[0].register_user(TelegramId::new(1)).await.unwrap();
    assert!(stores[3].user_exists(TelegramId::new(1)).await.unwrap());
    for s in &stores {
        s.close().await;
    }
    // And once more, sequentially: idempotent.
    schema.storage().await.close().await;
    let pool = schema.pool().await;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM support_schema_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(versions, our_versions("postgres"));
    let sqlx_table: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(sqlx_table, None, "we never touch sqlx's migration table");
    pool.close().await;
    schema.drop().await;
}

/// A database at schema version 1 with an events table the hub made itself is upgraded to
/// version 2 (the events table in the migrations) keeping its rows; tickets keep their counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_a_version_1_database_keeping_counters_and_events() {
    let Some(url) = postgres_url("postgres_specific::upgrades_a_version_1_database") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let pool = schema.pool().await;
    sqlx::raw_sql(include_str!(
        "../../../migrations/postgres/0001_initial.sql"
    ))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE support_schema_migrations (version BIGINT PRIMARY KEY, \
         description TEXT NOT NULL, applied_at BIGINT NOT NULL); \
         INSERT INTO support_schema_migrations VALUES (1, 'initial schema', 0); \
         CREATE TABLE support_hub_events (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, \
         created_at TIMESTAMPTZ NOT NULL DEFAULT now()); \
         INSERT INTO support_hub_events (payload) VALUES ('{}'); \
         INSERT INTO support_users VALUES (7); \
         INSERT INTO support_tickets (user_id, created_at, title) VALUES (7, 1, 'a'), (7, 2, 'b'); \
         INSERT INTO support_messages (ticket_id, created_at, sender, text, viewed) VALUES \
           (1, 3, 'user', 'one', FALSE), (1, 4, 'user', 'two', TRUE), \
           (1, 5, 'supp', 'three', FALSE), (2, 6, 'user', 'four', FALSE), \
           (2, 7, 'user', 'five', FALSE);",
    )
    .execute(&pool)
    .await
    .unwrap();

    let s = schema.storage().await;
    let (tickets, _) = s.list_tickets(&TicketQuery::default()).await.unwrap();
    let seen: Vec<_> = tickets
        .iter()
        .map(|t| {
            (
                t.id.get(),
                t.unread_count,
                t.updated_at.map(Timestamp::unix_micros),
            )
        })
        .collect();
    assert_eq!(seen, vec![(2, Some(2), Some(7)), (1, Some(1), Some(5))]);
    // Kept exact from now on: a new user message, a viewed mark (twice), a reply.
    let (t1, t2) = (tickets[1].id, tickets[0].id);
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
    s.mark_viewed(t2, support_protocol::MessageId::new(4))
        .await
        .unwrap();
    s.mark_viewed(t2, support_protocol::MessageId::new(4))
        .await
        .unwrap();
    let reply = s
        .create_message(NewMessageRecord {
            ticket: t2,
            sender: Sender::Supp,
            text: "seven".into(),
            viewed: true,
            manager: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        s.get_ticket(t1).await.unwrap().unwrap().unread_count,
        Some(2)
    );
    let t2_now = s.get_ticket(t2).await.unwrap().unwrap();
    assert_eq!(t2_now.unread_count, Some(1));
    assert_eq!(
        t2_now.updated_at,
        Some(reply.created_at),
        "a reply is activity too"
    );
    s.close().await;

    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM support_schema_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(versions, our_versions("postgres"));
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_hub_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 1, "the hub's table and its rows are kept");
    pool.close().await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_newer_schema() {
    let Some(url) = postgres_url("postgres_specific::refuses_a_newer_schema") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    schema.storage().await.close().await;
    let pool = schema.pool().await;
    sqlx::query(
        "INSERT INTO support_schema_migrations (version, description, applied_at) \
         VALUES (999, 'from the future', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let err = PostgresStorage::connect_with(schema.options.clone())
        .await
        .expect_err("newer schema refused");
    schema.drop().await;
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("999"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_the_database_with_a_hosts_sqlx_migrations() {
    let Some(url) =
        postgres_url("postgres_specific::shares_the_database_with_a_hosts_sqlx_migrations")
    else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let host = schema.pool().await;
    host_migrator(1)
        .await
        .run(&host)
        .await
        .expect("host migration 1");
    let s = schema.storage().await;
    host_migrator(2)
        .await
        .run(&host)
        .await
        .expect("host migration 2");
    s.close().await;
    // Our storage on the host's own pool this time.
    let s = PostgresStorage::from_pool(schema.pool().await)
        .await
        .expect("from_pool");
    host_migrator(2).await.run(&host).await.expect("host rerun");

    let host_versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&host)
            .await
            .unwrap();
    assert_eq!(host_versions, vec![20_240_101_000_000, 20_240_201_000_000]);
    let ours: Vec<i64> = sqlx::query_scalar("SELECT version FROM support_schema_migrations")
        .fetch_all(&host)
        .await
        .unwrap();
    assert_eq!(ours, our_versions("postgres"));
    sqlx::query("INSERT INTO host_items (id, name, note) VALUES (1, 'a', 'b')")
        .execute(&host)
        .await
        .unwrap();
    s.register_user(TelegramId::new(1)).await.unwrap();
    assert!(s.user_exists(TelegramId::new(1)).await.unwrap());
    s.close().await;
    host.close().await;
    schema.drop().await;
}

/// With the URL set, an unreachable server fails the test instead of skipping it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "is unreachable")]
async fn unreachable_server_fails_never_skips() {
    // Port 1 on localhost: nothing listens there.
    PgSchema::create("postgres://postgres@127.0.0.1:1/test").await;
}
