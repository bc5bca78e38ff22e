//! [`TestServer`]: the real support server on a loopback port, and what tests do with it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support_protocol::{ManagerId, Message, Ticket, TicketId};
use support_server::auth::{BuiltinAuth, SESSION_TTL, create_or_update_manager};
use support_server::delivery::DeliveryPolicy;
use support_server::storage::{DynStorage, ManagerUpsert, SqliteStorage};
use support_server::{SupportServer, SupportServerBuilder};

mod files;
mod sockets;

pub use files::{As, png};

use crate::ws::id;
use crate::{POLL, WAIT};

/// The bot token every test server accepts.
pub const BOT_TOKEN: &str = "test-bot-token";

/// A running server: axum on `127.0.0.1`, with connect info (per-IP login throttling) and
/// graceful shutdown on the server's own shutdown token. Dropping it aborts the server.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The server, for its state (storage, hub, auth).
    pub support: SupportServer,
    /// An HTTP client that does not follow redirects.
    pub client: reqwest::Client,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The SQLite file, when the server was started on one.
    db: Option<PathBuf>,
    /// The SQLite file's directory, when the server made it (removed on drop).
    _dir: Option<tempfile::TempDir>,
}

/// The delivery policy of the test servers: retries after 200 ms (doubling to 1 s), so a test
/// of a retry takes a second, not a minute; a 20-second lease, which covers a Telegram call
/// answered with a 5xx (teloxide waits 10 s before it returns one). Tests of an expiring lease
/// start a server with a shorter one ([`TestServer::with_delivery`]).
pub fn delivery_policy() -> DeliveryPolicy {
    DeliveryPolicy::default()
        .lease(Duration::from_secs(20))
        .backoff_between(Duration::from_millis(200), Duration::from_secs(1))
}

impl TestServer {
    /// Serves `support` on a free port.
    pub async fn start(support: SupportServer) -> Self {
        Self::start_on(support, bind(None).await).await
    }

    /// Serves `support` on a listener the test configured (accepted sockets inherit its buffer
    /// sizes).
    pub async fn start_on(support: SupportServer, listener: tokio::net::TcpListener) -> Self {
        Self::serve(support, listener, axum::Router::new()).await
    }

    /// A server on a fresh SQLite file of its own, its builder (with the test bot token and
    /// delivery policy) finished by `configure`, and the host's own `routes` beside the support
    /// routes, as a host app nests them.
    pub async fn sqlite_host(
        configure: impl FnOnce(SupportServerBuilder) -> SupportServerBuilder,
        routes: axum::Router,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("support.db");
        let storage = SqliteStorage::open(db.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("the SQLite database opens");
        let support = configure(
            SupportServer::builder()
                .storage(storage)
                .bot_token(BOT_TOKEN)
                .delivery(delivery_policy()),
        )
        .build();
        let mut server = Self::serve(support, bind(None).await, routes).await;
        server.db = Some(db);
        server._dir = Some(dir);
        server
    }

    async fn serve(
        support: SupportServer,
        listener: tokio::net::TcpListener,
        routes: axum::Router,
    ) -> Self {
        let addr = listener.local_addr().unwrap();
        let app: axum::Router = support.router().merge(routes);
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
            task: Some(task),
            db: None,
            _dir: None,
        }
    }

    /// A default server (memory storage, local hub, built-in auth) with the test bot token and
    /// the tests' [`delivery_policy`].
    pub async fn default_server() -> Self {
        Self::start(
            SupportServer::builder()
                .bot_token(BOT_TOKEN)
                .delivery(delivery_policy())
                .build(),
        )
        .await
    }

    /// A default server with its own delivery policy (e.g. a short lease).
    pub async fn with_delivery(policy: DeliveryPolicy) -> Self {
        Self::start(
            SupportServer::builder()
                .bot_token(BOT_TOKEN)
                .delivery(policy)
                .build(),
        )
        .await
    }

    /// A server over `storage` with the test bot token.
    pub async fn with_storage(storage: DynStorage) -> Self {
        Self::start(
            SupportServer::builder()
                .shared_storage(storage)
                .bot_token(BOT_TOKEN)
                .delivery(delivery_policy())
                .build(),
        )
        .await
    }

    /// A server on a fresh SQLite file of its own (removed with the server).
    pub async fn sqlite() -> Self {
        Self::sqlite_on(None).await
    }

    /// [`Self::sqlite`] on `addr` (`None`: a free port), e.g. to restart where a client expects it.
    pub async fn sqlite_on(addr: Option<SocketAddr>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self::sqlite_at(&dir.path().join("support.db"), addr).await;
        server._dir = Some(dir);
        server
    }

    /// A server on the SQLite file `db` (created if missing), served on `addr` (`None`: a free
    /// port). Stop it and start it again on the same file and address to test a restart.
    pub async fn sqlite_at(db: &Path, addr: Option<SocketAddr>) -> Self {
        Self::sqlite_with(db, addr, delivery_policy()).await
    }

    /// [`Self::sqlite_at`] with its own delivery policy (e.g. a short lease).
    pub async fn sqlite_with(db: &Path, addr: Option<SocketAddr>, policy: DeliveryPolicy) -> Self {
        let storage = SqliteStorage::open(db.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("the SQLite database opens");
        let storage: DynStorage = Arc::new(storage);
        let support = SupportServer::builder()
            .shared_storage(storage)
            .bot_token(BOT_TOKEN)
            .delivery(policy)
            .build();
        let mut server = Self::start_on(support, bind(addr).await).await;
        server.db = Some(db.to_owned());
        server
    }

    /// Stops like a deployment does: websockets close with 1001, HTTP drains, the storage
    /// closes. The address is free afterwards.
    pub async fn stop(&mut self) {
        self.support.begin_shutdown();
        if let Some(mut task) = self.task.take() {
            // Connections that linger (a browser's idle keep-alive) must not hold the test up.
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
        self.support.close().await;
    }

    /// The SQLite file, for a server started on one.
    pub fn db(&self) -> Option<&Path> {
        self.db.as_deref()
    }

    /// The storage.
    pub fn storage(&self) -> &DynStorage {
        self.support.state().storage()
    }

    /// The built-in authentication.
    pub fn auth(&self) -> &BuiltinAuth {
        self.support.state().builtin_auth().expect("built-in auth")
    }

    /// `http://{addr}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `ws://{addr}{path}`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// The server's own origin (what a browser on the console page sends).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The console page.
    pub fn console_url(&self) -> String {
        self.url("/support/manager/")
    }

    /// A request with the bot token.
    pub fn bot(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(BOT_TOKEN)
    }

    // ---- Managers ----------------------------------------------------------------------------

    /// A manager without a password (no argon2: fast), first name = username, and a session
    /// token for them.
    pub async fn manager(&self, username: &str) -> (ManagerId, String) {
        self.manager_named(username, username).await
    }

    /// A manager without a password with this first name, and a session token for them (their
    /// websocket cookie).
    pub async fn manager_named(&self, username: &str, first: &str) -> (ManagerId, String) {
        let record = self
            .storage()
            .upsert_manager(ManagerUpsert {
                username: username.to_owned(),
                first_name: first.to_owned(),
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

    /// A manager with a password (argon2: slow, use once or twice per test).
    pub async fn manager_with_password(
        &self,
        username: &str,
        password: &str,
        first: &str,
        last: &str,
    ) -> ManagerId {
        create_or_update_manager(self.storage(), username, password, first, last)
            .await
            .expect("manager created")
            .id
    }

    // ---- REST, as the bot ---------------------------------------------------------------------

    /// Creates a ticket over REST as the bot; returns the ticket JSON.
    pub async fn create_ticket(&self, user: i64, title: &str) -> Value {
        self.post_ticket(json!({"user_id": user, "title": title}))
            .await
    }

    /// Creates a ticket with its first user message over REST, as the bot does; returns its id.
    pub async fn ticket_with_message(&self, user: i64, title: &str, text: &str) -> i64 {
        id(&self
            .post_ticket(json!({"user_id": user, "title": title, "text": text}))
            .await)
    }

    async fn post_ticket(&self, body: Value) -> Value {
        let r = self
            .bot(reqwest::Method::POST, "/support/tickets/")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "create ticket {body}");
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
        assert_eq!(r.status(), 201, "post message to #{ticket}");
        r.json().await.unwrap()
    }

    /// Marks a ticket resolved or open over REST, as the bot would.
    pub async fn set_resolved(&self, ticket: i64, resolved: bool) {
        let r = self
            .bot(
                reqwest::Method::PATCH,
                &format!("/support/tickets/{ticket}/"),
            )
            .json(&json!({ "resolved": resolved }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "resolve #{ticket}");
    }

    /// A ticket's messages over REST, newest first.
    pub async fn messages(&self, ticket: i64) -> Value {
        self.get_json(&format!("/support/tickets/{ticket}/messages/"))
            .await
    }

    /// A ticket over REST.
    pub async fn ticket(&self, ticket: i64) -> Value {
        self.get_json(&format!("/support/tickets/{ticket}/")).await
    }

    async fn get_json(&self, path: &str) -> Value {
        self.bot(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    // ---- Storage ------------------------------------------------------------------------------

    /// A ticket, straight from storage.
    pub async fn stored_ticket(&self, id: i64) -> Ticket {
        self.storage()
            .get_ticket(TicketId::new(id))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("ticket #{id} is not stored"))
    }

    /// A ticket's messages, straight from storage, oldest first.
    pub async fn stored_messages(&self, ticket: i64) -> Vec<Message> {
        let (mut messages, _) = self
            .storage()
            .list_messages(TicketId::new(ticket), None, 0)
            .await
            .unwrap();
        messages.reverse();
        messages
    }

    /// Polls storage until `check` holds for the ticket (panics after [`WAIT`]).
    pub async fn wait_ticket(
        &self,
        id: i64,
        what: &str,
        check: impl Fn(&Ticket) -> bool,
    ) -> Ticket {
        let deadline = Instant::now() + WAIT;
        loop {
            let ticket = self.stored_ticket(id).await;
            if check(&ticket) {
                return ticket;
            }
            assert!(
                Instant::now() < deadline,
                "storage: timed out waiting for {what}: {ticket:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Polls storage until `check` holds for the ticket's messages (panics after [`WAIT`]).
    pub async fn wait_messages(
        &self,
        ticket: i64,
        what: &str,
        check: impl Fn(&[Message]) -> bool,
    ) -> Vec<Message> {
        let deadline = Instant::now() + WAIT;
        loop {
            let messages = self.stored_messages(ticket).await;
            if check(&messages) {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "storage: timed out waiting for {what}: {messages:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Binds `addr` (retrying for a while: a previous server may still be letting go of it), or a
/// free port.
async fn bind(addr: Option<SocketAddr>) -> tokio::net::TcpListener {
    let Some(addr) = addr else {
        return tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    };
    let deadline = Instant::now() + WAIT;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline => {
                eprintln!("rebinding {addr}: {e}; retrying");
                tokio::time::sleep(POLL).await;
            }
            Err(e) => panic!("cannot bind {addr} again: {e}"),
        }
    }
}
