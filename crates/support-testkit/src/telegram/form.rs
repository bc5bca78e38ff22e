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

/// A file uploaded with a call (a `multipart/form-data` part with a file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The part's name (`photo`, `document`, or the `attach://` name of an album's item).
    pub field: String,
    /// The file name the bot gave.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The call's body as JSON (`Null` when it is neither JSON nor a form), and its uploads.
pub(super) fn body_json(headers: &HeaderMap, body: &[u8]) -> (Value, Vec<Upload>) {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match boundary(content_type) {
        Some(boundary) => multipart(body, boundary),
        None => (
            serde_json::from_slice(body).unwrap_or(Value::Null),
            Vec::new(),
        ),
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

/// The text fields of a form as a JSON object, and its file parts. Read as bytes: a file's
/// bytes are kept exactly.
fn multipart(body: &[u8], boundary: &str) -> (Value, Vec<Upload>) {
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    let mut uploads = Vec::new();
    for part in split(body, delimiter.as_bytes()) {
        // Each part is `\r\nheaders\r\n\r\nvalue\r\n`; the last one is `--\r\n`.
        let Some(at) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..at]);
        let value = &part[at + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let Some(name) = param(&head, "name") else {
            continue;
        };
        if let Some(file_name) = param(&head, "filename") {
            uploads.push(Upload {
                field: name,
                file_name,
                bytes: value.to_vec(),
            });
            continue;
        }
        let value = String::from_utf8_lossy(value);
        let parsed = match value.trim_start().chars().next() {
            Some('[' | '{') => serde_json::from_str(&value).ok(),
            _ => None,
        };
        fields.insert(
            name,
            parsed.unwrap_or_else(|| Value::String(value.into_owned())),
        );
    }
    (Value::Object(fields), uploads)
}

/// The pieces of `body` between occurrences of `delimiter`.
fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = find(body, delimiter) {
        pieces.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    pieces.push(body);
    pieces
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parameter (`name="..."`, `filename="..."`) of a part's `Content-Disposition`.
fn param(head: &str, key: &str) -> Option<String> {
    head.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-disposition: form-data")
        })?
        .split(';')
        .find_map(|p| p.trim().strip_prefix(&format!("{key}=")))
        .map(|n| n.trim_matches('"').to_owned())
}
