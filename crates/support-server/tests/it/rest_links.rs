//! The paging links never echo a `Host` the server does not know: built from the public URL
//! when one is configured, else from an allowed `Host` (Django's `ALLOWED_HOSTS`), else
//! relative (the path alone). And path ids are plain digits: `/tickets/+1/` is no alias.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support_server::SupportServer;
use support_testkit::{BOT_TOKEN, TestServer};

async fn server(
    configure: impl FnOnce(support_server::SupportServerBuilder) -> support_server::SupportServerBuilder,
) -> (TestServer, i64) {
    let s =
        TestServer::start(configure(SupportServer::builder().bot_token(BOT_TOKEN)).build()).await;
    let ticket = s.create_ticket(7, "paged").await["id"].as_i64().unwrap();
    for text in ["one", "two", "three"] {
        s.user_message(ticket, text).await;
    }
    (s, ticket)
}

/// `GET` a page of the ticket's messages with `host` as the `Host` header.
async fn page(s: &TestServer, ticket: i64, host: &str) -> (StatusCode, Value) {
    let r = s
        .bot(
            Method::GET,
            &format!("/support/tickets/{ticket}/messages/?limit=1&offset=1"),
        )
        .header("host", host)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn without_configuration_only_localhost_names_make_links() {
    let (s, t) = server(|b| b).await;
    let (status, body) = page(&s, t, "127.0.0.1:8765").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["next"],
        json!(format!(
            "http://127.0.0.1:8765/support/tickets/{t}/messages/?limit=1&offset=2"
        ))
    );
    // Not allowed (or malformed): relative links, never the client's host.
    let relative = json!(format!("/support/tickets/{t}/messages/?limit=1&offset=2"));
    for host in ["evil.example:80", "evil.example:80:1"] {
        let (status, body) = page(&s, t, host).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["next"], relative, "{host}");
        assert_eq!(body["results"].as_array().unwrap().len(), 1, "{body}");
    }
}

#[tokio::test]
async fn allowed_hosts_and_the_public_url_decide_the_links() {
    let (s, t) = server(|b| b.allowed_host(".example.com")).await;
    let (status, body) = page(&s, t, "support.example.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["previous"]
            .as_str()
            .unwrap()
            .starts_with("http://support.example.com/support/tickets/"),
        "{body}"
    );
    for host in ["127.0.0.1", "example.com.evil"] {
        let (status, body) = page(&s, t, host).await;
        assert_eq!(status, StatusCode::OK);
        let previous = body["previous"].as_str().unwrap();
        assert!(previous.starts_with("/support/tickets/"), "{host}: {body}");
    }

    let (s, t) = server(|b| b.public_url("https://desk.example.org/")).await;
    let (status, body) = page(&s, t, "evil.example").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["next"],
        json!(format!(
            "https://desk.example.org/support/tickets/{t}/messages/?limit=1&offset=2"
        ))
    );
}

#[tokio::test]
async fn path_ids_are_plain_digits() {
    let (s, t) = server(|b| b).await;
    assert_eq!(t, 1, "the first ticket");
    for path in [
        "/support/tickets/+1/",
        "/support/tickets/+1/messages/",
        "/support/tickets/%2B1/",
        "/support/tickets/1.0/",
        "/support/tickets/-1/",
    ] {
        let r = s.bot(Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({"detail": "Not found."}), "{path}");
    }
    let r = s
        .bot(Method::GET, "/support/tickets/1/")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
