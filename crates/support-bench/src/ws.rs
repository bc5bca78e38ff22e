//! Manager websocket connections.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::Target;
use crate::auth::ManagerSession;
use crate::http::tcp_connect;

/// A manager's websocket.
pub type ManagerWs = WebSocketStream<TcpStream>;

/// Opens the manager websocket with `session`'s credentials (a cookie also sends our `Origin`,
/// as a browser would).
pub async fn connect(
    target: &Target,
    session: &ManagerSession,
    source: Option<IpAddr>,
) -> anyhow::Result<ManagerWs> {
    let mut request = target.ws_url().into_client_request()?;
    let headers = request.headers_mut();
    if let Some(cookie) = &session.cookie {
        headers.insert("cookie", HeaderValue::from_str(cookie)?);
        headers.insert("origin", HeaderValue::from_str(&target.origin)?);
    }
    if let Some(token) = &session.bearer {
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let stream = tcp_connect(target.addr, source).await?;
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .context("websocket upgrade")?;
    Ok(ws)
}

/// Assigns `tickets` to the manager of `ws` (`ticket.assign`) and waits until the server has
/// confirmed each with `ticket.assigned`.
pub async fn assign_all(ws: &mut ManagerWs, tickets: &[i64]) -> anyhow::Result<()> {
    for &id in tickets {
        let request = serde_json::json!({ "type": "ticket.assign", "id": id, "force": true });
        ws.send(Message::text(request.to_string())).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let frame = tokio::time::timeout_at(deadline, ws.next())
                .await
                .with_context(|| format!("no ticket.assigned for ticket {id} within 10 s"))?;
            let Some(frame) = frame else {
                bail!("websocket closed while assigning ticket {id}")
            };
            if let Message::Text(text) = frame? {
                let v: serde_json::Value = serde_json::from_str(text.as_str())?;
                match v["type"].as_str() {
                    Some("ticket.assigned") if v["id"].as_i64() == Some(id) => break,
                    Some("error") => bail!("assigning ticket {id}: {text}"),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}
