//! The REST API [R1]-[R6] (SPEC section 2).

use axum::Router;

use crate::config::SupportConfig;
use crate::state::AppState;

/// The REST routes, under `config.mount`.
pub(crate) fn routes(_config: &SupportConfig) -> Router<AppState> {
    Router::new()
}
