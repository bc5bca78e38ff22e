//! The manager console (SPEC section 4): one HTML page and its static assets, embedded in the
//! binary.
//!
//! [`router`] serves, relative to the mount point it is nested under:
//!
//! | path | what |
//! |---|---|
//! | `/manager/` | the page, with the config injected as `<meta name="support-config">` |
//! | `/manager` | a redirect to `/manager/` (the page's relative URLs need the slash) |
//! | `/manager/assets/{file}` | the scripts, styles and icon |
//!
//! Debug mode: with [`ConsoleConfig::assets_dir`] set (the standalone server's `--console-dir`),
//! the page and the assets are read from that directory on every request instead of the embedded
//! copies, so a developer edits the console and reloads the page against the real API. Headers and
//! the CSP are the same, everything is `no-cache`, and only the known file names are ever read.
//!
//! Caching: the page refers to every asset by a content-hashed URL (`app.js?v=<hash>`); such a
//! request is answered `Cache-Control: public, max-age=31536000, immutable`. Any other request
//! for an asset (no or a stale `?v=`) gets `no-cache` and must revalidate with its `ETag`
//! (304 on `If-None-Match`). The page itself is `no-cache` with an `ETag`.
//!
//! Security: every response carries a Content-Security-Policy that forbids inline script, and
//! `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`.
//! The page renders all user text with `textContent`. The config reaches the page through an
//! HTML-escaped attribute, never an inline script.
//!
//! ```
//! use support_server::console::{self, ConsoleConfig};
//! let app: axum::Router = axum::Router::new().nest("/support", console::router(ConsoleConfig::default()));
//! # let _ = app;
//! ```

mod assets;
#[cfg(test)]
mod tests;

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

/// The Content-Security-Policy of every console response: no inline script or style, no
/// network beyond our own origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// `Cache-Control` of a request for an asset's current versioned URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: the browser may store it but must revalidate.
const REVALIDATE: &str = "no-cache";

/// Where the console lives and what it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// The path the support router is nested under, e.g. `/support` (the REST API is at
    /// `{mount}/tickets/`, the console at `{mount}/manager/`). A trailing `/` is ignored.
    pub mount: String,
    /// The absolute path of the manager websocket, e.g. `/ws/support/manager/`.
    pub ws_path: String,
    /// Debug mode: serve the console's files from this directory (the crate's `console/`),
    /// read on every request, instead of the copies embedded at build time. `None` (the
    /// default) serves the embedded files.
    pub assets_dir: Option<PathBuf>,
    /// The largest file a manager may attach, said to the page so it refuses a larger one
    /// before uploading it (the server's [`AttachmentLimits::max_bytes`](crate::attachments::AttachmentLimits::max_bytes)).
    pub attachment_max_bytes: u64,
}

impl Default for ConsoleConfig {
    /// Mounted at `/support`, websocket at `/ws/support/manager/`, as in the Django app.
    fn default() -> Self {
        Self {
            mount: "/support".to_owned(),
            ws_path: "/ws/support/manager/".to_owned(),
            assets_dir: None,
            attachment_max_bytes: crate::attachments::DEFAULT_MAX_BYTES,
        }
    }
}

impl ConsoleConfig {
    /// Turns the debug mode on: the page and its assets are read from `dir` (a checkout's
    /// `crates/support-server/console/`) on every request, so edits show on reload.
    #[must_use]
    pub fn with_assets_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.assets_dir = Some(dir.into());
        self
    }

    /// The mount without a trailing slash and with a leading one (empty for the site root).
    fn normalized_mount(&self) -> String {
        let trimmed = self.mount.trim().trim_end_matches('/');
        if trimmed.is_empty() || trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
struct Page {
    /// `{mount}/manager/`, where `/manager` redirects to.
    location: HeaderValue,
    files: Files,
}

/// Where the page and the assets come from.
#[derive(Debug)]
enum Files {
    /// The embedded files; the page is rendered once per router.
    Embedded { html: Bytes, etag: HeaderValue },
    /// The debug mode: everything is read from `dir` on every request.
    Disk {
        dir: PathBuf,
        config_json: String,
        assets_base: String,
    },
}

/// The console's routes, to nest under the mount point (`app.nest("/support", router(config))`).
///
/// Generic over the host's state; the console keeps its own.
pub fn router<S: Clone + Send + Sync + 'static>(config: ConsoleConfig) -> Router<S> {
    let mount = config.normalized_mount();
    let ConsoleConfig {
        ws_path,
        assets_dir,
        attachment_max_bytes,
        ..
    } = config;
    let config_json = serde_json::json!({
        "mount": mount,
        "ws": ws_path,
        "attachments": {
            "max_bytes": attachment_max_bytes,
            "max_per_message": support_protocol::MAX_ATTACHMENTS,
        },
    })
    .to_string();
    let assets_base = format!("{mount}/manager/assets/");
    let files = match assets_dir {
        Some(dir) => Files::Disk {
            dir,
            config_json,
            assets_base,
        },
        None => {
            let html = assets::render_index(&config_json, &assets_base);
            let etag = quoted_etag(&assets::content_hash(html.as_bytes()));
            Files::Embedded {
                html: Bytes::from(html),
                etag,
            }
        }
    };
    let location = HeaderValue::from_str(&format!("{mount}/manager/"))
        .unwrap_or_else(|_| HeaderValue::from_static("/support/manager/"));
    let page = Arc::new(Page { location, files });
    Router::new()
        .route("/manager/", get(index).fallback(method_not_allowed))
        .route(
            "/manager",
            get(redirect_to_slash).fallback(method_not_allowed),
        )
        .route(
            "/manager/assets/{file}",
            get(asset).fallback(method_not_allowed),
        )
        .with_state(page)
}

/// The debug mode's files, read from `dir` now (off the async threads); a 500 when they cannot be.
async fn read_dir(dir: &FsPath) -> Result<(String, Vec<assets::Asset>), Response> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || assets::load_dir(&dir))
        .await
        .unwrap_or_else(|join| Err(std::io::Error::other(join)))
        .map_err(|error| {
            tracing::error!(%error, "console debug mode: reading the console's files failed");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Console files unreadable.",
            )
        })
}

/// A quoted strong entity tag.
fn quoted_etag(hash: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{hash}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Whether `If-None-Match` names this entity tag (weak comparison, as RFC 9110 asks for it).
fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// The headers every console response carries.
fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// A 200 with the body, or a 304 when the client already has this version.
fn cached(
    request: &HeaderMap,
    content_type: &'static str,
    body: Bytes,
    etag: HeaderValue,
    cache_control: &'static str,
) -> Response {
    let not_modified = etag_matches(request, &etag);
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    if !not_modified {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    security_headers(headers);
    response
}

/// A JSON error in the REST API's shape (SPEC \[E1\]), never cached.
fn json_error(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({ "detail": detail }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    security_headers(headers);
    response
}

const HTML: &str = "text/html; charset=utf-8";

async fn index(State(page): State<Arc<Page>>, headers: HeaderMap) -> Response {
    match &page.files {
        Files::Embedded { html, etag } => {
            cached(&headers, HTML, html.clone(), etag.clone(), REVALIDATE)
        }
        Files::Disk {
            dir,
            config_json,
            assets_base,
        } => {
            let (template, assets) = match read_dir(dir).await {
                Ok(files) => files,
                Err(response) => return response,
            };
            let html = assets::render_page(&template, &assets, config_json, assets_base);
            let etag = quoted_etag(&assets::content_hash(html.as_bytes()));
            cached(&headers, HTML, Bytes::from(html), etag, REVALIDATE)
        }
    }
}

async fn redirect_to_slash(State(page): State<Arc<Page>>) -> Response {
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, page.location.clone());
    security_headers(headers);
    response
}

async fn asset(
    State(page): State<Arc<Page>>,
    file: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    // A name that does not even decode is as unknown as any other.
    let Some(file) = file.ok().map(|Path(file)| file) else {
        return not_found();
    };
    if let Files::Disk { dir, .. } = &page.files {
        // Checked before anything is read: only the known names are ever opened.
        if !assets::is_known(&file) {
            return not_found();
        }
        let (_, assets) = match read_dir(dir).await {
            Ok(files) => files,
            Err(response) => return response,
        };
        let Some(asset) = assets.into_iter().find(|a| a.name == file) else {
            return not_found();
        };
        return cached(
            &headers,
            asset.content_type,
            asset.body,
            quoted_etag(&asset.hash),
            REVALIDATE,
        );
    }
    let Some(asset) = assets::find(&file) else {
        return not_found();
    };
    let requested_version = uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "v")
            .map(|(_, value)| value.into_owned())
    });
    let cache_control = if requested_version.as_deref() == Some(asset.hash.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    cached(
        &headers,
        asset.content_type,
        asset.body.clone(),
        quoted_etag(&asset.hash),
        cache_control,
    )
}

fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "Not found.")
}

async fn method_not_allowed(method: Method) -> Response {
    let mut response = json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("Method \"{method}\" not allowed."),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}
