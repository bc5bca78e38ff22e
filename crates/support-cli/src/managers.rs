//! [`ensure_managers`]: the managers the command line asks for, or a first `admin`.

use rand::Rng;
use support_server::auth::create_or_update_manager;
use support_server::storage::{DynStorage, StorageError};

use crate::options::ManagerCredentials;

/// The length of a generated `admin` password: 20 alphanumerics, about 119 bits.
const GENERATED_PASSWORD_LEN: usize = 20;

/// Creates or updates the managers given on the command line; with none given and none stored,
/// creates `admin` with a random password and returns it (to print once).
pub async fn ensure_managers(
    storage: &DynStorage,
    managers: &[ManagerCredentials],
) -> Result<Option<ManagerCredentials>, StorageError> {
    for m in managers {
        create_or_update_manager(storage, &m.username, &m.password, "", "").await?;
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
}
