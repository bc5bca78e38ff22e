//! Files on the fake Telegram: a test registers the bytes of a file ([`FakeTelegram::add_file`])
//! and gets the ids a user's message names it by; the bot then asks `getFile` for its path and
//! downloads it from `/file/bot<token>/<file_path>`, as from Telegram.
//!
//! Two failures can be set per file: Telegram's refusal of a file over the bots' 20 MB limit
//! (`getFile` answers `400 Bad Request: file is too big`, [`FakeTelegram::add_file_too_big`]),
//! and a download that breaks off halfway ([`FakeTelegram::add_file_cut`]: the headers promise
//! every byte, the body stops after half of them and the connection is dropped).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Call, FakeTelegram, Inner};

/// A file the fake holds: what a user's message names it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeFile {
    /// The bot's id of the file.
    pub file_id: String,
    /// The file's id across bots.
    pub file_unique_id: String,
    /// Its size in bytes (what Telegram says in the message and in `getFile`).
    pub size: u64,
}

/// How the fake serves a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serve {
    /// Every byte.
    Whole,
    /// Half the bytes, then the connection drops.
    CutHalfway,
    /// `getFile` refuses: over Telegram's limit for bots.
    TooBig,
}

#[derive(Debug)]
struct Stored {
    unique_id: String,
    path: String,
    bytes: Bytes,
    size: u64,
    serve: Serve,
}

/// The registered files, by `file_id`.
#[derive(Debug, Default)]
pub(super) struct Files {
    by_id: Mutex<HashMap<String, Stored>>,
}

impl FakeTelegram {
    /// Registers `bytes` as a file a user may send; `getFile` and the download serve them.
    pub fn add_file(&self, bytes: impl Into<Vec<u8>>) -> FakeFile {
        let bytes = Bytes::from(bytes.into());
        let size = bytes.len() as u64;
        self.register(bytes, size, Serve::Whole)
    }

    /// Registers `bytes` as a file whose download breaks off after half of them.
    pub fn add_file_cut(&self, bytes: impl Into<Vec<u8>>) -> FakeFile {
        let bytes = Bytes::from(bytes.into());
        let size = bytes.len() as u64;
        self.register(bytes, size, Serve::CutHalfway)
    }

    /// Registers a file of `size` bytes that Telegram will not let a bot download
    /// (`getFile`: `400 Bad Request: file is too big`).
    pub fn add_file_too_big(&self, size: u64) -> FakeFile {
        self.register(Bytes::new(), size, Serve::TooBig)
    }

    /// The downloads made so far (`download` calls, the file path in `body["path"]`).
    pub fn downloads(&self) -> Vec<Call> {
        self.ok_calls("download")
    }

    fn register(&self, bytes: Bytes, size: u64, serve: Serve) -> FakeFile {
        let n = crate::unique("");
        let file = FakeFile {
            file_id: format!("AgAC-{n}"),
            file_unique_id: format!("AQAD-{n}"),
            size,
        };
        let stored = Stored {
            unique_id: file.file_unique_id.clone(),
            path: format!("documents/file_{n}.bin"),
            bytes,
            size,
            serve,
        };
        self.inner
            .files
            .by_id
            .lock()
            .unwrap()
            .insert(file.file_id.clone(), stored);
        file
    }
}

/// `getFile`: the file's path, or Telegram's refusals.
pub(super) fn get_file(inner: &Inner, body: &Value) -> Response {
    let file_id = body["file_id"].as_str().unwrap_or("");
    let files = inner.files.by_id.lock().unwrap();
    let Some(stored) = files.get(file_id) else {
        return refusal("Bad Request: invalid file_id");
    };
    if stored.serve == Serve::TooBig {
        return refusal("Bad Request: file is too big");
    }
    let file = json!({
        "file_id": file_id,
        "file_unique_id": stored.unique_id,
        "file_size": stored.size,
        "file_path": stored.path,
    });
    axum::Json(json!({"ok": true, "result": file})).into_response()
}

fn refusal(description: &str) -> Response {
    let body = json!({"ok": false, "error_code": 400, "description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `GET /file/bot<token>/<file_path>`: the bytes, whole or cut off halfway.
pub(super) async fn download(
    State(inner): State<Arc<Inner>>,
    Path((_bot, path)): Path<(String, String)>,
) -> Response {
    let found = {
        let files = inner.files.by_id.lock().unwrap();
        files
            .values()
            .find(|f| f.path == path)
            .map(|f| (f.bytes.clone(), f.serve))
    };
    inner.calls.lock().unwrap().push(Call {
        method: "download".to_owned(),
        body: json!({"path": path}),
        failed: found.is_none(),
        at: Instant::now(),
        sent_id: None,
        uploads: Vec::new(),
    });
    inner.notify.notify_waiters();
    let Some((bytes, serve)) = found else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let length = bytes.len();
    let body = match serve {
        Serve::CutHalfway => {
            let half = bytes.slice(..length / 2);
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::other("the fake cut the download")),
            ];
            Body::from_stream(futures_util::stream::iter(chunks))
        }
        _ => Body::from(bytes),
    };
    (
        [
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
        ],
        body,
    )
        .into_response()
}
