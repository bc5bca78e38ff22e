//! One offered reply (or a manager's resolution) sent to the user's chat, and what to report.

use support_protocol::{
    BotEvent, DeliveryFailed, DeliveryOffer, DeliverySent, FailureKind, Ticket,
};
use teloxide::types::ChatId;
use teloxide::{ApiError, RequestError};

use crate::client::SupportClient;
use crate::handler::after_push;
use crate::languages::Languages;
use crate::screens::{reopened_screen, reply_screen, resolved_screen};
use crate::state::SupportStorage;
use crate::telegram::{TelegramApi, is_forbidden, is_transient, send_html, send_html_once};

/// The user's chat: tickets are opened from private chats, whose id is the user's.
pub(crate) fn chat_of(ticket: &Ticket) -> ChatId {
    ChatId(ticket.user.telegram_id.get())
}

/// Sends an offered reply (one attempt: the server owns retries) and says how it went. After a
/// success the ticket becomes the user's current one ([`after_push`]), so a typed answer goes
/// to it.
pub(crate) async fn reply(
    bot: &dyn TelegramApi,
    client: &SupportClient,
    languages: &Languages,
    storage: &SupportStorage,
    offer: &DeliveryOffer,
) -> BotEvent {
    let texts = languages.pick(offer.ticket.user.language_code.as_deref());
    let screen = reply_screen(texts, &offer.ticket, &offer.message);
    let chat = chat_of(&offer.ticket);
    let sent = if offer.message.attachments.is_empty() {
        send_html_once(bot, chat, &screen.text, Some(&screen.keyboard))
            .await
            .map(|sent| (sent.first().map_or(0, |m| i64::from(m.0)), Vec::new()))
            .map_err(|error| (error, Vec::new()))
    } else {
        super::files::send(bot, client, chat, &screen, &offer.message.attachments)
            .await
            .map(|sent| (i64::from(sent.first.0), sent.files))
            .map_err(|failed| (failed.error, failed.files))
    };
    match sent {
        Ok((telegram_message_id, files)) => {
            after_push(storage, chat, offer.ticket.id).await;
            tracing::debug!(ticket = %offer.ticket.id, message = %offer.message.id, "push: reply delivered");
            BotEvent::Sent(DeliverySent {
                message_id: offer.message.id,
                telegram_message_id,
                files,
            })
        }
        Err((e, files)) => {
            let mut failed = failure(offer, &e);
            failed.files = files;
            tracing::warn!(
                ticket = %offer.ticket.id,
                message = %offer.message.id,
                chat = chat.0,
                kind = ?failed.kind,
                error = %e,
                "push: telegram did not take the reply; the server decides what follows"
            );
            BotEvent::Failed(failed)
        }
    }
}

/// Tells the user that a manager resolved or reopened their ticket (with the usual retries; a
/// lost notice leaves the ticket screen, which shows the state, as it was).
pub(crate) async fn resolution(bot: &dyn TelegramApi, languages: &Languages, ticket: &Ticket) {
    let texts = languages.pick(ticket.user.language_code.as_deref());
    let screen = if ticket.resolved {
        resolved_screen(texts, ticket)
    } else {
        reopened_screen(texts, ticket)
    };
    if let Err(e) = send_html(bot, chat_of(ticket), &screen.text, Some(&screen.keyboard)).await {
        tracing::warn!(ticket = %ticket.id, error = %e, "push: the resolution notice was not delivered");
    }
}

/// A failed send as the server's report. teloxide keeps Telegram's description but not its
/// code, so the code is the one each kind of answer has (403, 429, 400); a network failure has
/// none.
fn failure(offer: &DeliveryOffer, e: &RequestError) -> DeliveryFailed {
    let (kind, error_code, retry_after) = match e {
        RequestError::RetryAfter(after) => {
            (FailureKind::RateLimited, Some(429), Some(after.seconds()))
        }
        e if is_forbidden(e) => (FailureKind::Blocked, Some(403), None),
        RequestError::Api(ApiError::Unknown(_)) if is_transient(e) => {
            (FailureKind::Transient, Some(500), None)
        }
        e if is_transient(e) => (FailureKind::Transient, None, None),
        // A bad request (a chat that does not exist, a text Telegram refuses): repeating it
        // gives the same answer.
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => {
            (FailureKind::Permanent, Some(400), None)
        }
        // An answer teloxide could not read: perhaps a proxy's error page.
        _ => (FailureKind::Transient, None, None),
    };
    DeliveryFailed {
        message_id: offer.message.id,
        kind,
        error_code,
        error: e.to_string(),
        retry_after,
        files: Vec::new(),
    }
}
