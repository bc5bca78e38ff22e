//! Every wire type survives serialize → deserialize unchanged.

use proptest::prelude::*;
use support_protocol::*;

pub(crate) fn timestamp() -> impl Strategy<Value = Timestamp> {
    // Years 1970..=2200, microsecond precision.
    (0i64..7_258_118_400_000_000).prop_map(|us| Timestamp::from_unix_micros(us).unwrap())
}

pub(crate) fn text() -> impl Strategy<Value = String> {
    "\\PC{0,64}"
}

pub(crate) fn manager() -> impl Strategy<Value = SupportManager> {
    (any::<i64>(), text(), text(), text()).prop_map(|(id, first_name, last_name, username)| {
        SupportManager::named(ManagerId::new(id), &first_name, &last_name, &username)
    })
}

pub(crate) fn message() -> impl Strategy<Value = Message> {
    (
        any::<i64>(),
        timestamp(),
        any::<bool>(),
        text(),
        any::<bool>(),
        any::<i64>(),
    )
        .prop_map(|(id, created_at, supp, text, viewed, ticket)| Message {
            id: MessageId::new(id),
            created_at,
            sender: if supp { Sender::Supp } else { Sender::User },
            text,
            viewed,
            ticket: TicketId::new(ticket),
            delivery: None,
            attachments: Vec::new(),
            manager: None,
        })
}

pub(crate) fn ticket() -> impl Strategy<Value = Ticket> {
    (
        any::<i64>(),
        any::<i64>(),
        proptest::option::of(manager()),
        timestamp(),
        text(),
        any::<bool>(),
        proptest::option::of(timestamp()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(proptest::option::of(message())),
    )
        .prop_map(
            |(
                id,
                user,
                support_manager,
                created_at,
                title,
                resolved,
                updated_at,
                unread_count,
                last,
            )| Ticket {
                id: TicketId::new(id),
                user: TelegramUser::new(TelegramId::new(user)),
                support_manager,
                created_at,
                title,
                resolved,
                // The mark is never true while a message is unread.
                viewed: unread_count.map(|n| n == 0),
                updated_at,
                unread_count,
                last_message: last.map(|m| m.map(Box::new)),
            },
        )
}

pub(crate) fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        Just(ErrorCode::InvalidJson),
        Just(ErrorCode::UnknownType),
        Just(ErrorCode::InvalidField),
        Just(ErrorCode::NotFound),
        Just(ErrorCode::AlreadyAssigned),
        Just(ErrorCode::Forbidden),
        Just(ErrorCode::TooLarge),
        "[a-z_]{1,12}".prop_map(|s| ErrorCode::from_wire(&s)),
    ]
}

pub(crate) fn server_event() -> impl Strategy<Value = ServerEvent> {
    prop_oneof![
        ticket().prop_map(|ticket| ServerEvent::TicketCreated(TicketCreated { ticket })),
        (any::<i64>(), any::<i64>()).prop_map(|(id, m)| ServerEvent::TicketAssigned(
            TicketAssigned {
                id: TicketId::new(id),
                support_manager: ManagerId::new(m),
                manager: None
            }
        )),
        (message(), proptest::option::of(any::<u64>()))
            .prop_map(|(message, cursor)| ServerEvent::MessageNew(MessageNew { message, cursor })),
        message().prop_map(|message| ServerEvent::MessageViewed(MessageViewed { message })),
        (any::<i64>(), proptest::collection::vec(message(), 0..4)).prop_map(|(id, messages)| {
            ServerEvent::MessageList(MessageList {
                ticket_id: TicketId::new(id),
                messages,
            })
        }),
        ticket().prop_map(|ticket| ServerEvent::TicketUpdated(TicketUpdated {
            ticket,
            resolved_by: None,
        })),
        (error_code(), text(), proptest::option::of("[a-z.]{1,20}")).prop_map(
            |(code, detail, request)| ServerEvent::Error(ErrorEvent {
                code,
                detail,
                request
            })
        ),
    ]
}

pub(crate) fn client_event() -> impl Strategy<Value = ClientEvent> {
    prop_oneof![
        (any::<i64>(), any::<bool>()).prop_map(|(id, force)| ClientEvent::Assign(AssignTicket {
            id: TicketId::new(id),
            force
        })),
        (any::<i64>(), any::<i64>()).prop_map(|(t, m)| ClientEvent::MessageViewed(MarkViewed {
            ticket_id: TicketId::new(t),
            message_id: MessageId::new(m)
        })),
        (any::<i64>(), text()).prop_map(|(t, text)| ClientEvent::MessageNew(SendMessage {
            ticket_id: TicketId::new(t),
            text,
            attachments: Vec::new(),
        })),
        any::<i64>().prop_map(|t| ClientEvent::MessageList(ListMessages {
            ticket_id: TicketId::new(t)
        })),
    ]
}

fn rt<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let json = serde_json::to_string(v).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, v, "{json}");
}

proptest! {
    #[test]
    fn tickets(t in ticket()) { rt(&t); }

    #[test]
    fn messages(m in message()) { rt(&m); }

    #[test]
    fn server_events(e in server_event()) { rt(&e); }

    #[test]
    fn client_events(e in client_event()) {
        rt(&e);
        prop_assert_eq!(ClientEvent::from_json(&serde_json::to_string(&e).unwrap()).unwrap(), e);
    }

    #[test]
    fn pages(items in proptest::collection::vec(message(), 0..5), count in any::<u64>(), next in proptest::option::of("[a-z:/?=&0-9]{1,30}")) {
        rt(&Page { count, next: next.clone(), previous: next, results: items });
    }

    #[test]
    fn rest_bodies(user in any::<i64>(), title in text(), txt in proptest::option::of(text()), resolved in proptest::option::of(any::<bool>())) {
        rt(&NewTicket { user_id: TelegramId::new(user), title: title.clone(), text: txt.clone(), attachments: Vec::new(), user: None, viewed: resolved });
        rt(&NewMessage { text: title, sender: Some(Sender::User), attachments: Vec::new(), user: None });
        rt(&TicketPatch { title: txt, resolved, viewed: resolved.map(|r| !r) });
        rt(&TicketFilter { user_id: Some(TelegramId::new(user)), resolved, ..Default::default() });
    }

    #[test]
    fn timestamps_always_six_digits(t in timestamp()) {
        let s = t.to_string();
        prop_assert_eq!(s.len(), 27);
        prop_assert!(s.ends_with('Z'));
        prop_assert_eq!(Timestamp::parse(&s).unwrap(), t);
    }

    #[test]
    fn validation_never_panics(s in "\\PC{0,300}") {
        let _ = validate_title(&s);
        let _ = validate_text(&s);
    }
}
