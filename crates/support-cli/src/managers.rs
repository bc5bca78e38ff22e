//! [`ensure_managers`]: the managers the command line asks for, or a first `admin`;
//! [`deactivate_managers`]: the ones it takes away.

use rand::Rng;
use support_server::auth::create_or_update_manager;
use support_server::storage::{DynStorage, ManagerUpsert, StorageError};

use crate::options::{ManagerCredentials, ManagerName};

/// The length of a generated `admin` password: 20 alphanumerics, about 119 bits.
const GENERATED_PASSWORD_LEN: usize = 20;

/// Creates or updates the managers given on the command line, active (a deactivated one given
/// again is reactivated, without its old sessions), named by `names` (a manager without one
/// keeps the stored name); names managers given only in `names` (an unknown one is an error);
/// with no manager given and none stored, creates `admin` with a random password and returns
/// it (to print once).
pub async fn ensure_managers(
    storage: &DynStorage,
    managers: &[ManagerCredentials],
    names: &[ManagerName],
) -> Result<Option<ManagerCredentials>, StorageError> {
    let name_of = |username: &str| names.iter().rev().find(|n| n.username == username);
    for m in managers {
        let (first, last) = match name_of(&m.username) {
            Some(n) => (n.first_name.clone(), n.last_name.clone()),
            None => storage
                .manager_by_username(&m.username)
                .await?
                .map(|r| (r.first_name, r.last_name))
                .unwrap_or_default(),
        };
        let record =
            create_or_update_manager(storage, &m.username, &m.password, &first, &last).await?;
        if !record.active {
            storage.set_manager_active(&record.username, true).await?;
        }
        tracing::info!(username = %m.username, "manager created or updated");
    }
    for n in names {
        if managers.iter().any(|m| m.username == n.username) {
            continue;
        }
        if storage.manager_by_username(&n.username).await?.is_none() {
            return Err(StorageError::Conflict(format!(
                "no manager named {:?} to name (give them with --manager too)",
                n.username
            )));
        }
        storage
            .upsert_manager(ManagerUpsert {
                username: n.username.clone(),
                first_name: n.first_name.clone(),
                last_name: n.last_name.clone(),
                password_hash: None,
            })
            .await?;
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
        let admin = ensure_managers(&storage, &[], &[]).await.unwrap().unwrap();
        assert_eq!(admin.username, "admin");
        assert_eq!(admin.password.len(), GENERATED_PASSWORD_LEN);
        assert!(ensure_managers(&storage, &[], &[]).await.unwrap().is_none());
        assert_eq!(storage.count_managers().await.unwrap(), 1);

        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let anna = ManagerCredentials {
            username: "anna".to_owned(),
            password: "pa55word".to_owned(),
        };
        assert!(
            ensure_managers(&storage, &[anna], &[])
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(storage.count_managers().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn names_are_given_kept_and_checked() {
        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let anna = ManagerCredentials {
            username: "anna".to_owned(),
            password: "pa55word".to_owned(),
        };
        let name = |user: &str, first: &str, last: &str| ManagerName {
            username: user.to_owned(),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
        };
        let stored = |storage: DynStorage| async move {
            let m = storage.manager_by_username("anna").await.unwrap().unwrap();
            (m.first_name, m.last_name)
        };
        let named = [name("anna", "Anna", "Petrova")];
        ensure_managers(&storage, std::slice::from_ref(&anna), &named)
            .await
            .unwrap();
        assert_eq!(
            stored(storage.clone()).await,
            ("Anna".into(), "Petrova".into())
        );
        // Restarted without the name: it stays.
        ensure_managers(&storage, std::slice::from_ref(&anna), &[])
            .await
            .unwrap();
        assert_eq!(
            stored(storage.clone()).await,
            ("Anna".into(), "Petrova".into())
        );
        // Named alone: renamed, the password kept.
        let hash = storage
            .manager_by_username("anna")
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        ensure_managers(&storage, &[], &[name("anna", "Аня", "")])
            .await
            .unwrap();
        assert_eq!(stored(storage.clone()).await, ("Аня".into(), String::new()));
        let after = storage.manager_by_username("anna").await.unwrap().unwrap();
        assert_eq!(after.password_hash, hash);
        // An unknown manager is an error, not a new account without a password.
        let err = ensure_managers(&storage, &[], &[name("boris", "Boris", "")])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("boris"), "{err}");
        assert!(
            storage
                .manager_by_username("boris")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn deactivation_and_reactivation() {
        let storage: DynStorage = Arc::new(MemoryStorage::new());
        let anna = ManagerCredentials {
            username: "anna".to_owned(),
            password: "pa55word".to_owned(),
        };
        ensure_managers(&storage, std::slice::from_ref(&anna), &[])
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
        ensure_managers(&storage, &[anna], &[]).await.unwrap();
        let stored = storage.manager_by_username("anna").await.unwrap().unwrap();
        assert!(stored.active, "given again: active again");
    }
}
