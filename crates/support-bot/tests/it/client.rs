//! The REST client against our server and against a stand-in of the Python original \[C2\].

use std::sync::{Arc, Mutex};

use crate::harness::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};
use support_bot::ClientError;
use support_bot::protocol::{TelegramId, TicketFilter, TicketId};

fn ticket_json(id: i64, user: i64) -> Value {
    json!({"id": id, "user": {"telegram_id": user}, "support_manager": null,
        "created_at": "2026-11-24T13:08:14.711817Z", "title": format!("T{id}"), "resolved": false})
}

/// The Python original's answers, as recorded in the golden files: no `X-Support-Server`,
/// plain arrays in ascending id order, `text` on create ignored.
pub(crate) async fn python_like() -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route(
            "/support/tickets/",
            post(|State(log): State<Arc<Mutex<Vec<String>>>>, Json(body): Json<Value>| async move {
                log.lock().unwrap().push(format!("create {body}"));
                if body["title"].as_str().map_or(0, |t| t.chars().count()) > 256 {
                    return (
                        StatusCode::BAD_REQUEST,
                        Json(json!({"title": ["Ensure this field has no more than 256 characters."]})),
                    );
                }
                (StatusCode::CREATED, Json(ticket_json(5, body["user_id"].as_i64().unwrap())))
            })
            .get(|| async { Json(json!([ticket_json(1, 1001), ticket_json(2, 1001), ticket_json(3, 1001)])) }),
        )
        .route(
            "/support/tickets/{id}/",
            get(|Path(id): Path<i64>| async move {
                if id == 5 {
                    (StatusCode::OK, Json(ticket_json(5, 1001)))
                } else {
                    (StatusCode::NOT_FOUND, Json(json!({"detail": "No Ticket matches the given query."})))
                }
            }),
        )
        .route(
            "/support/tickets/{id}/messages/",
            post(
                |State(log): State<Arc<Mutex<Vec<String>>>>, Path(id): Path<i64>, Json(body): Json<Value>| async move {
                    log.lock().unwrap().push(format!("message {id} {body}"));
                    (
                        StatusCode::CREATED,
                        Json(json!({"id": 9, "created_at": "2026-11-24T13:08:14.711817Z", "sender": "user",
                            "text": body["text"], "viewed": false, "ticket": id})),
                    )
                },
            )
            .get(|| async {
                Json(json!({"count": 2, "next": null, "previous": null, "results": [
                    {"id": 8, "created_at": "2026-11-24T13:08:14.711817Z", "sender": "supp", "text": "b", "viewed": true, "ticket": 5},
                    {"id": 7, "created_at": "2026-11-24T13:08:13.711817Z", "sender": "user", "text": "a", "viewed": true, "ticket": 5, "extra": 1}
                ]}))
            }),
        )
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, log)
}

#[tokio::test]
async fn against_the_python_original_the_first_message_is_posted_separately() {
    let (addr, log) = python_like().await;
    let client = client_for(addr);
    let ticket = client
        .create_ticket(TelegramId::new(1001), "Help", "first words")
        .await
        .unwrap();
    assert_eq!(ticket.id, TicketId::new(5));
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[1].starts_with("message 5 ") && log[1].contains("first words"));

    // Lists in whatever order and form come back newest first.
    let open = client
        .user_tickets(TelegramId::new(1001), false)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|t| t.id.get()).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    let messages = client.messages(TicketId::new(5)).await.unwrap();
    assert_eq!(
        messages.iter().map(|m| m.id.get()).collect::<Vec<_>>(),
        [8, 7]
    );

    // Error shapes.
    assert!(
        matches!(client.ticket(TicketId::new(99)).await, Err(ClientError::NotFound(d)) if d.contains("No Ticket"))
    );
}

#[tokio::test]
async fn against_our_server_one_call_creates_both() {
    let backend = TestServer::sqlite().await;
    let client = client_for(backend.addr);
    let ticket = client
        .create_ticket(TelegramId::new(1001), "Help", "first words")
        .await
        .unwrap();
    let messages = client.messages(ticket.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text, "first words");

    // Paged listings are read too.
    let page = client
        .tickets(&TicketFilter {
            limit: Some(1),
            ..TicketFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);

    // Local validation before anything is sent, and the server's errors typed.
    assert!(matches!(
        client
            .create_ticket(TelegramId::new(1001), &"x".repeat(257), "t")
            .await,
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        client.ticket(TicketId::new(999)).await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.send_message(TicketId::new(999), "hi").await,
        Err(ClientError::NotFound(_))
    ));

    // No token: refused by our server.
    let config = support_bot::SupportConfig::builder()
        .host("127.0.0.1")
        .port(backend.addr.port())
        .build()
        .unwrap();
    let anonymous = support_bot::SupportClient::new(config).unwrap();
    assert!(matches!(
        anonymous.ticket(ticket.id).await,
        Err(ClientError::Unauthorized {
            status: 401 | 403,
            ..
        })
    ));
}

#[tokio::test]
async fn a_dead_backend_is_unavailable() {
    let client = dead_client().await;
    let err = client.ticket(TicketId::new(1)).await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
}
