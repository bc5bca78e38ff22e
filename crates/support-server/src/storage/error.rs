//! [`StorageError`], what every storage method can fail with.

use support_protocol::{AttachmentId, ManagerId, MessageId, TicketId};

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
    /// An attachment to claim is not an upload of this uploader waiting for a message (absent,
    /// another's, or already sent); nothing was written.
    #[error("upload {0} is not available")]
    UploadUnavailable(AttachmentId),
    /// A uniqueness rule was broken (e.g. a manager username taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A URL names a backend this build does not have (its feature is off) or none at all
    /// ([`open`](super::open)).
    #[error("unsupported storage URL {url:?}: {reason}")]
    UnsupportedUrl {
        /// The URL, its password masked.
        url: String,
        /// Why it cannot be opened, e.g. the feature it needs.
        reason: String,
    },
    /// The database failed (I/O, connection, corrupt data).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// Wraps a backend error.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// An [`UnsupportedUrl`](Self::UnsupportedUrl) for `url`, whose password it masks.
    pub fn unsupported_url(url: &str, reason: impl Into<String>) -> Self {
        Self::UnsupportedUrl {
            url: crate::redact::url_password(url),
            reason: reason.into(),
        }
    }
}

/// Result alias of this module.
pub type StorageResult<T> = Result<T, StorageError>;
