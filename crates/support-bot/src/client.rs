//! The REST client of the support server, usable without teloxide.
//!
//! It speaks both our server and the Python original \[C2\]: lists are read whether they come as a
//! plain array or as the paginated envelope, and the one-call "ticket with its first message"
//! extension \[R2\] is only relied on when the server announces itself with `X-Support-Server`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use support_protocol::{
    ErrorBody, Listing, Message, TelegramId, Ticket, TicketFilter, TicketId, TicketPatch,
};

use crate::config::SupportConfig;
use crate::error::{ClientError, ConfigError, Result};

mod attachments;
mod writer;

pub use attachments::FileUpload;
pub use writer::Writer;

/// The response header by which our server identifies itself (value like
/// `chatlabs-support-rs/0.1.0`). Its presence means the server supports the extensions this
/// client uses, such as `text` on `POST /tickets/` \[R2\].
pub const SERVER_HEADER: &str = "x-support-server";

/// The longest `language_code` the client reports to the server (the server's limit; Telegram's
/// codes are IETF tags like `en` or `pt-br`).
pub const LANGUAGE_CODE_MAX_CHARS: usize = 35;

/// A cheap-to-clone handle on the support server's REST API.
///
/// Timeouts come from [`SupportConfig::timeout`]; idempotent calls (every `GET`) are retried
/// with exponential backoff on network failures and 502/503/504, and every call is retried when
/// the connection could not even be opened (nothing was sent then).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use support_bot::SupportClient;
/// use support_bot::protocol::TelegramId;
///
/// let client = SupportClient::from_env()?;
/// let ticket = client.create_ticket(TelegramId::new(1001), "Payment", "My card was charged twice").await?;
/// let open = client.user_tickets(TelegramId::new(1001), false).await?;
/// assert!(open.iter().any(|t| t.id == ticket.id));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SupportClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: SupportConfig,
}

/// A decoded successful answer plus whether it came from our server.
struct Answer<T> {
    value: T,
    ours: bool,
}

impl SupportClient {
    /// A client for the given settings.
    pub fn new(config: SupportConfig) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            // Connecting should be quick; a dead host must not hold a user for the whole timeout.
            .connect_timeout(config.timeout().min(Duration::from_secs(5)))
            .user_agent(concat!(
                "chatlabs-support-rs-bot/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| {
                ConfigError::new(
                    "BACKEND_SCHEMA",
                    "https",
                    format!("cannot set up the HTTP client: {e}"),
                )
            })?;
        Ok(Self {
            inner: Arc::new(Inner { http, config }),
        })
    }

    /// A client configured from the `BACKEND_*` environment variables ([`SupportConfig::from_env`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(SupportConfig::from_env()?)
    }

    /// The settings.
    pub fn config(&self) -> &SupportConfig {
        &self.inner.config
    }

    /// Opens a ticket for `user` with its first message.
    ///
    /// Against our server this is one transactional call (`POST tickets/` with `text`). Against a
    /// server that does not announce itself (the Python original ignores `text`), the message is
    /// posted with a second call.
    pub async fn create_ticket(&self, user: TelegramId, title: &str, text: &str) -> Result<Ticket> {
        self.create_ticket_with_language(user, title, text, None)
            .await
    }

    /// [`Self::create_ticket`], reporting the user's language too (Telegram's `language_code`,
    /// e.g. `"en"`; `None` when unknown), so the server can keep it with the user and a reply
    /// pushed later comes in that language.
    ///
    /// It goes as the added JSON key `"language_code"`, only when known: a code that is blank or
    /// longer than [`LANGUAGE_CODE_MAX_CHARS`] is left out rather than failing the user's request.
    /// Servers that do not know the key (the Python original, our server before the extension)
    /// ignore it.
    pub async fn create_ticket_with_language(
        &self,
        user: TelegramId,
        title: &str,
        text: &str,
        language_code: Option<&str>,
    ) -> Result<Ticket> {
        self.create_ticket_with_attachments(
            user,
            title,
            text,
            Vec::new(),
            &Writer::language(language_code),
        )
        .await
    }

    /// `GET tickets/{id}/`.
    pub async fn ticket(&self, id: TicketId) -> Result<Ticket> {
        Ok(self
            .call(Method::GET, &format!("tickets/{id}/"), &[], None)
            .await?
            .value)
    }

    /// `GET tickets/` with a filter. Works with the plain array and the paginated envelope.
    pub async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>> {
        let pairs = filter.query_pairs();
        let listing: Answer<Listing<Ticket>> =
            self.call(Method::GET, "tickets/", &pairs, None).await?;
        Ok(listing.value.into_items())
    }

    /// The open (`resolved == false`) or resolved tickets of a user, newest first whatever order
    /// the server used.
    pub async fn user_tickets(&self, user: TelegramId, resolved: bool) -> Result<Vec<Ticket>> {
        let filter = TicketFilter {
            user_id: Some(user),
            resolved: Some(resolved),
            ..TicketFilter::default()
        };
        let mut tickets = self.tickets(&filter).await?;
        // The Python original answers in no defined order; ids grow with time.
        tickets.sort_by_key(|t| std::cmp::Reverse(t.id));
        Ok(tickets)
    }

    /// All messages of a ticket, newest first.
    pub async fn messages(&self, ticket: TicketId) -> Result<Vec<Message>> {
        let listing: Answer<Listing<Message>> = self
            .call(
                Method::GET,
                &format!("tickets/{ticket}/messages/"),
                &[],
                None,
            )
            .await?;
        let mut messages = listing.value.into_items();
        messages.sort_by_key(|m| std::cmp::Reverse(m.id));
        Ok(messages)
    }

    /// Posts a user message to a ticket.
    pub async fn send_message(&self, ticket: TicketId, text: &str) -> Result<Message> {
        self.send_message_with_language(ticket, text, None).await
    }

    /// [`Self::send_message`], reporting the user's language too; see
    /// [`Self::create_ticket_with_language`].
    pub async fn send_message_with_language(
        &self,
        ticket: TicketId,
        text: &str,
        language_code: Option<&str>,
    ) -> Result<Message> {
        self.send_message_with_attachments(
            ticket,
            text,
            Vec::new(),
            &Writer::language(language_code),
        )
        .await
    }

    /// `PATCH tickets/{id}/` (e.g. resolve or reopen).
    pub async fn update_ticket(&self, id: TicketId, patch: &TicketPatch) -> Result<Ticket> {
        let body = serde_json::to_value(patch).map_err(decode)?;
        Ok(self
            .call(Method::PATCH, &format!("tickets/{id}/"), &[], Some(body))
            .await?
            .value)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&'static str, String)],
        body: Option<Value>,
    ) -> Result<Answer<T>> {
        let config = &self.inner.config;
        let url = config
            .rest_base()
            .join(path)
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT);
        let mut attempt: u32 = 0;
        loop {
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .query(query);
            if let Some(token) = config.token() {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let retry = attempt < config.retries();
            match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let transient = matches!(
                        status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    );
                    if transient && idempotent && retry {
                        tracing::debug!(%url, %status, attempt, "support server busy, retrying");
                    } else {
                        return read_answer(response).await;
                    }
                }
                // A failed connect sent nothing, so even a POST may be repeated safely.
                Err(e) if retry && (idempotent || e.is_connect()) => {
                    tracing::debug!(%url, error = %e, attempt, "support server request failed, retrying");
                }
                Err(e) => return Err(ClientError::Unreachable(e)),
            }
            tokio::time::sleep(Duration::from_millis(200) * 2u32.pow(attempt.min(6))).await;
            attempt += 1;
        }
    }
}

async fn read_answer<T: DeserializeOwned>(response: reqwest::Response) -> Result<Answer<T>> {
    let status = response.status();
    let ours = response.headers().contains_key(SERVER_HEADER);
    let bytes = response.bytes().await.map_err(ClientError::Unreachable)?;
    if status.is_success() {
        let value = serde_json::from_slice(&bytes).map_err(decode)?;
        return Ok(Answer { value, ours });
    }
    let error_body = serde_json::from_slice::<ErrorBody>(&bytes).ok();
    let detail = || match &error_body {
        Some(b) => b.summary(),
        None => shorten(&String::from_utf8_lossy(&bytes)),
    };
    Err(match status {
        StatusCode::NOT_FOUND => ClientError::NotFound(detail()),
        StatusCode::BAD_REQUEST if error_body.is_some() => {
            ClientError::Rejected(error_body.unwrap_or_else(|| ErrorBody::detail("")))
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ClientError::Unauthorized {
            status: status.as_u16(),
            detail: detail(),
        },
        _ => ClientError::Status {
            status: status.as_u16(),
            body: detail(),
        },
    })
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(decode)`
fn decode(e: serde_json::Error) -> ClientError {
    ClientError::Decode(e.to_string())
}

fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}
