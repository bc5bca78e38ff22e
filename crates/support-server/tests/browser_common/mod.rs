//! Helpers of the console browser tests: a real support server on SQLite (restartable on the
//! same port and file), chromedriver as a child process, a headless Chromium session driven
//! through fantoccini, and a bot websocket client (tokio-tungstenite).
#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use futures_util::StreamExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use support_protocol::{ManagerId, Message, Ticket, TicketId};
use support_server::SupportServer;
use support_server::auth::{SESSION_TTL, create_or_update_manager};
use support_server::storage::{DynStorage, ManagerUpsert, SqliteStorage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The bot token the test servers accept.
pub const BOT_TOKEN: &str = "browser-test-bot-token";
/// How long a test waits for a condition that must come true. A correct page needs
/// milliseconds; CI machines (2 cores, other tests running) are slow.
pub const WAIT: Duration = Duration::from_secs(10);
/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(100);

/// A websocket client.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---- The server ---------------------------------------------------------------------------

/// A support server on SQLite, served on loopback; it can be stopped and started again on the
/// same address and database file.
pub struct Site {
    pub addr: SocketAddr,
    pub db: PathBuf,
    pub support: SupportServer,
    pub http: reqwest::Client,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Site {
    /// Opens (creating) the database `db` and serves on `addr` (`None`: a free port).
    pub async fn start(db: &Path, addr: Option<SocketAddr>) -> Self {
        let storage = SqliteStorage::open(db.to_str().expect("a UTF-8 temp path"))
            .await
            .expect("the SQLite database opens");
        let storage: DynStorage = Arc::new(storage);
        let support = SupportServer::builder()
            .shared_storage(storage)
            .bot_token(BOT_TOKEN)
            .build();
        let listener = bind(addr).await;
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
        Self {
            addr,
            db: db.to_owned(),
            support,
            http: reqwest::Client::new(),
            task: Some(task),
        }
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

    pub fn storage(&self) -> &DynStorage {
        self.support.state().storage()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The console page.
    pub fn console_url(&self) -> String {
        self.url("/support/manager/")
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

    /// A manager without a password, and a session token for them (their websocket cookie).
    pub async fn manager_with_session(&self, username: &str, first: &str) -> (ManagerId, String) {
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
            .support
            .state()
            .builtin_auth()
            .expect("built-in auth")
            .start_session(record.id, SESSION_TTL)
            .await
            .unwrap();
        (record.id, token)
    }

    /// Creates a ticket with its first user message over REST, as the bot does; returns its id.
    pub async fn create_ticket(&self, user: i64, title: &str, text: &str) -> i64 {
        let r = self
            .http
            .post(self.url("/support/tickets/"))
            .bearer_auth(BOT_TOKEN)
            .json(&json!({"user_id": user, "title": title, "text": text}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "create ticket {title:?}");
        let body: Value = r.json().await.unwrap();
        body["id"].as_i64().expect("a ticket id")
    }

    /// Posts a user message over REST, as the bot does; returns its id.
    pub async fn user_message(&self, ticket: i64, text: &str) -> i64 {
        let r = self
            .http
            .post(self.url(&format!("/support/tickets/{ticket}/messages/")))
            .bearer_auth(BOT_TOKEN)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "post message to #{ticket}");
        let body: Value = r.json().await.unwrap();
        body["id"].as_i64().expect("a message id")
    }

    /// Marks a ticket resolved over REST (as the bot would).
    pub async fn set_resolved(&self, ticket: i64, resolved: bool) {
        let r = self
            .http
            .patch(self.url(&format!("/support/tickets/{ticket}/")))
            .bearer_auth(BOT_TOKEN)
            .json(&json!({ "resolved": resolved }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "resolve #{ticket}");
    }

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

    /// The bot websocket from `cursor` (replies with a larger id are delivered).
    pub async fn bot_ws(&self, cursor: i64) -> Ws {
        let url = format!("ws://{}/ws/support/bot/?cursor={cursor}", self.addr);
        connect(&url, &[("authorization", format!("Bearer {BOT_TOKEN}"))]).await
    }

    /// A manager websocket authenticated by a session cookie from the console's origin.
    pub async fn manager_ws(&self, session: &str) -> Ws {
        let url = format!("ws://{}/ws/support/manager/", self.addr);
        connect(
            &url,
            &[
                ("cookie", format!("support_session={session}")),
                ("origin", format!("http://{}", self.addr)),
            ],
        )
        .await
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Binds `addr` (retrying for a while: the previous server may still be letting go of it), or a
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

async fn connect(url: &str, headers: &[(&str, String)]) -> Ws {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| panic!("{url}: websocket refused: {e}"))
        .0
}

/// Sends a JSON value as a text frame.
pub async fn ws_send(ws: &mut Ws, value: Value) {
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        value.to_string(),
    ))
    .await
    .unwrap();
}

/// The next JSON event of type `kind` (others skipped); panics after [`WAIT`].
pub async fn ws_recv_type(ws: &mut Ws, kind: &str) -> Value {
    use tokio_tungstenite::tungstenite::Message as Frame;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} event within {WAIT:?}"))
            .expect("the websocket is open")
            .expect("a valid frame");
        if let Frame::Text(text) = frame {
            let event: Value = serde_json::from_str(&text).unwrap();
            if event["type"] == kind {
                return event;
            }
        }
    }
}

// ---- chromedriver ---------------------------------------------------------------------------

/// A chromedriver child process on a free loopback port; killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    /// Starts chromedriver (`$CHROMEDRIVER` or `chromedriver` on the `PATH`). Without it: when
    /// the `CI` variable is set the test fails; otherwise it prints why it is skipped and
    /// returns `None`.
    pub fn start(test: &str) -> Option<Self> {
        let Some(bin) = find_chromedriver() else {
            let hint =
                "install it: apt-get install -y chromium chromium-driver (or set CHROMEDRIVER)";
            if in_ci() {
                panic!("{test}: chromedriver not found and CI is set; {hint}");
            }
            // Straight to stderr: libtest would swallow an `eprintln!` of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: chromedriver not found; {hint}"
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            // Its own process group, so a failed test can take Chromium down with it.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + WAIT;
        while StdStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(driver)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // After a panic the browser session was never closed: end chromedriver's whole group
        // (Chromium and its helpers), not just chromedriver, so no browser outlives the test.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `CI` is set (to anything but empty, `0` or `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn find_chromedriver() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(explicit));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---- The browser ----------------------------------------------------------------------------

/// The window a session emulates.
#[derive(Debug, Clone, Copy)]
pub enum Screen {
    /// A desktop window, 1280×900.
    Desktop,
    /// A 360×780 phone (chromedriver's mobile emulation: desktop windows cannot be that narrow).
    Phone,
}

/// A headless Chromium session with its own throw-away profile.
pub struct Browser {
    pub client: Client,
    /// Where screenshots go.
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open(driver: &Driver, screen: Screen) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--lang=en-US".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        // Headless: a tab in the background must still count as visible (viewed marks).
        args.push("--disable-renderer-backgrounding".to_owned());
        let mut chrome = json!({
            "args": args,
            "prefs": {"intl.accept_languages": "en-US"},
        });
        if let Some(binary) = chromium_binary() {
            chrome["binary"] = json!(binary);
        }
        if matches!(screen, Screen::Phone) {
            chrome["mobileEmulation"] = json!({
                "deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0, "touch": true, "mobile": true},
            });
        }
        let mut caps = Capabilities::new();
        caps.insert("browserName".to_owned(), json!("chrome"));
        caps.insert("goog:chromeOptions".to_owned(), chrome);
        caps.insert("goog:loggingPrefs".to_owned(), json!({"browser": "ALL"}));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session through chromedriver");
        Self {
            client,
            shots: screenshot_dir(),
            _profile: profile,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    /// Runs a script (a function body: `return ...`) and returns its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs a script with arguments (`arguments[0]`, ...).
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls the JS expression `expr` until it is truthy and returns its value; after [`WAIT`]
    /// saves a screenshot `failed-*.png` and panics naming `what`.
    pub async fn wait_for(&self, what: &str, expr: &str) -> Value {
        self.wait_for_with(what, expr, vec![]).await
    }

    /// [`Self::wait_for`] with arguments for the expression (`arguments[0]`, ...).
    pub async fn wait_for_with(&self, what: &str, expr: &str, args: Vec<Value>) -> Value {
        self.wait_for_within(what, expr, args, WAIT).await
    }

    pub async fn wait_for_within(
        &self,
        what: &str,
        expr: &str,
        args: Vec<Value>,
        wait: Duration,
    ) -> Value {
        let script = format!("return ({expr});");
        let deadline = Instant::now() + wait;
        loop {
            let value = self.js_with(&script, args.clone()).await;
            if truthy(&value) {
                return value;
            }
            if Instant::now() >= deadline {
                let name = format!(
                    "failed-{}",
                    what.chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                        .collect::<String>()
                );
                self.screenshot(&name).await;
                panic!(
                    "browser: timed out after {wait:?} waiting for {what} (last: {value})\n  {expr}"
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the element matching a CSS selector (a real WebDriver click).
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types into the element matching a CSS selector.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self
            .client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// `textContent` of the first element matching a selector (`null` if none).
    pub async fn text_of(&self, css: &str) -> Value {
        self.js_with(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            vec![json!(css)],
        )
        .await
    }

    /// Panics if a JavaScript dialog (`alert`, `confirm`, `prompt`) is open.
    pub async fn assert_no_alert(&self) {
        match self.client.get_alert_text().await {
            Err(e) if e.is_no_such_alert() => {}
            Ok(text) => panic!("a JavaScript alert is open: {text:?}"),
            Err(e) => panic!("asking for an alert failed: {e}"),
        }
    }

    /// Saves a PNG screenshot as `target/console-screenshots/{name}.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(&self.shots).unwrap();
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Signs in through the login form.
    pub async fn login(&self, username: &str, password: &str) {
        self.wait_for(
            "the login form",
            "!document.getElementById('login').hidden && document.activeElement && document.activeElement.id === 'login-username'",
        )
        .await;
        self.type_into("#login-username", username).await;
        self.type_into("#login-password", password).await;
        self.click("#login-submit").await;
    }

    /// The browser console's entries since the last call (chromedriver's log endpoint).
    pub async fn console_log(&self) -> Vec<Value> {
        match self.client.issue_cmd(BrowserLog).await {
            Ok(Value::Array(entries)) => entries,
            Ok(other) => panic!("unexpected browser log answer: {other}"),
            Err(e) => panic!("reading the browser log: {e}"),
        }
    }

    /// Panics on any console error (uncaught exception, CSP violation, failed request) except
    /// those whose message contains one of `expected`.
    pub async fn assert_no_console_errors(&self, expected: &[&str]) {
        let errors: Vec<Value> = self
            .console_log()
            .await
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .filter(|e| {
                let message = e["message"].as_str().unwrap_or_default();
                !expected.iter().any(|x| message.contains(x))
            })
            .collect();
        assert!(errors.is_empty(), "browser console errors: {errors:#?}");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// chromedriver's (non-W3C) `POST /session/{id}/se/log` for the `browser` log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

fn chromium_binary() -> Option<String> {
    if let Some(explicit) = std::env::var_os("CHROMIUM") {
        return Some(explicit.to_string_lossy().into_owned());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .map(str::to_owned)
}

/// `target/console-screenshots/` (honouring `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("console-screenshots")
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}
