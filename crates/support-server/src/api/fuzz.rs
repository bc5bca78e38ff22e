//! Fuzz harnesses of the REST body and query parsers (issue 15), through the real router
//! (`tower::ServiceExt::oneshot`, memory storage), so the extractors, the DRF-style field
//! parsers and the error answers are what is tested.
//!
//! Properties: no panic and no 5xx whatever the body, content type or query; an accepted value
//! satisfies the documented validation (a title of 1-256 characters after trimming, no null
//! character, the user id the body gave); a refused one is a 400 in DRF's shape
//! (`{"field": ["message"]}` or `{"detail": "..."}`) naming a field the body really got wrong;
//! paging links carry the limit asked for and the next offset.
//!
//! Cases: [`config`]. The query harness is in `fuzz_query.rs`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};
use support_protocol::validate::is_python_whitespace;
use support_protocol::{Ticket, validate_text, validate_title};
use tower::ServiceExt;

use crate::SupportServer;

pub(super) const TOKEN: &str = "fuzz-bot-token";

/// The proptest configuration of the server's harnesses.
///
/// Cases per property: `SUPPORT_FUZZ_CASES` if set, else 10,000 under CI (`CI` set, as
/// `.ci/run` does) and 1,000 locally, so a developer's `cargo test` stays quick while CI runs
/// the 10,000. No failure persistence (no `proptest-regressions/` files): a failure
/// prints its minimal input, which becomes a plain unit test beside the fix.
pub(crate) fn config() -> Config {
    let cases = std::env::var("SUPPORT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if std::env::var_os("CI").is_some() {
            10_000
        } else {
            1_000
        });
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A fresh server (memory storage, one bot token) and a runtime to drive it.
pub(super) fn server() -> (tokio::runtime::Runtime, Router) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let router = SupportServer::builder()
        .mount("/support")
        .bot_token(TOKEN)
        .build()
        .router();
    (runtime, router)
}

/// Sends one request; the status and the JSON body (`Null` for an empty or non-JSON one).
pub(super) fn send(
    runtime: &tokio::runtime::Runtime,
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, Value) {
    runtime.block_on(async {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    })
}

/// Text that reaches the corners: astral characters, combining marks, HTML, entity-like text,
/// null and Python-only whitespace, numbers as text, lengths around the limits.
pub(super) fn nasty_text() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "a",
        "Title",
        "1001",
        "-1",
        "1e3",
        " ",
        "\n",
        "\t",
        "\u{a0}",
        "\u{1f}",
        "\u{0}",
        "\u{200b}",
        "e\u{301}",
        "😀",
        "👩\u{200d}👧",
        "&amp;",
        "<b>",
        "\"",
        "&",
        "=",
        "+",
        "%",
        "%FF",
        ";",
        "yes",
        "true",
        "0",
    ];
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat()),
        1 => "\\PC{0,20}",
        // Around the limits: 256 characters for a title, 4096 for a text.
        1 => (prop::sample::select(&["x", "😀", "é", " "][..]), prop_oneof![250usize..262, 4090usize..4100])
            .prop_map(|(c, n)| c.repeat(n)),
    ]
}

fn field_value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        4 => nasty_text().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        1 => prop::sample::select(&[1001.0, -0.0, 1.5, 9.3e18, -9.2e18, 1.0, 0.0][..]).prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ];
    scalar.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,5}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A ticket body: each field present or not, valid-looking or not, plus unknown keys.
fn ticket_body() -> impl Strategy<Value = Map<String, Value>> {
    let known =
        prop::sample::select(&["user_id", "title", "text", "resolved", "language_code"][..]);
    let valid = prop_oneof![
        any::<i64>().prop_map(|i| ("user_id", Value::from(i))),
        (1i64..1_000_000).prop_map(|i| ("user_id", Value::from(i.to_string()))),
        "[a-zA-Z ]{1,30}".prop_map(|t| ("title", Value::from(t))),
        "[a-zA-Z ]{1,30}".prop_map(|t| ("text", Value::from(t))),
        any::<bool>().prop_map(|b| ("resolved", Value::from(b))),
        "[a-z]{2}(-[A-Z]{2})?".prop_map(|l| ("language_code", Value::from(l))),
    ];
    (
        prop::collection::vec(valid, 0..6),
        prop::collection::vec((known, field_value()), 0..3),
        prop::collection::vec(("[a-z_]{1,8}", field_value()), 0..2),
    )
        .prop_map(|(valid, wild, extra)| {
            let mut map = Map::new();
            for (k, v) in valid.into_iter().chain(wild) {
                map.insert(k.to_owned(), v);
            }
            for (k, v) in extra {
                map.insert(k, v);
            }
            map
        })
}

/// How a body is sent: its content type and bytes.
#[derive(Debug, Clone)]
pub(super) enum Encoding {
    Json(Option<&'static str>),
    Form,
    Raw(Option<&'static str>, Vec<u8>),
}

fn encoding() -> impl Strategy<Value = Encoding> {
    let json_type = prop::sample::select(
        &[
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("APPLICATION/JSON"),
            Some("application/vnd.support+json"),
            None,
        ][..],
    );
    let raw_type = prop::sample::select(
        &[
            Some("application/json"),
            Some("application/x-www-form-urlencoded"),
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
            Some(""),
            None,
        ][..],
    );
    let raw = prop_oneof![
        prop::sample::select(
            &[
                "[1]",
                "\"x\"",
                "null",
                "12",
                "{\"title\": \"\\ud800\"}",
                "{\"user_id\": 1e400}",
                "{",
                " ",
                "",
                "{\"a\":1,\"a\":2}",
                "title=a&title=&user_id=1&user_id=x",
                "%FF=%FE",
                "=&&=x&user_id",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop_oneof![
        3 => json_type.prop_map(Encoding::Json),
        2 => Just(Encoding::Form),
        1 => (raw_type, raw).prop_map(|(t, b)| Encoding::Raw(t, b)),
    ]
}

/// The request, and the body as the server should read it (`None`: it should refuse it).
pub(super) fn request(
    uri: &str,
    body: &Map<String, Value>,
    encoding: &Encoding,
) -> (Request<Body>, Option<Map<String, Value>>) {
    let (content_type, bytes, read) = match encoding {
        Encoding::Json(t) => (*t, serde_json::to_vec(body).unwrap(), Some(body.clone())),
        Encoding::Form => {
            // A form has only strings: a non-string value goes as its JSON text.
            let pairs: Vec<(String, String)> = body
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => (k.clone(), s.clone()),
                    other => (k.clone(), other.to_string()),
                })
                .collect();
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            let read = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            (
                Some("application/x-www-form-urlencoded"),
                encoded.into_bytes(),
                Some(read),
            )
        }
        Encoding::Raw(t, bytes) => (*t, bytes.clone(), None),
    };
    let mut builder = Request::post(uri).header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    if let Some(t) = content_type {
        builder = builder.header(header::CONTENT_TYPE, t);
    }
    (builder.body(Body::from(bytes)).unwrap(), read)
}

/// A refusal is a 400 in DRF's shape (or 415 for a media type the server does not read, 413
/// for a body over the limit), never anything else; with field errors, the fields and their messages.
pub(super) fn refusal(
    status: StatusCode,
    body: &Value,
) -> Result<Vec<(String, String)>, TestCaseError> {
    prop_assert!(
        status == StatusCode::BAD_REQUEST
            || status == StatusCode::UNSUPPORTED_MEDIA_TYPE
            // A body over the configured limit (a few texts of 4,096 astral characters).
            || status == StatusCode::PAYLOAD_TOO_LARGE,
        "{} {}",
        status,
        body
    );
    let Value::Object(map) = body else {
        return Err(TestCaseError::fail(format!("not an object: {body}")));
    };
    if let Some(detail) = map.get("detail") {
        prop_assert!(detail.is_string() && map.len() == 1, "{}", body);
        return Ok(Vec::new());
    }
    let mut fields = Vec::new();
    for (field, messages) in map {
        let Some(messages) = messages.as_array().filter(|m| !m.is_empty()) else {
            return Err(TestCaseError::fail(format!(
                "not a list of messages: {body}"
            )));
        };
        for m in messages {
            let m = m.as_str().unwrap_or_default();
            prop_assert!(!m.is_empty(), "{}", body);
            fields.push((field.clone(), m.to_owned()));
        }
    }
    prop_assert!(!fields.is_empty(), "{}", body);
    Ok(fields)
}

/// A field of the body as read (`Null` when absent).
fn field<'a>(body: &'a Map<String, Value>, name: &str) -> &'a Value {
    body.get(name).unwrap_or(&Value::Null)
}

/// The documented reading of a char field: a string or a number, trimmed, validated.
fn expected_char(
    value: &Value,
    validate: fn(&str) -> Result<String, support_protocol::ValidationError>,
) -> Option<String> {
    match value {
        Value::String(s) => validate(s).ok(),
        Value::Number(n) => validate(&n.to_string()).ok(),
        _ => None,
    }
}

/// The documented reading of a primary key: an integer, an integral float, or a string of one.
fn expected_pk(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Runs `test` on [`config`]'s number of values of `strategy`: a `TestRunner` rather than
/// `proptest!`, so that one server serves every case (one per case took longer than the case).
pub(super) fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    if let Err(err) = runner.run(&strategy, test) {
        panic!("{err}");
    }
}

/// `POST /tickets/` with any body in any encoding.
#[test]
fn ticket_bodies() {
    let (runtime, router) = server();
    run((ticket_body(), encoding()), |(body, encoding)| {
        let (request, read) = request("/support/tickets/", &body, &encoding);
        let (status, answer) = send(&runtime, &router, request);
        let read = read.unwrap_or_default();
        if status == StatusCode::CREATED {
            let ticket: Ticket = serde_json::from_value(answer.clone()).unwrap();
            // Accepted values satisfy the documented validation.
            prop_assert_eq!(validate_title(&ticket.title), Ok(ticket.title.clone()));
            prop_assert!(ticket.title.chars().count() <= 256);
            prop_assert!(!ticket.title.starts_with(is_python_whitespace));
            prop_assert_eq!(
                Some(ticket.title.clone()),
                expected_char(field(&read, "title"), validate_title)
            );
            prop_assert_eq!(
                Some(ticket.user.telegram_id.get()),
                expected_pk(field(&read, "user_id"))
            );
            if let Some(text) = read.get("text") {
                prop_assert!(expected_char(text, validate_text).is_some(), "{}", answer);
            }
            return Ok(());
        }
        let fields = refusal(status, &answer)?;
        // Each field error is deserved: the body really got that field wrong.
        for (field, message) in &fields {
            let value = read.get(field);
            let deserved = match field.as_str() {
                "user_id" => value.and_then(expected_pk).is_none(),
                "title" => value
                    .and_then(|v| expected_char(v, validate_title))
                    .is_none(),
                "text" => value.is_some_and(|v| expected_char(v, validate_text).is_none()),
                "resolved" => value.is_some(),
                "language_code" => value.is_some_and(|v| !v.is_null()),
                "non_field_errors" => matches!(encoding, Encoding::Raw(..)),
                _ => false,
            };
            prop_assert!(
                deserved,
                "{}: {} for {:?} ({:?})",
                field,
                message,
                value,
                encoding
            );
        }
        Ok(())
    });
}

/// `POST /tickets/1/messages/` with any body: a message's text is 1-4096 characters after
/// trimming, or the answer says which field is wrong.
#[test]
fn message_bodies() {
    let (runtime, router) = server();
    let seed = Map::from_iter([
        ("user_id".to_owned(), Value::from(1001)),
        ("title".to_owned(), Value::from("seed")),
    ]);
    let (seed, _) = request("/support/tickets/", &seed, &Encoding::Json(None));
    assert_eq!(send(&runtime, &router, seed).0, StatusCode::CREATED);
    run((ticket_body(), encoding()), |(body, encoding)| {
        let (request, read) = request("/support/tickets/1/messages/", &body, &encoding);
        let (status, answer) = send(&runtime, &router, request);
        let read = read.unwrap_or_default();
        if status == StatusCode::CREATED {
            let text = answer["text"].as_str().unwrap_or_default().to_owned();
            prop_assert_eq!(validate_text(&text), Ok(text.clone()));
            prop_assert_eq!(
                Some(text),
                expected_char(field(&read, "text"), validate_text)
            );
            return Ok(());
        }
        for (field, message) in refusal(status, &answer)? {
            let value = read.get(&field);
            let deserved = match field.as_str() {
                "text" => value
                    .and_then(|v| expected_char(v, validate_text))
                    .is_none(),
                "sender" => value.is_some(),
                "language_code" => value.is_some_and(|v| !v.is_null()),
                "non_field_errors" => matches!(encoding, Encoding::Raw(..)),
                _ => false,
            };
            prop_assert!(deserved, "{}: {} for {:?}", field, message, value);
        }
        Ok(())
    });
}
