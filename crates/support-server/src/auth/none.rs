//! A [`ManagerAuth`] that recognises nobody: for hosts that expose only the bot API.

use async_trait::async_trait;
use axum::http::request::Parts;

use super::{AuthenticatedManager, ManagerAuth};
use crate::storage::StorageError;

/// Recognises no manager.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoManagers;

#[async_trait]
impl ManagerAuth for NoManagers {
    async fn authenticate(
        &self,
        _parts: &Parts,
    ) -> Result<Option<AuthenticatedManager>, StorageError> {
        Ok(None)
    }
}
