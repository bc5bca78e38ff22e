//! [`Error`]: why the program could not start, or stopped with an error.

use std::path::PathBuf;

use support_server::hub::HubError;
use support_server::storage::StorageError;

/// Why the server could not start or stopped with an error. The texts name the flag at fault;
/// URLs in them have their password masked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `--database` value is not a storage this build supports: the URL (password masked)
    /// and why.
    #[error("--database {0:?}: {1}")]
    Database(String, String),
    /// The `--hub` value is not a hub this build supports: the URL (password masked) and why.
    #[error("--hub {0:?}: {1}")]
    HubUrl(String, String),
    /// The event hub's broker could not be reached.
    #[error("connecting the event hub failed: {0}")]
    Hub(#[source] HubError),
    /// The storage failed to open, or to create the managers.
    #[error("opening the storage failed: {0}")]
    Storage(#[source] StorageError),
    /// The `--console-dir` directory holds no console.
    #[error("--console-dir {0:?}: no index.html there (expected crates/support-server/console)")]
    ConsoleDir(PathBuf),
    /// The `--blob-dir` directory could not be created or used.
    #[error("--blob-dir {0:?}: {1}")]
    BlobDir(PathBuf, #[source] support_server::blob::BlobError),
    /// The Prometheus recorder could not be installed (`--no-metrics` starts without it).
    #[error("{0} (--no-metrics starts without metrics)")]
    Metrics(#[from] support_server::metrics::MetricsError),
    /// Binding or serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StorageError> for Error {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::UnsupportedUrl { url, reason } => Self::Database(url, reason),
            other => Self::Storage(other),
        }
    }
}

impl From<HubError> for Error {
    fn from(err: HubError) -> Self {
        match err {
            HubError::UnsupportedUrl { url, reason } => Self::HubUrl(url, reason),
            other => Self::Hub(other),
        }
    }
}
