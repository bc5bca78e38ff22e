//! The Python original's current clients, unmodified from PyPI, as our tests run them:
//! `chatlabs-aiogram-support` 0.2.0's REST client ([`BotApi`]) and `chatlabs-django-support`
//! 1.2.0's manager page ([`page_dir`]). `tests/original/clients.sh` installs them into a cache
//! and prints the directory; the tests find it in [`ORIGINAL_DIR_VAR`].

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::WAIT;
use crate::services::{in_ci, skipped};

/// The variable naming the directory `tests/original/clients.sh` filled.
pub const ORIGINAL_DIR_VAR: &str = "SUPPORT_TEST_ORIGINAL_DIR";

/// The bot client's version.
pub const BOT_VERSION: &str = "0.2.0";
/// The manager page's version.
pub const PAGE_VERSION: &str = "1.2.0";

/// The clients' directory, or `None` after a line saying `test` is skipped. With `CI` set a
/// missing variable fails the test: CI runs `tests/original/clients.sh` and must run these.
pub fn original_dir(test: &str) -> Option<PathBuf> {
    let hint = "run tests/original/clients.sh and set the variable it prints";
    match std::env::var(ORIGINAL_DIR_VAR) {
        Ok(dir) if !dir.trim().is_empty() => Some(PathBuf::from(dir)),
        _ if in_ci() => panic!("{test}: {ORIGINAL_DIR_VAR} is not set and CI is set; {hint}"),
        _ => {
            skipped(test, &format!("{ORIGINAL_DIR_VAR} is not set; {hint}"));
            None
        }
    }
}

/// The unpacked manager page: `support/static/support/js/...` and
/// `support/templates/support/support_manager.html` under it.
pub fn page_dir(dir: &Path) -> PathBuf {
    let page = dir.join(format!("page-{PAGE_VERSION}"));
    assert!(
        page.join("support/static/support/js/index.js").is_file(),
        "{} lacks the 1.2.0 page; run tests/original/clients.sh",
        page.display()
    );
    page
}

/// `chatlabs-aiogram-support` 0.2.0's `support.dialogs.api`, in its own Python process
/// (`tests/original/bot_api_driver.py`), pointed at a server; killed on drop.
pub struct BotApi {
    _child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl BotApi {
    /// Starts the client against `http://{host}:{port}/{path}` (its own settings: the
    /// variables `BACKEND_HOST`, `BACKEND_PORT`, `BACKEND_SUPPORT_PATH`).
    pub async fn start(dir: &Path, addr: std::net::SocketAddr, path: &str) -> Self {
        let python = dir.join(format!("bot-{BOT_VERSION}/bin/python"));
        assert!(
            python.is_file(),
            "{} is missing; run tests/original/clients.sh",
            python.display()
        );
        let driver =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/original/bot_api_driver.py");
        let mut child = Command::new(&python)
            .arg(&driver)
            .env("BACKEND_SCHEMA", "http")
            .env("BACKEND_HOST", addr.ip().to_string())
            .env("BACKEND_PORT", addr.port().to_string())
            .env("BACKEND_SUPPORT_PATH", path)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            _child: child,
            stdin,
            stdout,
        }
    }

    /// Makes one call, e.g. `call("Ticket.api_create", json!({"user_id": 1, "title": "t"}))`;
    /// returns the client's result (`null` where it returned None) or `Err` with what it raised.
    pub async fn call(&mut self, call: &str, args: Value) -> Result<Value, String> {
        let line = json!({"call": call, "args": args}).to_string() + "\n";
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        let reply = tokio::time::timeout(WAIT, self.stdout.next_line())
            .await
            .unwrap_or_else(|_| panic!("{call}: no answer from the Python client in {WAIT:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("{call}: the Python client exited"));
        let reply: Value = serde_json::from_str(&reply).unwrap();
        if reply["ok"] == true {
            Ok(reply["value"].clone())
        } else {
            Err(reply["error"].as_str().unwrap_or_default().to_owned())
        }
    }

    /// [`Self::call`] that must succeed.
    pub async fn ok(&mut self, call: &str, args: Value) -> Value {
        self.call(call, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{call}({args}): the client raised {e}"))
    }
}

/// Where [`page_routes`] serves the 1.2.0 page.
pub const PAGE_PATH: &str = "/original/manager/";

/// The 1.2.0 manager page as its Django view serves it, for a host's router: its template at
/// [`PAGE_PATH`], rendered as Django would for the manager whose id `manager_id` holds when the
/// page is asked for, at the site's root (`{% static %}` → `/static/...`,
/// `request.script_name` → empty, `user.pk` → the id), and its files under `/static/support/`.
/// The template's one outside script, Tailwind from unpkg.com (styling only), is left out:
/// nothing we serve loads from a CDN, and the tests run offline.
pub fn page_routes(
    page: &Path,
    manager_id: std::sync::Arc<std::sync::atomic::AtomicI64>,
) -> axum::Router {
    use axum::extract::Path as UrlPath;
    use axum::http::{StatusCode, header};
    use axum::response::{Html, IntoResponse};
    use axum::routing::get;

    let template =
        std::fs::read_to_string(page.join("support/templates/support/support_manager.html"))
            .expect("the 1.2.0 template");
    render_template(&template, 0); // a template this renderer does not know fails here
    let static_root = page.join("support/static");
    axum::Router::new()
        .route(
            PAGE_PATH,
            get(move || async move {
                let id = manager_id.load(std::sync::atomic::Ordering::SeqCst);
                Html(render_template(&template, id))
            }),
        )
        .route(
            "/static/{*path}",
            get(move |UrlPath(path): UrlPath<String>| {
                let root = static_root.clone();
                async move {
                    // Test code, but still: only plain names below the root.
                    if path.split('/').any(|p| p.is_empty() || p.starts_with('.')) {
                        return StatusCode::NOT_FOUND.into_response();
                    }
                    let kind = match path.rsplit('.').next() {
                        Some("js") => "text/javascript",
                        Some("css") => "text/css",
                        _ => "application/octet-stream",
                    };
                    match tokio::fs::read(root.join(&path)).await {
                        Ok(bytes) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
                        Err(_) => StatusCode::NOT_FOUND.into_response(),
                    }
                }
            }),
        )
}

/// The template's Django tags, as its view renders them for `manager_id` at the root.
fn render_template(template: &str, manager_id: i64) -> String {
    let mut out = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    let mut rest = template;
    while let Some(start) = [rest.find("{%"), rest.find("{{")]
        .into_iter()
        .flatten()
        .min()
    {
        out.push_str(&rest[..start]);
        let close = if rest[start..].starts_with("{%") {
            "%}"
        } else {
            "}}"
        };
        let end = start + rest[start..].find(close).expect("a closed tag") + 2;
        let tag = rest[start + 2..end - 2].trim();
        if let Some(path) = tag.strip_prefix("static ") {
            out.push_str("/static/");
            out.push_str(path.trim().trim_matches('\''));
        } else if tag == "request.script_name" {
            // Served at the root: `window.BASE_PATH` is empty.
        } else if tag == "user.pk" {
            out.push_str(&manager_id.to_string());
        } else {
            // `load`, `block`, `endblock`: layout only.
            assert!(
                ["load ", "block ", "endblock"]
                    .iter()
                    .any(|p| tag.starts_with(p)),
                "a tag of the 1.2.0 template this renderer does not know: {tag}"
            );
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.push_str("</body></html>");
    // No CDN: the one outside script (Tailwind's, styling only) is left out.
    let cdn = "<script src=\"https://unpkg.com/@tailwindcss/browser@4\"></script>";
    assert!(
        out.contains(cdn),
        "the 1.2.0 template changed: {cdn} not found"
    );
    out.replace(cdn, "")
}
