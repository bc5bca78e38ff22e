//! Health endpoints for load balancers and orchestrators, served at the root when turned on
//! ([`SupportServerBuilder::health`](crate::SupportServerBuilder::health); the program turns
//! them on):
//!
//! | path | answers |
//! |---|---|
//! | [`HEALTHZ_PATH`] | the process is up: always `200 {"status":"ok"}` |
//! | [`READYZ_PATH`] | the storage answers a query ([`Storage::ping`](crate::storage::Storage::ping)) and the hub's broker answers ([`EventHub::ping`]; the in-process hub always does): `200 {"status":"ok","checks":{"storage":"ok","hub":"ok"}}`, else `503` with `"status":"unavailable"`, the failing parts in `"failing"` and `"unavailable"` in `"checks"` |
//!
//! Neither needs credentials, so neither says more than which part fails: the error itself is
//! logged (`warn`). Each check gives up after [`CHECK_TIMEOUT`] (a hung database is not ready).
//!
//! Whether a bot is connected is checked only when asked for
//! ([`SupportServerBuilder::ready_requires_bot`](crate::SupportServerBuilder::ready_requires_bot)):
//! then `"bot"` is in `"checks"`, `ok` while a bot holds the bot websocket of this instance. Off
//! by default, as a bot using only REST (the Python original's) is never seen, and with several
//! instances the bot holds one of them.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use crate::hub::EventHub;
use crate::state::AppState;

/// The liveness path.
pub const HEALTHZ_PATH: &str = "/healthz";
/// The readiness path.
pub const READYZ_PATH: &str = "/readyz";
/// How long `/readyz` waits for each part before it counts it as failing.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The two routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(HEALTHZ_PATH, get(healthz))
        .route(READYZ_PATH, get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `Ok`, or why the part fails (for the log).
async fn check<E: std::fmt::Display>(
    part: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(CHECK_TIMEOUT, part).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {CHECK_TIMEOUT:?}")),
    }
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (storage, hub) = tokio::join!(check(state.storage().ping()), check(state.hub().ping()));
    let mut checks = serde_json::Map::new();
    let mut failing = Vec::new();
    let mut parts = vec![("storage", storage), ("hub", hub)];
    if state.config().ready_requires_bot {
        let (_, bots) = state.open_sockets();
        let bot = if bots > 0 {
            Ok(())
        } else {
            Err("no bot is connected to the bot websocket".to_owned())
        };
        parts.push(("bot", bot));
    }
    for (part, result) in parts {
        match result {
            Ok(()) => {
                checks.insert(part.to_owned(), json!("ok"));
            }
            Err(error) => {
                tracing::warn!(part, %error, "readiness check failed");
                checks.insert(part.to_owned(), json!("unavailable"));
                failing.push(part);
            }
        }
    }
    if failing.is_empty() {
        (
            StatusCode::OK,
            Json(json!({"status": "ok", "checks": checks})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "failing": failing, "checks": checks})),
        )
    }
}
