//! The manager websocket \[W1\]-\[W8\]: authentication before the upgrade, then one task per
//! connection delivering hub events by the *current* audience of each event and answering the
//! manager's requests.
//!
//! Resumable (extension): every hub event goes out with its number, `seq`. A client connecting
//! with `?since=N` is first replayed the events after `N` meant for it, then sent `resumed`
//! (or `resync_required` when the log cannot replay them; see `support_protocol::resume`);
//! `?since=latest` gets `resumed` with the current number only.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::Response;
use support_protocol::{ErrorCode, ErrorEvent, ManagerId, Resumed, ResyncRequired, ServerEvent};
use tokio::sync::broadcast::{self, error::RecvError};

use super::{
    CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN, MAX_FRAME_BYTES, Stop, finish, refuse, send_text,
    upgrade_or_error,
};
use crate::auth::origin_allowed;
use crate::error::ApiError;
use crate::hub::{EventHub, HubEvent, Replay};
use crate::state::AppState;

/// `GET {ws_prefix}/manager/`: authenticates the manager, checks the `Origin` of a
/// cookie-authenticated upgrade (bearer-token clients are not browsers and skip it), subscribes
/// to the hub and upgrades.
pub(super) async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    parts: Parts,
) -> Response {
    let since = match since(parts.uri.query()) {
        Ok(since) => since,
        Err(error) => return refuse(error),
    };
    let manager = match state.manager_auth().authenticate(&parts).await {
        Ok(Some(manager)) => manager,
        Ok(None) => {
            return refuse(ApiError::Unauthorized(
                "Authentication credentials were not provided.".to_owned(),
            ));
        }
        Err(err) => return refuse(ApiError::Storage(err)),
    };
    if manager.via_cookie && !origin_allowed(&parts, state.config()) {
        return refuse(ApiError::Forbidden(
            "Origin checking failed - the origin is not trusted.".to_owned(),
        ));
    }
    let ws = match upgrade_or_error(ws) {
        Ok(ws) => ws,
        Err(response) => return *response,
    };
    // Subscribed before the upgrade completes: nothing published after the 101 is missed.
    let events = state.hub().subscribe();
    ws.on_upgrade(move |socket| run(socket, state, manager.id, events, since))
}

/// Where a reconnecting client resumes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Since {
    /// After this number.
    After(u64),
    /// From now: no replay, only the current number.
    Latest,
}

/// The `since` query parameter (its last value, as Django reads a query): absent, `latest`, or
/// a number in plain digits; anything else is a 400 before the upgrade.
fn since(query: Option<&str>) -> Result<Option<Since>, ApiError> {
    let Some(raw) = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.strip_prefix("since="))
        .next_back()
    else {
        return Ok(None);
    };
    if raw == "latest" {
        return Ok(Some(Since::Latest));
    }
    raw.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| raw.parse::<u64>().ok())
        .flatten()
        .map(|n| Some(Since::After(n)))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "since must be the seq of the last event received, or \"latest\".".to_owned(),
            )
        })
}

/// The frames that bring a reconnecting client up to date, and its cursor: the replayed events
/// meant for `me` then `resumed`, or `resync_required`.
async fn resume(state: &AppState, me: ManagerId, since: Since) -> (Vec<Utf8Bytes>, u64) {
    let replay = match since {
        Since::After(after) => state.hub().replay(after).await,
        Since::Latest => state.hub().position().await.map(|last| Replay::Events {
            events: Vec::new(),
            last,
        }),
    };
    match replay {
        Ok(Replay::Events { events, last }) => {
            let mut frames: Vec<Utf8Bytes> = events
                .iter()
                .filter(|event| event.audience.includes(me))
                .map(|event| numbered_json(event).into())
                .collect();
            let replayed = frames.len() as u64;
            frames.push(
                ServerEvent::Resumed(Resumed {
                    seq: last,
                    replayed,
                })
                .to_json()
                .into(),
            );
            crate::metrics::event_replay("resumed");
            (frames, last)
        }
        Ok(Replay::Resync { last, detail }) => {
            crate::metrics::event_replay("resync");
            let frame = ServerEvent::ResyncRequired(ResyncRequired { seq: last, detail });
            (vec![frame.to_json().into()], last)
        }
        Err(err) => {
            // The log is unreadable: the client reloads; live events still come.
            tracing::warn!(error = %err, "event log unreadable; a reconnecting manager resyncs");
            crate::metrics::event_replay("resync");
            let frame = ServerEvent::ResyncRequired(ResyncRequired {
                seq: 0,
                detail: "the event log is unreachable".to_owned(),
            });
            (vec![frame.to_json().into()], 0)
        }
    }
}

/// One manager connection.
async fn run(
    mut socket: WebSocket,
    state: AppState,
    me: ManagerId,
    mut events: broadcast::Receiver<Arc<HubEvent>>,
    since: Option<Since>,
) {
    let shutdown = state.shutdown_token().clone();
    // One registration with the shared shutdown token for the connection's life, not one per
    // event: with 10,000 sockets, each event would otherwise lock the token 10,000 times more.
    let mut cancelled = std::pin::pin!(shutdown.cancelled());
    let mut ping = super::ping_ticker();
    let _counted = crate::metrics::OpenSocket::new(crate::metrics::SocketKind::Manager, &state);
    tracing::debug!(manager = %me, "manager websocket connected");
    // The newest number this client has been brought up to: live events up to it came in the
    // replay (or are covered by its reload) and are not sent again.
    let mut cursor = 0_u64;
    let resumable = since.is_some();
    let mut opening = Vec::new();
    if let Some(since) = since {
        (opening, cursor) = resume(&state, me, since).await;
    }
    for text in opening {
        if let Err(stop) = send_text(&mut socket, text, &shutdown).await {
            tracing::debug!(manager = %me, ?stop, "manager websocket finished while resuming");
            return finish(socket, stop).await;
        }
    }
    let stop = loop {
        // Each step computes what to send, so the borrows of `socket` by `recv` end first.
        let outgoing: Vec<Utf8Bytes> = tokio::select! {
            // Shutdown first: a busy connection still closes promptly.
            biased;
            () = &mut cancelled => break Stop::Close(CLOSE_GOING_AWAY, "server shutting down"),
            _ = ping.tick() => match super::send_ping(&mut socket).await {
                Ok(()) => continue,
                Err(stop) => break stop,
            },
            event = events.recv() => match event {
                Ok(event) => {
                    if let Some(seq) = event.seq {
                        if seq <= cursor {
                            continue;
                        }
                        cursor = seq;
                    }
                    if let ServerEvent::ResyncRequired(resync) = &event.event {
                        // The sequencer skipped events it could not read: only a client that
                        // resumes knows what to do with this.
                        if !resumable {
                            continue;
                        }
                        cursor = cursor.max(resync.seq);
                        vec![event.event.to_json().into()]
                    } else if event.audience.includes(me) {
                        crate::metrics::fanout_lag(event.published_at);
                        vec![shared_json(&event)]
                    } else {
                        continue;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    crate::metrics::slow_consumer_closed();
                    tracing::info!(manager = %me, missed, "slow manager connection closed (1013)");
                    break Stop::Close(CLOSE_TRY_AGAIN, "too slow; reload and reconnect");
                }
                Err(RecvError::Closed) => break Stop::Close(CLOSE_GOING_AWAY, "event hub closed"),
            },
            incoming = socket.recv() => match incoming {
                None => break Stop::Gone,
                Some(Err(e)) => break super::read_failed(&e),
                Some(Ok(Message::Text(text))) => {
                    if text.len() > MAX_FRAME_BYTES {
                        vec![error(
                            ErrorCode::TooLarge,
                            format!("A frame may have at most {MAX_FRAME_BYTES} bytes."),
                            None,
                        ).into()]
                    } else {
                        super::requests::handle(&state, me, text.as_str())
                            .await
                            .iter()
                            .map(|e| e.to_json().into())
                            .collect()
                    }
                }
                Some(Ok(Message::Binary(_))) => vec![error(
                    ErrorCode::InvalidJson,
                    "Binary frames are not supported; send JSON text.".to_owned(),
                    None,
                ).into()],
                // Pings are answered by the websocket layer; a client's close is answered on
                // the next read, which then ends the stream.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_))) => continue,
            },
        };
        let mut failed = None;
        for text in outgoing {
            if let Err(stop) = send_text(&mut socket, text, &shutdown).await {
                failed = Some(stop);
                break;
            }
        }
        if let Some(stop) = failed {
            break stop;
        }
    };
    tracing::debug!(manager = %me, ?stop, "manager websocket finished");
    finish(socket, stop).await;
}

/// An event's JSON with its number (the `seq` key, when it has one).
fn numbered_json(event: &HubEvent) -> String {
    let json = event.event.to_json();
    match event.seq {
        Some(seq) => support_protocol::resume::with_seq(&json, seq),
        None => json,
    }
}

/// The JSON of the most recent hub event (with its number), shared by every connection: a
/// `ticket.created` reaching 10,000 managers is serialized once, not 10,000 times, and each connection sends a
/// reference-counted copy. One slot suffices because every connection receives the events in
/// the same order; a connection that lags behind re-serializes (and refills the slot), which is
/// only slower, never wrong. The `Weak` keeps the event's allocation, so a new event cannot
/// reuse its address while the slot still names it. The lock is never held across `.await`.
static LAST_EVENT_JSON: Mutex<Option<(Weak<HubEvent>, Utf8Bytes)>> = Mutex::new(None);

fn shared_json(event: &Arc<HubEvent>) -> Utf8Bytes {
    let mut slot = LAST_EVENT_JSON
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some((last, json)) = slot.as_ref()
        && std::ptr::eq(last.as_ptr(), Arc::as_ptr(event))
    {
        return json.clone();
    }
    let json = Utf8Bytes::from(numbered_json(event));
    *slot = Some((Arc::downgrade(event), json.clone()));
    json
}

/// An `error` event \[W7\] as JSON.
fn error(code: ErrorCode, detail: String, request: Option<String>) -> String {
    ServerEvent::Error(ErrorEvent {
        code,
        detail,
        request,
    })
    .to_json()
}
