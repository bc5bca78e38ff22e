//! The support server the tests talk to: the real `support-server` in process on loopback.
//!
//! `start_backend` is the one place that decides how the server is built. The server crate has
//! no bot websocket \[W9\] yet, so `bot_ws_stub` adds a stand-in at `/ws/support/bot/` built on
//! the real server's storage (`replies_after`, `last_reply_id`) and event hub; drop it once the
//! server serves the route itself.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use support_protocol::{Message, MessageId, MessageNew, Sender, ServerEvent, TicketId};
use support_server::SupportServer;
use support_server::hub::{Audience, HubEvent};
use support_server::storage::{DynStorage, MemoryStorage, NewMessageRecord};

/// The bot token the test server accepts.
pub const BOT_TOKEN: &str = "test-bot-token";

/// Whether to add the bot websocket stand-in (the server has no `/ws/support/bot/` yet).
pub const USE_BOT_WS_STUB: bool = true;

/// A running server.
pub struct Backend {
    pub addr: SocketAddr,
    pub support: SupportServer,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Backend {
    pub fn storage(&self) -> &DynStorage {
        self.support.state().storage()
    }

    /// A manager's reply, as the manager websocket \[W3\] records and announces it.
    pub async fn manager_reply(&self, ticket: TicketId, text: &str) -> Message {
        let message = self
            .storage()
            .create_message(NewMessageRecord {
                ticket,
                sender: Sender::Supp,
                text: text.to_owned(),
                viewed: true,
                manager: None,
            })
            .await
            .unwrap();
        self.support
            .state()
            .hub()
            .publish(HubEvent {
                audience: Audience::Ticket { assignee: None },
                event: ServerEvent::MessageNew(MessageNew {
                    message: message.clone(),
                    cursor: None,
                }),
            })
            .await
            .unwrap();
        message
    }
}

/// Starts the real server (in-memory storage: the server crate has no SQLite backend yet).
pub async fn start_backend() -> Backend {
    start_backend_with(USE_BOT_WS_STUB).await
}

/// Starts the real server, with or without the bot websocket stand-in.
pub async fn start_backend_with(bot_ws: bool) -> Backend {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_backend(listener, bot_ws)
}

/// Starts the real server on a given address (to test reconnects).
pub async fn start_backend_on(addr: SocketAddr) -> Backend {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    serve_backend(listener, USE_BOT_WS_STUB)
}

fn serve_backend(listener: tokio::net::TcpListener, bot_ws: bool) -> Backend {
    let support = SupportServer::builder()
        .storage(MemoryStorage::new())
        .bot_token(BOT_TOKEN)
        .build();
    let mut app: Router = support.router();
    if bot_ws {
        app = app.merge(bot_ws_stub(support.state().clone()));
    }
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Backend {
        addr,
        support,
        task,
    }
}

#[derive(serde::Deserialize)]
struct CursorQuery {
    cursor: Option<u64>,
}

/// The stand-in for \[W9\]: cursor = message id of a manager reply.
fn bot_ws_stub(state: support_server::AppState) -> Router {
    Router::new()
        .route("/ws/support/bot/", get(upgrade))
        .with_state(state)
}

async fn upgrade(
    State(state): State<support_server::AppState>,
    Query(q): Query<CursorQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {BOT_TOKEN}"));
    if !authorized {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ws.on_upgrade(move |socket| serve(socket, state, q.cursor))
}

async fn serve(mut socket: WebSocket, state: support_server::AppState, cursor: Option<u64>) {
    // Subscribe before reading the backlog, so nothing falls between the two.
    let mut live = state.hub().subscribe();
    let storage = state.storage().clone();
    let mut last = match cursor {
        Some(c) => c,
        None => storage.last_reply_id().await.unwrap().get() as u64,
    };
    if cursor.is_some() {
        let backlog = storage
            .replies_after(MessageId::new(last as i64), 10_000)
            .await
            .unwrap();
        for m in backlog {
            if !send(&mut socket, &m).await {
                return;
            }
            last = m.id.get() as u64;
        }
    }
    while let Ok(event) = live.recv().await {
        if let ServerEvent::MessageNew(MessageNew { message, .. }) = &event.event
            && message.sender == Sender::Supp
            && message.id.get() as u64 > last
        {
            if !send(&mut socket, message).await {
                return;
            }
            last = message.id.get() as u64;
        }
    }
}

async fn send(socket: &mut WebSocket, message: &Message) -> bool {
    let event = ServerEvent::MessageNew(MessageNew {
        message: message.clone(),
        cursor: Some(message.id.get() as u64),
    });
    socket
        .send(WsMessage::Text(event.to_json().into()))
        .await
        .is_ok()
}
