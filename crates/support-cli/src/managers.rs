//! [`ensure_managers`]: the managers the command line asks for, or a first `admin`;
//! [`deactivate_managers`]: the ones it takes away.

use rand::Rng;
use support_server::auth::create_or_update_manager;
use support_server::storage::{DynStorage, StorageError};

use crate::options::ManagerCredentials;

/// The length of a generated `admin` password: 20 alphanumerics, about 119 bits.
const GENERATED_PASSWORD_LEN: usize = 20;

/// Creates or updates the managers given on the command line, active (a deactivated one given
/// again is reactivated, without its old sessions); with none given and none stored, creates
/// `admin` with a random password and returns it (to print once).
pub async fn ensure_managers(
    storage: &DynStorage,
    managers: &[ManagerCredentials],
) -> Result<Option<ManagerCredentials>, StorageError> {
    for m in managers {
        let record = create_or_update_manager(storage, &m.username, &m.password, "", "").await?;
        if !record.active {
            storage.set_manager_active(&record.username, true).await?;
        }
        tracing::info!(username = %m.username, "manager created or updated");
    }
    if managers.is_empty() && storage.count_managers().await? == 0 {
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(GENERATED_PASSWORD_LEN)
            .map(char::from)
            .collect();
        create_or_update_manager(storage, "admin", &password, "", "").await?;
        return Ok(Some(ManagerCredentials {
            username: "admin".to_owned(),
            password,
        }));
    }
    Ok(None)
}

/// Deactivates the managers named by `--deactivate-manager`: they can no longer log in, and
/// their sessions and bearer tokens end. An unknown name is an error (a typo must not leave
/// someone active).
pub async fn deactivate_managers(
    storage: &DynStorage,
    usernames: &[String],
) -> Result<(), StorageError> {
    for username in usernames {
        if storage.set_manager_active(username, false).await?.is_none() {
            return Err(StorageError::Conflict(format!(
                "no manager named {username:?} to deactivate"
            )));
        }
        tracing::info!(%username, "manager deactivated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use support_server::storage::MemoryStorage;

    use super::*;

    #[tokio::test]
    async fn admin_is_generated_once_and_only_without_managers() {
        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let admin = ensure_managers(&storage, &[]).await.unwrap().unwrap();
        assert_eq!(admin.username, "admin");
        assert_eq!(admin.password.len(), GENERATED_PASSWORD_LEN);
        assert!(ensure_managers(&storage, &[]).await.unwrap().is_none());
        assert_eq!(storage.count_managers().await.unwrap(), 1);

        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let anna = ManagerCredentials {
            username: "anna".to_owned(),
            password: "pa55word".to_owned(),
        };
        assert!(ensure_managers(&storage, &[anna]).await.unwrap().is_none());
        assert_eq!(storage.count_managers().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn deactivation_and_reactivation() {
        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let anna = ManagerCredentials {
            username: "anna".to_owned(),
            password: "pa55word".to_owned(),
        };
        ensure_managers(&storage, std::slice::from_ref(&anna))
            .await
            .unwrap();
        deactivate_managers(&storage, &["anna".to_owned()])
            .await
            .unwrap();
        let stored = storage.manager_by_username("anna").await.unwrap().unwrap();
        assert!(!stored.active);
        assert!(
            deactivate_managers(&storage, &["nobody".to_owned()])
                .await
                .is_err()
        );
        ensure_managers(&storage, &[anna]).await.unwrap();
        let stored = storage.manager_by_username("anna").await.unwrap().unwrap();
        assert!(stored.active, "given again: active again");
    }
}
