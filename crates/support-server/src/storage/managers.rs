//! [`ManagerStore`]: the support team — manager accounts and their login sessions.

use async_trait::async_trait;
use support_protocol::{ManagerId, Timestamp};

use super::{ManagerRecord, ManagerUpsert, StorageResult};

/// Managers and sessions. Object safe; part of every [`Storage`](super::Storage).
#[async_trait]
pub trait ManagerStore: Send + Sync + 'static {
    /// Creates a manager, or updates the one with that username. Storing a password hash other
    /// than the stored one ends all the manager's sessions and bearer tokens, in the same write:
    /// whoever knew the old password is logged out.
    async fn upsert_manager(&self, manager: ManagerUpsert) -> StorageResult<ManagerRecord>;
    /// Activates or deactivates the manager `username`; `None` when there is none. Deactivating
    /// ends all their sessions and bearer tokens in the same write (so reactivating later does
    /// not revive them); an inactive manager cannot log in.
    async fn set_manager_active(
        &self,
        username: &str,
        active: bool,
    ) -> StorageResult<Option<ManagerRecord>>;
    /// A manager by id.
    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>>;
    /// A manager by username.
    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>>;
    /// How many managers exist.
    async fn count_managers(&self) -> StorageResult<u64>;

    /// Stores a login session (the SHA-256 of its token, never the token) until `expires_at`.
    async fn create_session(
        &self,
        token_hash: &str,
        manager: ManagerId,
        expires_at: Timestamp,
    ) -> StorageResult<()>;
    /// The manager of a session that has not expired at `now`.
    async fn session_manager(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StorageResult<Option<ManagerId>>;
    /// Deletes a session (logout); absent sessions are fine.
    async fn delete_session(&self, token_hash: &str) -> StorageResult<()>;
    /// Deletes every session that has expired at `now` (those [`Self::session_manager`] no
    /// longer finds); returns how many. The server calls it periodically.
    async fn delete_expired_sessions(&self, now: Timestamp) -> StorageResult<u64>;
}
