//! The route table: REST under the mount point, websockets under the websocket prefix.

use axum::Router;

use crate::state::AppState;

/// Builds every support route over `state`, as a `Router<S>` for any host state `S`.
pub(crate) fn build<S: Clone + Send + Sync + 'static>(state: AppState) -> Router<S> {
    let config = state.config().clone();
    let rest = crate::api::routes(&config);
    let console = crate::console::router::<AppState>(crate::console::ConsoleConfig {
        mount: config.mount.clone(),
        ws_path: format!("{}/manager/", config.ws_prefix),
        assets_dir: config.console_assets_dir.clone(),
        attachment_max_bytes: config.attachments.max_bytes,
    });
    let rest = if config.mount.is_empty() {
        rest.merge(console)
    } else {
        rest.nest(&config.mount, console)
    };
    // Websocket and auth routes (manager websocket, bot websocket, login/logout) go here.
    let ws: Router<AppState> =
        crate::ws::routes(&config).merge(crate::auth::routes::routes(&config));
    let routes = rest.merge(ws);
    let routes = if config.ops_listener {
        routes
    } else {
        routes.merge(ops_routes(&config))
    };
    let routes = if config.contract {
        routes.merge(crate::contract::routes(&config))
    } else {
        routes
    };
    let routes = crate::metrics::layer(routes);
    crate::request_id::layer(routes).with_state(state)
}

/// The operational routes alone (health, metrics), for their own listener.
pub(crate) fn ops<S: Clone + Send + Sync + 'static>(state: AppState) -> Router<S> {
    let routes = crate::metrics::layer(ops_routes(state.config()));
    crate::request_id::layer(routes).with_state(state)
}

/// Health and metrics, each when turned on.
fn ops_routes(config: &crate::config::SupportConfig) -> Router<AppState> {
    let mut routes = Router::new();
    if config.health {
        routes = routes.merge(crate::health::routes());
    }
    #[cfg(feature = "prometheus")]
    if let Some(handle) = &config.metrics {
        routes = routes.merge(crate::metrics::routes(handle.clone()));
    }
    routes
}
