//! [`StorageError`], what every storage method can fail with.

use support_protocol::{ManagerId, MessageId, TicketId};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The ticket does not exist.
    #[error("ticket {0} not found")]
    TicketNotFound(TicketId),
    /// The message does not exist (or belongs to another ticket).
    #[error("message {0} not found")]
    MessageNotFound(MessageId),
    /// The manager does not exist.
    #[error("manager {0} not found")]
    ManagerNotFound(ManagerId),
    /// A uniqueness rule was broken (e.g. a manager username taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed (I/O, connection, corrupt data).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// Wraps a backend error.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }
}

/// Result alias of this module.
pub type StorageResult<T> = Result<T, StorageError>;
