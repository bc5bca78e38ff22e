//! Sending to Telegram robustly \[B9\]: `429` is waited out, network errors and Telegram's `5xx`
//! are retried with backoff, `403` (the user blocked the bot) is logged once and given up, and long texts are
//! split \[B7\].
//!
//! The policies are free functions over [`TelegramApi`] (`api.rs`), the raw calls of any
//! teloxide requester, so they are the same whatever adaptors the host's bot is wrapped in.

use std::future::Future;
use std::time::Duration;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::types::{CallbackQuery, ChatId, InlineKeyboardMarkup, MessageId};

use crate::screens::Screen;
use crate::split::{TELEGRAM_MESSAGE_LIMIT, split_html};

mod api;

pub(crate) use api::{FileKind, TelegramApi};

/// How often a request is repeated after `429 Too Many Requests`. Telegram asks for short waits
/// (seconds), so a few rounds cover a burst without holding a task forever.
const MAX_RATE_LIMIT_WAITS: u32 = 5;
/// The longest single `retry_after` honoured; beyond it the message is given up (and logged).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Attempts after a network failure or a Telegram server error, with backoff doubling from
/// [`NETWORK_BACKOFF`].
const MAX_NETWORK_ATTEMPTS: u32 = 4;
const NETWORK_BACKOFF: Duration = Duration::from_millis(500);

/// Whether Telegram refuses to deliver to this user at all (blocked the bot, deactivated, never
/// started it): retrying cannot help.
pub(crate) fn is_forbidden(e: &RequestError) -> bool {
    match e {
        RequestError::Api(api) => {
            matches!(
                api,
                ApiError::BotBlocked
                    | ApiError::UserDeactivated
                    | ApiError::CantInitiateConversation
            ) || {
                let s = api.to_string();
                s.starts_with("Forbidden") || s.starts_with("Unauthorized")
            }
        }
        _ => false,
    }
}

/// Whether a failure may pass if the call is repeated: the network, or Telegram's own server
/// errors (`5xx`). teloxide keeps only the description of an error, not its code, so a server
/// error is known by the descriptions Telegram (and its front proxies) give them.
pub(crate) fn is_transient(e: &RequestError) -> bool {
    const SERVER_ERRORS: [&str; 4] = [
        "internal server error",
        "bad gateway",
        "service unavailable",
        "gateway timeout",
    ];
    match e {
        RequestError::Network(_) | RequestError::Io(_) => true,
        RequestError::Api(ApiError::Unknown(description)) => {
            let description = description.to_ascii_lowercase();
            SERVER_ERRORS.iter().any(|s| description.contains(s))
        }
        _ => false,
    }
}

/// Runs a Telegram call with the retry policy of this module.
pub(crate) async fn with_retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut rate_limited = 0;
    let mut network = 0;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(RequestError::RetryAfter(after)) if rate_limited < MAX_RATE_LIMIT_WAITS => {
                let wait = after.duration();
                if wait > MAX_RETRY_AFTER {
                    tracing::warn!(what, ?wait, "telegram asks to wait too long; giving up");
                    return Err(RequestError::RetryAfter(after));
                }
                rate_limited += 1;
                tracing::info!(what, ?wait, "telegram rate limit (429); waiting");
                tokio::time::sleep(wait).await;
            }
            // A repeated send after a 5xx may, rarely, show a screen twice (Telegram stored it but
            // failed to answer); a lost screen is worse for a user who is waiting for it.
            Err(e) if is_transient(&e) && network + 1 < MAX_NETWORK_ATTEMPTS => {
                let wait = NETWORK_BACKOFF * 2u32.pow(network);
                network += 1;
                tracing::warn!(what, error = %e, ?wait, "telegram unreachable or failing; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                if is_forbidden(&e) {
                    tracing::warn!(what, error = %e, "telegram refuses to deliver to this chat (bot blocked?); not retrying");
                } else {
                    tracing::warn!(what, error = %e, "telegram request failed");
                }
                return Err(e);
            }
        }
    }
}

/// Sends a screen as new message(s): the text split to fit, the keyboard under the last piece.
pub(crate) async fn send_screen(
    bot: &dyn TelegramApi,
    chat: ChatId,
    screen: &Screen,
) -> Result<Vec<MessageId>, RequestError> {
    send_html(bot, chat, &screen.text, Some(&screen.keyboard)).await
}

/// Sends HTML text, split to fit, with an optional keyboard under the last piece; each piece with
/// the retry policy of [`with_retry`]. The ids of the pieces sent, in order.
pub(crate) async fn send_html(
    bot: &dyn TelegramApi,
    chat: ChatId,
    html: &str,
    keyboard: Option<&InlineKeyboardMarkup>,
) -> Result<Vec<MessageId>, RequestError> {
    send_pieces(bot, chat, html, keyboard, true).await
}

/// [`send_html`] with a single attempt per piece and no retry: for a caller that owns the retry
/// policy itself (push, where the server schedules redelivery). It stops at the first failure;
/// pieces sent before it stay sent.
#[allow(dead_code)] // The lead's push delivery uses it; the handler retries.
pub(crate) async fn send_html_once(
    bot: &dyn TelegramApi,
    chat: ChatId,
    html: &str,
    keyboard: Option<&InlineKeyboardMarkup>,
) -> Result<Vec<MessageId>, RequestError> {
    send_pieces(bot, chat, html, keyboard, false).await
}

async fn send_pieces(
    bot: &dyn TelegramApi,
    chat: ChatId,
    html: &str,
    keyboard: Option<&InlineKeyboardMarkup>,
    retry: bool,
) -> Result<Vec<MessageId>, RequestError> {
    let pieces = split_html(html, TELEGRAM_MESSAGE_LIMIT);
    let last = pieces.len().saturating_sub(1);
    let mut sent = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        let keyboard = if i == last { keyboard } else { None };
        let call = || bot.send_html(chat, piece.clone(), keyboard.cloned());
        let message = if retry {
            with_retry("sendMessage", call).await?
        } else {
            call().await?
        };
        sent.push(message.id);
    }
    Ok(sent)
}

/// Shows a screen in place of an earlier message (button navigation). When it does not fit in
/// one message, or the message cannot be edited (too old, deleted), it is sent anew instead.
/// "Message is not modified" (the same screen again, a double tap) counts as shown.
pub(crate) async fn edit_screen(
    bot: &dyn TelegramApi,
    chat: ChatId,
    message: MessageId,
    screen: &Screen,
) -> Result<(), RequestError> {
    if split_html(&screen.text, TELEGRAM_MESSAGE_LIMIT).len() > 1 {
        return send_screen(bot, chat, screen).await.map(drop);
    }
    let edit = || bot.edit_html(chat, message, screen.text.clone(), screen.keyboard.clone());
    match with_retry("editMessageText", edit).await {
        Ok(()) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) if is_forbidden(&e) => Err(e),
        Err(RequestError::Api(_)) => send_screen(bot, chat, screen).await.map(drop),
        Err(e) => Err(e),
    }
}

/// Answers a callback query, optionally with a text (an alert when `alert`).
pub(crate) async fn answer(
    bot: &dyn TelegramApi,
    query: &CallbackQuery,
    text: Option<&str>,
    alert: bool,
) {
    let call = || bot.answer_callback(query.id.clone(), text.map(str::to_owned), alert);
    // A lost answer only leaves the button's spinner on for a while; it is logged by with_retry.
    let _ = with_retry("answerCallbackQuery", call).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use teloxide::types::Seconds;

    #[tokio::test(start_paused = true)]
    async fn rate_limit_is_waited_out() {
        let calls = Arc::new(AtomicU32::new(0));
        let started = tokio::time::Instant::now();
        let c = calls.clone();
        let out = with_retry("test", || {
            let c = c.clone();
            async move {
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(RequestError::RetryAfter(Seconds::from_seconds(3)))
                } else {
                    Ok(7)
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(out, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_secs(3));
    }

    /// Runs `with_retry` over a call that always fails with `error()`: the last error and how
    /// many calls were made.
    async fn always_failing(error: fn() -> RequestError) -> (RequestError, u32) {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let err = with_retry("test", || {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(error())
            }
        })
        .await
        .unwrap_err();
        (err, calls.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn forbidden_is_not_retried() {
        let (err, calls) = always_failing(|| RequestError::Api(ApiError::BotBlocked)).await;
        assert!(is_forbidden(&err));
        assert_eq!(calls, 1);
    }

    #[test]
    fn server_errors_and_the_network_are_transient() {
        let api = |d: &str| RequestError::Api(ApiError::Unknown(d.to_owned()));
        assert!(is_transient(&api("Internal Server Error")));
        assert!(is_transient(&api("Bad Gateway")));
        assert!(is_transient(&api("Gateway Timeout")));
        assert!(!is_transient(&api("Bad Request: chat not found")));
        assert!(!is_transient(&RequestError::Api(ApiError::BotBlocked)));
        assert!(!is_transient(&RequestError::RetryAfter(
            Seconds::from_seconds(1)
        )));
    }

    #[tokio::test(start_paused = true)]
    async fn server_errors_are_retried_a_bounded_number_of_times() {
        let (err, calls) =
            always_failing(|| RequestError::Api(ApiError::Unknown("Internal Server Error".into())))
                .await;
        assert!(is_transient(&err));
        assert_eq!(calls, MAX_NETWORK_ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_rounds_are_bounded() {
        let (err, calls) =
            always_failing(|| RequestError::RetryAfter(Seconds::from_seconds(1))).await;
        assert!(matches!(err, RequestError::RetryAfter(_)));
        assert_eq!(calls, MAX_RATE_LIMIT_WAITS + 1);
    }
}
