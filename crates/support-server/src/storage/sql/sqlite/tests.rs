//! Unit tests of the SQLite backend's settings and query plans.

use super::super::rows::{MESSAGE_COLUMNS, ticket_select};
use super::SqliteStorage;
use crate::storage::Storage;

/// The settings the durability promise rests on, as each pool's connections see them.
#[tokio::test]
async fn connections_are_wal_full_with_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.db");
    let s = SqliteStorage::open(path.to_str().unwrap()).await.unwrap();
    for pool in [&s.writer, &s.reader] {
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(pool)
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "FULL");
        assert_eq!(foreign_keys, 1);
        assert_eq!(busy, 10_000);
    }
    assert_eq!(s.writer.options().get_max_connections(), 1, "one writer");
    s.close().await;
    // A clean close checkpoints the WAL into the main file.
    let wal = dir.path().join("settings.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}

/// The list queries use the indexes, not a scan of every ticket.
#[tokio::test]
async fn list_queries_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(dir.path().join("plan.db").to_str().unwrap())
        .await
        .unwrap();
    let plan = |sql: String| {
        let pool = s.reader.clone();
        async move {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
        }
    };
    let by_user = plan(format!(
        "{} WHERE t.user_id = 1 ORDER BY t.created_at DESC, t.id DESC",
        ticket_select::<SqliteStorage>()
    ))
    .await;
    assert!(by_user.contains("support_tickets_user"), "{by_user}");
    assert!(!by_user.contains("TEMP B-TREE"), "no sort step: {by_user}");
    let all = plan(format!(
        "{} ORDER BY t.created_at DESC, t.id DESC",
        ticket_select::<SqliteStorage>()
    ))
    .await;
    assert!(all.contains("support_tickets_order"), "{all}");
    let messages = plan(format!(
        "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE ticket_id = 1 ORDER BY id DESC"
    ))
    .await;
    assert!(messages.contains("support_messages_ticket"), "{messages}");
    let replies = plan(format!(
        "SELECT {MESSAGE_COLUMNS} FROM support_messages WHERE sender = 'supp' AND id > 5 \
         ORDER BY id"
    ))
    .await;
    assert!(replies.contains("support_messages_replies"), "{replies}");
    s.close().await;
}
