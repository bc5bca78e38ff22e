//! Every route answers with an `x-request-id`: the client's when it is short and printable,
//! else a fresh UUID.

use support_testkit::TestServer;

#[tokio::test]
async fn every_route_echoes_a_sane_request_id_or_makes_one() {
    let s = TestServer::default_server().await;
    let http = reqwest::Client::new();
    for path in [
        "/support/tickets/",
        "/support/manager/",
        "/support/auth/me/",
        "/ws/support/manager/",
        "/support/nowhere/",
    ] {
        let echoed = http
            .get(s.url(path))
            .header("x-request-id", "lb-1234")
            .send()
            .await
            .unwrap();
        assert_eq!(echoed.headers()["x-request-id"], "lb-1234", "{path}");
        for bad in ["x".repeat(200), "has space".to_owned(), String::new()] {
            let fresh = http
                .get(s.url(path))
                .header("x-request-id", bad.as_str())
                .send()
                .await
                .unwrap();
            let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
            assert_eq!(id.len(), 36, "{path}: a UUID instead of {bad:?}, got {id}");
        }
    }
}
