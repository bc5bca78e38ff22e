//! Sending to Telegram robustly \[B9\]: `429` is waited out, network errors are retried with
//! backoff, `403` (the user blocked the bot) is logged once and given up, and long texts are
//! split \[B7\].

use std::future::Future;
use std::time::Duration;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode};

use crate::screens::Screen;
use crate::split::{TELEGRAM_MESSAGE_LIMIT, split_html};

/// How often a request is repeated after `429 Too Many Requests`. Telegram asks for short waits
/// (seconds), so a few rounds cover a burst without holding a task forever.
const MAX_RATE_LIMIT_WAITS: u32 = 5;
/// The longest single `retry_after` honoured; beyond it the message is given up (and logged).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Attempts after a network failure, with backoff doubling from [`NETWORK_BACKOFF`].
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
            Err(e @ (RequestError::Network(_) | RequestError::Io(_)))
                if network + 1 < MAX_NETWORK_ATTEMPTS =>
            {
                let wait = NETWORK_BACKOFF * 2u32.pow(network);
                network += 1;
                tracing::warn!(what, error = %e, ?wait, "telegram unreachable; retrying");
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
    bot: &Bot,
    chat: ChatId,
    screen: &Screen,
) -> Result<(), RequestError> {
    send_html(bot, chat, &screen.text, Some(&screen.keyboard)).await
}

/// Sends HTML text, split to fit, with an optional keyboard under the last piece.
pub(crate) async fn send_html(
    bot: &Bot,
    chat: ChatId,
    html: &str,
    keyboard: Option<&InlineKeyboardMarkup>,
) -> Result<(), RequestError> {
    let pieces = split_html(html, TELEGRAM_MESSAGE_LIMIT);
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.iter().enumerate() {
        let mut request = bot
            .send_message(chat, piece.clone())
            .parse_mode(ParseMode::Html);
        if i == last
            && let Some(kb) = keyboard
        {
            request = request.reply_markup(kb.clone());
        }
        with_retry("sendMessage", || request.send_ref()).await?;
    }
    Ok(())
}

/// Shows a screen in place of an earlier message (button navigation). When it does not fit in
/// one message, or the message cannot be edited (too old, deleted), it is sent anew instead.
pub(crate) async fn edit_screen(
    bot: &Bot,
    chat: ChatId,
    message: MessageId,
    screen: &Screen,
) -> Result<(), RequestError> {
    if split_html(&screen.text, TELEGRAM_MESSAGE_LIMIT).len() > 1 {
        return send_screen(bot, chat, screen).await;
    }
    let request = bot
        .edit_message_text(chat, message, screen.text.clone())
        .parse_mode(ParseMode::Html)
        .reply_markup(screen.keyboard.clone());
    match with_retry("editMessageText", || request.send_ref()).await {
        Ok(_) => Ok(()),
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) if is_forbidden(&e) => Err(e),
        Err(RequestError::Api(_)) => send_screen(bot, chat, screen).await,
        Err(e) => Err(e),
    }
}

/// Answers a callback query, optionally with a text (an alert when `alert`).
pub(crate) async fn answer(bot: &Bot, query: &CallbackQuery, text: Option<&str>, alert: bool) {
    let mut request = bot.answer_callback_query(query.id.clone());
    if let Some(text) = text {
        use teloxide::payloads::AnswerCallbackQuerySetters;
        request = request.text(text.to_owned()).show_alert(alert);
    }
    // A lost answer only leaves the button's spinner on for a while; it is logged by with_retry.
    let _ = with_retry("answerCallbackQuery", || request.send_ref()).await;
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

    #[tokio::test(start_paused = true)]
    async fn forbidden_is_not_retried() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let err = with_retry("test", || {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(RequestError::Api(ApiError::BotBlocked))
            }
        })
        .await
        .unwrap_err();
        assert!(is_forbidden(&err));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_rounds_are_bounded() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let err = with_retry("test", || {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(RequestError::RetryAfter(Seconds::from_seconds(1)))
            }
        })
        .await
        .unwrap_err();
        assert!(matches!(err, RequestError::RetryAfter(_)));
        assert_eq!(calls.load(Ordering::SeqCst), MAX_RATE_LIMIT_WAITS + 1);
    }
}
