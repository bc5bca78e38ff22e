//! The documents a server serves are the committed ones, and only when turned on.

use support_server::SupportServer;
use support_testkit::{BOT_TOKEN, TestServer};

use super::{EVENTS_FILE, OPENAPI_FILE, repo_root};

async fn get(server: &TestServer, path: &str) -> (u16, Option<String>, String) {
    let response = server.client.get(server.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn the_served_documents_are_the_committed_ones() {
    let server = TestServer::start(
        SupportServer::builder()
            .bot_token(BOT_TOKEN)
            .health(true)
            .contract(true)
            .build(),
    )
    .await;
    for (path, file) in [
        ("/support/openapi.json", OPENAPI_FILE),
        ("/support/schema/events.json", EVENTS_FILE),
    ] {
        let (status, content_type, body) = get(&server, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(content_type.as_deref(), Some("application/json"), "{path}");
        let committed = std::fs::read_to_string(repo_root().join(file)).unwrap();
        assert!(body == committed, "{path} differs from {file}");
    }
}

#[tokio::test]
async fn the_documents_are_opt_in_and_follow_the_mount_point() {
    let off = TestServer::default_server().await;
    assert_eq!(get(&off, "/support/openapi.json").await.0, 404);
    assert_eq!(get(&off, "/support/schema/events.json").await.0, 404);

    let moved = TestServer::start(
        SupportServer::builder()
            .mount("/helpdesk")
            .ws_prefix("/ws/helpdesk")
            .contract(true)
            .build(),
    )
    .await;
    let (status, _, body) = get(&moved, "/helpdesk/openapi.json").await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["paths"]["/helpdesk/tickets/{id}/messages/"]["post"].is_object());
    assert!(doc["paths"]["/ws/helpdesk/manager/"]["get"].is_object());
    assert!(doc["paths"]["/helpdesk/openapi.json"]["get"].is_object());
    // Health is off on this server, so its document does not list it.
    assert!(doc["paths"].get("/healthz").is_none());
    let (status, _, body) = get(&moved, "/helpdesk/schema/events.json").await;
    assert_eq!(status, 200);
    let events: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(events["x-websockets"]["bot"]["path"], "/ws/helpdesk/bot/");
}
