//! Fuzz harnesses for the websocket event decoders ([`ClientEvent::from_json`],
//! [`BotEvent::from_json`], `ServerEvent`'s `Deserialize`) and the timestamp parser, on stable
//! Rust with proptest (issue 15).
//!
//! The inputs are not only random strings: valid events mutated (a field dropped, replaced by a
//! value of another JSON type, an extra key, another known `type`), raw JSON fragments the typed
//! generators cannot reach (huge and negative numbers, `-0`, exponents, lone UTF-16 surrogates
//! escaped as `\ud800`, deep nesting, non-object JSON), and arbitrary bytes.
//!
//! Properties:
//! - decoding never panics, and gives either a value or a typed [`DecodeError`] whose code is
//!   one of the two the server answers with;
//! - a decoded value encodes then decodes to itself (so what the server relays is what it read);
//! - every value the server or the bot can produce (every variant, every optional field)
//!   encodes then decodes to itself.

use proptest::prelude::*;
use serde_json::{Map, Value};
use support_protocol::*;

use crate::proptests::{error_code, message, text, ticket, timestamp};

/// Strings that reach the corners: astral characters, combining marks, HTML and entity-like
/// text, control and null characters, Python-only whitespace, digits and signs.
pub(crate) fn nasty_text() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "0",
        "-1",
        "1e3",
        " ",
        "\n",
        "\t",
        "\u{a0}",
        "\u{1f}",
        "\u{0}",
        "\u{200b}",
        "\u{feff}",
        "e\u{301}",
        "\u{301}",
        "😀",
        "👩‍👩‍👧",
        "🇺🇦",
        "𝔸",
        "ж",
        "&",
        "&amp;",
        "&lt;",
        "&#60;",
        "&#x3c;",
        "<",
        ">",
        "<b>",
        "</b>",
        "\"",
        "'",
        "\\",
        ";",
        ":",
        "%",
        "+",
        "=",
        "?",
        "/",
    ];
    prop_oneof![
        "\\PC{0,40}",
        ".{0,20}",
        proptest::collection::vec(proptest::sample::select(PIECES), 0..24)
            .prop_map(|pieces| pieces.concat()),
    ]
}

/// Keys an event decoder reads, and a few it does not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "type", "id", "ticket_id", "message_id", "text", "force", "telegram_message_id",
            "kind", "error_code", "error", "retry_after", "message", "ticket", "attempt",
            "proceed", "code", "detail", "request", "user", "support_manager", "messages",
            "cursor", "created_at", "sender", "viewed", "title", "resolved", "delivery",
        ][..]).prop_map(str::to_owned),
        1 => nasty_text(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        (-3i64..3).prop_map(Value::from),
        Just(Value::from(i64::MIN)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(9.0e15)),
        Just(Value::from(-9.2e18)),
        Just(Value::from(1.5)),
    ]
}

/// Any JSON value, nested up to a few levels.
pub(crate) fn json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        nasty_text().prop_map(Value::String),
        Just(Value::String("16".to_owned())),
        Just(Value::String(" -7 ".to_owned())),
        timestamp().prop_map(|t| Value::String(t.to_string())),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// The wire types the decoders know.
const TYPES: &[&str] = &[
    "ticket.assign",
    "ticket.message.viewed",
    "ticket.message.new",
    "ticket.message.list",
    "ticket.created",
    "ticket.assigned",
    "ticket.updated",
    "ticket.message.delivery",
    "ticket.user.blocked",
    "delivery.offer",
    "delivery.proceed",
    "error",
    "resumed",
    "resync_required",
    "delivery.sending",
    "delivery.sent",
    "delivery.failed",
];

/// A valid event of any direction, as a JSON object.
fn valid_event() -> BoxedStrategy<Map<String, Value>> {
    prop_oneof![
        crate::proptests::client_event().prop_map(|e| serde_json::to_value(e).unwrap()),
        server_event().prop_map(|e| serde_json::to_value(e).unwrap()),
        bot_event().prop_map(|e| serde_json::to_value(e).unwrap()),
    ]
    .prop_map(|v| match v {
        Value::Object(map) => map,
        other => panic!("an event is an object: {other}"),
    })
    .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(prop::sample::Index),
    Replace(prop::sample::Index, Value),
    Insert(String, Value),
    Retype(&'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
        (any::<prop::sample::Index>(), json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (key(), json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        proptest::sample::select(TYPES).prop_map(Mutation::Retype),
    ]
}

fn mutate(mut map: Map<String, Value>, mutations: &[Mutation]) -> Map<String, Value> {
    for m in mutations {
        let keys: Vec<String> = map.keys().cloned().collect();
        match m {
            Mutation::Remove(i) if !keys.is_empty() => {
                map.remove(&keys[i.index(keys.len())]);
            }
            Mutation::Replace(i, v) if !keys.is_empty() => {
                map.insert(keys[i.index(keys.len())].clone(), v.clone());
            }
            Mutation::Insert(k, v) => {
                map.insert(k.clone(), v.clone());
            }
            Mutation::Retype(t) => {
                map.insert("type".to_owned(), Value::from(*t));
            }
            _ => {}
        }
    }
    map
}

/// Raw JSON text the typed values cannot produce: numbers beyond `i64`/`f64`, lone surrogates,
/// deep nesting, duplicate keys, non-objects.
fn raw_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "18446744073709551616",
                "-9223372036854775809",
                "1e400",
                "-1e400",
                "1e-400",
                "-0",
                "-0.0",
                "0.1e1",
                "16.0",
                "1E2",
                "123456789012345678901234567890",
                "9007199254740993",
                "\"\\ud800\"",
                "\"\\udc00\\ud800\"",
                "\"\\ud83d\\ude00\"",
                "\"\\u0000\"",
                "\"\\ud800x\"",
                "\"16\"",
                "\"  16\"",
                "\"+16\"",
                "\"0x10\"",
                "[]",
                "{}",
                "null",
                "true",
                "\"\"",
                "NaN",
                "Infinity",
                "01",
                "1.",
                ".5",
            ][..]
        )
        .prop_map(str::to_owned),
        (1usize..300).prop_map(|depth| format!("{}1{}", "[".repeat(depth), "]".repeat(depth))),
        (1usize..300).prop_map(|depth| format!(
            "{}1{}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        )),
    ]
}

fn raw_event() -> BoxedStrategy<String> {
    prop_oneof![
        // A known type with one or two raw fields (duplicates allowed: the last wins).
        (
            proptest::sample::select(TYPES),
            proptest::collection::vec((key(), raw_fragment()), 1..3),
        )
            .prop_map(|(t, fields)| {
                let fields: String = fields
                    .iter()
                    .map(|(k, v)| format!(",{}:{v}", Value::from(k.as_str())))
                    .collect();
                format!("{{\"type\":\"{t}\"{fields}}}")
            }),
        // Not an object at all.
        raw_fragment(),
        // A valid event cut short or with a byte flipped.
        (valid_event(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(map, i, b)| {
            let mut bytes = serde_json::to_vec(&map).unwrap();
            let at = i.index(bytes.len());
            if b % 2 == 0 {
                bytes.truncate(at);
            } else {
                bytes[at] = b;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }),
        // Arbitrary bytes.
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}

/// Any frame: mutated valid events, raw text, arbitrary JSON values.
fn frame() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (valid_event(), proptest::collection::vec(mutation(), 0..4))
            .prop_map(|(map, ms)| serde_json::to_string(&mutate(map, &ms)).unwrap()),
        3 => raw_event(),
        1 => json().prop_map(|v| v.to_string()),
    ]
    .boxed()
}

fn check_error(err: &DecodeError) {
    let expected = match err {
        DecodeError::NotJson(_) | DecodeError::NotObject => None,
        _ => Some(()),
    };
    assert!(
        matches!(err.code(), "invalid_json" | "invalid_field"),
        "{err:?}"
    );
    assert_eq!(err.field().map(|_| ()), expected, "{err:?}");
    assert!(!err.to_string().is_empty());
}

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        proptest::sample::select(
            &[
                DeliveryState::Pending,
                DeliveryState::Sent,
                DeliveryState::Failed,
            ][..],
        ),
        any::<u32>(),
        timestamp(),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i32>()),
        proptest::option::of(nasty_text()),
    )
        .prop_map(|(state, attempts, at, tg, code, error)| {
            let mut d = Delivery::pending(at);
            d.state = state;
            d.attempts = attempts;
            d.telegram_message_id = tg;
            d.error_code = code;
            d.error = error;
            d
        })
}

/// A message as the server writes it: any text, any delivery.
fn full_message() -> BoxedStrategy<Message> {
    (message(), nasty_text(), proptest::option::of(delivery()))
        .prop_map(|(mut m, text, d)| {
            m.text = text;
            m.delivery = d;
            m
        })
        .boxed()
}

/// A contact profile, each field set or not (names with markup and other scripts).
fn profile() -> impl Strategy<Value = UserProfile> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of("[A-Za-z0-9_]{5,32}"),
        any::<bool>(),
    )
        .prop_map(
            |(first_name, last_name, username, is_premium)| UserProfile {
                first_name,
                last_name,
                username,
                is_premium,
            },
        )
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![Just(Sender::User), Just(Sender::Supp)]
}

/// Every variant of [`ServerEvent`] the server sends, every optional field set or not.
pub(crate) fn server_event() -> BoxedStrategy<ServerEvent> {
    prop_oneof![
        crate::proptests::server_event(),
        (full_message(), proptest::option::of(any::<u64>()))
            .prop_map(|(message, cursor)| ServerEvent::MessageNew(MessageNew { message, cursor })),
        (ticket(), proptest::option::of(sender())).prop_map(|(ticket, resolved_by)| {
            ServerEvent::TicketUpdated(TicketUpdated {
                ticket,
                resolved_by,
            })
        }),
        full_message()
            .prop_map(|message| ServerEvent::MessageDelivery(MessageDelivery { message })),
        (
            any::<i64>(),
            proptest::option::of("[a-zA-Z_-]{1,35}"),
            any::<bool>(),
            profile(),
        )
            .prop_map(|(id, language_code, blocked, profile)| {
                let mut user = TelegramUser::new(TelegramId::new(id));
                user.language_code = language_code;
                user.blocked = blocked;
                profile.apply_to(&mut user);
                ServerEvent::UserBlocked(UserBlocked { user })
            }),
        (any::<i64>(), profile()).prop_map(|(id, profile)| {
            let mut user = TelegramUser::new(TelegramId::new(id));
            profile.apply_to(&mut user);
            ServerEvent::UserUpdated(UserUpdated { user })
        }),
        (
            any::<i64>(),
            any::<i64>(),
            timestamp(),
            text(),
            proptest::option::of(crate::proptests::manager())
        )
            .prop_map(|(id, ticket, created_at, text, manager)| {
                ServerEvent::NoteNew(NoteNew {
                    note: Note {
                        id,
                        ticket: TicketId::new(ticket),
                        created_at,
                        text,
                        manager,
                    },
                })
            }),
        Just(ServerEvent::CannedChanged(CannedChanged {})),
        (
            any::<i64>(),
            proptest::option::of(crate::proptests::manager()),
            proptest::option::of(any::<i64>())
        )
            .prop_map(|(ticket, manager, user)| {
                ServerEvent::TicketTyping(TicketTyping {
                    ticket_id: TicketId::new(ticket),
                    manager,
                    user: user.map(TelegramId::new),
                })
            }),
        (full_message(), ticket(), any::<u32>()).prop_map(|(message, ticket, attempt)| {
            ServerEvent::DeliveryOffer(DeliveryOffer {
                message,
                ticket,
                attempt,
            })
        }),
        (any::<i64>(), any::<bool>()).prop_map(|(id, proceed)| {
            ServerEvent::DeliveryProceed(DeliveryProceed {
                message_id: MessageId::new(id),
                proceed,
            })
        }),
        (
            error_code(),
            nasty_text(),
            proptest::option::of(nasty_text())
        )
            .prop_map(|(code, detail, request)| ServerEvent::Error(ErrorEvent {
                code,
                detail,
                request
            })),
    ]
    .boxed()
}

/// Every variant of [`BotEvent`] the bot sends.
pub(crate) fn bot_event() -> BoxedStrategy<BotEvent> {
    let kind = proptest::sample::select(
        &[
            FailureKind::Transient,
            FailureKind::RateLimited,
            FailureKind::Blocked,
            FailureKind::Permanent,
        ][..],
    );
    prop_oneof![
        any::<i64>().prop_map(|id| BotEvent::Sending(DeliverySending {
            message_id: MessageId::new(id)
        })),
        (any::<i64>(), any::<i64>()).prop_map(|(id, tg)| BotEvent::Sent(DeliverySent {
            message_id: MessageId::new(id),
            telegram_message_id: tg,
            files: Vec::new(),
        })),
        (
            any::<i64>(),
            kind,
            proptest::option::of(any::<i32>()),
            text(),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(id, kind, error_code, error, retry_after)| {
                BotEvent::Failed(DeliveryFailed {
                    message_id: MessageId::new(id),
                    kind,
                    error_code,
                    error,
                    retry_after,
                    files: Vec::new(),
                })
            }),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(crate::fuzz_config())]

    /// The three decoders on the same frames: the manager websocket's ([`ClientEvent`]), the
    /// bot websocket's delivery reports ([`BotEvent`]), and the bot's and console's decoder of
    /// server events. Never a panic; a value that re-encodes to itself, or a typed error.
    #[test]
    fn event_decoders(frame in frame()) {
        match ClientEvent::from_json(&frame) {
            Ok(event) => {
                let again = ClientEvent::from_json(&serde_json::to_string(&event).unwrap());
                prop_assert_eq!(again.as_ref(), Ok(&event), "{}", frame);
            }
            Err(err) => check_error(&err),
        }
        match BotEvent::from_json(&frame) {
            Ok(event) => {
                let again = BotEvent::from_json(&event.to_json());
                prop_assert_eq!(again, Ok(event), "{}", frame);
            }
            Err(err) => check_error(&err),
        }
        if let Ok(event) = serde_json::from_str::<ServerEvent>(&frame) {
            let again = serde_json::from_str::<ServerEvent>(&event.to_json());
            prop_assert_eq!(again.ok(), Some(event), "{}", frame);
        }
    }

    /// Every event the server and the bot produce: encode → decode is the identity, through
    /// the same decoders their peers use.
    #[test]
    fn produced_events_round_trip(server in server_event(), bot in bot_event()) {
        prop_assert_eq!(serde_json::from_str::<ServerEvent>(&server.to_json()).unwrap(), server);
        prop_assert_eq!(BotEvent::from_json(&bot.to_json()).unwrap(), bot);
    }

    /// Timestamps from anywhere (a peer's event): a value or an error, and a value prints as
    /// it parses.
    #[test]
    fn timestamp_parser(
        year in prop_oneof![Just(0u32), Just(1), Just(1970), Just(9999), 0u32..10_000],
        rest in prop_oneof![
            // The first and last instants of a year, where an offset changes the year.
            Just((1, 1, 0, 0, 0)),
            Just((12, 31, 23, 59, 59)),
            (1u32..13, 1u32..32, 0u32..25, 0u32..61, 0u32..62),
        ],
        fraction in proptest::option::of("[0-9]{1,12}"),
        offset in prop_oneof![
            Just("Z".to_owned()),
            (0u32..25, 0u32..60, any::<bool>())
                .prop_map(|(h, m, neg)| format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
        ],
    ) {
        let (month, day, hour, minute, second) = rest;
        let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
        let s = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}");
        if let Ok(t) = Timestamp::parse(&s) {
            prop_assert_eq!(Timestamp::parse(&t.to_string()), Ok(t), "{}", s);
        }
    }
}
