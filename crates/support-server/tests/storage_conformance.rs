//! The storage conformance suite \[S1\] (`support_server::storage::conformance`) on every
//! backend — memory, SQLite on a temporary file, Postgres in a throwaway schema when
//! `SUPPORT_TEST_POSTGRES_URL` is set — plus backend-specific tests of durability, migrations
//! and sharing the database with a host's own sqlx migrations.

mod storage_common;

use std::sync::Arc;

use support_server::storage::MemoryStorage;
use support_server::storage::conformance::{self, Suite};

/// The suites on [`MemoryStorage`], the reference.
mod memory {
    use super::*;

    support_server::storage_conformance_tests!(|suite: Suite| async move {
        conformance::run(Arc::new(MemoryStorage::new()), suite).await;
    });
}

/// The suites on a fresh SQLite file.
#[cfg(feature = "sqlite")]
mod sqlite {
    support_server::storage_conformance_tests!(crate::storage_common::run_sqlite);
}

/// The suites on Postgres, each in its own schema.
#[cfg(feature = "postgres")]
mod postgres {
    support_server::storage_conformance_tests!(crate::storage_common::run_postgres);
}

/// SQLite only: durability across reopen, migrations, sharing the file with a host.
#[cfg(feature = "sqlite")]
#[path = "storage_common/sqlite_tests.rs"]
mod sqlite_specific;

/// Postgres only: durability across reconnect, concurrent migrations, sharing with a host.
#[cfg(feature = "postgres")]
#[path = "storage_common/postgres_tests.rs"]
mod postgres_specific;
