//! The bot websocket \[W9\]: every manager reply, in id order, each with its id as the `cursor`;
//! or, with `?delivery=1`, the delivery mode (`bot_delivery.rs`).
//!
//! The hub only says *that* replies were written; what to send always comes from storage
//! ([`TicketStore::replies_after`](crate::storage::TicketStore::replies_after)), which returns replies
//! in id order and never skips one committed later with a smaller id. So:
//! 1. subscribe to the hub (before the upgrade completes),
//! 2. catch up from the client's `?cursor=N` (default: the newest reply, i.e. only new ones),
//! 3. on each `ticket.message.new` with `sender: "supp"` (or after lagging on the hub), catch
//!    up again from the last cursor sent.
//!
//! A bot that reconnects with the last cursor it processed gets exactly the replies it missed,
//! in order, none twice.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::Response;
use support_protocol::{MessageId, MessageNew, Sender, ServerEvent};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::{CLOSE_GOING_AWAY, CLOSE_INTERNAL, Stop, finish, refuse, send_text, upgrade_or_error};
use crate::auth::{bearer_token, is_bot_token};
use crate::error::ApiError;
use crate::hub::{EventHub, HubEvent};
use crate::state::AppState;

/// Replies read from storage per query while catching up: large enough that a reconnect after
/// a long outage takes few queries, small enough that one batch is a modest allocation.
const BATCH: u32 = 200;

/// `GET {ws_prefix}/bot/?cursor=N`, with `Authorization: Bearer <bot token>` (or no token with
/// the legacy anonymous opt-in \[A3\]).
pub(super) async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    parts: Parts,
) -> Response {
    match bearer_token(&parts) {
        Some(token) if is_bot_token(&state, token) => {}
        Some(_) => return refuse(ApiError::Unauthorized("Invalid token.".to_owned())),
        None if state.config().legacy_anonymous_bot_api => {}
        None => {
            return refuse(ApiError::Unauthorized(
                "Authentication credentials were not provided.".to_owned(),
            ));
        }
    }
    let mode = match mode(&parts) {
        Ok(mode) => mode,
        Err(err) => return refuse(err),
    };
    let ws = match upgrade_or_error(ws) {
        Ok(ws) => ws,
        Err(response) => return *response,
    };
    // Subscribed before anything is read from storage: a reply committed after the catch-up
    // query is announced on this receiver.
    let events = state.hub().subscribe();
    match mode {
        Mode::Cursor(cursor) => ws.on_upgrade(move |socket| run(socket, state, cursor, events)),
        Mode::Delivery => {
            ws.on_upgrade(move |socket| super::bot_delivery::run(socket, state, events))
        }
    }
}

/// What a bot connection asked for.
enum Mode {
    /// The cursor stream of every reply after a cursor (\[W9\], the first protocol).
    Cursor(Option<MessageId>),
    /// `?delivery=1`: offers of pending replies, acknowledged one by one (`bot_delivery.rs`).
    Delivery,
}

/// The mode from the query: `delivery=1` (or `true`), else the cursor stream.
fn mode(parts: &Parts) -> Result<Mode, ApiError> {
    let query = parts.uri.query().unwrap_or_default();
    match form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "delivery") {
        None => cursor(query).map(Mode::Cursor),
        Some((_, v)) if matches!(v.as_ref(), "1" | "true") => Ok(Mode::Delivery),
        Some((_, v)) if matches!(v.as_ref(), "0" | "false") => cursor(query).map(Mode::Cursor),
        Some(_) => Err(ApiError::field("delivery", "Must be 1 or 0.")),
    }
}

/// The `cursor` query parameter: a non-negative integer, or absent.
fn cursor(query: &str) -> Result<Option<MessageId>, ApiError> {
    let Some((_, raw)) = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "cursor")
    else {
        return Ok(None);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(MessageId::new(n))),
        _ => Err(ApiError::field(
            "cursor",
            "A valid non-negative integer is required.",
        )),
    }
}

async fn run(
    mut socket: WebSocket,
    state: AppState,
    cursor: Option<MessageId>,
    mut events: broadcast::Receiver<Arc<HubEvent>>,
) {
    let shutdown = state.shutdown_token().clone();
    let _counted = crate::metrics::OpenSocket::new(crate::metrics::SocketKind::Bot, &state);
    let stop = 'conn: {
        let mut last = match cursor {
            Some(cursor) => cursor,
            None => match state.storage().last_reply_id().await {
                Ok(id) => id,
                Err(err) => {
                    tracing::error!(error = %err, "bot websocket: reading the last reply failed");
                    break 'conn Stop::Close(CLOSE_INTERNAL, "storage unavailable");
                }
            },
        };
        if let Err(stop) = catch_up(&mut socket, &state, &mut last, &shutdown).await {
            break 'conn stop;
        }
        let mut ping = super::ping_ticker();
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break 'conn Stop::Close(CLOSE_GOING_AWAY, "server shutting down"),
                _ = ping.tick() => match super::send_ping(&mut socket).await {
                    Ok(()) => continue,
                    Err(stop) => break 'conn stop,
                },
                event = events.recv() => match event {
                    Ok(event) => {
                        let is_reply = matches!(
                            &event.event,
                            ServerEvent::MessageNew(m) if m.message.sender == Sender::Supp
                        );
                        if !is_reply {
                            continue;
                        }
                    }
                    // Missed announcements are harmless: storage has every reply.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break 'conn Stop::Close(CLOSE_GOING_AWAY, "event hub closed"),
                },
                incoming = socket.recv() => match incoming {
                    None => break 'conn Stop::Gone,
                    Some(Err(e)) => break 'conn super::read_failed(&e),
                    // The bot sends nothing; pings are answered by the websocket layer and a
                    // close is answered on the next read.
                    Some(Ok(_)) => continue,
                },
            }
            if let Err(stop) = catch_up(&mut socket, &state, &mut last, &shutdown).await {
                break 'conn stop;
            }
        }
    };
    finish(socket, stop).await;
}

/// Sends every reply after `last`, in id order, advancing `last`.
async fn catch_up(
    socket: &mut WebSocket,
    state: &AppState,
    last: &mut MessageId,
    shutdown: &CancellationToken,
) -> Result<(), Stop> {
    loop {
        let batch = state
            .storage()
            .replies_after(*last, BATCH)
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "bot websocket: reading replies failed");
                Stop::Close(CLOSE_INTERNAL, "storage unavailable")
            })?;
        let full = batch.len() >= BATCH as usize;
        for message in batch {
            let id = message.id;
            let cursor = u64::try_from(id.get()).unwrap_or(0);
            let event = ServerEvent::MessageNew(MessageNew {
                message,
                cursor: Some(cursor),
            });
            send_text(socket, event.to_json(), shutdown).await?;
            *last = id;
        }
        if !full {
            return Ok(());
        }
    }
}
