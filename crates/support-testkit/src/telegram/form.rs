//! The body of a Bot API call as JSON, whichever way teloxide sent it: a JSON body, or a
//! `multipart/form-data` one (the methods that may upload a file: `setWebhook` with its
//! `certificate`, `sendPhoto`, ...), whose fields become the keys of a JSON object.
//!
//! A minimal reader of what teloxide (reqwest's multipart) writes, not a general parser: text
//! fields only, each value kept as a string but for JSON arrays and objects (`allowed_updates`,
//! `reply_markup`), which are parsed, as the Bot API itself reads them. Scalars stay strings
//! because their type cannot be told from the form (`secret_token` may be all digits).

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

/// The call's body as JSON (`Null` when it is neither JSON nor a form).
pub(super) fn body_json(headers: &HeaderMap, body: &[u8]) -> Value {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match boundary(content_type) {
        Some(boundary) => multipart(body, boundary),
        None => serde_json::from_slice(body).unwrap_or(Value::Null),
    }
}

/// The boundary of a `multipart/form-data; boundary=...` content type.
fn boundary(content_type: &str) -> Option<&str> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// The text fields of a form as a JSON object.
fn multipart(body: &[u8], boundary: &str) -> Value {
    let body = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    for part in body.split(delimiter.as_str()) {
        // Each part is `\r\nheaders\r\n\r\nvalue\r\n`; the last one is `--\r\n`.
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = field_name(head) else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = match value.trim_start().chars().next() {
            Some('[' | '{') => serde_json::from_str(value).ok(),
            _ => None,
        };
        fields.insert(
            name.to_owned(),
            parsed.unwrap_or_else(|| Value::String(value.to_owned())),
        );
    }
    Value::Object(fields)
}

/// The `name="..."` of a part's `Content-Disposition`.
fn field_name(head: &str) -> Option<&str> {
    head.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-disposition: form-data")
        })?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("name="))
        .map(|n| n.trim_matches('"'))
}
