//! Request ids: every request gets an `x-request-id` (the client's, when it sent one of sane
//! length, else a fresh UUID), echoed on the response, and recorded in the request's tracing span,
//! so every log line of the request names it. One trace layer covers every route: REST, the
//! console, authentication, the websocket upgrades and health.

use axum::Router;
use axum::extract::Request as AxumRequest;
use axum::http::{HeaderName, Request};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

/// The header that carries the id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Wraps `router` in the request-id and trace layers. The span records the method, the path
/// (never the query: it may carry a cursor or, from a careless client, a token) and the
/// request id; tower-http logs each request's start and end (status, latency) at `debug`
/// (`RUST_LOG=tower_http=debug`: an access log), and every other line logged while serving the
/// request carries the span. Headers and bodies are never recorded.
pub(crate) fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let header = HeaderName::from_static(REQUEST_ID_HEADER);
    router
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(
            TraceLayer::new_for_http()
                // A 5xx is logged where it happens, with its cause (a storage failure at
                // `error`, a failing readiness check at `warn`); tower-http's own line would
                // repeat it without the cause, and `/readyz` polled every few seconds while
                // the bot is away would fill the log with errors. Kept in the access log.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG))
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                    )
                }),
        )
        .layer(SetRequestIdLayer::new(header, MakeRequestUuid))
        // Outermost: a client's id is kept (a load balancer's, for correlation) only when it is
        // short and printable; otherwise it is dropped and a UUID made, so a client cannot put a
        // megabyte or a control character into every log line.
        .layer(axum::middleware::map_request(drop_insane_request_id))
}

async fn drop_insane_request_id(mut request: AxumRequest) -> AxumRequest {
    let insane = request.headers().get(REQUEST_ID_HEADER).is_some_and(|v| {
        let bytes = v.as_bytes();
        bytes.is_empty() || bytes.len() > 128 || !bytes.iter().all(u8::is_ascii_graphic)
    });
    if insane {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}
