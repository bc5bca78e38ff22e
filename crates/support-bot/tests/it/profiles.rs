//! Contact profiles (issue 17): what Telegram tells the bot about a user reaches the real server
//! with their ticket and every message, through the handler fed by the fake Telegram, and a
//! profile Telegram should never send is cut to what the server takes instead of costing the
//! user their message.

use crate::harness::*;
use serde_json::json;
use support_bot::protocol::{TelegramId, Ticket};

const USER: i64 = 3001;

async fn only_ticket(h: &Harness) -> Ticket {
    let open = h
        .client
        .user_tickets(TelegramId::new(USER), false)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    h.client.ticket(open[0].id).await.unwrap()
}

#[tokio::test]
async fn the_users_profile_goes_with_the_ticket_and_follows_changes() {
    init_tracing();
    let h = Harness::new().await;
    h.set_from(USER, "first_name", json!("<b>Анна</b> 🎉"));
    h.set_from(USER, "last_name", json!("כהן"));
    h.set_from(USER, "username", json!("anna_li"));
    h.set_from(USER, "is_premium", json!(true));
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Refund").await);
    assert_taken(&h.type_text(USER, "the details").await);
    assert_taken(&h.press(USER, "sup:ny").await);

    let user = only_ticket(&h).await.user;
    assert_eq!(user.first_name.as_deref(), Some("<b>Анна</b> 🎉"));
    assert_eq!(user.last_name.as_deref(), Some("כהן"));
    assert_eq!(user.username.as_deref(), Some("anna_li"));
    assert!(user.is_premium);

    // The user renames themselves and drops the username: the next message says so.
    h.set_from(USER, "first_name", json!("Anna"));
    h.set_from(USER, "username", serde_json::Value::Null);
    assert_taken(&h.type_text(USER, "any news?").await);
    let ticket = only_ticket(&h).await;
    assert_eq!(ticket.user.first_name.as_deref(), Some("Anna"));
    assert_eq!(ticket.user.username, None);
    assert_eq!(ticket.user.display_name(), "Anna כהן");
    let messages = h.client.messages(ticket.id).await.unwrap();
    assert_eq!(messages[0].text, "any news?");
}

#[tokio::test]
async fn a_profile_out_of_bounds_is_cut_not_refused() {
    init_tracing();
    let h = Harness::new().await;
    h.set_from(
        USER,
        "first_name",
        json!(format!("{}\u{7}", "я".repeat(80))),
    );
    h.set_from(USER, "username", json!("ab"));
    assert_taken(&h.press(USER, "sup:n").await);
    assert_taken(&h.type_text(USER, "Help").await);
    assert_taken(&h.type_text(USER, "text").await);
    assert_taken(&h.press(USER, "sup:ny").await);
    let user = only_ticket(&h).await.user;
    assert_eq!(user.first_name.map(|n| n.chars().count()), Some(64));
    assert_eq!(user.username, None);
}
