//! Shared start-up helpers of the websocket, auth and hub tests: a real server on loopback,
//! managers with sessions, websocket clients (tokio-tungstenite) and their expectations.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support_protocol::ManagerId;
use support_server::SupportServer;
use support_server::auth::{BuiltinAuth, SESSION_TTL};
use support_server::storage::ManagerUpsert;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The bot token every test server accepts.
pub const BOT_TOKEN: &str = "test-bot-token";

/// How long a test waits for an event that must arrive. Generous, as CI machines are slow; a
/// correct server answers in milliseconds.
pub const EVENT_WAIT: Duration = Duration::from_secs(5);
/// How long a test listens to conclude that nothing (more) arrives.
pub const SILENCE: Duration = Duration::from_millis(300);

/// A websocket client.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running server (graceful shutdown on the server's own shutdown token).
pub struct TestServer {
    pub addr: SocketAddr,
    pub support: SupportServer,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `support` on 127.0.0.1 with an OS-chosen port.
    pub async fn start(support: SupportServer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(support, listener).await
    }

    /// Serves `support` on a listener the test configured (accepted sockets inherit its buffer
    /// sizes).
    pub async fn start_on(support: SupportServer, listener: tokio::net::TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let app: axum::Router = support.router();
        let token = support.state().shutdown_token().clone();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(token.cancelled_owned())
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            addr,
            support,
            client,
            task,
        }
    }

    /// A default server (memory storage, local hub, built-in auth) with the test bot token.
    pub async fn default_server() -> Self {
        Self::start(SupportServer::builder().bot_token(BOT_TOKEN).build()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// The server's own origin (what a browser on the console page sends).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A request with the bot token.
    pub fn bot(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(BOT_TOKEN)
    }

    /// The built-in authentication.
    pub fn auth(&self) -> &BuiltinAuth {
        self.support.state().builtin_auth().expect("built-in auth")
    }

    /// A manager without a password and a session token for them (no argon2: fast).
    pub async fn manager(&self, username: &str) -> (ManagerId, String) {
        let record = self
            .support
            .state()
            .storage()
            .upsert_manager(ManagerUpsert {
                username: username.to_owned(),
                first_name: username.to_owned(),
                last_name: String::new(),
                password_hash: None,
            })
            .await
            .unwrap();
        let token = self
            .auth()
            .start_session(record.id, SESSION_TTL)
            .await
            .unwrap();
        (record.id, token)
    }

    /// Creates a ticket over REST as the bot; returns the ticket JSON.
    pub async fn create_ticket(&self, user: i64, title: &str) -> Value {
        let r = self
            .bot(reqwest::Method::POST, "/support/tickets/")
            .json(&json!({"user_id": user, "title": title}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "create ticket");
        r.json().await.unwrap()
    }

    /// Posts a user message over REST as the bot; returns the message JSON.
    pub async fn user_message(&self, ticket: i64, text: &str) -> Value {
        let r = self
            .bot(
                reqwest::Method::POST,
                &format!("/support/tickets/{ticket}/messages/"),
            )
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "post message");
        r.json().await.unwrap()
    }

    /// A ticket's messages over REST, newest first.
    pub async fn messages(&self, ticket: i64) -> Value {
        self.bot(
            reqwest::Method::GET,
            &format!("/support/tickets/{ticket}/messages/"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
    }

    /// A ticket over REST.
    pub async fn ticket(&self, ticket: i64) -> Value {
        self.bot(reqwest::Method::GET, &format!("/support/tickets/{ticket}/"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A manager websocket authenticated by the session cookie, from the server's own origin.
    pub async fn manager_ws(&self, session: &str) -> Ws {
        let origin = self.origin();
        connect(
            &self.ws_url("/ws/support/manager/"),
            &[
                ("cookie", format!("support_session={session}")),
                ("origin", origin),
            ],
        )
        .await
        .expect("manager websocket connects")
    }

    /// A bot websocket with the bot token.
    pub async fn bot_ws(&self, cursor: Option<i64>) -> Ws {
        let path = match cursor {
            Some(c) => format!("/ws/support/bot/?cursor={c}"),
            None => "/ws/support/bot/".to_owned(),
        };
        connect(
            &self.ws_url(&path),
            &[("authorization", format!("Bearer {BOT_TOKEN}"))],
        )
        .await
        .expect("bot websocket connects")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Connects with extra headers; the handshake error (e.g. the HTTP status) on failure.
pub async fn connect(url: &str, headers: &[(&str, String)]) -> Result<Ws, tungstenite::Error> {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

/// The HTTP status and JSON body of a refused handshake.
pub async fn refused(url: &str, headers: &[(&str, String)]) -> (u16, Value) {
    match connect(url, headers).await {
        Ok(_) => panic!("{url}: the upgrade was accepted"),
        Err(tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            let body = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{url}: body is not JSON ({e}): {body:?}"));
            (status, body)
        }
        Err(other) => panic!("{url}: unexpected handshake error {other}"),
    }
}

/// Sends a JSON value as a text frame.
pub async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

/// Sends a raw frame.
pub async fn send_raw(ws: &mut Ws, message: Message) {
    ws.send(message).await.unwrap();
}

/// The next JSON text frame (pings and pongs skipped); panics on timeout or close.
pub async fn recv(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + EVENT_WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an event within the wait")
            .expect("the socket is open")
            .expect("a valid frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The next event, which must have this `type`.
pub async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    let v = recv(ws).await;
    assert_eq!(v["type"], kind, "unexpected event {v}");
    v
}

/// Asserts that nothing arrives for [`SILENCE`] (the socket staying open).
pub async fn silent(ws: &mut Ws) {
    match tokio::time::timeout(SILENCE, ws.next()).await {
        Err(_) => {}
        Ok(frame) => panic!("expected silence, got {frame:?}"),
    }
}

/// Reads until the close frame; returns its code (frames before it are skipped).
pub async fn close_code(ws: &mut Ws, wait: Duration) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("no close within {wait:?}"),
            Ok(None) => return None,
            Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The id field of a JSON object.
pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}
