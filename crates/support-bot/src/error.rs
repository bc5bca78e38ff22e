//! The error types of the crate: configuration, the REST client, and the push task.

use support_protocol::{ErrorBody, ValidationError};

/// A configuration value was missing or malformed. The message names the variable (or builder
/// method) so the operator can fix it at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("invalid configuration: {var}={value:?}: {reason}")]
pub struct ConfigError {
    /// The environment variable (or builder setting) at fault, e.g. `BACKEND_PORT`.
    pub var: &'static str,
    /// The value that was refused.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(
        var: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            var,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// An error of the REST client ([`crate::SupportClient`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server could not be reached, or the connection failed or timed out (after retries
    /// where the call is idempotent). The backend is down from the user's point of view.
    #[error("support server unreachable: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// The server answered 404 (`{"detail": ...}`).
    #[error("not found: {0}")]
    NotFound(String),
    /// The server refused the input (400 with field errors).
    #[error("rejected by the support server: {}", .0.summary())]
    Rejected(ErrorBody),
    /// The server refused the bot's credentials (401/403); check `BACKEND_TOKEN`.
    #[error("not authorized by the support server ({status}): {detail}")]
    Unauthorized {
        /// The HTTP status.
        status: u16,
        /// The server's explanation.
        detail: String,
    },
    /// Any other unexpected status, e.g. a 5xx.
    #[error("support server answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The body, shortened.
        body: String,
    },
    /// The answer was not the JSON expected.
    #[error("unexpected answer from the support server: {0}")]
    Decode(String),
    /// The input was refused locally before anything was sent.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
}

impl ClientError {
    /// Whether this error means the backend is unavailable (down, overloaded or broken) rather
    /// than refusing this particular request.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::Decode(_) => true,
            Self::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Why the push task ([`crate::PushListener::run`]) stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The server refused the bot's token on the websocket (401/403): check `BACKEND_TOKEN`.
    #[error("the support server refused the bot websocket ({status}); check BACKEND_TOKEN")]
    Unauthorized {
        /// The HTTP status of the refused upgrade.
        status: u16,
    },
    /// The websocket URL could not be built.
    #[error("invalid websocket url: {0}")]
    Url(String),
}

/// The crate-wide result alias of the REST client.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
