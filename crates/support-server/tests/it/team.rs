//! The team's notes and canned replies over REST and the manager websocket, on every backend:
//! what managers see, what the bot may not touch, and what bad input gets.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support_testkit::backends::backends;
use support_testkit::ws::{id, recv_type, silent};
use support_testkit::{SILENCE, TestServer};

/// A request as manager `session` (cookie and origin, as the console sends them).
fn as_manager(
    s: &TestServer,
    session: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    s.client()
        .request(method, s.url(path))
        .header("cookie", format!("support_session={session}"))
        .header("origin", s.origin())
}

#[tokio::test]
async fn notes_reach_every_manager_and_never_the_bot() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let (anna_id, anna) = s.manager_named("anna", "Anna").await;
        let (_, boris) = s.manager_named("boris", "Boris").await;
        let t = s.ticket_with_message(1001, "Help", "hi").await;
        let mut boris_ws = s.manager_ws(&boris).await;
        let mut bot = s.delivery_ws().await;
        let long = format!("<b>{}</b>", "x".repeat(9_993));
        let path = format!("/support/tickets/{t}/notes/");
        for text in ["VIP customer, be kind", long.as_str()] {
            let r = as_manager(&s, &anna, Method::POST, &path)
                .json(&json!({"text": text}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
            let note: Value = r.json().await.unwrap();
            assert_eq!(note["text"], text);
            assert_eq!(note["ticket"], json!(t));
            assert_eq!(note["manager"]["id"], json!(anna_id));
            assert_eq!(note["manager"]["display_name"], "Anna");
            let event = recv_type(&mut boris_ws, "ticket.note.new").await;
            assert_eq!(event["note"], note, "{backend}");
        }
        let notes: Value = as_manager(&s, &boris, Method::GET, &path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let texts: Vec<&str> = notes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["VIP customer, be kind", long.as_str()],
            "oldest first"
        );
        // Not a message, not for the bot.
        assert_eq!(
            s.messages(t).await.as_array().unwrap().len(),
            1,
            "{backend}"
        );
        silent(&mut bot).await;
        let r = s.bot(Method::GET, &path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = s
            .bot(Method::POST, &path)
            .json(&json!({"text": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn bad_notes_are_refused_clearly() {
    let s = TestServer::sqlite().await;
    let (_, anna) = s.manager("anna").await;
    let t = s.ticket_with_message(1001, "Help", "hi").await;
    let path = format!("/support/tickets/{t}/notes/");
    for (body, field) in [
        (json!({}), "text"),
        (json!({"text": "   "}), "text"),
        (json!({"text": "x".repeat(10_001)}), "text"),
        (json!({"text": "a\u{0}b"}), "text"),
        (json!({"text": ["x"]}), "text"),
    ] {
        let r = as_manager(&s, &anna, Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = r.json().await.unwrap();
        assert!(answer[field][0].is_string(), "{body}: {answer}");
    }
    let r = as_manager(&s, &anna, Method::POST, "/support/tickets/999999/notes/")
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = as_manager(&s, &anna, Method::GET, "/support/tickets/999999/notes/")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = as_manager(&s, &anna, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = s.client().get(s.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "anonymous");
}

#[tokio::test]
async fn canned_replies_are_shared_and_announced() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let (_, anna) = s.manager("anna").await;
        let (_, boris) = s.manager("boris").await;
        let mut boris_ws = s.manager_ws(&boris).await;
        let create = |title: &str, text: &str| {
            as_manager(&s, &anna, Method::POST, "/support/canned/")
                .json(&json!({"title": title, "text": text}))
                .send()
        };
        let r = create(" Refund ", "Hello {first_name}, ticket {ticket_id}")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        let refund: Value = r.json().await.unwrap();
        assert_eq!(refund["title"], "Refund");
        recv_type(&mut boris_ws, "canned.changed").await;
        create("Apology", "Sorry!").await.unwrap();
        recv_type(&mut boris_ws, "canned.changed").await;
        let list = |who: &str| as_manager(&s, who, Method::GET, "/support/canned/").send();
        let all: Value = list(&boris).await.unwrap().json().await.unwrap();
        let titles: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Apology", "Refund"], "{backend}: by title");

        let one = format!("/support/canned/{}/", id(&refund));
        let r = as_manager(&s, &boris, Method::PATCH, &one)
            .json(&json!({"text": "Hi {first_name}"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let edited: Value = r.json().await.unwrap();
        assert_eq!(
            (edited["title"].as_str(), edited["text"].as_str()),
            (Some("Refund"), Some("Hi {first_name}"))
        );
        recv_type(&mut boris_ws, "canned.changed").await;
        let r = as_manager(&s, &boris, Method::DELETE, &one)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        recv_type(&mut boris_ws, "canned.changed").await;
        for method in [Method::DELETE, Method::PATCH] {
            let r = as_manager(&s, &boris, method, &one)
                .json(&json!({"title": "x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{backend}");
        }
        let all: Value = list(&anna).await.unwrap().json().await.unwrap();
        assert_eq!(all.as_array().unwrap().len(), 1);

        // Bad input: a clear 400, nothing stored, no event; the bot may not touch them.
        for body in [
            json!({"title": "t"}),
            json!({"text": "t"}),
            json!({"title": "", "text": "t"}),
            json!({"title": "x".repeat(101), "text": "t"}),
            json!({"title": "t", "text": "x".repeat(4097)}),
        ] {
            let r = as_manager(&s, &anna, Method::POST, "/support/canned/")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        }
        tokio::time::sleep(SILENCE).await;
        silent(&mut boris_ws).await;
        let all: Value = list(&anna).await.unwrap().json().await.unwrap();
        assert_eq!(all.as_array().unwrap().len(), 1, "{backend}");
        let r = s.bot(Method::GET, "/support/canned/").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}
