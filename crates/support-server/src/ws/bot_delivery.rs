//! The bot websocket's delivery mode (`?delivery=1`): the server offers pending replies and the
//! bot reports each outcome (`crate::delivery`).
//!
//! One connection:
//! 1. claims due replies, at most [`DeliveryPolicy::in_flight`] unreported at a time, each
//!    leased to it for [`DeliveryPolicy::lease`], and sends each as `delivery.offer` with its
//!    ticket (the user to send to);
//! 2. answers the bot's `delivery.sending` (the bot is about to call Telegram) with
//!    `delivery.proceed`: `true` while the reply is still leased to this connection (the attempt
//!    is recorded and the lease renewed), `false` when another connection has it;
//! 3. reads the bot's `delivery.sent` / `delivery.failed` (a bad frame gets an `error` event and
//!    the connection stays open), which free room for more;
//! 4. forwards `ticket.updated` when a manager resolved or reopened a ticket (`resolved_by:
//!    "supp"`), for the bot to tell the user;
//! 5. claims again when the hub announces a reply (any instance), a retry or an unblocked
//!    user, when the earliest pending reply becomes due (a retry's time, an expired lease), and
//!    every [`IDLE_POLL`] as a safety net.
//!
//! What a connection was offered and did not announce is offered again once its lease expires,
//! to whichever connection claims first. What it announced and did not report (the bot died
//! during the Telegram call: the user may or may not have it) is marked failed as unconfirmed
//! when the lease expires, for a manager to retry: never sent twice, never lost silently.
//!
//! [`DeliveryPolicy::in_flight`]: crate::delivery::DeliveryPolicy::in_flight
//! [`DeliveryPolicy::lease`]: crate::delivery::DeliveryPolicy::lease

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as Frame, WebSocket};
use support_protocol::{
    BotEvent, DeliveryOffer, DeliveryProceed, DeliveryState, ErrorCode, ErrorEvent, MessageId,
    Sender, ServerEvent, Timestamp,
};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::{CLOSE_GOING_AWAY, CLOSE_INTERNAL, Stop, finish, send_text};
use crate::delivery;
use crate::hub::HubEvent;
use crate::state::AppState;
use crate::storage::StorageError;

/// The longest a connection waits without looking at storage: covers a missed announcement
/// (a hub outage) without measurable load.
const IDLE_POLL: Duration = Duration::from_secs(15);
/// The shortest wait before looking again, so a reply due "now" that another connection
/// claimed first cannot spin this one.
const MIN_WAIT: Duration = Duration::from_millis(50);

pub(super) async fn run(
    mut socket: WebSocket,
    state: AppState,
    mut events: broadcast::Receiver<Arc<HubEvent>>,
) {
    let shutdown = state.shutdown_token().clone();
    let _counted = crate::metrics::OpenSocket::new(crate::metrics::SocketKind::Bot, &state);
    // This connection's name in the leases it holds.
    let owner = crate::auth::new_token();
    // Offered and not yet reported, with when the lease ends (then it is no longer ours).
    let mut in_flight: HashMap<MessageId, Instant> = HashMap::new();
    let mut ping = super::ping_ticker();
    let stop = 'conn: loop {
        let now = Instant::now();
        in_flight.retain(|_, until| *until > now);
        let wake = match offer_due(&mut socket, &state, &owner, &mut in_flight).await {
            Ok(wake) => wake,
            Err(stop) => break 'conn stop,
        };
        // Wait for a reason to look again, answering the bot's reports meanwhile.
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break 'conn Stop::Close(CLOSE_GOING_AWAY, "server shutting down"),
                incoming = socket.recv() => match incoming {
                    None | Some(Ok(Frame::Close(_))) => break 'conn Stop::Gone,
                    Some(Err(e)) => break 'conn super::read_failed(&e),
                    Some(Ok(Frame::Text(text))) => {
                        match report(&mut socket, &state, &owner, text.as_str(), &shutdown).await {
                            Ok(Report::Settled(id)) => {
                                in_flight.remove(&id);
                                continue 'conn;
                            }
                            Ok(Report::Sending(id)) => {
                                let lease = state.config().delivery.lease;
                                in_flight.insert(id, Instant::now() + lease);
                            }
                            Ok(Report::Nothing) => {}
                            Err(stop) => break 'conn stop,
                        }
                    }
                    Some(Ok(_)) => {}
                },
                event = events.recv() => match event {
                    Ok(event) if announces_work(&event.event) => continue 'conn,
                    Ok(event) if is_managers_resolution(&event.event) => {
                        if let Err(stop) = tell_resolution(&mut socket, &state, &event.event).await {
                            break 'conn stop;
                        }
                    }
                    // The holder is typing: the bot shows it in the user's chat.
                    Ok(event) if matches!(&event.event, ServerEvent::TicketTyping(t) if t.user.is_some()) => {
                        if let Err(stop) = send_text(&mut socket, event.event.to_json(), &shutdown).await {
                            break 'conn stop;
                        }
                    }
                    Ok(_) => {}
                    // Missed announcements: look at storage, which has everything.
                    Err(RecvError::Lagged(_)) => continue 'conn,
                    Err(RecvError::Closed) => break 'conn Stop::Close(CLOSE_GOING_AWAY, "event hub closed"),
                },
                () = tokio::time::sleep_until(wake) => continue 'conn,
                _ = ping.tick() => if let Err(stop) = super::send_ping(&mut socket).await {
                    break 'conn stop;
                },
            }
        }
    };
    finish(socket, stop).await;
}

/// Whether an event may have made a reply due: a new reply, a reply pending again, a user
/// reachable again.
fn announces_work(event: &ServerEvent) -> bool {
    match event {
        ServerEvent::MessageNew(m) => m.message.sender == Sender::Supp,
        ServerEvent::MessageDelivery(m) => m
            .message
            .delivery
            .as_ref()
            .is_some_and(|d| d.state == DeliveryState::Pending),
        ServerEvent::UserBlocked(u) => !u.user.blocked,
        _ => false,
    }
}

/// A manager resolved or reopened a ticket: the bot tells its user.
fn is_managers_resolution(event: &ServerEvent) -> bool {
    matches!(event, ServerEvent::TicketUpdated(u) if u.resolved_by == Some(Sender::Supp))
}

/// What the connection cannot leave as it is after sending: the text of the `error` of a reply
/// whose bot died during the Telegram call.
const UNCONFIRMED: &str =
    "Unconfirmed: the bot stopped while sending this reply; it may not have reached the user.";

/// Forwards a manager's resolve or reopen for the bot to tell the user, if this connection is
/// the first (of every connection on every instance) to claim the notice. Live only: a bot
/// offline at that moment does not tell the user (the ticket screen shows the state anyway).
async fn tell_resolution(
    socket: &mut WebSocket,
    state: &AppState,
    event: &ServerEvent,
) -> Result<(), Stop> {
    let ServerEvent::TicketUpdated(update) = event else {
        return Ok(());
    };
    let first = state
        .storage()
        .claim_notice(update.ticket.id, update.ticket.resolved)
        .await
        .map_err(|e| storage_down(&e))?;
    if first {
        send_text(socket, event.to_json(), state.shutdown_token()).await?;
    }
    Ok(())
}

/// Claims and offers what is due and fits; returns when to look again. First, replies whose
/// sender died mid-call are marked failed (by whichever connection comes first).
async fn offer_due(
    socket: &mut WebSocket,
    state: &AppState,
    owner: &str,
    in_flight: &mut HashMap<MessageId, Instant>,
) -> Result<Instant, Stop> {
    let policy = state.config().delivery;
    let unconfirmed = state
        .storage()
        .expire_unconfirmed(Timestamp::now(), UNCONFIRMED)
        .await
        .map_err(|e| storage_down(&e))?;
    for message in unconfirmed {
        crate::metrics::delivery("failed", "unconfirmed");
        tracing::warn!(message = %message.id, ticket = %message.ticket, "delivery: the bot stopped while sending a reply; marked failed as unconfirmed");
        delivery::announce(state, &message).await;
    }
    let room = policy.in_flight.saturating_sub(in_flight.len());
    let now = Instant::now();
    if room == 0 {
        // Full: a report (or a lease ending) makes room.
        let first_end = in_flight.values().min().copied().unwrap_or(now + IDLE_POLL);
        return Ok(first_end.max(now + MIN_WAIT));
    }
    let storage = state.storage();
    let stamp = Timestamp::now();
    let claimed = storage
        .claim_deliveries(
            stamp,
            delivery::later(stamp, policy.lease),
            owner,
            u32::try_from(room).unwrap_or(u32::MAX),
        )
        .await
        .map_err(|e| storage_down(&e))?;
    let full = claimed.len() >= room;
    for message in claimed {
        let Some(ticket) = storage
            .get_ticket(message.ticket)
            .await
            .map_err(|e| storage_down(&e))?
        else {
            continue;
        };
        let attempt = message.delivery.as_ref().map_or(1, |d| d.attempts);
        let id = message.id;
        let offer = ServerEvent::DeliveryOffer(DeliveryOffer {
            message,
            ticket,
            attempt,
        });
        send_text(socket, offer.to_json(), state.shutdown_token()).await?;
        in_flight.insert(id, Instant::now() + policy.lease);
    }
    if full {
        // More may be due: look again as soon as a report makes room.
        return Ok(Instant::now() + IDLE_POLL);
    }
    let next = storage
        .next_delivery_due()
        .await
        .map_err(|e| storage_down(&e))?;
    let wait = next.map_or(IDLE_POLL, |due| {
        let micros = due
            .unix_micros()
            .saturating_sub(Timestamp::now().unix_micros());
        Duration::from_micros(u64::try_from(micros).unwrap_or(0))
    });
    Ok(Instant::now() + wait.clamp(MIN_WAIT, IDLE_POLL))
}

/// What a frame from the bot did.
enum Report {
    /// The reply is settled (sent, failed, or not a reply at all): no longer in flight here.
    Settled(MessageId),
    /// The bot is sending it now, under a renewed lease.
    Sending(MessageId),
    /// Nothing (a bad frame, a refused announcement).
    Nothing,
}

/// Applies one frame from the bot.
async fn report(
    socket: &mut WebSocket,
    state: &AppState,
    owner: &str,
    text: &str,
    shutdown: &tokio_util::sync::CancellationToken,
) -> Result<Report, Stop> {
    let event = match BotEvent::from_json(text) {
        Ok(event) => event,
        Err(err) => {
            let error = ServerEvent::Error(ErrorEvent {
                code: ErrorCode::from_wire(err.code()),
                detail: err.to_string(),
                request: None,
            });
            send_text(socket, error.to_json(), shutdown).await?;
            return Ok(Report::Nothing);
        }
    };
    if let BotEvent::Sending(sending) = &event {
        let id = sending.message_id;
        let now = Timestamp::now();
        let lease_until = delivery::later(now, state.config().delivery.lease);
        let proceed = state
            .storage()
            .begin_sending(id, owner, now, lease_until)
            .await
            .map_err(|e| storage_down(&e))?;
        let answer = ServerEvent::DeliveryProceed(DeliveryProceed {
            message_id: id,
            proceed,
        });
        send_text(socket, answer.to_json(), shutdown).await?;
        return Ok(if proceed {
            Report::Sending(id)
        } else {
            Report::Settled(id)
        });
    }
    let (id, applied) = match &event {
        BotEvent::Sent(sent) => (sent.message_id, delivery::sent(state, sent).await),
        BotEvent::Failed(failed) => (failed.message_id, delivery::failed(state, failed).await),
        _ => {
            let error = ServerEvent::Error(ErrorEvent {
                code: ErrorCode::UnknownType,
                detail: format!("unknown event type {:?}", event.type_name()),
                request: Some(event.type_name().to_owned()),
            });
            send_text(socket, error.to_json(), shutdown).await?;
            return Ok(Report::Nothing);
        }
    };
    match applied.map_err(|e| storage_down(&e))? {
        Some(()) => Ok(Report::Settled(id)),
        None => {
            let error = ServerEvent::Error(ErrorEvent {
                code: ErrorCode::NotFound,
                detail: format!("message {id} is not a reply with a delivery"),
                request: Some(event.type_name().to_owned()),
            });
            send_text(socket, error.to_json(), shutdown).await?;
            Ok(Report::Settled(id))
        }
    }
}

fn storage_down(err: &StorageError) -> Stop {
    tracing::error!(error = %err, "bot websocket: storage failed");
    Stop::Close(CLOSE_INTERNAL, "storage unavailable")
}
