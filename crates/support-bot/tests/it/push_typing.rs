//! "typing…" (issue 17): while the manager holding a ticket types in the console, the user's
//! chat shows it: the console's `ticket.typing` goes through the real server to the push
//! listener, which calls the fake Telegram's `sendChatAction`, at most once per chat every few
//! seconds; a colleague who does not hold the ticket types unseen.

use std::time::Duration;

use crate::harness::*;
use serde_json::json;
use support_bot::protocol::{TelegramId, TicketId};
use support_testkit::ws::{recv_until, send};

const WAIT: Duration = Duration::from_secs(10);

fn actions(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.method == "sendchataction")
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_holders_typing_shows_in_the_users_chat() {
    init_tracing();
    let h = Harness::new().await;
    let ticket = h
        .client
        .create_ticket(TelegramId::new(USER), "Help", "hello")
        .await
        .unwrap();
    let (anna_id, anna) = h.backend.manager_named("anna", "Anna").await;
    let (_, boris) = h.backend.manager_named("boris", "Boris").await;
    h.backend
        .storage()
        .assign_ticket(TicketId::new(ticket.id.get()), anna_id, false)
        .await
        .unwrap();
    let push = tokio::spawn(h.push_listener().run());
    let mut anna_ws = h.backend.manager_ws(&anna).await;
    let mut boris_ws = h.backend.manager_ws(&boris).await;
    // Typing is a live hint, not stored: wait until the listener's websocket is open.
    let deadline = std::time::Instant::now() + WAIT;
    while h.backend.support.state().open_sockets().1 == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the push listener never connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Boris does not hold the ticket: Anna sees him typing, the user does not.
    send(
        &mut boris_ws,
        json!({"type": "ticket.typing", "ticket_id": ticket.id}),
    )
    .await;
    let seen = recv_until(&mut anna_ws, "ticket.typing").await;
    assert_eq!(seen["manager"]["display_name"], "Boris");
    assert!(seen.get("user").is_none());
    // Every manager gets it, Boris too (his console ignores its own).
    recv_until(&mut boris_ws, "ticket.typing").await;

    // Anna holds it: the user's chat shows "typing…", once for a burst of keystrokes.
    for _ in 0..5 {
        send(
            &mut anna_ws,
            json!({"type": "ticket.typing", "ticket_id": ticket.id}),
        )
        .await;
    }
    let seen = recv_until(&mut boris_ws, "ticket.typing").await;
    assert_eq!(seen["manager"]["display_name"], "Anna");
    assert_eq!(seen["user"], json!(USER));
    let calls = h.tg.wait_for(WAIT, |c| !actions(c).is_empty()).await;
    let shown = actions(&calls);
    assert_eq!(shown[0].chat_id(), USER);
    assert_eq!(shown[0].body["action"], "typing");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(actions(&h.tg.calls()).len(), 1, "throttled");
    push.abort();
}
