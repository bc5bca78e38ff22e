//! Fuzz harness of the login and token requests' credentials parser (issue 15): `{username,
//! password}` from a JSON or form body, under any content type.
//!
//! Properties: never a panic; accepted credentials are exactly the body's two non-empty
//! strings (a form's last value of each); a refusal is DRF's: a field error naming a field the
//! body really got wrong, `non_field_errors` for JSON that is not an object, a `detail` for
//! malformed JSON or a media type it does not read. Cases: `api::fuzz::config`.

use axum::http::Request;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::credentials;
use crate::error::ApiError;

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => "\\PC{0,12}".prop_map(Value::from),
        1 => Just(Value::from("")),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(serde_json::json!(["a"])),
        1 => Just(serde_json::json!({"a": "b"})),
    ]
}

fn body() -> impl Strategy<Value = Map<String, Value>> {
    let key = prop::sample::select(&["username", "password", "user", "Username", ""][..]);
    prop::collection::vec((key, value()), 0..4)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// What a body says about `field`: `Some(Ok(s))` a usable value, `Some(Err(()))` a wrong one.
fn expected(map: &Map<String, Value>, field: &str) -> Result<String, ()> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(()),
    }
}

proptest! {
    #![proptest_config(crate::api::fuzz_config())]

    #[test]
    fn credentials_never_panic_and_refuse_like_drf(
        map in body(),
        form in any::<bool>(),
        content_type in prop::sample::select(&[
            None, Some("application/json"), Some("Application/JSON; charset=utf-8"),
            Some("application/ld+json"), Some("application/x-www-form-urlencoded"),
            Some("text/plain"), Some(""),
        ][..]),
        garbage in prop::option::weighted(0.2, prop::collection::vec(any::<u8>(), 0..24)),
    ) {
        let content_type = if form { Some("application/x-www-form-urlencoded") } else { content_type };
        let is_form = content_type == Some("application/x-www-form-urlencoded");
        let (bytes, read) = match (&garbage, is_form) {
            (Some(bytes), _) => (bytes.clone(), None),
            (None, true) => {
                let pairs: Vec<(String, String)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect();
                let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
                let read = pairs.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
                (encoded.into_bytes(), Some(read))
            }
            (None, false) => (serde_json::to_vec(&map).unwrap(), Some(map.clone())),
        };
        let mut request = Request::post("/support/auth/login/");
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let parts = request.body(()).unwrap().into_parts().0;
        match credentials(&parts, &bytes) {
            Ok((username, password)) => {
                if let Some(read) = &read {
                    prop_assert_eq!(Ok(username), expected(read, "username"));
                    prop_assert_eq!(Ok(password), expected(read, "password"));
                } else {
                    prop_assert!(!username.is_empty() && !password.is_empty());
                }
            }
            Err(ApiError::Validation(fields)) => {
                prop_assert!(!fields.is_empty());
                for (field, messages) in &fields {
                    prop_assert_eq!(messages.len(), 1);
                    let deserved = match (field.as_str(), &read) {
                        ("username" | "password", Some(read)) => expected(read, field).is_err(),
                        ("username" | "password", None) => true,
                        ("non_field_errors", _) => read.is_none(),
                        _ => false,
                    };
                    prop_assert!(deserved, "{}: {:?} for {:?}", field, messages, read);
                }
            }
            Err(ApiError::BadRequest(detail)) => {
                prop_assert!(read.is_none() && detail.starts_with("JSON parse error - "), "{}", detail);
            }
            Err(ApiError::UnsupportedMediaType(_)) => {
                let media = content_type.unwrap_or_default().to_ascii_lowercase();
                prop_assert!(!media.is_empty() && !media.contains("json") && !is_form, "{}", media);
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
