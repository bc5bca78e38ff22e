//! `{mount}/tickets/{id}/messages/` \[R5\], \[R6\].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use support_protocol::{
    ManagerId, Message, MessageId, MessageNew, Sender, ServerEvent, TelegramUser, Ticket, TicketId,
    validate_caption, validate_text,
};

use super::body::Body;
use super::fields::{self, Errors, REQUIRED};
use super::paging::{Paging, envelope, query_pairs};
use super::people::{self, Reported};
use super::{parse_id, publish};
use crate::attachments::{self, input::ResolveError};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, json_body};
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::NewMessageRecord;

/// Publishes `ticket.message.new` to whoever sees the ticket \[W4\].
pub(crate) async fn publish_new(state: &AppState, ticket: &Ticket, message: Message) {
    publish_to(state, ticket.manager_id(), message).await;
}

/// Publishes `ticket.message.new` for a ticket whose manager is `assignee` \[W4\].
pub(crate) async fn publish_to(state: &AppState, assignee: Option<ManagerId>, message: Message) {
    let audience = Audience::Ticket { assignee };
    publish(
        state,
        audience,
        ServerEvent::MessageNew(MessageNew {
            message,
            cursor: None,
        }),
    )
    .await;
}

/// `GET {mount}/tickets/{id}/messages/` \[R5\]: newest first; 404 for an unknown ticket.
pub(crate) async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    parts: Parts,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let paging = Paging::from_pairs(&query_pairs(&parts));
    let (messages, count) = state
        .storage()
        .list_messages(id, paging.limit, paging.offset)
        .await?;
    Ok(match paging.limit {
        Some(limit) => json_body(&envelope(
            &parts,
            &super::links::request_url(&parts, state.config()),
            (limit, paging.offset, count),
            messages,
        )),
        None => json_body(&messages),
    })
}

/// `POST {mount}/tickets/{id}/messages/` \[R6\]. Bots (and legacy anonymous clients) write as the
/// user; managers write as `supp`, recorded as theirs and created viewed. `viewed` from the body
/// is ignored.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let mut errors = Errors::default();
    // Extension: with attachments the text may be empty or absent (a file without a caption).
    let attachments = attachments::input::from_json(fields::get(&body, "attachments"))
        .map_err(|e| errors.add("attachments", e))
        .unwrap_or_default();
    let text = match fields::get(&body, "text") {
        None if !attachments.is_empty() => Some(String::new()),
        None => {
            errors.add("text", REQUIRED);
            None
        }
        Some(v) if !attachments.is_empty() => fields::char_field(v, validate_caption)
            .map_err(|e| errors.add("text", e))
            .ok(),
        Some(v) => fields::char_field(v, validate_text)
            .map_err(|e| errors.add("text", e))
            .ok(),
    };
    let (allowed, manager) = match &caller {
        Caller::Manager(m) => (Sender::Supp, Some(m.id)),
        Caller::Bot | Caller::Anonymous => (Sender::User, None),
    };
    match fields::get(&body, "sender") {
        None => {}
        Some(serde_json::Value::String(s)) => match Sender::from_wire(s) {
            Some(sender) if sender == allowed => {}
            Some(_) => errors.add(
                "sender",
                match allowed {
                    Sender::User => "Only \"user\" messages may be sent through the bot API.",
                    Sender::Supp => "Managers send \"supp\" messages.",
                },
            ),
            None => errors.add("sender", format!("\"{s}\" is not a valid choice.")),
        },
        Some(other) => errors.add("sender", format!("\"{other}\" is not a valid choice.")),
    }
    let reported = Reported::read(&body, &mut errors);
    let attachments = if errors.is_empty() {
        resolve_attachments(&state, &caller, attachments, &mut errors).await?
    } else {
        Vec::new()
    };
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors.0));
    };
    // One call: the message and its ticket's manager (the event's audience) as of the write; an
    // unknown ticket is a 404.
    let written = state
        .storage()
        .create_message_with_manager(NewMessageRecord {
            ticket: id,
            sender: allowed,
            text,
            viewed: allowed == Sender::Supp,
            manager,
            attachments,
        })
        .await?;
    let message = written.message;
    publish_to(&state, written.assignee, message.clone()).await;
    if allowed == Sender::User {
        // The message is stored: a failure here is logged, never the request's (a client that
        // saw an error would send the message again).
        if let Err(error) = user_wrote(&state, id, written.user, reported).await {
            tracing::warn!(%error, ticket = %id, "recording what the bot reported of a user failed");
        }
    }
    Ok((StatusCode::CREATED, json_body(&message)).into_response())
}

/// The user wrote: what the bot reported of them (language, contact profile, as the host's
/// directory decides) is stored, and they are reachable again if they had blocked the bot (their
/// waiting replies go out). The write read the user as it was, so the usual message (nothing to
/// change) costs no further query.
async fn user_wrote(
    state: &AppState,
    ticket: TicketId,
    user: Option<TelegramUser>,
    reported: Reported,
) -> ApiResult<()> {
    let user = match user {
        Some(user) => user,
        None => match state.storage().get_ticket(ticket).await? {
            Some(t) => t.user,
            None => return Ok(()),
        },
    };
    let report = reported.resolve(state, user.telegram_id).await?;
    if report.changes(&user) {
        people::after_message(state, ticket, &report).await;
    }
    Ok(())
}

/// Checks and completes a body's attachments; a refusal becomes an `attachments` field error.
pub(crate) async fn resolve_attachments(
    state: &AppState,
    caller: &Caller,
    inputs: Vec<support_protocol::NewAttachment>,
    errors: &mut Errors,
) -> ApiResult<Vec<crate::storage::NewAttachmentRecord>> {
    match attachments::input::resolve(state, caller, inputs).await {
        Ok(records) => Ok(records),
        Err(ResolveError::Invalid(message)) => {
            errors.add("attachments", message);
            Ok(Vec::new())
        }
        Err(ResolveError::Storage(err)) => Err(err.into()),
    }
}

/// `POST {mount}/tickets/{id}/messages/{message_id}/retry/` (extension, managers only): a failed
/// reply is pending again (its user taken as reachable again). 200 with the message; 404 for an
/// unknown ticket or message, or a message of another ticket; 409 when the message is not a
/// failed reply.
pub(crate) async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, message)): Path<(String, String)>,
) -> ApiResult<Response> {
    if !matches!(caller, Caller::Manager(_)) {
        return Err(ApiError::Forbidden(
            "Only managers may retry a delivery.".to_owned(),
        ));
    }
    let id = parse_id(&id)?;
    let message = MessageId::new(parse_id(&message)?.get());
    match crate::delivery::retry(&state, id, message).await? {
        None => Err(ApiError::NotFound("Not found.".to_owned())),
        Some(Ok(message)) => Ok(json_body(&message)),
        Some(Err(_)) => Err(ApiError::Conflict(
            "Only a reply whose delivery failed can be retried.".to_owned(),
        )),
    }
}
