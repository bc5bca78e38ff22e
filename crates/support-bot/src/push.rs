//! Push \[B8\]: manager replies delivered to the user's chat as they happen.
//!
//! [`PushListener::run`] keeps a websocket open to the server's bot endpoint
//! (`ws(s)://host:port/ws/support/bot/?cursor=N`, \[W9\]), authenticated with the bot token. For
//! every `ticket.message.new` from a manager it looks up the ticket's user, sends the reply to
//! that user's private chat with an "open ticket" button, and only then saves the event's cursor
//! in a [`CursorStore`]. After a dropped connection or a restart it reconnects (exponential
//! backoff) from the saved cursor, so the server re-sends exactly what was not delivered.
//!
//! Against a server without the bot websocket (the Python original answers the upgrade with an
//! HTTP 500, an older server of ours with a 404), it logs one line and ends \[C2\].

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use support_protocol::{Message, MessageNew, Sender, ServerEvent};
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header::AUTHORIZATION};
use tokio_tungstenite::tungstenite::{self, Message as Frame};

use crate::client::SupportClient;
use crate::cursor::CursorStore;
use crate::error::{ClientError, PushError};
use crate::screens::reply_screen;
use crate::telegram::{TelegramApi, is_forbidden, send_screen};
use crate::texts::Texts;

/// How [`PushListener::run`] ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushEnd {
    /// The server has no bot websocket: push is off, the rest of support works.
    Unsupported,
}

/// The push task. Build it, then `tokio::spawn(listener.run())`; abort the task to stop it.
///
/// ```no_run
/// # async fn demo(bot: teloxide::Bot) -> Result<(), Box<dyn std::error::Error>> {
/// use support_bot::{FileCursorStore, PushListener, SupportClient, Texts};
/// let client = SupportClient::from_env()?;
/// let push = PushListener::new(bot, client, Texts::default(), FileCursorStore::new("support.cursor"));
/// tokio::spawn(push.run());
/// # Ok(()) }
/// ```
pub struct PushListener {
    bot: Arc<dyn TelegramApi>,
    client: SupportClient,
    texts: Texts,
    store: Arc<dyn CursorStore>,
    min_backoff: Duration,
    max_backoff: Duration,
}

impl std::fmt::Debug for PushListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushListener")
            .field("client", &self.client)
            .field("min_backoff", &self.min_backoff)
            .field("max_backoff", &self.max_backoff)
            .finish_non_exhaustive()
    }
}

/// What happened to one reply.
enum Delivery {
    /// Delivered, or undeliverable for good (bot blocked, ticket gone): move the cursor on.
    Done,
    /// Failed for now (backend or Telegram unreachable): reconnect and get it again.
    Retry,
}

impl PushListener {
    /// A listener delivering through `bot`, reading tickets with `client` (whose configuration
    /// also gives the websocket URL and the token), keeping its cursor in `store`. `bot` is any
    /// teloxide requester with teloxide's error type: `Bot`, or a bot wrapped in adaptors
    /// (`Throttle<Bot>`, `DefaultParseMode<Bot>`, ...).
    pub fn new<R>(
        bot: R,
        client: SupportClient,
        texts: Texts,
        store: impl CursorStore + 'static,
    ) -> Self
    where
        R: Requester<Err = RequestError> + Send + Sync + 'static,
    {
        Self {
            bot: Arc::new(bot),
            client,
            texts,
            store: Arc::new(store),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// The reconnect backoff: starts at `min`, doubles per failure, at most `max` (defaults
    /// 0.5 s and 30 s).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Runs until the server turns out to have no bot websocket (`Ok(PushEnd::Unsupported)`),
    /// refuses the token, or the cursor store fails; otherwise forever, reconnecting as needed.
    pub async fn run(self) -> Result<PushEnd, PushError> {
        let mut backoff = self.min_backoff;
        let mut failures: u32 = 0;
        loop {
            let cursor = self.store.load().await?;
            let url = self.client.config().bot_ws_url(cursor);
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(|e| PushError::Url(e.to_string()))?;
            if let Some(token) = self.client.config().token() {
                let value = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|e| PushError::Url(e.to_string()))?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            match tokio_tungstenite::connect_async(request).await {
                Ok((ws, _)) => {
                    if failures > 0 {
                        tracing::info!("push: reconnected to the support server");
                    }
                    tracing::debug!(?cursor, "push: connected");
                    backoff = self.min_backoff;
                    failures = 0;
                    self.consume(ws, cursor).await?;
                    tracing::debug!("push: connection ended; reconnecting");
                }
                Err(tungstenite::Error::Http(response)) => {
                    let status = response.status().as_u16();
                    match status {
                        401 | 403 => {
                            tracing::error!(
                                status,
                                "push: the support server refused the bot token; push notifications are off"
                            );
                            return Err(PushError::Unauthorized { status });
                        }
                        404 | 405 | 500 | 501 => {
                            tracing::info!(
                                status,
                                "push: the support server has no bot websocket (/ws/support/bot/); push notifications are off, users see replies when they open a ticket"
                            );
                            return Ok(PushEnd::Unsupported);
                        }
                        _ => {
                            failures += 1;
                            tracing::warn!(status, "push: websocket upgrade refused; retrying");
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    // One warning per outage, then quieter, so a long outage is no log flood.
                    if failures == 1 || failures.is_multiple_of(20) {
                        tracing::warn!(error = %e, failures, "push: cannot reach the support server; retrying");
                    } else {
                        tracing::debug!(error = %e, failures, "push: cannot reach the support server; retrying");
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.max_backoff);
        }
    }

    /// Reads one connection until it ends or a delivery must be retried.
    async fn consume<S>(&self, mut ws: S, mut last: Option<u64>) -> Result<(), PushError>
    where
        S: futures_util::Stream<Item = Result<Frame, tungstenite::Error>> + Unpin,
    {
        while let Some(frame) = ws.next().await {
            let text = match frame {
                Ok(Frame::Text(text)) => text,
                Ok(Frame::Close(_)) => return Ok(()),
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(error = %e, "push: websocket error");
                    return Ok(());
                }
            };
            let event = match serde_json::from_str::<ServerEvent>(text.as_str()) {
                Ok(ServerEvent::MessageNew(event)) => event,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "push: unreadable event ignored");
                    continue;
                }
            };
            let MessageNew { message, cursor } = event;
            let Some(cursor) = cursor else {
                tracing::warn!(message = %message.id, "push: event without a cursor ignored");
                continue;
            };
            if last.is_some_and(|l| cursor <= l) {
                // Already delivered (the server re-sent it): never twice.
                continue;
            }
            if message.sender == Sender::Supp {
                match self.deliver(&message).await {
                    Delivery::Done => {}
                    // Not saved: the reconnect asks for it again.
                    Delivery::Retry => return Ok(()),
                }
            }
            self.store.save(cursor).await?;
            last = Some(cursor);
        }
        Ok(())
    }

    async fn deliver(&self, message: &Message) -> Delivery {
        let ticket = match self.client.ticket(message.ticket).await {
            Ok(t) => t,
            Err(ClientError::NotFound(_)) => {
                tracing::warn!(ticket = %message.ticket, "push: reply to a ticket that no longer exists; skipped");
                return Delivery::Done;
            }
            Err(e) => {
                tracing::warn!(error = %e, "push: cannot read the ticket of a reply; will retry");
                return Delivery::Retry;
            }
        };
        let chat = ChatId(ticket.user.telegram_id.get());
        match send_screen(
            &*self.bot,
            chat,
            &reply_screen(&self.texts, &ticket, message),
        )
        .await
        {
            Ok(_) => {
                tracing::debug!(ticket = %ticket.id, message = %message.id, "push: reply delivered");
                Delivery::Done
            }
            Err(e) if is_forbidden(&e) => Delivery::Done,
            Err(RequestError::Network(_) | RequestError::Io(_) | RequestError::RetryAfter(_)) => {
                Delivery::Retry
            }
            Err(e) => {
                tracing::warn!(error = %e, chat = chat.0, "push: telegram refused the reply; skipped");
                Delivery::Done
            }
        }
    }
}
