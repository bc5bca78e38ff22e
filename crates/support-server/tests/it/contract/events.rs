//! Every event type our code writes validates against the events document, the extensions the
//! Python original never sent included (`ticket.updated`, `ticket.message.delivery`,
//! `ticket.user.blocked`, `delivery.*`, `error`), with their optional fields set and unset.

use serde_json::Value;
use support_protocol::*;

use super::Documents;

fn message(delivery: Option<Delivery>) -> Message {
    Message {
        id: MessageId::new(13),
        created_at: Timestamp::parse("2026-11-24T13:14:55.425557Z").unwrap(),
        sender: Sender::Supp,
        text: "a reply".into(),
        viewed: true,
        ticket: TicketId::new(16),
        delivery,
        attachments: Vec::new(),
        manager: None,
    }
}

fn ticket(rich: bool) -> Ticket {
    let mut ticket: Ticket = serde_json::from_str(
        r#"{"id":16,"user":{"telegram_id":4},"support_manager":{"id":1,"first_name":"A","last_name":""},
            "created_at":"2026-11-24T13:14:51.951697Z","title":"t","resolved":false}"#,
    )
    .unwrap();
    if rich {
        ticket.user.language_code = Some("en".into());
        ticket.user.blocked = true;
        ticket.updated_at = Some(Timestamp::now());
        ticket.unread_count = Some(2);
        ticket.last_message = Some(Some(Box::new(message(None))));
    }
    ticket
}

fn failed() -> Delivery {
    let mut delivery = Delivery::pending(Timestamp::now());
    delivery.state = DeliveryState::Failed;
    delivery.attempts = 3;
    delivery.error_code = Some(403);
    delivery.error = Some("Forbidden: bot was blocked by the user".into());
    delivery
}

fn server_events() -> Vec<ServerEvent> {
    let mut user = TelegramUser::new(TelegramId::new(4));
    let mut events = vec![
        ServerEvent::TicketAssigned(TicketAssigned {
            id: TicketId::new(16),
            support_manager: ManagerId::new(1),
            manager: None,
        }),
        ServerEvent::MessageViewed(MessageViewed {
            message: message(None),
        }),
        ServerEvent::MessageList(MessageList {
            ticket_id: TicketId::new(16),
            messages: vec![message(Some(failed()))],
        }),
        ServerEvent::MessageDelivery(MessageDelivery {
            message: message(Some(failed())),
        }),
        ServerEvent::UserBlocked(UserBlocked { user: user.clone() }),
        ServerEvent::DeliveryOffer(DeliveryOffer {
            message: message(Some(Delivery::pending(Timestamp::now()))),
            ticket: ticket(true),
            attempt: 1,
        }),
        ServerEvent::DeliveryProceed(DeliveryProceed {
            message_id: MessageId::new(13),
            proceed: false,
        }),
        ServerEvent::Error(ErrorEvent {
            code: ErrorCode::AlreadyAssigned,
            detail: "taken".into(),
            request: Some("ticket.assign".into()),
        }),
        ServerEvent::Error(ErrorEvent {
            code: ErrorCode::InvalidJson,
            detail: "not JSON".into(),
            request: None,
        }),
    ];
    user.blocked = true;
    user.language_code = Some("ru".into());
    events.push(ServerEvent::UserBlocked(UserBlocked { user }));
    for rich in [false, true] {
        events.push(ServerEvent::TicketCreated(TicketCreated {
            ticket: ticket(rich),
        }));
        events.push(ServerEvent::TicketUpdated(TicketUpdated {
            ticket: ticket(rich),
            resolved_by: rich.then_some(Sender::User),
        }));
        events.push(ServerEvent::MessageNew(MessageNew {
            message: message(None),
            cursor: rich.then_some(7),
        }));
    }
    events
}

#[test]
fn every_event_we_write_is_in_the_document() {
    let docs = Documents::generated();
    let events = server_events();
    let mut types: Vec<&str> = events.iter().map(ServerEvent::type_name).collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), 11, "one of each ServerEvent type: {types:?}");
    for event in &events {
        let json = serde_json::to_value(event).unwrap();
        docs.check_event("ServerEvent", &json)
            .unwrap_or_else(|e| panic!("{json}: {e}"));
    }
    let client = [
        ClientEvent::Assign(AssignTicket {
            id: TicketId::new(1),
            force: true,
        }),
        ClientEvent::MessageViewed(MarkViewed {
            ticket_id: TicketId::new(1),
            message_id: MessageId::new(2),
        }),
        ClientEvent::MessageNew(SendMessage {
            ticket_id: TicketId::new(1),
            text: "x".into(),
            attachments: Vec::new(),
        }),
        ClientEvent::MessageList(ListMessages {
            ticket_id: TicketId::new(1),
        }),
    ];
    for event in &client {
        let json = serde_json::to_value(event).unwrap();
        docs.check_event("ClientEvent", &json)
            .unwrap_or_else(|e| panic!("{json}: {e}"));
    }
    let bot = [
        BotEvent::Sending(DeliverySending { message_id: MessageId::new(3) }),
        BotEvent::Sent(DeliverySent { message_id: MessageId::new(3), telegram_message_id: 55, files: Vec::new() }),
        BotEvent::from_json(r#"{"type":"delivery.failed","message_id":3,"kind":"rate_limited","error_code":429,"error":"Too Many Requests","retry_after":7}"#).unwrap(),
        BotEvent::from_json(r#"{"type":"delivery.failed","message_id":3,"kind":"transient"}"#).unwrap(),
    ];
    for event in &bot {
        let json: Value = serde_json::from_str(&event.to_json()).unwrap();
        docs.check_event("BotEvent", &json)
            .unwrap_or_else(|e| panic!("{json}: {e}"));
    }
}
