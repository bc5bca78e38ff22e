//! The host app example: its own routes, its own user directory and manager authentication.
#![cfg(feature = "full")]

#[path = "../examples/host_app.rs"]
#[allow(dead_code, unreachable_pub)]
mod host_app;

use std::sync::Arc;

use serde_json::{Value, json};

#[tokio::test]
async fn host_routes_directory_and_manager_auth_work_together() {
    let storage = Arc::new(support_server::storage::MemoryStorage::new());
    let app = host_app::build_app(storage).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();

    // The host's own routes are untouched.
    assert_eq!(
        http.get(format!("{base}/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "host app home"
    );
    let users: Value = http
        .get(format!("{base}/users/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);

    // The bot may open tickets only for Telegram users in the host's table.
    let create = |user: i64| {
        http.post(format!("{base}/support/tickets/"))
            .bearer_auth("host-bot-token")
            .json(&json!({"user_id": user, "title": "help"}))
            .send()
    };
    assert_eq!(create(1001).await.unwrap().status(), 201);
    let refused = create(4242).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"user_id": ["Invalid pk \"4242\" - object does not exist."]})
    );

    // Staff sessions of the host are support managers; customers are not.
    let as_staff = http
        .get(format!("{base}/support/tickets/"))
        .header("x-host-session", "staff-session")
        .send()
        .await
        .unwrap();
    assert_eq!(as_staff.status(), 200);
    let as_customer = http
        .get(format!("{base}/support/tickets/"))
        .header("x-host-session", "customer-session")
        .send()
        .await
        .unwrap();
    assert_eq!(as_customer.status(), 401);

    // A manager's reply over REST is recorded as `supp`.
    let reply: Value = http
        .post(format!("{base}/support/tickets/1/messages/"))
        .header("x-host-session", "staff-session")
        .json(&json!({"text": "On it"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["sender"], "supp");
    assert_eq!(reply["viewed"], true);
}
