//! The recordings of the original's current line, `chatlabs-django-support` 1.2.0
//! (`tests/golden/v1.2/`), replayed in order against our server with the 1.2 line selected
//! (`CompatLine::V1_2`): every REST case, and every websocket case over real manager sockets
//! (A and A2 are two sockets of one manager, B another manager). Where we deliberately answer
//! otherwise the expectation is written out here with the reason; each is in SPEC-NOTES ("The
//! 1.2.0 line").
//!
//! How answers compare: ids and times are normalized as in the recordings; our objects may carry
//! more keys (extensions) in another order, since the 1.2.0 clients read keys by name (its
//! page's JS, its bot's pydantic models). On the sockets only the event types the
//! 1.2.0 page handles are compared (`ticket.created`, `ticket.assigned`, `ticket.message.new`):
//! our other types (`ticket.updated`, `error`, ...) are extensions it ignores.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use support_server::CompatLine;
use support_server::storage::{DynStorage, MemoryStorage};
use support_testkit::ws::{Ws, connect};
use support_testkit::{PgSchema, TestServer, golden};
use tokio_tungstenite::tungstenite::Message;

use crate::rest_golden::{normalize, recorded_site};

/// The event types the 1.2.0 page handles; the others are ours, which it ignores.
const KNOWN: [&str; 3] = ["ticket.created", "ticket.assigned", "ticket.message.new"];
/// How long a socket must stay quiet for a recorded silence (the recording waited 2 s for the
/// original; ours answers in milliseconds).
const QUIET: Duration = Duration::from_millis(200);
/// Events carry no URLs to normalize.
const NO_URL: &str = "http://no-url.invalid";
/// How long an expected event may take.
const EVENT: Duration = Duration::from_secs(5);

/// `ours` reduced to the recording's keys, wherever they are (a key we lack reads
/// `"<missing>"`). Arrays compare item by item.
fn as_recorded(ours: &Value, golden: &Value) -> Value {
    match (ours, golden) {
        (Value::Object(o), Value::Object(g)) => Value::Object(
            g.iter()
                .map(|(k, gv)| {
                    let v = match o.get(k) {
                        Some(v) => as_recorded(v, gv),
                        None => json!("<missing>"),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(o), Value::Array(g)) if o.len() == g.len() => {
            Value::Array(o.iter().zip(g).map(|(a, b)| as_recorded(a, b)).collect())
        }
        _ => ours.clone(),
    }
}

/// The ticket whose newest messages, in the recording, are the bad websocket frames the
/// original stored (099, 100) and we refused: ours has none, so it sorts elsewhere in a list.
const REFUSED_FRAMES_TICKET: &str = "ws flow 2";

/// A ticket list without [`REFUSED_FRAMES_TICKET`] on both sides (after checking ours lists it
/// too, once); any other body as it is.
fn without_refused_frames(ours: Value, golden: Value, name: &str) -> (Value, Value) {
    let is_it = |t: &Value| t["title"] == REFUSED_FRAMES_TICKET;
    match (ours, golden) {
        (Value::Array(o), Value::Array(g)) if g.iter().any(is_it) => {
            let listed = o.iter().filter(|t| is_it(t)).count();
            assert_eq!(listed, 1, "{name}: {REFUSED_FRAMES_TICKET} listed once");
            let keep =
                |items: Vec<Value>| Value::Array(items.into_iter().filter(|t| !is_it(t)).collect());
            (keep(o), keep(g))
        }
        pair => pair,
    }
}

/// What we answer instead of the recording, and why.
enum Http {
    Golden,
    /// Our status and (normalized, reduced to its keys) body.
    Ours(u16, Value),
    /// Our status; the body checked by the closure.
    Status(u16, fn(&Value) -> bool),
    Skip(#[allow(dead_code)] &'static str),
}

fn http_expectation(name: &str) -> Http {
    use Http::*;
    let not_found = || Ours(404, json!({"detail": "Not found."}));
    let no_ticket = || Ours(404, json!({"detail": "No Ticket matches the given query."}));
    match &name[4..] {
        // Our JSON 404 for a path that is not an id, not Django's HTML page (as for 0.1.5).
        "ticket_get_non_int_id"
        | "message_create_non_int_ticket"
        | "messages_list_non_int_ticket" => not_found(),
        // The bot API cannot write as a manager (as for 0.1.5, 101).
        "message_create_sender_supp" => Ours(
            400,
            json!({"sender": ["Only \"user\" messages may be sent through the bot API."]}),
        ),
        // The original answers 500 (its own crash) and, for a list, an empty list.
        "message_create_unknown_ticket" => no_ticket(),
        "messages_list_unknown_ticket" | "messages_list_unknown_ticket_limit" => no_ticket(),
        // Our console pages the ticket list; the original ignores `limit` there.
        "ticket_list_limit_2" => Status(200, |b| {
            b["count"].as_u64().is_some_and(|c| c > 2)
                && b["results"].as_array().is_some_and(|r| r.len() == 2)
        }),
        // A filter we cannot read is a clear 400, never ignored (the original ignores these two,
        // and 0.1.5 refused `resolved=maybe` too).
        "ticket_list_manager_isnull_maybe" => Ours(
            400,
            json!({"manager__isnull": ["Select a valid choice. maybe is not one of the available choices."]}),
        ),
        "ticket_list_resolved_maybe" => Ours(
            400,
            json!({"resolved": ["Select a valid choice. maybe is not one of the available choices."]}),
        ),
        // Bad websocket frames stored messages in the original (099, 100); ours refused them.
        "messages_after_bad_ws" => Status(200, |b| {
            b.as_array().is_some_and(|m| {
                m.iter().all(|m| {
                    m["text"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty() && t.chars().count() <= 4096)
                })
            })
        }),
        "ticket_get_after_bad_ws" => Status(200, |b| {
            b["last_message"].is_null() && b["support_manager"]["id"] == 2 && b["viewed"] == false
        }),
        // Our console is at /support/manager/: tested in the console tests.
        "manager_page_unauth" | "manager_page_auth" => Skip("our console"),
        _ => Golden,
    }
}

/// A websocket case as we play it: the recording's events, or ours instead.
fn ws_expectation(name: &str, case: &Value) -> Value {
    let events = case["events"].clone();
    let recv = |client: &str, data: Value| json!({"client": client, "dir": "recv", "data": data});
    let none = |client: &str| json!({"client": client, "dir": "none"});
    let error = |client: &str| json!({"client": client, "dir": "error"});
    let send = |client: &str, data: Value| json!({"client": client, "dir": "send", "data": data});
    match &name[4..] {
        // The original closes every manager socket (1011: its consumer reads the database in
        // async code); ours tells every manager.
        "ws_ticket_created_broadcast" => {
            let ticket = json!({"id": 8, "user": {"telegram_id": 1003}, "support_manager": null,
                "last_message": null, "created_at": "<datetime>", "title": "created while connected",
                "resolved": false, "viewed": false});
            let created = json!({"type": "ticket.created", "ticket": ticket});
            json!([
                recv("A", created.clone()),
                recv("A2", created.clone()),
                recv("B", created)
            ])
        }
        // The sockets stayed open: nothing to reconnect (the recording's sockets were closed).
        "ws_reconnect_managers" => json!([none("A"), none("A2"), none("B")]),
        // Only the holder (or anyone, on an unassigned ticket) may write in a ticket: the
        // original lets B write in A's ticket (its page never offers it).
        "ws_message_new_by_non_holder" => {
            let sent = events.as_array().unwrap()[0].clone();
            json!([sent, error("B"), none("A"), none("A2")])
        }
        // Taking over another manager's ticket takes `force` (the original takes it silently;
        // its page disables the button on an assigned ticket, so never sends this).
        "ws_reassign_by_b" => {
            let mut with_force = events;
            with_force[0]["data"]["force"] = json!(true);
            with_force
        }
        // The original keeps sending a ticket's messages to its former holder's sockets.
        "ws_rest_message_after_reassign"
        | "ws_rest_message_to_b2"
        | "ws_manager_message_on_viewed_ticket" => {
            let mut ours: Vec<Value> = events
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| !e["client"].as_str().unwrap().starts_with('A'))
                .cloned()
                .collect();
            ours.extend([none("A"), none("A2")]);
            Value::Array(ours)
        }
        // 0.1.5's form: we take both (`id` and `ticket_id`); the original closes the socket.
        "ws_old_assign_id_form" => {
            let assigned = json!({"type": "ticket.assigned", "id": 7, "support_manager": 2});
            json!([
                send("B", json!({"type": "ticket.assign", "id": 7})),
                recv("B", assigned.clone()),
                recv("A", assigned.clone()),
                recv("A2", assigned)
            ])
        }
        // Bad frames: an `error` event, and the socket stays open (the original closes it, 1011,
        // or stores the bad message).
        "ws_invalid_json"
        | "ws_assign_missing_ticket_id"
        | "ws_message_new_missing_text"
        | "ws_message_new_text_empty"
        | "ws_message_new_text_5000" => {
            let sent = events.as_array().unwrap()[0].clone();
            json!([sent, error("B"), none("A"), none("A2")])
        }
        // Nothing to reconnect after a case that no longer closes the socket.
        "ws_unknown_type_connect"
        | "ws_assign_nonexistent_connect"
        | "ws_assign_ticket_id_str_connect"
        | "ws_message_new_text_empty_connect" => {
            json!([none("A"), none("A2"), none("B")])
        }
        _ => events,
    }
}

struct Replay {
    site: TestServer,
    /// Manager sessions: "A" (pk 1 in the recording) and "B" (pk 2).
    sessions: HashMap<&'static str, String>,
    sockets: HashMap<String, Ws>,
    /// The recording's ticket ids → ours.
    ids: HashMap<i64, i64>,
}

impl Replay {
    fn map_path(&self, path: &str) -> String {
        let (p, q) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        let mut out: String = p
            .split('/')
            .map(|seg| match seg.parse::<i64>() {
                Ok(id) => self.ids.get(&id).copied().unwrap_or(id).to_string(),
                Err(_) => seg.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        if let Some(q) = q {
            out.push('?');
            out.push_str(q);
        }
        out
    }

    fn map_ticket(&self, data: &mut Value) {
        for key in ["id", "ticket_id"] {
            if let Some(raw) = data[key].as_i64()
                && let Some(ours) = self.ids.get(&raw)
            {
                data[key] = json!(ours);
            }
        }
    }

    async fn http(&mut self, name: &str, case: &Value) {
        let expect = http_expectation(name);
        if let Http::Skip(_) = expect {
            return;
        }
        let request = &case["request"];
        let method = Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
        let path = self.map_path(request["path"].as_str().unwrap());
        let mut builder = self.site.bot(method, &path);
        if !request["body"].is_null() {
            builder = builder.json(&request["body"]);
        }
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let ours: Value = response.json().await.unwrap_or(Value::Null);
        let golden = &case["response"];
        if status == 201 && golden["status"] == 201 && request["path"] == "/support/tickets/" {
            self.ids.insert(
                golden["body"]["id"].as_i64().unwrap(),
                ours["id"].as_i64().unwrap(),
            );
        }
        let base = format!("http://{}", self.site.addr);
        let ours_norm = normalize(&ours, &base);
        match expect {
            Http::Golden => {
                let want = &case["normalized"]["response"]["body"];
                assert_eq!(
                    status,
                    golden["status"].as_u64().unwrap() as u16,
                    "{name}: status; {ours}"
                );
                let (ours_norm, want) = without_refused_frames(ours_norm, want.clone(), name);
                assert_eq!(as_recorded(&ours_norm, &want), want, "{name}: body");
            }
            Http::Ours(want_status, want) => {
                assert_eq!(status, want_status, "{name}: status; {ours}");
                assert_eq!(as_recorded(&ours_norm, &want), want, "{name}: body");
            }
            Http::Status(want_status, check) => {
                assert_eq!(status, want_status, "{name}: status; {ours}");
                assert!(check(&ours), "{name}: body {ours}");
            }
            Http::Skip(_) => unreachable!(),
        }
    }

    async fn open(&mut self, client: &str, path: &str) -> u16 {
        let mut headers = vec![("origin", self.site.origin())];
        if client != "unauth" {
            let who = if client.starts_with('B') { "B" } else { "A" };
            headers.push(("cookie", format!("support_session={}", self.sessions[who])));
        }
        match connect(&self.site.ws_url(path), &headers).await {
            Ok(ws) => {
                self.sockets.insert(client.to_owned(), ws);
                101
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
            Err(e) => panic!("{client}: connect {path}: {e}"),
        }
    }

    /// The next frame of a type in `types` on `client`'s socket within `wait`; others skipped.
    async fn next_of(
        &mut self,
        name: &str,
        client: &str,
        types: &[&str],
        wait: Duration,
    ) -> Option<Value> {
        let ws = self
            .sockets
            .get_mut(client)
            .unwrap_or_else(|| panic!("{name}: socket {client} is not open"));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
                Err(_) => return None,
                Ok(Some(Ok(frame))) => frame,
                Ok(other) => panic!("{name}: socket {client} ended: {other:?}"),
            };
            if let Message::Text(text) = frame {
                let event: Value = serde_json::from_str(&text).unwrap();
                if types.iter().any(|t| event["type"] == *t) {
                    return Some(event);
                }
            }
        }
    }

    async fn ws(&mut self, name: &str, case: &Value) {
        let events = ws_expectation(name, case);
        for event in events.as_array().unwrap() {
            let client = event["client"].as_str().unwrap();
            match event["dir"].as_str().unwrap() {
                "connect" => {
                    let path = event["data"]["path"].as_str().unwrap();
                    let status = self.open(client, path).await;
                    let want = match (client, event["data"]["handshake_status"].as_u64().unwrap()) {
                        // Ours refuses a websocket without a session with 401 (the original: 403)
                        // and answers an unknown path 404 (the original: 500).
                        ("unauth", 403) => 401,
                        ("wrongpath", 500) => 404,
                        (_, s) => s as u16,
                    };
                    assert_eq!(status, want, "{name}: {client} connect {path}");
                }
                "send" => {
                    let mut data = event["data"].clone();
                    self.map_ticket(&mut data);
                    let ws = self.sockets.get_mut(client).unwrap();
                    ws.send(Message::text(data.to_string())).await.unwrap();
                }
                "send-raw" => {
                    let raw = event["data"].as_str().unwrap().to_owned();
                    let ws = self.sockets.get_mut(client).unwrap();
                    ws.send(Message::text(raw)).await.unwrap();
                }
                "recv" => {
                    let want = normalize(&event["data"], NO_URL);
                    let got = self
                        .next_of(name, client, &KNOWN, EVENT)
                        .await
                        .unwrap_or_else(|| panic!("{name}: {client} got no {}", want["type"]));
                    let got = normalize(&got, NO_URL);
                    assert_eq!(as_recorded(&got, &want), want, "{name}: {client} received");
                }
                "none" => {
                    let got = self.next_of(name, client, &KNOWN, QUIET).await;
                    assert_eq!(got, None, "{name}: {client} should have received nothing");
                }
                "error" => {
                    let got = self.next_of(name, client, &["error"], EVENT).await;
                    assert!(got.is_some(), "{name}: {client} got no error event");
                }
                "close" => {
                    let mut ws = self.sockets.remove(client).unwrap();
                    ws.close(None).await.unwrap();
                }
                other => panic!("{name}: a recorded event {other:?} left without an expectation"),
            }
        }
    }
}

async fn replay(storage: DynStorage) {
    let (site, managers) = recorded_site(storage, CompatLine::V1_2).await;
    let mut sessions = HashMap::new();
    for (label, id) in &managers {
        let token = site
            .auth()
            .start_session(*id, support_server::auth::SESSION_TTL)
            .await
            .unwrap();
        sessions.insert(*label, token);
    }
    let mut replay = Replay {
        site,
        sessions,
        sockets: HashMap::new(),
        ids: HashMap::new(),
    };
    let (mut http, mut ws) = (0, 0);
    for (name, case) in golden::recordings(golden::LINE_1_2) {
        match case["kind"].as_str() {
            Some("http") => {
                replay.http(&name, &case).await;
                http += 1;
            }
            Some("ws") => {
                replay.ws(&name, &case).await;
                ws += 1;
            }
            other => panic!("{name}: kind {other:?}"),
        }
    }
    assert_eq!((http, ws), (101, 37), "the recordings of tests/golden/v1.2");
}

#[tokio::test]
async fn golden_1_2_cases_replay_on_memory() {
    replay(Arc::new(MemoryStorage::new())).await;
}

#[tokio::test]
async fn golden_1_2_cases_replay_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("golden-1.2.db");
    let storage = support_server::storage::SqliteStorage::open(path.to_str().unwrap())
        .await
        .unwrap();
    replay(Arc::new(storage)).await;
}

#[tokio::test]
async fn golden_1_2_cases_replay_on_postgres() {
    let Some(url) = support_testkit::services::postgres_url("golden_1_2_cases_replay_on_postgres")
    else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    replay(Arc::new(schema.storage().await)).await;
    schema.drop().await;
}
