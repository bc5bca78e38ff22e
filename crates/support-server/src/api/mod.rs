//! The REST API \[R1\]-\[R6\] (SPEC section 2), in the Python original's paths, shapes, status codes
//! and error texts \[E1\]. Both `/tickets/` and `/tickets` are served (the original redirects the
//! latter, losing a POST body).

mod body;
mod fields;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod fuzz_query;
mod links;

#[cfg(test)]
pub(crate) use fuzz::config as fuzz_config;
mod messages;
mod meta;
mod paging;
pub(crate) mod people;
mod team;
mod tickets;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{MethodRouter, any, get};
use support_protocol::{ServerEvent, TicketId};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::SupportConfig;
use crate::error::ApiError;
use crate::hub::{Audience, EventHub, HubEvent};
use crate::state::AppState;

/// The `Allow` of the list endpoints.
const LIST_ALLOW: &str = "GET, POST, HEAD, OPTIONS";
/// The `Allow` of a reply's retry (extension).
const RETRY_ALLOW: &str = "POST";
/// The `Allow` of the upload endpoint (extension).
const UPLOAD_ALLOW: &str = "POST";
/// The `Allow` of a file (extension).
const FILE_ALLOW: &str = "GET, HEAD";
/// The `Allow` of a ticket's notes and of the canned replies (extensions).
const TEAM_LIST_ALLOW: &str = "GET, POST, HEAD";
/// The `Allow` of one canned reply (extension).
const CANNED_ALLOW: &str = "PATCH, DELETE";
/// The `Allow` of a ticket.
const DETAIL_ALLOW: &str = "GET, PUT, PATCH, HEAD, OPTIONS";

/// The value of the `X-Support-Server` header, by which our bot recognises this server's
/// extensions (e.g. the one-call ticket with its first message).
pub const SERVER_HEADER_VALUE: &str = concat!("chatlabs-support-rs/", env!("CARGO_PKG_VERSION"));

/// Parses a path id; anything but a positive integer in plain digits is a JSON 404 (the
/// original: HTML 404). Strictly digits: Rust's `i64` parser also takes `+1`, which would make
/// `/tickets/+1/` an alias of ticket 1 (Django's `<int:pk>` matches `[0-9]+` only).
pub(crate) fn parse_id(raw: &str) -> Result<TicketId, ApiError> {
    Some(raw)
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(TicketId::new)
        .ok_or_else(|| ApiError::NotFound("Not found.".to_owned()))
}

/// Publishes an event; a hub failure is logged, never turned into a failed request, because the
/// write it reports is already committed. A broker that does not take the event within
/// [`SupportConfig::publish_timeout`] counts as failed: a slow or frozen broker never holds the
/// request longer.
pub(crate) async fn publish(state: &AppState, audience: Audience, event: ServerEvent) {
    let label = crate::metrics::event_label(&event);
    let bound = state.config().publish_timeout;
    let published =
        tokio::time::timeout(bound, state.hub().publish(HubEvent::new(audience, event))).await;
    crate::metrics::event_published(label, matches!(published, Ok(Ok(()))));
    match published {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::error!(error = %err, "publishing an event failed"),
        Err(_) => tracing::error!(
            timeout_ms = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX),
            "publishing an event timed out; the event hub's broker is slow or unreachable"
        ),
    }
}

/// Both spellings of a path: with the canonical trailing slash and without.
fn both(router: Router<AppState>, path: &str, route: MethodRouter<AppState>) -> Router<AppState> {
    router
        .route(&format!("{path}/"), route.clone())
        .route(path, route)
}

/// The REST routes, under `config.mount`.
pub(crate) fn routes(config: &SupportConfig) -> Router<AppState> {
    let mount = &config.mount;
    let list = both(
        Router::new(),
        &format!("{mount}/tickets"),
        get(tickets::list)
            .post(tickets::create)
            .options(meta::options("Ticket List", LIST_ALLOW))
            .fallback(meta::method_not_allowed(LIST_ALLOW)),
    )
    .route_layer(allow(LIST_ALLOW));
    let detail = both(
        Router::new(),
        &format!("{mount}/tickets/{{id}}"),
        get(tickets::get)
            .put(tickets::update)
            .patch(tickets::update)
            .options(meta::options("Ticket", DETAIL_ALLOW))
            .fallback(meta::method_not_allowed(DETAIL_ALLOW)),
    )
    .route_layer(allow(DETAIL_ALLOW));
    let messages = both(
        Router::new(),
        &format!("{mount}/tickets/{{id}}/messages"),
        get(messages::list)
            .post(messages::create)
            .options(meta::options("Message List", LIST_ALLOW))
            .fallback(meta::method_not_allowed(LIST_ALLOW)),
    )
    .route_layer(allow(LIST_ALLOW));
    let retry = both(
        Router::new(),
        &format!("{mount}/tickets/{{id}}/messages/{{message}}/retry"),
        axum::routing::post(messages::retry).fallback(meta::method_not_allowed(RETRY_ALLOW)),
    )
    .route_layer(allow(RETRY_ALLOW));
    let upload = both(
        Router::new(),
        &format!("{mount}/attachments"),
        axum::routing::post(crate::attachments::upload::create)
            .fallback(meta::method_not_allowed(UPLOAD_ALLOW)),
    )
    .route_layer(allow(UPLOAD_ALLOW));
    let file = both(
        Router::new(),
        &format!("{mount}/attachments/{{id}}"),
        get(crate::attachments::download::get).fallback(meta::method_not_allowed(FILE_ALLOW)),
    )
    .route_layer(allow(FILE_ALLOW));
    let notes = both(
        Router::new(),
        &format!("{mount}/tickets/{{id}}/notes"),
        get(team::list_notes)
            .post(team::create_note)
            .fallback(meta::method_not_allowed(TEAM_LIST_ALLOW)),
    )
    .route_layer(allow(TEAM_LIST_ALLOW));
    let canned = both(
        Router::new(),
        &format!("{mount}/canned"),
        get(team::list_canned)
            .post(team::create_canned)
            .fallback(meta::method_not_allowed(TEAM_LIST_ALLOW)),
    )
    .route_layer(allow(TEAM_LIST_ALLOW));
    let canned_one = both(
        Router::new(),
        &format!("{mount}/canned/{{id}}"),
        axum::routing::patch(team::update_canned)
            .delete(team::delete_canned)
            .fallback(meta::method_not_allowed(CANNED_ALLOW)),
    )
    .route_layer(allow(CANNED_ALLOW));
    let mut router = list
        .merge(detail)
        .merge(messages)
        .merge(retry)
        .merge(upload)
        .merge(file)
        .merge(notes)
        .merge(canned)
        .merge(canned_one);
    if !mount.is_empty() {
        // Unknown routes under the mount are JSON 404s; at the root the host owns the fallback.
        router = router.route(&format!("{mount}/{{*rest}}"), any(meta::not_found));
    }
    router.layer(SetResponseHeaderLayer::overriding(
        HeaderName::from_static("x-support-server"),
        HeaderValue::from_static(SERVER_HEADER_VALUE),
    ))
}

fn allow(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::ALLOW, HeaderValue::from_static(value))
}
