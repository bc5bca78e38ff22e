//! Headless Chromium for the console's end-to-end tests: [`Driver`] runs chromedriver as a
//! child process, [`Browser`] is a fantoccini session on it with helpers that wait for the page.

use std::io::Write as _;
use std::net::{TcpListener as StdListener, TcpStream as StdStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::services::in_ci;
use crate::{POLL, WAIT};

/// A chromedriver child process on a free loopback port; killed on drop.
pub struct Driver {
    child: Child,
    /// chromedriver's WebDriver endpoint.
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
    /// The fantoccini client, for what the helpers do not cover.
    pub client: Client,
    /// Where screenshots go.
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a headless Chromium through `driver`, with a fresh profile, sized for `screen`.
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

    /// Navigates to `url`.
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

    /// [`Self::wait_for_with`] with a wait of `within` instead of [`WAIT`].
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

    /// Waits until the open chat shows a message whose text is exactly `text`.
    pub async fn wait_chat_text(&self, what: &str, text: &str) {
        self.wait_for_with(
            what,
            "[...document.querySelectorAll('#message-list .msg-text')].some(e => e.textContent === arguments[0])",
            vec![Value::from(text)],
        )
        .await;
    }

    /// Waits until the console's connection is live (`true`) or not (`false`), for up to
    /// `within` (a reconnection waits out the console's backoff).
    pub async fn wait_live(&self, what: &str, live: bool, within: Duration) {
        let expr = if live {
            "document.getElementById('conn').dataset.state === 'open'"
        } else {
            "document.getElementById('conn').dataset.state !== 'open'"
        };
        self.wait_for_within(what, expr, vec![], within).await;
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

    /// Gives the console's composer a file made in the page: pasted into the reply box
    /// (`paste`, as a screenshot is) or chosen with the file picker.
    pub async fn give_file(&self, bytes: &[u8], name: &str, mime: &str, paste: bool) {
        const GIVE_FILE: &str = r#"
            const [bytes, name, type, paste] = arguments;
            const file = new File([new Uint8Array(bytes)], name, { type });
            const transfer = new DataTransfer();
            transfer.items.add(file);
            if (paste) {
              const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
              document.getElementById('reply').dispatchEvent(event);
            } else {
              const input = document.getElementById('attach-input');
              input.files = transfer.files;
              input.dispatchEvent(new Event('change', { bubbles: true }));
            }
            return true;
        "#;
        self.js_with(
            GIVE_FILE,
            vec![
                serde_json::json!(bytes),
                serde_json::json!(name),
                serde_json::json!(mime),
                serde_json::json!(paste),
            ],
        )
        .await;
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

    /// Ends the session (Chromium quits).
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
