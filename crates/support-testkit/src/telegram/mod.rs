//! A fake Telegram Bot API: records every call and answers like Telegram, with failures injected
//! on demand (`429`, `403`, `5xx`, "message is not modified"), and updates queued for a real
//! dispatcher's `getUpdates` polling. A bot in webhook mode is seen too: its `setWebhook` and
//! `deleteWebhook` are recorded with their fields (teloxide sends `setWebhook` as a form, read by
//! `form.rs`). Files a user sends are served by `getFile` and the download route (`files.rs`),
//! and [`UserMessage`] builds what a user sends (`updates.rs`).

mod files;
mod form;
mod updates;

pub use files::FakeFile;
pub use updates::UserMessage;

pub use form::Upload;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method, lowercased (`sendmessage`, `editmessagetext`, ...).
    pub method: String,
    /// The JSON body.
    pub body: Value,
    /// Whether it was answered with an injected failure.
    pub failed: bool,
    /// When it arrived.
    pub at: Instant,
    /// The id of the message it made (a successful `sendMessage`, `sendPhoto`, ...; the first
    /// of a `sendMediaGroup`).
    pub sent_id: Option<i64>,
    /// The files uploaded with it (`multipart/form-data` parts with a file name).
    pub uploads: Vec<Upload>,
}

impl Call {
    /// The `text` of the call's body (empty if none).
    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or("")
    }

    /// The `caption` of the call's body (empty if none).
    pub fn caption(&self) -> &str {
        self.body["caption"].as_str().unwrap_or("")
    }

    /// The id of the message a successful `sendMessage` made (panics for another call).
    pub fn message_id(&self) -> i64 {
        self.sent_id
            .unwrap_or_else(|| panic!("{} made no message", self.method))
    }

    /// The `chat_id` of the call's body (0 if none).
    pub fn chat_id(&self) -> i64 {
        // A form (a call with a file) carries it as text.
        let id = &self.body["chat_id"];
        id.as_i64()
            .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0)
    }

    /// Callback data of the inline keyboard, row by row.
    pub fn callback_data(&self) -> Vec<String> {
        buttons(&self.body, "callback_data")
    }

    /// Button labels of the inline keyboard.
    pub fn button_labels(&self) -> Vec<String> {
        buttons(&self.body, "text")
    }
}

fn buttons(body: &Value, field: &str) -> Vec<String> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b[field].as_str().map(str::to_owned))
        .collect()
}

/// A failure to answer the next call of a method with.
#[derive(Debug, Clone, Copy)]
pub enum Inject {
    /// `429 Too Many Requests` with `retry_after`.
    RetryAfter(u32),
    /// `403 Forbidden: bot was blocked by the user`.
    Blocked,
    /// A server error with this status (`500`, `502`, ...), described as Telegram does
    /// (`Internal Server Error`, `Bad Gateway`, ...).
    ServerError(u16),
    /// `400 Bad Request: message is not modified: ...` (an edit to the same text and buttons).
    NotModified,
}

impl Inject {
    /// The HTTP status and the Bot API error body of the failure.
    fn response(self) -> (StatusCode, Value) {
        let (code, description, parameters) = match self {
            Self::RetryAfter(secs) => (
                429,
                format!("Too Many Requests: retry after {secs}"),
                Some(json!({"retry_after": secs})),
            ),
            Self::Blocked => (
                403,
                "Forbidden: bot was blocked by the user".to_owned(),
                None,
            ),
            Self::ServerError(code) => {
                let reason = StatusCode::from_u16(code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Server Error");
                (code, reason.to_owned(), None)
            }
            Self::NotModified => (400, NOT_MODIFIED.to_owned(), None),
        };
        let mut body = json!({"ok": false, "error_code": code, "description": description});
        if let Some(parameters) = parameters {
            body["parameters"] = parameters;
        }
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, body)
    }
}

/// Telegram's exact description, which teloxide recognises as `ApiError::MessageNotModified`.
const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

#[derive(Default)]
struct Inner {
    calls: Mutex<Vec<Call>>,
    injections: Mutex<VecDeque<(String, Inject)>>,
    next_message_id: Mutex<i64>,
    notify: Notify,
    /// Updates queued for `getUpdates`, with the id of the next one.
    updates: Mutex<(Vec<Value>, i64)>,
    updates_notify: Notify,
    /// The files users may send (`files.rs`).
    files: files::Files,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeTelegram {
    /// Where it listens (the bot's API URL is `http://{addr}/`).
    pub addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeTelegram {
    /// Serves the fake on a free loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            next_message_id: Mutex::new(1000),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/{bot}/{method}", any(handle))
            .route("/file/{bot}/{*path}", get(files::download))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, inner }
    }

    /// A teloxide bot talking to this fake.
    pub fn bot(&self) -> teloxide::Bot {
        teloxide::Bot::new("123:TEST")
            .set_api_url(format!("http://{}/", self.addr).parse().unwrap())
    }

    /// Answers the next call of `method` (lowercase) with a failure.
    pub fn inject(&self, method: &str, failure: Inject) {
        self.inner
            .injections
            .lock()
            .unwrap()
            .push_back((method.to_owned(), failure));
    }

    /// Queues an update for the next `getUpdates` (a real dispatcher polling this fake). Its
    /// `update_id` is set by the fake (increasing from 1) and returned.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut updates = self.inner.updates.lock().unwrap();
            updates.1 += 1;
            let id = updates.1;
            update["update_id"] = json!(id);
            updates.0.push(update);
            id
        };
        self.inner.updates_notify.notify_waiters();
        id
    }

    /// Every call so far, in arrival order (`getUpdates` polls are not recorded).
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// The successful calls of a method.
    pub fn ok_calls(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method && !c.failed)
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.inner.calls.lock().unwrap().clear();
    }

    /// Waits until `done` holds for the recorded calls, or panics after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.notify.notified();
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let calls = self.calls();
                if done(&calls) {
                    return calls;
                }
                panic!("timed out; calls so far: {calls:#?}");
            }
        }
    }

    /// The last successful call of `method`.
    pub fn last(&self, method: &str) -> Call {
        self.ok_calls(method)
            .pop()
            .unwrap_or_else(|| panic!("no {method} call in {:#?}", self.calls()))
    }
}

fn message_json(id: i64, chat_id: i64, text: &str, reply_markup: &Value) -> Value {
    let mut m = json!({
        "message_id": id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "User"},
        "from": {"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot"},
        "text": text,
    });
    if reply_markup.is_object() {
        m["reply_markup"] = reply_markup.clone();
    }
    m
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let (body, uploads) = form::body_json(&headers, &body);
    if method == "getupdates" {
        return get_updates(&inner, &body).await;
    }
    let injected = {
        let mut queue = inner.injections.lock().unwrap();
        let pos = queue.iter().position(|(m, _)| *m == method);
        pos.and_then(|p| queue.remove(p)).map(|(_, i)| i)
    };
    let album = if method == "sendmediagroup" {
        body["media"].as_array().map_or(0, Vec::len)
    } else {
        1
    };
    let sent_id = (method.starts_with("send") && injected.is_none()).then(|| {
        let mut next = inner.next_message_id.lock().unwrap();
        let first = *next + 1;
        *next += i64::try_from(album.max(1)).unwrap_or(1);
        first
    });
    inner.calls.lock().unwrap().push(Call {
        method: method.clone(),
        body: body.clone(),
        failed: injected.is_some(),
        at: Instant::now(),
        sent_id,
        uploads: uploads.clone(),
    });
    inner.notify.notify_waiters();
    if let Some(failure) = injected {
        let (status, body) = failure.response();
        return (status, axum::Json(body)).into_response();
    }
    let chat_id = body["chat_id"]
        .as_i64()
        .or_else(|| body["chat_id"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0);
    let text = body["text"].as_str().unwrap_or("");
    let result = match method.as_str() {
        "sendmessage" => message_json(sent_id.unwrap_or(0), chat_id, text, &body["reply_markup"]),
        "sendmediagroup" => {
            let first = sent_id.unwrap_or(0);
            let items = body["media"].as_array().cloned().unwrap_or_default();
            Value::Array(
                items
                    .iter()
                    .zip(first..)
                    .map(|(item, id)| {
                        let kind = item["type"].as_str().unwrap_or("document");
                        let mut m = message_json(id, chat_id, "", &Value::Null);
                        m["media_group_id"] = json!(format!("album-{first}"));
                        attach_media(&mut m, kind, &item["media"], &uploads, id);
                        m
                    })
                    .collect(),
            )
        }
        send if send.starts_with("send") && media_field(send).is_some() => {
            let field = media_field(send).unwrap_or("document");
            let id = sent_id.unwrap_or(0);
            let mut m = message_json(id, chat_id, "", &body["reply_markup"]);
            if let Some(caption) = body["caption"].as_str() {
                m["caption"] = json!(caption);
            }
            attach_media(&mut m, field, &body[field], &uploads, id);
            m
        }
        "editmessagetext" | "editmessagereplymarkup" => {
            let id = body["message_id"].as_i64().unwrap_or(1);
            message_json(id, chat_id, text, &body["reply_markup"])
        }
        "getfile" => return files::get_file(&inner, &body),
        "getme" => json!({"id": 123, "is_bot": true, "first_name": "Bot", "username": "test_bot",
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false}),
        _ => json!(true),
    };
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

/// The field holding the file of a `send…` method (`sendPhoto` → `photo`).
fn media_field(method: &str) -> Option<&'static str> {
    Some(match method {
        "sendphoto" => "photo",
        "senddocument" => "document",
        "sendvideo" => "video",
        "sendanimation" => "animation",
        "sendaudio" => "audio",
        "sendvoice" => "voice",
        "sendvideonote" => "video_note",
        "sendsticker" => "sticker",
        _ => return None,
    })
}

/// Puts the sent file on the answered message as Telegram does: a new `file_id` for an
/// upload (the value names its part, `attach://…`, or the part is the field itself), the same
/// one for a file sent by its `file_id`.
fn attach_media(message: &mut Value, kind: &str, value: &Value, uploads: &[Upload], id: i64) {
    let part = value
        .as_str()
        .and_then(|v| v.strip_prefix("attach://"))
        .unwrap_or(kind);
    let uploaded = uploads.iter().find(|u| u.field == part);
    let (file_id, size) = match (uploaded, value.as_str()) {
        (Some(upload), _) => (format!("fake-{kind}-{id}"), upload.bytes.len()),
        (None, Some(file_id)) => (file_id.to_owned(), 0),
        (None, None) => (format!("fake-{kind}-{id}"), 0),
    };
    let meta =
        json!({"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "file_size": size});
    message[kind] = match kind {
        "photo" => {
            let mut size = meta;
            size["width"] = json!(64);
            size["height"] = json!(48);
            json!([size])
        }
        "video" | "animation" | "video_note" => {
            let mut m = meta;
            m["width"] = json!(64);
            m["height"] = json!(48);
            m["length"] = json!(64);
            m["duration"] = json!(1);
            m
        }
        "voice" | "audio" => {
            let mut m = meta;
            m["duration"] = json!(1);
            m
        }
        "sticker" => {
            let mut m = meta;
            m["width"] = json!(64);
            m["height"] = json!(64);
            m["type"] = json!("regular");
            m["is_animated"] = json!(false);
            m["is_video"] = json!(false);
            m
        }
        _ => meta,
    };
}

/// `getUpdates`: the queued updates from `offset` on, long-polling (at most a second, so a test
/// that drops its dispatcher is not held) while there are none.
async fn get_updates(inner: &Inner, body: &Value) -> Response {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let notified = inner.updates_notify.notified();
        let pending: Vec<Value> = {
            let mut updates = inner.updates.lock().unwrap();
            // Confirmed updates (below the offset) are forgotten, as Telegram does.
            updates
                .0
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            updates.0.clone()
        };
        if !pending.is_empty() || tokio::time::timeout_at(deadline, notified).await.is_err() {
            return axum::Json(json!({"ok": true, "result": pending})).into_response();
        }
    }
}
