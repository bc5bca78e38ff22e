//! [`backends`]: every storage backend available to this run, each fresh and empty.

use std::sync::Arc;

use support_server::storage::{DynStorage, MemoryStorage, SqliteStorage};

use crate::postgres::PgSchema;
use crate::services::POSTGRES_URL_VAR;

/// Fresh stores, one per backend, and what keeps their data alive: the SQLite file's directory
/// and the Postgres schema, removed when this value is dropped.
pub struct Backends {
    list: Vec<(&'static str, DynStorage)>,
    _dirs: Vec<tempfile::TempDir>,
    _schemas: Vec<PgSchema>,
}

impl Backends {
    /// Each backend's name (`memory`, `sqlite`, `postgres`) and store.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, DynStorage)> + '_ {
        self.list
            .iter()
            .map(|(name, storage)| (*name, Arc::clone(storage)))
    }
}

/// Memory always, SQLite on a temporary file, and Postgres in a schema of its own when
/// `SUPPORT_TEST_POSTGRES_URL` is set (an unreachable server fails the test). Iterate with
/// `for (name, storage) in backends().await.iter()`.
pub async fn backends() -> Backends {
    let mut backends = Backends {
        list: vec![("memory", Arc::new(MemoryStorage::new()))],
        _dirs: Vec::new(),
        _schemas: Vec::new(),
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("support.db");
    let sqlite = SqliteStorage::open(path.to_str().expect("a UTF-8 temp path"))
        .await
        .expect("open SQLite");
    backends.list.push(("sqlite", Arc::new(sqlite)));
    backends._dirs.push(dir);
    if let Some(url) = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        let schema = PgSchema::create_named(&url, "support_rest_").await;
        backends
            .list
            .push(("postgres", Arc::new(schema.storage().await)));
        backends._schemas.push(schema);
    }
    backends
}
