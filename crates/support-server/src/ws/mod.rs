//! The websockets: the manager websocket \[W1\]-\[W8\] at `{ws_prefix}/manager/` and the bot
//! websocket \[W9\] at `{ws_prefix}/bot/` (both also without the trailing slash).
//!
//! Both authenticate before the upgrade: a refused client gets a JSON 401/403 (the original
//! answered HTTP 500), and an unknown path under the prefix a JSON 404.
//!
//! Each connection is one task running a `select!` loop over the client's frames, its
//! subscription to the [`EventHub`](crate::hub::EventHub) (a bounded broadcast receiver), and
//! the server's shutdown signal. The broadcast channel is the connection's bounded queue: a
//! connection that falls more than the hub's capacity behind gets `Lagged` and is closed with
//! 1013 \[W8\], while publishers and every other connection carry on untouched.

mod bot;
mod bot_delivery;
mod manager;
mod requests;
pub(crate) mod typing;

use std::time::Duration;

use axum::Router;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use support_protocol::ErrorBody;
use tokio_util::sync::CancellationToken;

use crate::config::SupportConfig;
use crate::error::{ApiError, json_body};
use crate::state::AppState;

/// The largest client frame the manager websocket handles: the largest legitimate request is a
/// 4,096-character text of 4-byte characters (16 KiB), JSON-escaped at most ~6x (`\uXXXX\uXXXX`
/// for a surrogate pair is 12 bytes per 4); 64 KiB covers it with room to spare. A larger frame
/// gets an `error` event `too_large` and the connection stays open.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The protocol-level cap on a frame and on a message: a frame whose header announces more is
/// refused as the header arrives (its payload is never buffered), as is a fragmented message
/// growing past it, and the connection is closed with 1009 and a reason. It bounds the memory
/// one client can make the server allocate, while frames between [`MAX_FRAME_BYTES`] and this
/// still get a polite `too_large` error.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Close code 1002: a frame that breaks the websocket protocol.
pub(crate) const CLOSE_PROTOCOL_ERROR: u16 = 1002;
/// Close code 1007: a text frame that is not UTF-8.
pub(crate) const CLOSE_INVALID_PAYLOAD: u16 = 1007;
/// Close code 1009: a frame or message over [`MAX_MESSAGE_BYTES`].
pub(crate) const CLOSE_TOO_BIG: u16 = 1009;

/// The initial read buffer of a connection. tungstenite's default is 128 KiB, allocated and
/// zero-filled per connection, which made an idle manager socket cost ~124 KiB of RSS. Manager
/// and bot frames are small requests; the buffer still grows on demand up to
/// [`MAX_MESSAGE_BYTES`] for a large one, so 4 KiB only changes the idle cost.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// How long one frame may take to be written. A client whose TCP window stays closed this long
/// is gone or hopelessly behind; its connection is dropped (no close frame can get through a
/// full pipe). A live but slow client is instead caught by the hub lag check and closed with
/// 1013.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closing handshake may take: sending our close frame and reading until the
/// client's. Long enough for a client on a slow link; short enough not to hold shutdown up.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// How often an idle connection is pinged: under the common 60-second idle timeouts of reverse
/// proxies (nginx `proxy_read_timeout`), and a ping to a dead peer eventually fails the send
/// (see [`SEND_TIMEOUT`]), so dead connections do not linger.
const PING_INTERVAL: Duration = Duration::from_secs(30);

/// A ticker for keep-alive pings; the first tick is one interval from now, and missed ticks are
/// not made up in a burst.
pub(crate) fn ping_ticker() -> tokio::time::Interval {
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + PING_INTERVAL, PING_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// Sends a keep-alive ping within [`SEND_TIMEOUT`].
pub(crate) async fn send_ping(socket: &mut WebSocket) -> Result<(), Stop> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Ping(Vec::new().into()))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Stop::Gone),
    }
}

/// Close code 1001: the server is going away (graceful shutdown).
pub(crate) const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code 1011: an unexpected server condition (storage down).
pub(crate) const CLOSE_INTERNAL: u16 = 1011;
/// Close code 1013: try again later; a slow consumer \[W8\], which should reload over REST.
pub(crate) const CLOSE_TRY_AGAIN: u16 = 1013;

/// The websocket routes under `config.ws_prefix`.
pub(crate) fn routes(config: &SupportConfig) -> Router<AppState> {
    let p = &config.ws_prefix;
    let mut router = Router::new()
        .route(&format!("{p}/manager/"), any(manager::upgrade))
        .route(&format!("{p}/manager"), any(manager::upgrade))
        .route(&format!("{p}/bot/"), any(bot::upgrade))
        .route(&format!("{p}/bot"), any(bot::upgrade));
    // Unknown paths under the prefix are JSON 404s (the original: HTTP 500). At the root, or if
    // the prefix is the REST mount (which has its own JSON 404), the fallback is not ours.
    if !p.is_empty() && *p != config.mount {
        router = router.route(&format!("{p}/{{*rest}}"), any(not_found));
    }
    router
}

async fn not_found() -> ApiError {
    ApiError::NotFound("Not found.".to_owned())
}

/// The upgrade, or a JSON error (never axum's plain-text rejection) for a request that is not a
/// valid websocket handshake.
pub(crate) fn upgrade_or_error(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<WebSocketUpgrade, Box<Response>> {
    ws.map(|ws| {
        ws.max_message_size(MAX_MESSAGE_BYTES)
            .max_frame_size(MAX_MESSAGE_BYTES)
            .read_buffer_size(READ_BUFFER_BYTES)
    })
    .map_err(|rejection| {
        let mut response = json_body(&ErrorBody::detail(rejection.body_text()));
        *response.status_mut() = rejection.status();
        Box::new(response)
    })
}

/// Why a connection loop stops.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The client left or the socket failed: nothing more to send.
    Gone,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

/// How a connection ends after a failed read: a frame or message over [`MAX_MESSAGE_BYTES`]
/// gets close 1009 with a reason; a frame that breaks the protocol (reserved bits, an unknown
/// opcode, a fragmented or oversized control frame) gets 1002, a text frame that is not UTF-8
/// gets 1007 (RFC 6455, 7.4.1). tungstenite refuses all of these but sends no close frame
/// itself, so without this the client saw the connection drop without a reason. Any other
/// failure means the client is gone.
pub(crate) fn read_failed(error: &axum::Error) -> Stop {
    let refused =
        std::error::Error::source(error).and_then(|e| e.downcast_ref::<tungstenite::Error>());
    match refused {
        Some(tungstenite::Error::Capacity(_)) => {
            tracing::info!("websocket frame over {MAX_MESSAGE_BYTES} bytes refused (1009)");
            Stop::Close(CLOSE_TOO_BIG, TOO_BIG_REASON)
        }
        Some(tungstenite::Error::Protocol(violation)) => {
            tracing::info!(%violation, "websocket protocol violation (1002)");
            Stop::Close(CLOSE_PROTOCOL_ERROR, "protocol error")
        }
        Some(tungstenite::Error::Utf8(_)) => {
            tracing::info!("websocket text frame not UTF-8 (1007)");
            Stop::Close(CLOSE_INVALID_PAYLOAD, "text frame is not valid UTF-8")
        }
        _ => Stop::Gone,
    }
}

/// The reason sent with close 1009 (at most 123 bytes, as a close reason must be).
const TOO_BIG_REASON: &str = "frame or message too large: at most 1048576 bytes";

/// Sends a text frame within [`SEND_TIMEOUT`]; gives up early on shutdown.
pub(crate) async fn send_text(
    socket: &mut WebSocket,
    text: impl Into<Utf8Bytes>,
    shutdown: &CancellationToken,
) -> Result<(), Stop> {
    tokio::select! {
        // The send first: one that completes at once (the common case) never registers with
        // the shutdown token, a lock shared by every connection.
        biased;
        sent = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text.into()))) => {
            match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(Stop::Gone),
                Err(_) => {
                    tracing::debug!("websocket send timed out; dropping the connection");
                    Err(Stop::Gone)
                }
            }
        }
        () = shutdown.cancelled() => Err(Stop::Close(CLOSE_GOING_AWAY, "server shutting down")),
    }
}

/// Ends a connection: for [`Stop::Close`], the closing handshake within [`CLOSE_TIMEOUT`] (our
/// close frame, then the client's frames are read and dropped until its close arrives, so the
/// socket is not reset under the client's feet while it still has our frames to read).
pub(crate) async fn finish(mut socket: WebSocket, stop: Stop) {
    let Stop::Close(code, reason) = stop else {
        return;
    };
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if socket.send(Message::Close(Some(frame))).await.is_ok() {
            while let Some(Ok(_)) = socket.recv().await {}
        }
    })
    .await;
}

/// A JSON error response for a refused upgrade.
pub(crate) fn refuse(error: ApiError) -> Response {
    error.into_response()
}
