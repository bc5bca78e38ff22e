//! The ceiling of this machine: an axum server whose handlers do nothing but answer 201 with a
//! small JSON body shaped like the real one, on the same paths, measured with the same client.
//! Run it as its own process (`loadgen noop-server`), like the server under test.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;

/// A message-shaped answer, the size of a real `POST .../messages/` 201.
const MESSAGE: &str = r#"{"id":1,"created_at":"2026-01-01T00:00:00.000000Z","sender":"user","text":"load c0 n1","viewed":false,"ticket":1}"#;
/// A ticket-shaped answer.
const TICKET: &str = r#"{"id":1,"user":{"telegram_id":1},"support_manager":null,"created_at":"2026-01-01T00:00:00.000000Z","title":"t","resolved":false}"#;

async fn created(body: &'static str, _request: Bytes) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
}

/// The no-op routes: `POST {mount}/tickets/` and `POST {mount}/tickets/{id}/messages/`.
pub fn router(mount: &str) -> Router {
    Router::new()
        .route(
            &format!("{mount}/tickets/"),
            post(|b: Bytes| created(TICKET, b)),
        )
        .route(
            &format!("{mount}/tickets/{{id}}/messages/"),
            post(|b: Bytes| created(MESSAGE, b)),
        )
}

/// Serves the no-op routes on `bind` until the process is killed.
pub async fn serve(bind: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("noop server listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router("/support")).await?;
    Ok(())
}
