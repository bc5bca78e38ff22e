//! The console's ticket lists over REST (extensions of `GET tickets/`): `search`, `not_manager`
//! and `ordering`, their refusals, and searches that must stay plain text.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use support_testkit::TestServer;
use support_testkit::backends::backends;
use support_testkit::ws::id;

async fn list(s: &TestServer, query: &str) -> (StatusCode, Value) {
    let r = s
        .bot(Method::GET, &format!("/support/tickets/?{query}"))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

fn ids(listing: &Value) -> Vec<i64> {
    let items = listing.get("results").unwrap_or(listing);
    items.as_array().unwrap().iter().map(id).collect()
}

#[tokio::test]
async fn search_views_and_orders_over_rest() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let (anna, _) = s.manager("anna").await;
        let (boris, _) = s.manager("boris").await;
        let refund = s
            .ticket_with_message(1001, "Refund", "my money, please")
            .await;
        let login = s.ticket_with_message(1002, "Login", "cannot sign in").await;
        s.storage()
            .assign_ticket(support_protocol::TicketId::new(login), boris, false)
            .await
            .unwrap();
        s.user_message(refund, "still waiting").await;

        let (status, body) = list(&s, "search=mon").await;
        assert_eq!(
            (status, ids(&body)),
            (StatusCode::OK, vec![refund]),
            "{backend}"
        );
        let (_, body) = list(&s, &format!("search=%23{login}&limit=5")).await;
        assert_eq!(ids(&body), vec![login], "{backend}");
        assert_eq!(body["count"], 1);
        let (_, body) = list(&s, &format!("not_manager={anna}&resolved=false")).await;
        assert_eq!(ids(&body), vec![login], "{backend}");
        let (_, body) = list(&s, "ordering=-updated_at").await;
        assert_eq!(ids(&body), vec![refund, login], "{backend}");
        let (_, body) = list(&s, "ordering=waiting&search=").await;
        assert_eq!(
            ids(&body),
            vec![login, refund],
            "{backend}: oldest waiting first"
        );
        // Plain text, whatever is typed; no match is an empty list.
        for text in ["%25", "%22", "%27%20OR%201%3D1", "*", "_", "%5C"] {
            let (status, body) = list(&s, &format!("search={text}")).await;
            assert_eq!(status, StatusCode::OK, "{backend} {text}");
            assert_eq!(ids(&body), Vec::<i64>::new(), "{backend} {text}");
        }
    }
}

#[tokio::test]
async fn bad_list_parameters_are_refused_clearly() {
    let s = TestServer::sqlite().await;
    let long = "x".repeat(201);
    for (query, field) in [
        ("ordering=title", "ordering"),
        ("ordering=-id", "ordering"),
        (&format!("search={long}") as &str, "search"),
        ("not_manager=abc", "not_manager"),
    ] {
        let (status, body) = list(&s, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body[field][0].is_string(), "{query}: {body}");
    }
    let (status, _) = list(&s, &format!("search={}", "я".repeat(200))).await;
    assert_eq!(status, StatusCode::OK, "200 characters, not bytes");
    assert_eq!(list(&s, "ordering=").await.0, StatusCode::OK);
}
