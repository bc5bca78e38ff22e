//! [`ManagerStore`] of the memory backend.

use async_trait::async_trait;

use support_protocol::{ManagerId, Timestamp};

use super::MemoryStorage;
use crate::storage::{ManagerRecord, ManagerStore, ManagerUpsert, StorageResult};

#[async_trait]
impl ManagerStore for MemoryStorage {
    async fn upsert_manager(&self, upsert: ManagerUpsert) -> StorageResult<ManagerRecord> {
        let mut state = self.lock();
        if let Some(existing) = state
            .managers
            .values_mut()
            .find(|m| m.username == upsert.username)
        {
            existing.first_name = upsert.first_name;
            existing.last_name = upsert.last_name;
            let changed =
                upsert.password_hash.is_some() && upsert.password_hash != existing.password_hash;
            if changed {
                existing.password_hash = upsert.password_hash;
            }
            let record = existing.clone();
            if changed {
                state.sessions.retain(|_, (m, _)| *m != record.id);
            }
            return Ok(record);
        }
        state.next_manager += 1;
        let record = ManagerRecord {
            id: ManagerId::new(state.next_manager),
            username: upsert.username,
            first_name: upsert.first_name,
            last_name: upsert.last_name,
            password_hash: upsert.password_hash,
            active: true,
        };
        state.managers.insert(record.id, record.clone());
        Ok(record)
    }

    async fn set_manager_active(
        &self,
        username: &str,
        active: bool,
    ) -> StorageResult<Option<ManagerRecord>> {
        let mut state = self.lock();
        let Some(manager) = state.managers.values_mut().find(|m| m.username == username) else {
            return Ok(None);
        };
        manager.active = active;
        let record = manager.clone();
        if !active {
            state.sessions.retain(|_, (m, _)| *m != record.id);
        }
        Ok(Some(record))
    }

    async fn manager(&self, id: ManagerId) -> StorageResult<Option<ManagerRecord>> {
        Ok(self.lock().managers.get(&id).cloned())
    }

    async fn manager_by_username(&self, username: &str) -> StorageResult<Option<ManagerRecord>> {
        Ok(self
            .lock()
            .managers
            .values()
            .find(|m| m.username == username)
            .cloned())
    }

    async fn count_managers(&self) -> StorageResult<u64> {
        Ok(self.lock().managers.len() as u64)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        manager: ManagerId,
        expires_at: Timestamp,
    ) -> StorageResult<()> {
        self.lock()
            .sessions
            .insert(token_hash.to_owned(), (manager, expires_at));
        Ok(())
    }

    async fn session_manager(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StorageResult<Option<ManagerId>> {
        let state = self.lock();
        Ok(state
            .sessions
            .get(token_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(m, _)| *m))
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        self.lock().sessions.remove(token_hash);
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StorageResult<u64> {
        let mut state = self.lock();
        let before = state.sessions.len();
        state.sessions.retain(|_, (_, expires)| *expires > now);
        Ok(u64::try_from(before - state.sessions.len()).unwrap_or(u64::MAX))
    }
}
