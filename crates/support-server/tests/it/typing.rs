//! `ticket.typing` over the manager websocket: passed to every manager with the typist's name,
//! to the bot only for the ticket's holder, throttled, and bad reports answered clearly.

use serde_json::json;
use support_protocol::TicketId;
use support_testkit::TestServer;
use support_testkit::ws::{recv_type, recv_until, send, silent};

#[tokio::test]
async fn typing_reaches_colleagues_and_the_bot_only_from_the_holder() {
    let s = TestServer::sqlite().await;
    let (anna_id, anna) = s.manager_named("anna", "Anna").await;
    let (_, boris) = s.manager_named("boris", "Boris").await;
    let t = s.ticket_with_message(1001, "Help", "hi").await;
    let mut anna_ws = s.manager_ws(&anna).await;
    let mut boris_ws = s.manager_ws(&boris).await;
    let mut bot = s.delivery_ws().await;

    // Unassigned: Boris's typing reaches both managers, not the bot.
    send(
        &mut boris_ws,
        json!({"type": "ticket.typing", "ticket_id": t}),
    )
    .await;
    for ws in [&mut anna_ws, &mut boris_ws] {
        let e = recv_type(ws, "ticket.typing").await;
        assert_eq!(e["ticket_id"], json!(t));
        assert_eq!(e["manager"]["display_name"], "Boris");
        assert!(e.get("user").is_none());
    }
    silent(&mut bot).await;
    // Again at once: throttled, nothing.
    send(
        &mut boris_ws,
        json!({"type": "ticket.typing", "ticket_id": t}),
    )
    .await;
    silent(&mut anna_ws).await;

    // Anna holds it: the bot hears her, with the user to show it to.
    s.storage()
        .assign_ticket(TicketId::new(t), anna_id, false)
        .await
        .unwrap();
    send(
        &mut anna_ws,
        json!({"type": "ticket.typing", "ticket_id": t}),
    )
    .await;
    let e = recv_until(&mut bot, "ticket.typing").await;
    assert_eq!(e["user"], json!(1001));
    assert_eq!(e["manager"]["display_name"], "Anna");

    // Bad reports: a clear error for a bad field; an unknown ticket is silently nothing.
    send(
        &mut anna_ws,
        json!({"type": "ticket.typing", "ticket_id": "x"}),
    )
    .await;
    let e = recv_until(&mut anna_ws, "error").await;
    assert_eq!(e["code"], "invalid_field");
    send(&mut anna_ws, json!({"type": "ticket.typing"})).await;
    let e = recv_until(&mut anna_ws, "error").await;
    assert_eq!(e["code"], "invalid_field");
    send(
        &mut anna_ws,
        json!({"type": "ticket.typing", "ticket_id": 999_999}),
    )
    .await;
    silent(&mut anna_ws).await;
}
