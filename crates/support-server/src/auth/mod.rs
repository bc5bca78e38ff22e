//! Authentication: managers \[A1\] and bots \[A2\].
//!
//! The host chooses how managers authenticate by implementing [`ManagerAuth`] (its own sessions,
//! SSO) or using the built-in implementation. Bots authenticate with a bearer token from the
//! configured set.

use async_trait::async_trait;
use axum::http::request::Parts;
use support_protocol::ManagerId;

/// A manager recognised by a [`ManagerAuth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedManager {
    /// The manager.
    pub id: ManagerId,
    /// Authenticated by a cookie (so unsafe requests and websocket upgrades must pass the
    /// `Origin` check), rather than by a bearer token.
    pub via_cookie: bool,
}

/// How managers are recognised. Implement it to plug in the host's own sessions or SSO.
#[async_trait]
pub trait ManagerAuth: Send + Sync + 'static {
    /// The manager a request (or websocket upgrade) belongs to, or `None` if it carries no valid
    /// manager credentials. Errors are backend failures, not bad credentials.
    async fn authenticate(
        &self,
        parts: &Parts,
    ) -> Result<Option<AuthenticatedManager>, crate::storage::StorageError>;
}

mod builtin;
mod caller;
mod hashing;
mod none;
mod origin;
mod password;
mod rate_limit;
pub(crate) mod routes;
mod session;

pub use builtin::{BuiltinAuth, LoginError, SESSION_TTL, TOKEN_TTL, create_or_update_manager};
pub use caller::{Caller, bearer_token, is_bot_token};
pub use hashing::{DEFAULT_HASHING_MEMORY, DEFAULT_HASHING_WAIT, HashingLimits, MEMORY_PER_HASH};
pub use none::NoManagers;
#[allow(unused_imports)]
pub(crate) use origin::is_unsafe;
pub use origin::origin_allowed;
pub use rate_limit::{ACCOUNT_MAX_FAILURES, KNOWN_FOR, LoginRateLimiter, MAX_FAILURES, WINDOW};
pub use session::SESSION_COOKIE;
pub(crate) use session::new_token;
