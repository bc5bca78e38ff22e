//! [`TestServer`]'s websockets: a manager's, the bot's (cursor and delivery modes), and a
//! manager's reply sent the way the console sends it.

use serde_json::{Value, json};
use support_protocol::{Message, ServerEvent, TicketId};
use support_server::auth::create_or_update_manager;

use super::{BOT_TOKEN, TestServer};
use crate::ws::{Ws, connect, recv, send};

impl TestServer {
    // ---- Websockets ---------------------------------------------------------------------------

    /// A manager websocket authenticated by the session cookie, from the server's own origin.
    pub async fn manager_ws(&self, session: &str) -> Ws {
        connect(
            &self.ws_url("/ws/support/manager/"),
            &[
                ("cookie", format!("support_session={session}")),
                ("origin", self.origin()),
            ],
        )
        .await
        .expect("manager websocket connects")
    }

    /// A manager websocket as [`Self::manager_ws`], resuming: `?since={since}` (a number or
    /// `latest`).
    pub async fn manager_ws_since(&self, session: &str, since: &str) -> Ws {
        connect(
            &self.ws_url(&format!("/ws/support/manager/?since={since}")),
            &[
                ("cookie", format!("support_session={session}")),
                ("origin", self.origin()),
            ],
        )
        .await
        .expect("manager websocket connects")
    }

    /// The bot websocket with the bot token, from `cursor` (replies with a larger id come).
    pub async fn bot_ws(&self, cursor: Option<i64>) -> Ws {
        let path = match cursor {
            Some(c) => format!("/ws/support/bot/?cursor={c}"),
            None => "/ws/support/bot/".to_owned(),
        };
        connect(
            &self.ws_url(&path),
            &[("authorization", format!("Bearer {BOT_TOKEN}"))],
        )
        .await
        .expect("bot websocket connects")
    }

    /// The HTTP client the helpers use (no redirects followed).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The bot websocket with the bot token, in delivery mode (`?delivery=1`).
    pub async fn delivery_ws(&self) -> Ws {
        connect(
            &self.ws_url("/ws/support/bot/?delivery=1"),
            &[("authorization", format!("Bearer {BOT_TOKEN}"))],
        )
        .await
        .expect("bot websocket connects")
    }

    /// A manager's reply sent over the manager websocket as the console sends it, by a manager
    /// logged in with a password over REST (`auth/token/`); returns the stored message once the
    /// server echoed it back.
    pub async fn manager_reply(&self, ticket: TicketId, text: &str) -> Message {
        create_or_update_manager(self.storage(), "manager", "manager-password", "Anna", "")
            .await
            .unwrap();
        let token: Value = self
            .client
            .post(self.url("/support/auth/token/"))
            .json(&json!({"username": "manager", "password": "manager-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["token"].as_str().expect("a manager token");
        let mut ws = connect(
            &self.ws_url("/ws/support/manager/"),
            &[("authorization", format!("Bearer {token}"))],
        )
        .await
        .expect("manager websocket connects");
        send(
            &mut ws,
            json!({"type": "ticket.message.new", "ticket_id": ticket, "text": text}),
        )
        .await;
        loop {
            let event: ServerEvent = serde_json::from_value(recv(&mut ws).await).unwrap();
            match event {
                ServerEvent::MessageNew(m) if m.message.ticket == ticket => return m.message,
                ServerEvent::Error(e) => panic!("manager reply refused: {e:?}"),
                _ => {}
            }
        }
    }
}
