//! In-process tests of the console router (`tower::ServiceExt::oneshot`).

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;

use super::{CONTENT_SECURITY_POLICY, ConsoleConfig, assets, router};

fn app(config: ConsoleConfig) -> Router {
    Router::new().nest("/support", router(config))
}

async fn send(app: Router, request: Request<Body>) -> Response {
    app.oneshot(request).await.expect("infallible")
}

async fn get(app: Router, uri: &str) -> Response {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn body_text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn assert_security_headers(response: &Response) {
    assert_eq!(
        header_of(response, header::CONTENT_SECURITY_POLICY),
        CONTENT_SECURITY_POLICY
    );
    assert_eq!(
        header_of(response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert_eq!(header_of(response, header::REFERRER_POLICY), "same-origin");
}

#[test]
fn csp_is_the_agreed_policy() {
    assert_eq!(
        CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
}

#[tokio::test]
async fn page_is_served_with_csp_config_and_versioned_assets() {
    let response = get(app(ConsoleConfig::default()), "/support/manager/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
    assert!(header_of(&response, header::ETAG).starts_with('"'));
    assert_security_headers(&response);
    let html = body_text(response).await;
    assert!(html.contains(
        r#"<meta name="support-config" content="{&quot;mount&quot;:&quot;/support&quot;,&quot;ws&quot;:&quot;/ws/support/manager/&quot;,&quot;attachments&quot;:{&quot;max_bytes&quot;:20971520,&quot;max_per_message&quot;:10}}">"#
    ), "{html}");
    let app_js = assets::find("app.js").unwrap();
    assert!(html.contains(&format!(
        r#"src="/support/manager/assets/app.js?v={}""#,
        app_js.hash
    )));
    let css = assets::find("styles.css").unwrap();
    assert!(html.contains(&format!(
        "/support/manager/assets/styles.css?v={}",
        css.hash
    )));
    assert!(!html.contains("{{"), "a placeholder was left: {html}");
    // No inline script: every <script> has a src.
    for chunk in html.split("<script").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap()];
        assert!(tag.contains("src="), "inline script: {tag}");
    }
    assert!(!html.contains("style=\""), "inline style attribute");
    assert!(!html.contains("<style"), "inline style element");
}

#[tokio::test]
async fn config_is_html_escaped() {
    let config = ConsoleConfig {
        mount: "/a\"b<c>&'d/".to_owned(),
        ws_path: "/ws/\"><script>alert(1)</script>".to_owned(),
        ..ConsoleConfig::default()
    };
    let page = router::<()>(config);
    let response = get(Router::new().merge(page), "/manager/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("/a\\&quot;b&lt;c&gt;&amp;&#39;d"), "{html}");
}

#[tokio::test]
async fn page_revalidates_with_304() {
    let response = get(app(ConsoleConfig::default()), "/support/manager/").await;
    let etag = header_of(&response, header::ETAG).to_owned();
    let response = send(
        app(ConsoleConfig::default()),
        Request::get("/support/manager/")
            .header(header::IF_NONE_MATCH, format!("W/\"x\", {etag}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&response, header::ETAG), etag);
    assert!(body_text(response).await.is_empty());
}

#[tokio::test]
async fn manager_without_slash_redirects() {
    let response = get(app(ConsoleConfig::default()), "/support/manager").await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header_of(&response, header::LOCATION), "/support/manager/");
}

#[tokio::test]
async fn versioned_asset_is_immutable() {
    let js = assets::find("app.js").unwrap();
    let response = get(
        app(ConsoleConfig::default()),
        &format!("/support/manager/assets/app.js?v={}", js.hash),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header_of(&response, header::ETAG),
        format!("\"{}\"", js.hash)
    );
    assert_security_headers(&response);
    assert_eq!(body_text(response).await.as_bytes(), &js.body[..]);
}

#[tokio::test]
async fn unversioned_or_stale_asset_must_revalidate() {
    for uri in [
        "/support/manager/assets/styles.css",
        "/support/manager/assets/styles.css?v=0000000000000000",
    ] {
        let response = get(app(ConsoleConfig::default()), uri).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
        assert!(!header_of(&response, header::ETAG).is_empty());
    }
    let svg = get(
        app(ConsoleConfig::default()),
        "/support/manager/assets/favicon.svg",
    )
    .await;
    assert_eq!(header_of(&svg, header::CONTENT_TYPE), "image/svg+xml");
}

#[tokio::test]
async fn asset_if_none_match_gives_304() {
    let css = assets::find("styles.css").unwrap();
    for tag in [format!("\"{}\"", css.hash), "*".to_owned()] {
        let response = send(
            app(ConsoleConfig::default()),
            Request::get("/support/manager/assets/styles.css")
                .header(header::IF_NONE_MATCH, tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        assert!(body_text(response).await.is_empty());
    }
    let response = send(
        app(ConsoleConfig::default()),
        Request::get("/support/manager/assets/styles.css")
            .header(header::IF_NONE_MATCH, "\"deadbeef\"")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_asset_is_a_json_404() {
    for uri in [
        "/support/manager/assets/nope.js",
        "/support/manager/assets/..%2Fmod.rs",
        "/support/manager/assets/%FF",
    ] {
        let response = get(app(ConsoleConfig::default()), uri).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "application/json"
        );
        assert_security_headers(&response);
        assert_eq!(body_text(response).await, r#"{"detail":"Not found."}"#);
    }
}

#[tokio::test]
async fn other_methods_are_a_json_405() {
    let response = send(
        app(ConsoleConfig::default()),
        Request::post("/support/manager/")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&response, header::ALLOW), "GET, HEAD");
    assert_eq!(
        body_text(response).await,
        r#"{"detail":"Method \"POST\" not allowed."}"#
    );
}

#[tokio::test]
async fn head_is_answered() {
    let response = send(
        app(ConsoleConfig::default()),
        Request::head("/support/manager/assets/app.js")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body_text(response).await.is_empty());
}

#[test]
fn modules_import_only_earlier_modules_and_imports_are_versioned() {
    let order = assets::source_names();
    for (position, name) in order.iter().enumerate() {
        if !name.ends_with(".js") {
            continue;
        }
        let source = std::str::from_utf8(assets::raw_source(name).unwrap()).unwrap();
        for import in assets::imports_of(source) {
            let at = order.iter().position(|n| *n == import);
            assert!(
                at.is_some_and(|at| at < position),
                "{name} imports {import}, which must be an asset listed before it"
            );
            let dep = assets::find(&import).unwrap();
            let served = std::str::from_utf8(&assets::find(name).unwrap().body)
                .unwrap()
                .to_owned();
            assert!(
                served.contains(&format!("./{import}?v={}", dep.hash)),
                "{name}: import of {import} not versioned"
            );
        }
    }
}

#[test]
fn mounts_are_normalized() {
    let mount = |m: &str| {
        ConsoleConfig {
            mount: m.to_owned(),
            ..ConsoleConfig::default()
        }
        .normalized_mount()
    };
    assert_eq!(mount("/support/"), "/support");
    assert_eq!(mount("support"), "/support");
    assert_eq!(mount("/"), "");
    assert_eq!(mount(""), "");
}

#[test]
fn version_imports_rewrites_both_quote_styles() {
    let js = "import { a } from './a.js';\nimport \"./a.js\";\nimport './ab.js';";
    assert_eq!(
        assets::version_imports(js, "a.js", "h"),
        "import { a } from './a.js?v=h';\nimport \"./a.js?v=h\";\nimport './ab.js';"
    );
}

#[test]
fn no_asset_uses_inner_html_or_eval() {
    for name in assets::source_names() {
        if !name.ends_with(".js") {
            continue;
        }
        let source = std::str::from_utf8(assets::raw_source(name).unwrap()).unwrap();
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "eval(",
            "new Function",
            "document.write",
        ] {
            assert!(!source.contains(banned), "{name} uses {banned}");
        }
    }
}

#[test]
fn every_module_is_preloaded() {
    for name in assets::source_names() {
        if name.ends_with(".js") && name != "app.js" {
            let link = format!(r#"<link rel="modulepreload" href="{{{{asset:{name}}}}}">"#);
            assert!(
                assets::INDEX_TEMPLATE.contains(&link),
                "index.html lacks {link}"
            );
        }
    }
}

// ---- Debug mode: the files read from a directory -------------------------------------------------

/// A copy of the console's files in a temporary directory, to edit.
fn console_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    dir
}

fn debug_app(dir: &std::path::Path) -> Router {
    app(ConsoleConfig::default().with_assets_dir(dir))
}

#[tokio::test]
async fn debug_mode_serves_the_files_as_they_are_on_disk_now() {
    let dir = console_copy();
    let state_js = "/support/manager/assets/state.js";
    let before = get(debug_app(dir.path()), state_js).await;
    assert_eq!(before.status(), StatusCode::OK);
    assert_eq!(
        header_of(&before, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header_of(&before, header::CACHE_CONTROL), "no-cache");
    assert_security_headers(&before);
    let etag_before = header_of(&before, header::ETAG).to_owned();

    // Edited on disk, served edited by the same router, without a restart.
    let app = debug_app(dir.path());
    let path = dir.path().join("state.js");
    let edited = format!("{}\n// edited\n", std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &edited).unwrap();
    let after = get(app.clone(), state_js).await;
    let etag_after = header_of(&after, header::ETAG).to_owned();
    assert_ne!(etag_after, etag_before);
    assert!(body_text(after).await.ends_with("\n// edited\n"));

    // Whatever imports it asks for the new version, and so does the page.
    let hash = etag_after.trim_matches('"');
    let importer = body_text(get(app.clone(), "/support/manager/assets/app.js").await).await;
    assert!(
        importer.contains(&format!("./state.js?v={hash}")),
        "{importer}"
    );
    let page = get(app.clone(), "/support/manager/").await;
    assert_eq!(header_of(&page, header::CACHE_CONTROL), "no-cache");
    assert_security_headers(&page);
    let html = body_text(page).await;
    assert!(html.contains(&format!("/support/manager/assets/state.js?v={hash}")));
    assert!(!html.contains("{{"), "a placeholder was left: {html}");

    // The page template too.
    let index = dir.path().join("index.html");
    let template = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, template.replace("<title>", "<title>EDITED ")).unwrap();
    let html = body_text(get(app.clone(), "/support/manager/").await).await;
    assert!(html.contains("<title>EDITED "), "{html}");

    // Never cached for good, even at its current version.
    let versioned = get(app, &format!("{state_js}?v={hash}")).await;
    assert_eq!(header_of(&versioned, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn debug_mode_reads_only_the_known_files() {
    let dir = console_copy();
    std::fs::write(dir.path().join("secret.js"), "secret").unwrap();
    for uri in [
        "/support/manager/assets/secret.js",
        "/support/manager/assets/package.json",
        "/support/manager/assets/index.html",
        "/support/manager/assets/test%2Fstate.test.js",
        "/support/manager/assets/..%2Fsrc%2Flib.rs",
        "/support/manager/assets/%FF",
    ] {
        let response = get(debug_app(dir.path()), uri).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
        assert_security_headers(&response);
        assert_eq!(body_text(response).await, r#"{"detail":"Not found."}"#);
    }
}

#[tokio::test]
async fn debug_mode_without_the_files_is_a_json_500() {
    let dir = tempfile::tempdir().unwrap();
    for uri in ["/support/manager/", "/support/manager/assets/app.js"] {
        let response = get(debug_app(dir.path()), uri).await;
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{uri}"
        );
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "application/json"
        );
        assert_eq!(
            body_text(response).await,
            r#"{"detail":"Console files unreadable."}"#
        );
    }
}

/// Serves only the console (no API) on `CONSOLE_DEV_ADDR` (default `127.0.0.1:8790`) until
/// killed, to check in a real browser that the embedded page loads under its CSP:
/// `cargo test -p support-server --lib console::tests::serve_for_browser -- --ignored`.
#[tokio::test]
#[ignore = "runs a server until killed"]
async fn serve_for_browser() {
    let addr = std::env::var("CONSOLE_DEV_ADDR").unwrap_or_else(|_| "127.0.0.1:8790".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    axum::serve(listener, app(ConsoleConfig::default()))
        .await
        .unwrap();
}
