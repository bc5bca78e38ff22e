//! Fuzz harness of the query parsers (issue 15): the ticket filters and limit/offset paging,
//! through the real router, with repeated, empty, odd and badly encoded keys and values.
//!
//! Properties: never a panic or a 5xx; a filter refused is a 400 naming that filter, and only
//! when its last value (Django's `QueryDict` reads the last) is not a number or a choice; a
//! page holds at most `limit` results, and its `next` link asks for the same limit at
//! `offset + limit` exactly when there is more.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::fuzz::{Encoding, TOKEN, refusal, request, run, send, server};

/// One `key=value` of a query, sometimes raw (unencoded, or with invalid percent escapes).
fn pair() -> impl Strategy<Value = String> {
    let key = prop::sample::select(
        &[
            "user_id",
            "resolved",
            "manager",
            "manager__isnull",
            "limit",
            "offset",
            "limit",
            "offset",
            "page",
            "",
            "limit%20",
            "LIMIT",
            "user_id[]",
        ][..],
    );
    let value = prop_oneof![
        3 => prop::sample::select(&[
            "1", "2", "0", "-1", "-0", " 7 ", "1.5", "1e3", "abc", "", "true", "True", "false",
            "False", "yes", "99999999999999999999", "9223372036854775807", "NaN", "inf", "1e400",
            "+3", "٣", "1001",
        ][..]).prop_map(str::to_owned),
        1 => (0i64..8).prop_map(|i| i.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => "\\PC{0,6}",
    ];
    let raw = prop::sample::select(
        &[
            "%FF",
            "%",
            "&",
            "=",
            "a=b=c",
            "+",
            "limit=%32",
            "offset=%2B1",
        ][..],
    );
    prop_oneof![
        4 => (key, value).prop_map(|(k, v)| form_urlencoded::Serializer::new(String::new())
            .append_pair(k, &v)
            .finish()),
        1 => raw.prop_map(str::to_owned),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(pair(), 0..6).prop_map(|pairs| pairs.join("&"))
}

/// The last value of `key`, as the server's `form_urlencoded` reads the query.
fn last(query: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == key)
        .last()
        .map(|(_, v)| v.into_owned())
}

fn positive(query: &str, key: &str) -> Option<u64> {
    last(query, key)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v > 0)
        .map(i64::unsigned_abs)
}

/// Checks a listing: a plain array without a valid `limit`, else a page of at most `limit`
/// results whose `next` continues at `offset + limit`.
fn check_listing(query: &str, body: &Value) -> Result<(), TestCaseError> {
    let Some(limit) = positive(query, "limit") else {
        prop_assert!(body.is_array(), "{}", body);
        return Ok(());
    };
    let offset = positive(query, "offset").unwrap_or(0);
    let count = body["count"].as_u64().unwrap();
    let results = body["results"].as_array().unwrap();
    prop_assert!(results.len() as u64 <= limit);
    prop_assert_eq!(
        results.len() as u64,
        count.saturating_sub(offset).min(limit),
        "{}",
        body
    );
    match body["next"].as_str() {
        Some(next) => {
            prop_assert!(offset.saturating_add(limit) < count);
            // Absolute for an allowed Host, else relative (`api/links.rs`): resolved alike.
            let url = url::Url::parse("http://localhost/")
                .unwrap()
                .join(next)
                .unwrap();
            let next_query = url.query().unwrap_or_default();
            prop_assert_eq!(positive(next_query, "limit"), Some(limit), "{}", next);
            prop_assert_eq!(
                positive(next_query, "offset"),
                Some(offset + limit),
                "{}",
                next
            );
        }
        None => prop_assert!(offset.saturating_add(limit) >= count, "{}", body),
    }
    if let Some(previous) = body["previous"].as_str() {
        prop_assert!(offset > 0);
        let base = url::Url::parse("http://localhost/").unwrap();
        prop_assert!(base.join(previous).is_ok(), "{}", previous);
        prop_assert!(
            previous.starts_with("/support/"),
            "relative without a Host: {}",
            previous
        );
    }
    Ok(())
}

/// `GET /tickets/?...` and `GET /tickets/1/messages/?...` on a server holding three
/// tickets, the first with five messages.
#[test]
fn listing_queries() {
    let (runtime, router) = server();
    for (user, title) in [(1001, "one"), (1001, "two"), (1002, "three")] {
        let body = Map::from_iter([
            ("user_id".to_owned(), Value::from(user)),
            ("title".to_owned(), Value::from(title)),
        ]);
        let (req, _) = request("/support/tickets/", &body, &Encoding::Json(None));
        assert_eq!(send(&runtime, &router, req).0, StatusCode::CREATED);
    }
    for i in 0..5 {
        let body = Map::from_iter([("text".to_owned(), Value::from(format!("m{i}")))]);
        let (req, _) = request("/support/tickets/1/messages/", &body, &Encoding::Json(None));
        assert_eq!(send(&runtime, &router, req).0, StatusCode::CREATED);
    }
    run(query(), |query| {
        let query = &query;
        let get = |path: &str| {
            Request::get(format!("/support/{path}?{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap()
        };
        let (status, body) = send(&runtime, &router, get("tickets/"));
        if status == StatusCode::OK {
            check_listing(query, &body)?;
        } else {
            for (field, message) in refusal(status, &body)? {
                let raw = last(query, &field).unwrap_or_default();
                let value = raw.trim();
                let deserved = match field.as_str() {
                    "user_id" | "manager" => {
                        message == "Enter a number."
                            && value.parse::<i64>().is_err()
                            && !value
                                .parse::<f64>()
                                .is_ok_and(|f| f.is_finite() && f.abs() < 9.2e18)
                    }
                    "resolved" | "manager__isnull" => {
                        !["true", "True", "1", "false", "False", "0"].contains(&raw.as_str())
                    }
                    _ => false,
                };
                prop_assert!(deserved, "{}: {} for {:?}", field, message, query);
            }
        }
        // Messages: paging only, no filters, so every query is an answer.
        let (status, body) = send(&runtime, &router, get("tickets/1/messages/"));
        prop_assert_eq!(status, StatusCode::OK, "{}", body);
        check_listing(query, &body)?;
        Ok(())
    });
}
