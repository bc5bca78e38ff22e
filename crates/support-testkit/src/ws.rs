//! Websocket clients (tokio-tungstenite) and what tests expect of them.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{EVENT_WAIT, SILENCE, WAIT};

/// A websocket client.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects with extra headers; the handshake error (e.g. the HTTP status) on failure.
pub async fn connect(url: &str, headers: &[(&str, String)]) -> Result<Ws, tungstenite::Error> {
    let mut request = url.into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

/// The HTTP status and JSON body of a refused handshake.
pub async fn refused(url: &str, headers: &[(&str, String)]) -> (u16, Value) {
    match connect(url, headers).await {
        Ok(_) => panic!("{url}: the upgrade was accepted"),
        Err(tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            let body = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{url}: body is not JSON ({e}): {body:?}"));
            (status, body)
        }
        Err(other) => panic!("{url}: unexpected handshake error {other}"),
    }
}

/// Sends a JSON value as a text frame.
pub async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

/// Sends a raw frame.
pub async fn send_raw(ws: &mut Ws, message: Message) {
    ws.send(message).await.unwrap();
}

/// The next JSON text frame (pings and pongs skipped); panics after [`EVENT_WAIT`] or on close.
pub async fn recv(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + EVENT_WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an event within the wait")
            .expect("the socket is open")
            .expect("a valid frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The next event as the original server sends it: its `seq` (extension: resumable events),
/// which must be there, removed.
pub async fn recv_event(ws: &mut Ws) -> Value {
    let mut v = recv(ws).await;
    let seq = v.as_object_mut().and_then(|o| o.remove("seq"));
    assert!(
        seq.as_ref().and_then(Value::as_u64).is_some_and(|n| n > 0),
        "no seq in {v}"
    );
    v
}

/// The next event, which must have this `type`.
pub async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    let v = recv(ws).await;
    assert_eq!(v["type"], kind, "unexpected event {v}");
    v
}

/// The next event of this `type`, skipping others; panics after [`WAIT`].
pub async fn recv_until(ws: &mut Ws, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} event within {WAIT:?}"))
            .expect("the websocket is open")
            .expect("a valid frame");
        if let Message::Text(text) = frame {
            let event: Value = serde_json::from_str(&text).unwrap();
            if event["type"] == kind {
                return event;
            }
        }
    }
}

/// Asserts that nothing arrives for [`SILENCE`] (the socket staying open).
pub async fn silent(ws: &mut Ws) {
    match tokio::time::timeout(SILENCE, ws.next()).await {
        Err(_) => {}
        Ok(frame) => panic!("expected silence, got {frame:?}"),
    }
}

/// Reads until the close frame; returns its code (frames before it are skipped).
pub async fn close_code(ws: &mut Ws, wait: Duration) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("no close within {wait:?}"),
            Ok(None) => return None,
            Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The `id` field of a JSON object.
pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}
