//! [`open`]: the storage a URL names, as a program's `--database` flag gives it.

use std::sync::Arc;

use super::{DynStorage, MemoryStorage, StorageResult};

/// Opens the storage `url` names:
///
/// | URL | backend | feature |
/// |---|---|---|
/// | `memory:` | [`MemoryStorage`] | always |
/// | `postgres://...`, `postgresql://...` | `PostgresStorage` | `postgres` |
/// | `sqlite://PATH`, or a plain path | `SqliteStorage` | `sqlite` |
///
/// A URL for a backend this build leaves out fails with [`StorageError::UnsupportedUrl`](super::StorageError::UnsupportedUrl), which
/// names the missing feature and shows the URL with its password masked.
pub async fn open(url: &str) -> StorageResult<DynStorage> {
    open_with(url, &OpenOptions::default()).await
}

/// How [`open_with`] sizes what it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Connections to Postgres per instance (SQLite and memory ignore it: SQLite writes through
    /// one connection whatever the load).
    pub postgres_pool: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            postgres_pool: DEFAULT_POSTGRES_POOL,
        }
    }
}

/// Postgres connections per instance unless told otherwise; every request holds one only for
/// its queries. Ten instances of ten stay under Postgres's default `max_connections` of 100.
pub const DEFAULT_POSTGRES_POOL: u32 = 10;

/// [`open`] with `options`.
pub async fn open_with(url: &str, options: &OpenOptions) -> StorageResult<DynStorage> {
    if url == "memory:" || url == "memory" {
        return Ok(Arc::new(MemoryStorage::new()));
    }
    #[cfg(not(feature = "postgres"))]
    let _ = options;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(
            super::PostgresStorage::connect_with_pool(
                url.parse().map_err(super::StorageError::backend)?,
                options.postgres_pool,
            )
            .await?,
        ));
        #[cfg(not(feature = "postgres"))]
        return Err(super::StorageError::unsupported_url(
            url,
            "this build has no Postgres support (feature `postgres`)",
        ));
    }
    #[cfg(feature = "sqlite")]
    {
        Ok(Arc::new(super::SqliteStorage::open(url).await?))
    }
    #[cfg(not(feature = "sqlite"))]
    Err(super::StorageError::unsupported_url(
        url,
        "this build has no SQLite support (feature `sqlite`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_opens_in_any_build() {
        assert_eq!(open("memory:").await.unwrap().backend_name(), "memory");
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn a_left_out_backend_is_named_with_the_password_masked() {
        let err = open("postgres://support:s3cret@db/support")
            .await
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("feature `postgres`"), "{text}");
        assert!(
            text.contains("support:***@db") && !text.contains("s3cret"),
            "{text}"
        );
    }
}
