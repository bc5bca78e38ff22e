//! End-to-end REST tests over real HTTP on loopback, against every storage backend available
//! (memory; SQLite; Postgres when `SUPPORT_TEST_POSTGRES_URL` is set).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support_protocol::{ServerEvent, TelegramId};
use support_server::SupportServer;
use support_server::hub::{Audience, EventHub, HubEvent};

use support_testkit::TestServer;
use support_testkit::backends::backends;

async fn create_ticket(s: &TestServer, user: i64, title: &str) -> Value {
    let r = s
        .bot(Method::POST, "/support/tickets/")
        .json(&json!({"user_id": user, "title": title}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

#[tokio::test]
async fn authentication_is_required_unless_the_host_opts_out() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let anon = s
            .client
            .get(s.url("/support/tickets/"))
            .send()
            .await
            .unwrap();
        assert_eq!(anon.status(), StatusCode::UNAUTHORIZED, "{backend}");
        assert_eq!(
            anon.json::<Value>().await.unwrap(),
            json!({"detail": "Authentication credentials were not provided."})
        );
        let wrong = s
            .client
            .get(s.url("/support/tickets/"))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            wrong.json::<Value>().await.unwrap(),
            json!({"detail": "Invalid token."})
        );
        let ok = s
            .bot(Method::GET, "/support/tickets/")
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(
            ok.headers()["x-support-server"],
            support_server::SERVER_HEADER_VALUE
        );

        let legacy = TestServer::start(
            SupportServer::builder()
                .shared_storage(storage)
                .legacy_anonymous_bot_api(true)
                .build(),
        )
        .await;
        let r = legacy
            .client
            .post(legacy.url("/support/tickets/"))
            .json(&json!({"user_id": 5, "title": "py bot"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
    }
}

#[tokio::test]
async fn ticket_and_message_lifecycle_with_events() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage).await;
        let mut events = s.support.state().hub().subscribe();

        // One-call create with the first message [R2].
        let r = s
            .bot(Method::POST, "/support/tickets")
            .json(&json!({"user_id": 42, "title": "  Need help  ", "text": "It broke"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{backend}: no trailing slash is served directly"
        );
        let ticket: Value = r.json().await.unwrap();
        assert_eq!(ticket["title"], "Need help");
        assert_eq!(ticket["unread_count"], 1);
        let id = ticket["id"].as_i64().unwrap();
        let created = events.recv().await.unwrap();
        assert_eq!(created.audience, Audience::AllManagers);
        assert!(matches!(&created.event, ServerEvent::TicketCreated(e) if e.ticket.id.get() == id));
        let first = events.recv().await.unwrap();
        assert!(matches!(&first.event, ServerEvent::MessageNew(e) if e.message.text == "It broke"));

        // A message: 201, `sender: user`, one event.
        let path = format!("/support/tickets/{id}/messages/");
        let r = s
            .bot(Method::POST, &path)
            .json(&json!({"text": "more details", "viewed": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let m: Value = r.json().await.unwrap();
        assert_eq!(
            (
                m["sender"].as_str(),
                m["viewed"].as_bool(),
                m["ticket"].as_i64()
            ),
            (Some("user"), Some(false), Some(id))
        );
        let e = events.recv().await.unwrap();
        assert_eq!(e.audience, Audience::Ticket { assignee: None });
        assert!(
            matches!(&e.event, ServerEvent::MessageNew(n) if n.message.id.get() == m["id"].as_i64().unwrap())
        );

        // Newest first, paginated on request.
        let list: Value = s
            .bot(Method::GET, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list[0]["text"], "more details");
        assert_eq!(list[1]["text"], "It broke");
        let page: Value = s
            .bot(Method::GET, &format!("{path}?limit=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["count"], 2);
        assert_eq!(
            page["next"],
            format!("http://{}{path}?limit=1&offset=1", s.addr)
        );

        // Resolve: `ticket.updated` once; a no-op PATCH sends nothing.
        let t = format!("/support/tickets/{id}/");
        let r = s
            .bot(Method::PATCH, &t)
            .json(&json!({"resolved": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let e = events.recv().await.unwrap();
        assert!(matches!(&e.event, ServerEvent::TicketUpdated(u) if u.ticket.resolved));
        let r = s
            .bot(Method::PATCH, &t)
            .json(&json!({"resolved": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), events.recv())
                .await
                .is_err(),
            "no event for a no-op"
        );

        // Filters.
        let other = create_ticket(&s, 43, "other").await;
        let _ = events.recv().await;
        let open: Value = s
            .bot(Method::GET, "/support/tickets/?resolved=false&user_id=43")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(open.as_array().unwrap().len(), 1);
        assert_eq!(open[0]["id"], other["id"]);
        let unassigned: Value = s
            .bot(
                Method::GET,
                "/support/tickets/?manager__isnull=true&user_id=42",
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unassigned[0]["id"], id);
        assert!(s.storage().user_exists(TelegramId::new(42)).await.unwrap());
    }
}

// Bad requests: the table in `bad_input.rs`.

#[tokio::test]
async fn publish_happens_off_the_request_path_and_exactly_once() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage).await;
        let mut events = s.support.state().hub().subscribe();
        let ticket = create_ticket(&s, 9, "fan").await;
        let path = format!("/support/tickets/{}/messages/", ticket["id"]);
        let mut tasks = Vec::new();
        for n in 0..50 {
            let req = s
                .bot(Method::POST, &path)
                .json(&json!({"text": format!("m{n}")}));
            tasks.push(tokio::spawn(
                async move { req.send().await.unwrap().status() },
            ));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::CREATED, "{backend}");
        }
        let mut seen = std::collections::HashSet::new();
        let mut count = 0;
        while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await
        {
            let e: std::sync::Arc<HubEvent> = e;
            if let ServerEvent::MessageNew(m) = &e.event {
                assert!(seen.insert(m.message.id), "{backend}: event twice");
                count += 1;
            }
        }
        assert_eq!(count, 50, "{backend}");
    }
}
