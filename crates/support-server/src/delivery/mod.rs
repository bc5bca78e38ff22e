//! Delivery of manager replies to Telegram, owned by the server.
//!
//! Every manager reply is `pending` when written
//! ([`DeliveryStore`](crate::storage::DeliveryStore)). Bots connected to the bot websocket in
//! delivery mode (`ws::bot`) are offered due replies, each leased to one
//! connection; a bot reports each outcome, and this module turns the report into the stored
//! state ([`DeliveryPolicy`]: retry with backoff, wait out a 429, give up, mark a user blocked)
//! and into events for the managers (`ticket.message.delivery`, `ticket.user.blocked`). A manager
//! can retry a failed reply (`POST .../messages/{id}/retry/`).

mod policy;

pub(crate) use policy::later;
pub use policy::{DeliveryPolicy, Outcome};

use support_protocol::{
    DeliveryFailed, DeliverySent, FailureKind, Message, MessageDelivery, MessageId, ServerEvent,
    TelegramUser, TicketId, Timestamp, UserBlocked, UserUpdated,
};

use crate::api::publish;
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::{DeliveryChange, DeliveryUpdate, StorageResult, UserChange, UserReport};

/// Applies a bot's `delivery.sent`. `None` when the id is not a reply with a delivery.
pub(crate) async fn sent(state: &AppState, report: &DeliverySent) -> StorageResult<Option<()>> {
    let update = DeliveryUpdate::Sent {
        telegram_message_id: report.telegram_message_id,
    };
    let applied = apply(state, report.message_id, update, ("sent", "ok")).await?;
    if applied.is_some() {
        record_files(state, report.message_id, &report.files).await;
    }
    Ok(applied)
}

/// Records Telegram's ids of the files a bot uploaded with a reply (sent, or taken before a
/// failure), so the next send of them (a retry, the reply offered again) reuses them instead
/// of uploading again. A failure here is logged: the report itself stands.
async fn record_files(state: &AppState, message: MessageId, files: &[support_protocol::SentFile]) {
    if files.is_empty() {
        return;
    }
    let files: Vec<_> = files.iter().map(|f| (f.id, f.telegram.clone())).collect();
    if let Err(error) = state.storage().record_telegram_files(message, &files).await {
        tracing::warn!(%error, %message, "recording Telegram's file ids failed");
    }
}

/// Applies a bot's `delivery.failed` through the policy. `None` when the id is not a reply
/// with a delivery.
pub(crate) async fn failed(state: &AppState, report: &DeliveryFailed) -> StorageResult<Option<()>> {
    let storage = state.storage();
    record_files(state, report.message_id, &report.files).await;
    // The attempts so far decide between a retry and giving up; the message's ticket is the
    // user to block.
    let Some(message) = storage.get_message(report.message_id).await? else {
        return Ok(None);
    };
    let Some(delivery) = &message.delivery else {
        return Ok(None);
    };
    let now = Timestamp::now();
    let outcome = state
        .config()
        .delivery
        .after_failure(report, delivery.attempts, now);
    if outcome.blocks_user
        && let Some(ticket) = storage.get_ticket(message.ticket).await?
        && storage
            .set_user_blocked(ticket.user.telegram_id, true)
            .await?
    {
        {
            tracing::info!(ticket = %ticket.id, "delivery: the user blocked the bot; their replies wait until they write again");
            publish_blocked(state, ticket.user, true).await;
        }
    }
    let counted = match outcome.update {
        DeliveryUpdate::Retry { .. } => "retried",
        _ => "failed",
    };
    let reason = match report.kind {
        FailureKind::Transient => "transient",
        FailureKind::RateLimited => "rate_limited",
        FailureKind::Blocked => "blocked",
        FailureKind::Permanent => "permanent",
    };
    apply(state, report.message_id, outcome.update, (counted, reason)).await
}

/// A manager's retry of a failed reply of `ticket`: the user is taken as reachable again and the
/// reply is pending once more. `Ok(None)`: no such message of that ticket; `Err(message)`
/// wrapped in `Ok(Some(Err))`: the reply is not failed (nothing changed).
pub(crate) async fn retry(
    state: &AppState,
    ticket: TicketId,
    message: support_protocol::MessageId,
) -> StorageResult<Option<Result<Message, Message>>> {
    let storage = state.storage();
    let Some(found) = storage
        .get_message(message)
        .await?
        .filter(|m| m.ticket == ticket)
    else {
        return Ok(None);
    };
    if found
        .delivery
        .as_ref()
        .is_none_or(|d| d.state != support_protocol::DeliveryState::Failed)
    {
        return Ok(Some(Err(found)));
    }
    if let Some(t) = storage.get_ticket(ticket).await?
        && storage.set_user_blocked(t.user.telegram_id, false).await?
    {
        publish_blocked(state, t.user, false).await;
    }
    match storage
        .update_delivery(message, DeliveryUpdate::Reset, Timestamp::now())
        .await?
    {
        DeliveryChange::Changed(m) => {
            publish_delivery(state, &m).await;
            Ok(Some(Ok(m)))
        }
        DeliveryChange::Unchanged(m) => Ok(Some(Err(m))),
        DeliveryChange::NoDelivery => Ok(None),
    }
}

/// After a user wrote through the bot: stores their language and contact profile, tells the
/// managers when those changed (`ticket.user.updated`) and, if they had blocked the bot, that
/// they are reachable again (`ticket.user.blocked`).
pub(crate) async fn user_wrote(state: &AppState, ticket: TicketId, report: &UserReport) {
    match state.storage().user_wrote(ticket, report).await {
        Ok(Some(change)) => announce_user(state, change).await,
        Ok(None) => {}
        // The message itself is stored; a lost language or unblock only delays replies until
        // the next message, so this is logged rather than failing the request.
        Err(err) => tracing::warn!(error = %err, %ticket, "recording that a user wrote failed"),
    }
}

async fn apply(
    state: &AppState,
    message: support_protocol::MessageId,
    update: DeliveryUpdate,
    (outcome, reason): (&'static str, &'static str),
) -> StorageResult<Option<()>> {
    match state
        .storage()
        .update_delivery(message, update, Timestamp::now())
        .await?
    {
        DeliveryChange::Changed(m) => {
            // Counted once per change: a repeated report (a reconnected bot) is `Unchanged`.
            crate::metrics::delivery(outcome, reason);
            publish_delivery(state, &m).await;
            Ok(Some(()))
        }
        DeliveryChange::Unchanged(_) => Ok(Some(())),
        DeliveryChange::NoDelivery => Ok(None),
    }
}

/// `ticket.message.delivery` for a change made elsewhere (an unconfirmed send expired).
pub(crate) async fn announce(state: &AppState, message: &Message) {
    publish_delivery(state, message).await;
}

/// `ticket.message.delivery` to whoever sees the ticket.
async fn publish_delivery(state: &AppState, message: &Message) {
    let assignee = match state.storage().ticket_manager(message.ticket).await {
        Ok(Some(manager)) => manager,
        Ok(None) => return,
        Err(err) => {
            tracing::warn!(error = %err, "delivery: reading the ticket's manager failed");
            None
        }
    };
    publish(
        state,
        Audience::Ticket { assignee },
        ServerEvent::MessageDelivery(MessageDelivery {
            message: message.clone(),
        }),
    )
    .await;
}

/// `ticket.user.updated` when a user's profile or language changed, and `ticket.user.blocked`
/// (`false`) when they are reachable again, to every manager.
pub(crate) async fn announce_user(state: &AppState, change: UserChange) {
    if change.updated {
        publish(
            state,
            Audience::AllManagers,
            ServerEvent::UserUpdated(UserUpdated {
                user: change.user.clone(),
            }),
        )
        .await;
    }
    if change.unblocked {
        publish_blocked(state, change.user, false).await;
    }
}

/// `ticket.user.blocked` to every manager.
async fn publish_blocked(state: &AppState, mut user: TelegramUser, blocked: bool) {
    user.blocked = blocked;
    publish(
        state,
        Audience::AllManagers,
        ServerEvent::UserBlocked(UserBlocked { user }),
    )
    .await;
}
