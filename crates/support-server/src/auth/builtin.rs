//! [`BuiltinAuth`]: managers stored with argon2 password hashes, logged in with a session cookie
//! or a bearer token \[A1\].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::request::Parts;
use support_protocol::{ManagerId, Timestamp};

use super::hashing::{HashingGate, HashingLimits};
use super::password::{dummy_hash, hash_password, verify_password, verify_password_in};
use super::rate_limit::LoginRateLimiter;
use super::session::{new_token, session_cookie, token_hash};
use super::{AuthenticatedManager, ManagerAuth, bearer_token};
use crate::storage::{DynStorage, ManagerRecord, ManagerUpsert, StorageError, StorageResult};

/// How long a login session (cookie) lasts: two weeks, Django's default.
pub const SESSION_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// How long a bearer token for a programmatic client lasts: 90 days, so scripts need not log in
/// often, while a leaked token still dies on its own.
pub const TOKEN_TTL: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The built-in manager authentication: managers and their sessions live in the
/// [`Storage`](crate::storage::Storage); passwords are argon2id hashes; only the SHA-256 of each session
/// or bearer token is stored. A cheap `Clone` handle.
///
/// Requests authenticate with the `support_session` cookie (set by `POST {mount}/auth/login/`,
/// `via_cookie: true`, so the `Origin` check applies) or with `Authorization: Bearer <token>`
/// from `POST {mount}/auth/token/` (`via_cookie: false`).
#[derive(Clone)]
pub struct BuiltinAuth {
    inner: Arc<Inner>,
}

struct Inner {
    storage: DynStorage,
    limiter: LoginRateLimiter,
    gate: HashingGate,
}

impl std::fmt::Debug for BuiltinAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinAuth")
            .field("storage", &self.inner.storage.backend_name())
            .finish_non_exhaustive()
    }
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Unknown user, wrong password, no password set, or an inactive account (one answer for
    /// all, so the response reveals nothing).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Too many failures (or attempts under way) for this username and address; retry after
    /// this many seconds.
    #[error("too many failed logins; retry in {0} s")]
    Throttled(u64),
    /// Password checks are saturated (see [`HashingLimits`]): the login was not checked; retry
    /// after this many seconds.
    #[error("too many logins at once; retry in {0} s")]
    Busy(u64),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl BuiltinAuth {
    /// The built-in authentication over `storage` (the server's storage), with the default
    /// [`HashingLimits`].
    pub fn new(storage: DynStorage) -> Self {
        Self::with_limits(storage, HashingLimits::default())
    }

    /// The built-in authentication over `storage`, running password checks under `limits`.
    pub fn with_limits(storage: DynStorage, limits: HashingLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                storage,
                limiter: LoginRateLimiter::new(),
                gate: HashingGate::new(limits),
            }),
        }
    }

    /// The limits password checks run under.
    pub fn hashing_limits(&self) -> HashingLimits {
        self.inner.gate.limits()
    }

    /// The storage holding managers and sessions.
    pub fn storage(&self) -> &DynStorage {
        &self.inner.storage
    }

    /// Creates the manager `username`, or updates its password and names.
    pub async fn upsert_manager(
        &self,
        username: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
    ) -> StorageResult<ManagerRecord> {
        create_or_update_manager(self.storage(), username, password, first_name, last_name).await
    }

    /// Checks credentials, counting failures per `(username, client)` where `client` is the
    /// caller's address (or any stable key). Returns the manager on success.
    ///
    /// The attempt counts toward the throttle before its password is checked (credited back on
    /// success), so parallel guesses cannot outrun it; the check itself waits for a turn under
    /// the [`HashingLimits`], and [`LoginError::Busy`] when none comes.
    pub async fn verify_credentials(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<ManagerRecord, LoginError> {
        let limiter = &self.inner.limiter;
        limiter
            .begin(username, client)
            .map_err(LoginError::Throttled)?;
        let record = match self.storage().manager_by_username(username).await {
            Ok(record) => record,
            Err(e) => {
                limiter.credit(username, client);
                return Err(e.into());
            }
        };
        let hash = record
            .as_ref()
            .filter(|m| m.active)
            .and_then(|m| m.password_hash.clone());
        let found = hash.is_some();
        let password = password.to_owned();
        // argon2 takes tens of milliseconds of CPU and ~19 MiB: off the async workers, a bounded
        // number at once. Unknown users are checked against a dummy hash so both cases take the
        // same time.
        let ok = match self
            .inner
            .gate
            .run(move |memory| match &hash {
                Some(hash) => verify_password_in(&password, hash, memory),
                None => verify_password_in(&password, dummy_hash(), memory),
            })
            .await
        {
            Ok(ok) => ok,
            Err(busy) => {
                limiter.credit(username, client);
                return Err(LoginError::Busy(busy.0));
            }
        };
        match record {
            Some(m) if ok && found => {
                limiter.succeeded(username, client);
                Ok(m)
            }
            // The failure was counted when the attempt began.
            _ => Err(LoginError::InvalidCredentials),
        }
    }

    /// Starts a session (or a bearer token) for `manager` lasting `ttl`; returns the token.
    /// Storage keeps only its hash.
    pub async fn start_session(&self, manager: ManagerId, ttl: Duration) -> StorageResult<String> {
        let token = new_token();
        let ttl_micros = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
        let expires =
            Timestamp::from_unix_micros(Timestamp::now().unix_micros().saturating_add(ttl_micros))
                .map_err(StorageError::backend)?;
        self.storage()
            .create_session(&token_hash(&token), manager, expires)
            .await?;
        Ok(token)
    }

    /// Ends the session or bearer token `token` (absent ones are fine).
    pub async fn end_session(&self, token: &str) -> StorageResult<()> {
        self.storage().delete_session(&token_hash(token)).await
    }

    /// The active manager a token belongs to.
    async fn token_manager(&self, token: &str) -> StorageResult<Option<ManagerId>> {
        let Some(id) = self
            .storage()
            .session_manager(&token_hash(token), Timestamp::now())
            .await?
        else {
            return Ok(None);
        };
        Ok(self
            .storage()
            .manager(id)
            .await?
            .filter(|m| m.active)
            .map(|m| m.id))
    }
}

#[async_trait]
impl ManagerAuth for BuiltinAuth {
    async fn authenticate(&self, parts: &Parts) -> StorageResult<Option<AuthenticatedManager>> {
        if let Some(token) = bearer_token(parts)
            && let Some(id) = self.token_manager(token).await?
        {
            return Ok(Some(AuthenticatedManager {
                id,
                via_cookie: false,
            }));
        }
        if let Some(token) = session_cookie(parts)
            && let Some(id) = self.token_manager(token).await?
        {
            return Ok(Some(AuthenticatedManager {
                id,
                via_cookie: true,
            }));
        }
        Ok(None)
    }
}

/// Creates the manager `username` with an argon2id hash of `password`, or updates the existing
/// one's password and names. The password is hashed off the async runtime and never logged.
///
/// A changed password ends all the manager's sessions and bearer tokens (see
/// [`ManagerStore::upsert_manager`](crate::storage::ManagerStore::upsert_manager)); the same
/// password again keeps the stored hash and the sessions.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use support_server::auth::create_or_update_manager;
/// use support_server::storage::{DynStorage, MemoryStorage};
///
/// let storage: DynStorage = Arc::new(MemoryStorage::new());
/// let anna = create_or_update_manager(&storage, "anna", "s3cret", "Anna", "").await.unwrap();
/// assert_eq!(anna.username, "anna");
/// assert!(anna.password_hash.unwrap().starts_with("$argon2id$"));
/// # }
/// ```
pub async fn create_or_update_manager(
    storage: &DynStorage,
    username: &str,
    password: &str,
    first_name: &str,
    last_name: &str,
) -> StorageResult<ManagerRecord> {
    let username = username.trim();
    if username.is_empty() {
        return Err(StorageError::Conflict(
            "a manager needs a username".to_owned(),
        ));
    }
    let stored = storage
        .manager_by_username(username)
        .await?
        .and_then(|m| m.password_hash);
    let password = password.to_owned();
    // The same password again (a program restarted with the same `--manager`) keeps the stored
    // hash, and so the manager's sessions; a new one is hashed, and storing it ends them.
    let hash = tokio::task::spawn_blocking(move || match stored {
        Some(stored) if verify_password(&password, &stored) => Ok(None),
        _ => hash_password(&password).map(Some),
    })
    .await
    .map_err(StorageError::backend)?
    .map_err(|e| StorageError::Backend(e.to_string().into()))?;
    storage
        .upsert_manager(ManagerUpsert {
            username: username.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            password_hash: hash,
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::storage::MemoryStorage;

    /// `Debug` of the built-in auth shows neither passwords, hashes nor session tokens.
    #[tokio::test]
    async fn debug_shows_no_secrets() {
        let auth = BuiltinAuth::new(Arc::new(MemoryStorage::new()));
        let anna = auth
            .upsert_manager("anna", "pw-s3cret", "Anna", "")
            .await
            .unwrap();
        let token = auth.start_session(anna.id, SESSION_TTL).await.unwrap();
        let hash = anna.password_hash.unwrap();
        let text = format!("{auth:?} {auth:#?}");
        for secret in ["pw-s3cret", hash.as_str(), token.as_str()] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
