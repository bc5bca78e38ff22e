//! Push \[B8\]: manager replies delivered to the user's chat, with delivery owned by the server.
//!
//! [`PushListener::run`] keeps a websocket open to the server's bot endpoint in delivery mode
//! (`ws(s)://host:port/ws/support/bot/?delivery=1`), authenticated with the bot token. The
//! server offers every pending reply (`delivery.offer`, each leased to this connection for a
//! while); the listener waits for the chat's turn (Telegram's limits, `pacer.rs`), announces the
//! send (`delivery.sending`) and sends only if the server confirms the reply is still this
//! connection's (`delivery.proceed`), then reports the outcome (`delivery.sent` with Telegram's message id, or `delivery.failed`
//! with what Telegram said). The server decides what follows a failure: a retry with backoff,
//! a wait for a `429`'s `retry_after`, or giving up; a `403` marks the user as having blocked
//! the bot. Nothing is kept on disk: a fresh bot, a crash or a second replica gets exactly the
//! replies still pending, each sent by one bot, never twice; one whose bot died during the
//! Telegram call is marked failed as unconfirmed, for a manager to check and retry. A pushed reply also makes its ticket the user's
//! current one (see `handler/answer.rs`), and a manager resolving or reopening a ticket is told
//! to its user.
//!
//! Against a server without the bot websocket (the Python original answers the upgrade with an
//! HTTP 500, an older server of ours with a 404), it logs one line and ends \[C2\].

mod deliver;
mod files;
mod pacer;
mod typing;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support_protocol::{
    BotEvent, DeliveryOffer, DeliverySending, MessageId, Sender, ServerEvent, Ticket,
};
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header::AUTHORIZATION};
use tokio_tungstenite::tungstenite::{self, Message as Frame};

use self::pacer::{OVERALL, PER_CHAT, Pacer};
use crate::client::SupportClient;
use crate::error::PushError;
use crate::handler::after_resolution;
use crate::languages::Languages;
use crate::state::SupportStorage;
use crate::telegram::TelegramApi;

/// How [`PushListener::run`] ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushEnd {
    /// The server has no bot websocket: push is off, the rest of support works.
    Unsupported,
}

/// Replies whose report was sent, remembered so that one offered again (its report crossed a
/// reconnect) is answered without sending it twice.
const REMEMBERED_REPORTS: usize = 1024;

/// The push task. Build it, then `tokio::spawn(listener.run())`; abort the task to stop it.
///
/// ```no_run
/// # async fn demo(bot: teloxide::Bot, storage: support_bot::SupportStorage) -> Result<(), Box<dyn std::error::Error>> {
/// use support_bot::{Languages, PushListener, SupportClient};
/// let client = SupportClient::from_env()?;
/// // The dialogue storage the handler uses: a pushed reply makes its ticket the current one.
/// let push = PushListener::new(bot, client, Languages::default(), storage);
/// tokio::spawn(push.run());
/// # Ok(()) }
/// ```
pub struct PushListener {
    bot: Arc<dyn TelegramApi>,
    client: SupportClient,
    languages: Arc<Languages>,
    storage: SupportStorage,
    min_backoff: Duration,
    max_backoff: Duration,
    pacer: Arc<Pacer>,
    typing: Arc<typing::TypingShown>,
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

/// How long a send waits for the server's `delivery.proceed` before giving the reply up (the
/// server offers it again when its lease ends).
const PROCEED_WAIT: Duration = Duration::from_secs(10);

/// What the listener keeps across connections.
#[derive(Default)]
struct Ledger {
    /// Replies taken and not reported yet (an offer of one of them again is ignored).
    sending: HashSet<MessageId>,
    /// Sends waiting for the server's `delivery.proceed`.
    proceed: HashMap<MessageId, oneshot::Sender<bool>>,
    /// Replies reported sent, newest last (an offer of one of them again gets the report again:
    /// it crossed a reconnect).
    sent: HashMap<MessageId, BotEvent>,
    order: VecDeque<MessageId>,
}

impl Ledger {
    /// The reply's outcome is reported: a failure may be offered again (a retry), a success is
    /// remembered.
    fn reported(&mut self, id: MessageId, report: &BotEvent) {
        self.sending.remove(&id);
        if !matches!(report, BotEvent::Sent(_)) {
            return;
        }
        if self.sent.insert(id, report.clone()).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED_REPORTS {
            if let Some(old) = self.order.pop_front() {
                self.sent.remove(&old);
            }
        }
    }

    /// The reply is given up without a send (the server said another bot has it, or did not
    /// answer): it may be offered again.
    fn abandon(&mut self, id: MessageId) {
        self.sending.remove(&id);
        self.proceed.remove(&id);
    }
}

impl PushListener {
    /// A listener delivering through `bot`, talking to the server `client` is configured for
    /// (its websocket URL and token), in each user's language from `languages` (the ticket's
    /// `language_code`), moving users' dialogues in `storage` (the handler's) so that a typed
    /// answer goes to the pushed ticket. `bot` is any teloxide requester with teloxide's error
    /// type: `Bot`, or a bot wrapped in adaptors (`Throttle<Bot>`, `DefaultParseMode<Bot>`, ...).
    pub fn new<R>(
        bot: R,
        client: SupportClient,
        languages: impl Into<Languages>,
        storage: SupportStorage,
    ) -> Self
    where
        R: Requester<Err = RequestError> + Send + Sync + 'static,
    {
        Self {
            bot: Arc::new(bot),
            client,
            languages: Arc::new(languages.into()),
            storage,
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            pacer: Arc::new(Pacer::new(PER_CHAT, OVERALL)),
            typing: Arc::default(),
        }
    }

    /// The reconnect backoff: starts at `min`, doubles per failure, at most `max` (defaults
    /// 0.5 s and 30 s).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Runs until the server turns out to have no bot websocket (`Ok(PushEnd::Unsupported)`) or
    /// refuses the token; otherwise forever, reconnecting as needed.
    pub async fn run(self) -> Result<PushEnd, PushError> {
        let (reports, mut reported) = mpsc::unbounded_channel::<(MessageId, BotEvent)>();
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        // Reports that could not be sent on a connection that ended: sent first on the next.
        let mut unsent: VecDeque<BotEvent> = VecDeque::new();
        let mut backoff = self.min_backoff;
        let mut failures: u32 = 0;
        loop {
            let url = self.client.config().bot_delivery_url();
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
                    tracing::debug!("push: connected");
                    backoff = self.min_backoff;
                    failures = 0;
                    let connection = Connection {
                        listener: &self,
                        reports: &reports,
                        ledger: &ledger,
                    };
                    connection.serve(ws, &mut reported, &mut unsent).await;
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
}

/// One websocket connection of the listener.
struct Connection<'a> {
    listener: &'a PushListener,
    reports: &'a mpsc::UnboundedSender<(MessageId, BotEvent)>,
    ledger: &'a Arc<Mutex<Ledger>>,
}

impl Connection<'_> {
    /// Takes offers and sends reports until the connection ends.
    async fn serve<S>(
        &self,
        ws: S,
        reported: &mut mpsc::UnboundedReceiver<(MessageId, BotEvent)>,
        unsent: &mut VecDeque<BotEvent>,
    ) where
        S: futures_util::Stream<Item = Result<Frame, tungstenite::Error>>
            + futures_util::Sink<Frame, Error = tungstenite::Error>
            + Unpin,
    {
        let (mut sink, mut stream) = ws.split();
        // Announcements of sends (`delivery.sending`) of replies taken on this connection; they
        // never cross to another connection (a late one could claim a reply another bot has).
        let (markers, mut announced) = mpsc::unbounded_channel::<MessageId>();
        while let Some(report) = unsent.pop_front() {
            if sink.send(Frame::text(report.to_json())).await.is_err() {
                unsent.push_front(report);
                return;
            }
        }
        loop {
            tokio::select! {
                id = announced.recv() => {
                    // This function holds a sender: never closed.
                    let Some(id) = id else { return };
                    let marker = BotEvent::Sending(DeliverySending { message_id: id });
                    if sink.send(Frame::text(marker.to_json())).await.is_err() {
                        return;
                    }
                }
                report = reported.recv() => {
                    // The channel never closes: `run` holds a sender.
                    let Some((id, report)) = report else { return };
                    self.ledger().reported(id, &report);
                    if sink.send(Frame::text(report.to_json())).await.is_err() {
                        unsent.push_back(report);
                        return;
                    }
                }
                frame = stream.next() => {
                    let text = match frame {
                        Some(Ok(Frame::Text(text))) => text,
                        Some(Ok(Frame::Close(_))) | None => return,
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "push: websocket error");
                            return;
                        }
                    };
                    match serde_json::from_str::<ServerEvent>(text.as_str()) {
                        Ok(ServerEvent::DeliveryOffer(offer)) => {
                            if let Some(again) = self.take(offer, &markers) {
                                // Reported before; the report may not have arrived.
                                if sink.send(Frame::text(again.to_json())).await.is_err() {
                                    unsent.push_back(again);
                                    return;
                                }
                            }
                        }
                        Ok(ServerEvent::DeliveryProceed(answer)) => {
                            if let Some(waiting) = self.ledger().proceed.remove(&answer.message_id) {
                                let _ = waiting.send(answer.proceed);
                            }
                        }
                        Ok(ServerEvent::TicketUpdated(update))
                            if update.resolved_by == Some(Sender::Supp) =>
                        {
                            self.tell_resolution(update.ticket);
                        }
                        Ok(ServerEvent::TicketTyping(typing)) => self.show_typing(&typing),
                        Ok(ServerEvent::MessageNew(_)) => {
                            tracing::error!("push: the support server does not know the delivery mode (an older version); upgrade it for push notifications");
                        }
                        Ok(ServerEvent::Error(e)) => {
                            tracing::warn!(code = %e.code, detail = %e.detail, "push: the support server refused a report");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "push: unreadable event ignored"),
                    }
                }
            }
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        lock(self.ledger)
    }

    /// Starts sending an offered reply: paced, announced to the server, sent once the server
    /// says so. `Some(report)` when it was reported sent before.
    fn take(
        &self,
        offer: DeliveryOffer,
        markers: &mpsc::UnboundedSender<MessageId>,
    ) -> Option<BotEvent> {
        let id = offer.message.id;
        {
            let mut ledger = self.ledger();
            if let Some(report) = ledger.sent.get(&id) {
                return Some(report.clone());
            }
            if !ledger.sending.insert(id) {
                return None;
            }
        }
        let listener = self.listener;
        let slot = listener.pacer.reserve(deliver::chat_of(&offer.ticket));
        let client = listener.client.clone();
        let (bot, languages, storage, pacer) = (
            Arc::clone(&listener.bot),
            Arc::clone(&listener.languages),
            Arc::clone(&listener.storage),
            Arc::clone(&listener.pacer),
        );
        let reports = self.reports.clone();
        let markers = markers.clone();
        let ledger = Arc::clone(self.ledger);
        tokio::spawn(async move {
            pacer.wait(slot).await;
            let (go, answer) = oneshot::channel();
            lock(&ledger).proceed.insert(id, go);
            let proceed = markers.send(id).is_ok()
                && matches!(
                    tokio::time::timeout(PROCEED_WAIT, answer).await,
                    Ok(Ok(true))
                );
            if !proceed {
                // Another bot has it, or this connection is gone: the server offers it again
                // when its lease ends.
                tracing::debug!(message = %id, "push: not sending a reply the server did not confirm");
                lock(&ledger).abandon(id);
                return;
            }
            pacer.before_send(deliver::chat_of(&offer.ticket)).await;
            let report = deliver::reply(&*bot, &client, &languages, &storage, &offer).await;
            let _ = reports.send((id, report));
        });
        None
    }

    /// Tells the user that a manager resolved or reopened their ticket, paced like replies.
    /// "typing…" in the user's chat while the ticket's holder types (throttled per chat; a
    /// failed call only loses the hint).
    fn show_typing(&self, typing: &support_protocol::TicketTyping) {
        let Some(user) = typing.user else { return };
        let chat = teloxide::types::ChatId(user.get());
        if !self.listener.typing.admit(chat, std::time::Instant::now()) {
            return;
        }
        let bot = Arc::clone(&self.listener.bot);
        tokio::spawn(async move {
            if let Err(error) = bot.send_typing(chat).await {
                tracing::debug!(%error, "push: showing \"typing…\" failed");
            }
        });
    }

    fn tell_resolution(&self, ticket: Ticket) {
        let listener = self.listener;
        let chat = deliver::chat_of(&ticket);
        let slot = listener.pacer.reserve(chat);
        let (bot, languages, storage, pacer) = (
            Arc::clone(&listener.bot),
            Arc::clone(&listener.languages),
            Arc::clone(&listener.storage),
            Arc::clone(&listener.pacer),
        );
        tokio::spawn(async move {
            pacer.wait(slot).await;
            after_resolution(&storage, chat, &ticket).await;
            deliver::resolution(&*bot, &languages, &ticket).await;
        });
    }
}

/// The ledger, locked (a poisoned lock still holds whole entries).
fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}
