//! The support server the tests talk to: the real `support-server` in process on loopback, on a
//! real SQLite file, with its real bot websocket \[W9\]. Manager replies go through the real
//! manager websocket \[W3\], as a manager's console sends them.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use support_protocol::{Message, ServerEvent, TicketId};
use support_server::SupportServer;
use support_server::auth::create_or_update_manager;
use support_server::storage::{DynStorage, SqliteStorage};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The bot token the test server accepts.
pub const BOT_TOKEN: &str = "test-bot-token";

/// A running server.
pub struct Backend {
    pub addr: SocketAddr,
    pub support: SupportServer,
    task: tokio::task::JoinHandle<()>,
    /// Holds the SQLite file's directory for the life of the server.
    _dir: tempfile::TempDir,
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

    /// A manager's reply, sent over the manager websocket as the console sends it; returns the
    /// stored message once the server echoed it back.
    pub async fn manager_reply(&self, ticket: TicketId, text: &str) -> Message {
        create_or_update_manager(self.storage(), "manager", "manager-password", "Anna", "")
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("http://{}/support/auth/token/", self.addr))
            .json(&serde_json::json!({"username": "manager", "password": "manager-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["token"].as_str().expect("a manager token").to_owned();
        let mut request = format!("ws://{}/ws/support/manager/", self.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let frame =
            serde_json::json!({"type": "ticket.message.new", "ticket_id": ticket, "text": text});
        ws.send(WsMessage::text(frame.to_string())).await.unwrap();
        loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
                .await
                .expect("the manager websocket answers")
                .expect("the socket stays open")
                .unwrap();
            if let WsMessage::Text(raw) = frame {
                match serde_json::from_str::<ServerEvent>(&raw).unwrap() {
                    ServerEvent::MessageNew(m) if m.message.ticket == ticket => {
                        let _ = ws.close(None).await;
                        return m.message;
                    }
                    ServerEvent::Error(e) => panic!("manager reply refused: {e:?}"),
                    _ => {}
                }
            }
        }
    }
}

/// Starts the real server on a fresh SQLite file.
pub async fn start_backend() -> Backend {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_backend(listener).await
}

/// Starts the real server on a given address (to test reconnects).
pub async fn start_backend_on(addr: SocketAddr) -> Backend {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    serve_backend(listener).await
}

async fn serve_backend(listener: tokio::net::TcpListener) -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("support.db");
    let storage = SqliteStorage::open(path.to_str().unwrap()).await.unwrap();
    let support = SupportServer::builder()
        .storage(storage)
        .bot_token(BOT_TOKEN)
        .build();
    let app: axum::Router = support.router();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Backend {
        addr,
        support,
        task,
        _dir: dir,
    }
}
