//! Who may open the websockets: authentication and the `Origin` check happen before the
//! upgrade, and refusals are JSON 401/403/404 (the original: HTTP 500, B2).

use serde_json::json;
use support_server::SupportServer;

use support_testkit::ws::{connect, recv_type, refused, send};
use support_testkit::{BOT_TOKEN, TestServer};

#[tokio::test]
async fn manager_upgrades_without_valid_credentials_are_refused() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let url = s.ws_url("/ws/support/manager/");
    let origin = ("origin", s.origin());

    let (status, body) = refused(&url, std::slice::from_ref(&origin)).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
    let bad_cookie = ("cookie", "support_session=not-a-session".to_owned());
    assert_eq!(refused(&url, &[bad_cookie, origin.clone()]).await.0, 401);
    let bot = ("authorization", format!("Bearer {BOT_TOKEN}"));
    assert_eq!(refused(&url, &[bot]).await.0, 401, "a bot is not a manager");

    // A valid cookie from another site, or with no Origin at all, is refused (CSRF).
    let cookie = ("cookie", format!("support_session={anna}"));
    let evil = ("origin", "http://evil.test".to_owned());
    let (status, body) = refused(&url, &[cookie.clone(), evil.clone()]).await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("Origin"));
    assert_eq!(refused(&url, std::slice::from_ref(&cookie)).await.0, 403);

    // The same cookie from our own origin works, with or without the trailing slash.
    connect(&url, &[cookie.clone(), origin.clone()])
        .await
        .unwrap();
    connect(&s.ws_url("/ws/support/manager"), &[cookie.clone(), origin])
        .await
        .unwrap();

    // After logout the session no longer opens sockets.
    let r = s
        .client
        .post(s.url("/support/auth/logout/"))
        .header("cookie", &cookie.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        refused(&url, &[cookie, ("origin", s.origin())]).await.0,
        401
    );
}

#[tokio::test]
async fn a_trusted_origin_is_accepted() {
    let s = TestServer::start(
        SupportServer::builder()
            .trusted_origin("https://desk.example.com")
            .build(),
    )
    .await;
    let (_, anna) = s.manager("anna").await;
    connect(
        &s.ws_url("/ws/support/manager/"),
        &[
            ("cookie", format!("support_session={anna}")),
            ("origin", "https://desk.example.com".to_owned()),
        ],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn bearer_token_managers_skip_the_origin_check() {
    let s = TestServer::default_server().await;
    let (anna_id, _) = s.manager("anna").await;
    let token = s
        .auth()
        .start_session(anna_id, support_server::auth::TOKEN_TTL)
        .await
        .unwrap();
    let url = s.ws_url("/ws/support/manager/");
    let mut ws = connect(&url, &[("authorization", format!("Bearer {token}"))])
        .await
        .unwrap();
    // A bearer token is not sent by browsers on their own, so no CSRF: any Origin is fine.
    connect(
        &url,
        &[
            ("authorization", format!("Bearer {token}")),
            ("origin", "http://elsewhere.test".to_owned()),
        ],
    )
    .await
    .unwrap();
    let t = s.create_ticket(1001, "bearer").await;
    recv_type(&mut ws, "ticket.created").await;
    send(&mut ws, json!({"type": "ticket.assign", "id": t["id"]})).await;
    assert_eq!(
        recv_type(&mut ws, "ticket.assigned").await["support_manager"],
        json!(anna_id)
    );
    let bad = ("authorization", "Bearer nope".to_owned());
    assert_eq!(refused(&url, &[bad]).await.0, 401);
}

#[tokio::test]
async fn unknown_paths_and_non_websocket_requests_get_json_errors() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let (status, body) = refused(&s.ws_url("/ws/support/nope/"), &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"detail": "Not found."}));

    // A plain GET (no upgrade) with valid credentials: a JSON client error, not plain text.
    let r = s
        .client
        .get(s.url("/ws/support/manager/"))
        .header("cookie", format!("support_session={anna}"))
        .header("origin", s.origin())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["detail"].is_string());
    let r = s
        .client
        .get(s.url("/ws/support/manager/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_bot_websocket_needs_a_bot_token_unless_the_host_opts_out() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let url = s.ws_url("/ws/support/bot/");
    assert_eq!(refused(&url, &[]).await.0, 401);
    let wrong = ("authorization", "Bearer wrong".to_owned());
    assert_eq!(
        refused(&url, &[wrong]).await,
        (401, json!({"detail": "Invalid token."}))
    );
    let cookie = ("cookie", format!("support_session={anna}"));
    assert_eq!(
        refused(&url, &[cookie, ("origin", s.origin())]).await.0,
        401
    );
    let token = ("authorization", format!("Bearer {BOT_TOKEN}"));
    connect(&url, std::slice::from_ref(&token)).await.unwrap();
    connect(&s.ws_url("/ws/support/bot"), std::slice::from_ref(&token))
        .await
        .unwrap();
    let (status, body) = refused(&s.ws_url("/ws/support/bot/?cursor=abc"), &[token]).await;
    assert_eq!(status, 400);
    assert!(body["cursor"].is_array());

    let legacy = TestServer::start(
        SupportServer::builder()
            .legacy_anonymous_bot_api(true)
            .build(),
    )
    .await;
    connect(&legacy.ws_url("/ws/support/bot/"), &[])
        .await
        .unwrap();
    let wrong = ("authorization", "Bearer wrong".to_owned());
    assert_eq!(
        refused(&legacy.ws_url("/ws/support/bot/"), &[wrong])
            .await
            .0,
        401,
        "a wrong token is still wrong"
    );
}
