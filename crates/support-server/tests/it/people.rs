//! The people in a conversation, end to end over HTTP and websockets on every backend: users'
//! contact profiles as the bot reports them (and as a host's directory overrides them), managers'
//! display names on tickets, replies and assignments, and the newest message on ticket lists.

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support_protocol::{TelegramId, UserProfile};
use support_server::SupportServer;
use support_server::directory::UserDirectory;
use support_server::storage::StorageError;
use support_testkit::backends::backends;
use support_testkit::ws::{id, recv_event, recv_type, recv_until, send, silent};
use support_testkit::{BOT_TOKEN, TestServer};

/// A name a user might have: markup, right-to-left script and emoji, all to be kept as text.
const FIRST: &str = "<b>Анна</b> 🎉";
const LAST: &str = "כהן";

async fn post(s: &TestServer, path: &str, body: Value) -> reqwest::Response {
    s.bot(Method::POST, path).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn profiles_reach_the_managers_and_change_only_when_they_change() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let (_, anna) = s.manager_named("anna", "Anna").await;
        let mut ws = s.manager_ws(&anna).await;

        let profile = json!({"first_name": FIRST, "last_name": LAST, "username": "anna_li",
            "is_premium": true});
        let r = post(
            &s,
            "/support/tickets/",
            json!({"user_id": 1001, "title": "Help", "text": "hi", "language_code": "he",
                "user": profile}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        let ticket: Value = r.json().await.unwrap();
        let t = id(&ticket);
        let shown = json!({"telegram_id": 1001, "first_name": FIRST, "last_name": LAST,
            "username": "anna_li", "language_code": "he", "is_premium": true});
        assert_eq!(ticket["user"], shown, "{backend}");
        assert_eq!(ticket["last_message"]["text"], "hi", "{backend}");
        // The new ticket's event already shows the name: the profile was stored first.
        let created = recv_type(&mut ws, "ticket.created").await;
        assert_eq!(created["ticket"]["user"], shown, "{backend}");
        // A new user: nothing else of theirs to update.
        assert_eq!(
            recv_event(&mut ws).await["type"],
            "ticket.message.new",
            "{backend}"
        );
        silent(&mut ws).await;

        // The same report again: nothing to tell.
        let r = post(
            &s,
            &format!("/support/tickets/{t}/messages/"),
            json!({"text": "still me", "language_code": "he", "user": profile}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        assert_eq!(
            recv_type(&mut ws, "ticket.message.new").await["message"]["text"],
            "still me"
        );
        silent(&mut ws).await;

        // A changed profile (the last name removed, names trimmed): every manager hears it once.
        let r = post(
            &s,
            &format!("/support/tickets/{t}/messages/"),
            json!({"text": "renamed", "user": {"first_name": "  Anna ", "last_name": " "}}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        assert_eq!(
            recv_type(&mut ws, "ticket.message.new").await["message"]["text"],
            "renamed"
        );
        let updated = recv_type(&mut ws, "ticket.user.updated").await;
        assert_eq!(
            updated["user"],
            json!({"telegram_id": 1001, "first_name": "Anna", "language_code": "he"}),
            "{backend}"
        );
        silent(&mut ws).await;
        assert_eq!(s.ticket(t).await["user"], updated["user"], "{backend}");
        // The user's other tickets show it too.
        let second = id(&post(
            &s,
            "/support/tickets/",
            json!({"user_id": 1001, "title": "Again"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap());
        assert_eq!(s.ticket(second).await["user"]["first_name"], "Anna");
    }
}

#[tokio::test]
async fn bad_profiles_are_refused_and_nothing_is_stored() {
    let s = TestServer::sqlite().await;
    let t = s.ticket_with_message(1001, "Help", "hi").await;
    let cases = [
        json!("anna"),
        json!(["Anna"]),
        json!({"first_name": 5}),
        json!({"first_name": "x".repeat(65)}),
        json!({"first_name": "a\u{0}b"}),
        json!({"last_name": "line\nbreak"}),
        json!({"username": "@anna_li"}),
        json!({"username": "ann"}),
        json!({"username": "анна_ли"}),
        json!({"is_premium": "yes"}),
    ];
    for bad in cases {
        for (path, body) in [
            (
                "/support/tickets/".to_owned(),
                json!({"user_id": 2002, "title": "t", "user": bad}),
            ),
            (
                format!("/support/tickets/{t}/messages/"),
                json!({"text": "x", "user": bad}),
            ),
        ] {
            let r = post(&s, &path, body).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad} on {path}");
            let body: Value = r.json().await.unwrap();
            assert!(body["user"][0].is_string(), "{bad}: {body}");
        }
    }
    assert_eq!(s.stored_messages(t).await.len(), 1, "no message stored");
    let listed: Value = s
        .bot(Method::GET, "/support/tickets/?user_id=2002")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]), "no ticket stored");
    // `null` is no report, as an absent key.
    let r = post(
        &s,
        &format!("/support/tickets/{t}/messages/"),
        json!({"text": "x", "user": null}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn managers_are_named_on_tickets_replies_assignments_and_lists() {
    for (backend, storage) in backends().await.iter() {
        let s = TestServer::with_storage(storage.clone()).await;
        let (boris_id, boris) = s.manager_named("boris", "Boris").await;
        let (_, anna) = s.manager_named("anna", "Anna").await;
        let mut anna_ws = s.manager_ws(&anna).await;
        let mut boris_ws = s.manager_ws(&boris).await;
        let t = s.ticket_with_message(1001, "Help", "hello").await;
        let quiet = s.create_ticket(1002, "No messages yet").await;
        for ws in [&mut anna_ws, &mut boris_ws] {
            recv_type(ws, "ticket.created").await;
            recv_type(ws, "ticket.message.new").await;
            recv_type(ws, "ticket.created").await;
        }

        send(&mut boris_ws, json!({"type": "ticket.assign", "id": t})).await;
        let assigned = recv_type(&mut anna_ws, "ticket.assigned").await;
        assert_eq!(
            assigned["manager"],
            json!({"id": boris_id, "first_name": "Boris", "last_name": "",
                "display_name": "Boris"}),
            "{backend}"
        );
        send(
            &mut boris_ws,
            json!({"type": "ticket.message.new", "ticket_id": t, "text": "on it"}),
        )
        .await;
        let reply = recv_until(&mut boris_ws, "ticket.message.new").await;
        assert_eq!(
            reply["message"]["manager"]["display_name"], "Boris",
            "{backend}"
        );
        // Over REST too, and in the list of messages.
        let r = s
            .client()
            .post(s.url(&format!("/support/tickets/{t}/messages/")))
            .header("cookie", format!("support_session={boris}"))
            .header("origin", s.origin())
            .json(&json!({"text": "done"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{backend}");
        let posted: Value = r.json().await.unwrap();
        assert_eq!(posted["manager"]["id"], json!(boris_id), "{backend}");
        let messages = s.messages(t).await;
        let authors: Vec<Value> = messages
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["manager"]["display_name"].clone())
            .collect();
        assert_eq!(
            authors,
            [json!("Boris"), json!("Boris"), Value::Null],
            "{backend}"
        );

        // Lists and details carry each ticket's newest message; a ticket without one has none.
        let listed: Value = s
            .bot(Method::GET, "/support/tickets/?limit=10")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = listed["results"].as_array().unwrap();
        let of = |ticket: i64| results.iter().find(|x| id(x) == ticket).unwrap().clone();
        assert_eq!(of(t)["last_message"]["text"], "done", "{backend}");
        assert_eq!(of(t)["last_message"]["manager"]["display_name"], "Boris");
        assert_eq!(of(t)["support_manager"]["display_name"], "Boris");
        // Known to have none: `null`, as the 1.2.0 line writes it.
        assert_eq!(of(id(&quiet))["last_message"], Value::Null, "{backend}");
        assert!(of(id(&quiet)).get("last_message").is_some(), "{backend}");
        assert_eq!(s.ticket(t).await["last_message"]["text"], "done");
        // auth/me names the manager too.
        let me: Value = s
            .client()
            .get(s.url("/support/auth/me/"))
            .header("cookie", format!("support_session={anna}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["display_name"], "Anna", "{backend}");
    }
}

/// A host that knows its customers better than Telegram does.
struct Crm;

#[async_trait]
impl UserDirectory for Crm {
    async fn may_open_tickets(&self, _user: TelegramId) -> Result<bool, StorageError> {
        Ok(true)
    }

    async fn profile(
        &self,
        user: TelegramId,
        reported: Option<UserProfile>,
    ) -> Result<Option<UserProfile>, StorageError> {
        Ok(if user.get() == 7 {
            Some(UserProfile {
                first_name: Some("Customer".into()),
                last_name: Some("Seven".into()),
                ..UserProfile::default()
            })
        } else {
            reported
        })
    }
}

#[tokio::test]
async fn a_host_directory_supplies_or_overrides_profiles() {
    let s = TestServer::start(
        SupportServer::builder()
            .bot_token(BOT_TOKEN)
            .user_directory(Crm)
            .build(),
    )
    .await;
    // Supplied though the bot reported nothing; overriding what it reported.
    let seven = post(
        &s,
        "/support/tickets/",
        json!({"user_id": 7, "title": "t", "user": {"first_name": "Telegram name"}}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(seven["user"]["first_name"], "Customer");
    assert_eq!(seven["user"]["last_name"], "Seven");
    let eight = post(
        &s,
        "/support/tickets/",
        json!({"user_id": 8, "title": "t", "user": {"first_name": "Eight"}}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(eight["user"]["first_name"], "Eight");
}
