//! The manager's requests \[W1\]-\[W3\], \[W6\] and their `error` answers \[W7\].
//!
//! Permissions (the original had none, B4):
//! - `ticket.assign`: any manager may take an unassigned ticket; a ticket another manager holds
//!   needs `"force": true` (a deliberate takeover), else `already_assigned`.
//! - `ticket.message.new` and `ticket.message.viewed`: allowed on an unassigned ticket (a manager
//!   may answer or read from the shared queue without taking the ticket; the event then reaches
//!   every manager, as the ticket's audience is everyone) and on one's own ticket; on a ticket
//!   another manager holds: `forbidden` (take it over first).
//! - `ticket.message.list`: any manager (the REST API lets every manager read every ticket too).

use support_protocol::{
    ClientEvent, DecodeError, ErrorCode, ErrorEvent, ManagerId, MessageList, MessageNew,
    MessageViewed, Sender, ServerEvent, Ticket, TicketAssigned, TicketId, validate_caption,
    validate_text,
};

use crate::api::publish;
use crate::attachments::input::ResolveError;
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::{AssignOutcome, NewMessageRecord, StorageError};

/// An `error` event.
fn error(code: ErrorCode, detail: impl Into<String>, request: Option<&str>) -> ServerEvent {
    ServerEvent::Error(ErrorEvent {
        code,
        detail: detail.into(),
        request: request.map(str::to_owned),
    })
}

/// The `error` event of a frame that is not a valid request.
fn decode_error(err: &DecodeError) -> ServerEvent {
    let request = match err {
        DecodeError::MissingField { event_type, .. }
        | DecodeError::InvalidField { event_type, .. } => Some(event_type.as_str()),
        _ => None,
    };
    error(ErrorCode::from_wire(err.code()), err.to_string(), request)
}

/// The `error` event of a storage failure (logged; the client learns only what it can act on).
fn storage_error(err: &StorageError, request: &str) -> ServerEvent {
    match err {
        StorageError::TicketNotFound(_) => error(
            ErrorCode::NotFound,
            "No Ticket matches the given query.",
            Some(request),
        ),
        StorageError::MessageNotFound(_) => error(
            ErrorCode::NotFound,
            "No Message matches the given query.",
            Some(request),
        ),
        StorageError::UploadUnavailable(upload) => error(
            ErrorCode::InvalidField,
            format!(
                "attachments: Upload {upload} is not available: it is not yours, was already \
                 sent or was removed. Upload the file again."
            ),
            Some(request),
        ),
        StorageError::ManagerNotFound(_) => error(
            ErrorCode::Forbidden,
            "Your manager account is not known to the support storage.",
            Some(request),
        ),
        other => {
            tracing::error!(error = %other, request, "storage failure in a websocket request");
            error(
                ErrorCode::Other("unavailable".to_owned()),
                "The support service is temporarily unavailable.",
                Some(request),
            )
        }
    }
}

/// Handles one text frame of manager `me`. Returns what goes to this connection only (answers
/// and errors); broadcasts go through the hub, which delivers them to this connection too when
/// it is in their audience.
pub(super) async fn handle(state: &AppState, me: ManagerId, text: &str) -> Vec<ServerEvent> {
    let request = match ClientEvent::from_json(text) {
        Ok(request) => request,
        Err(err) => return vec![decode_error(&err)],
    };
    let kind = request.type_name().to_owned();
    let result = match request {
        ClientEvent::Assign(a) => assign(state, me, a.id, a.force).await,
        ClientEvent::MessageNew(m) => {
            message_new(state, me, m.ticket_id, &m.text, m.attachments).await
        }
        ClientEvent::MessageViewed(v) => viewed(state, me, v.ticket_id, v.message_id).await,
        ClientEvent::MessageList(l) => list(state, l.ticket_id).await,
        ClientEvent::Typing(t) => {
            super::typing::typing(state, me, t.ticket_id).await;
            Ok(None)
        }
        ClientEvent::Unknown(_) => Err(Box::new(error(
            ErrorCode::UnknownType,
            format!("Unknown event type \"{kind}\"."),
            Some(&kind),
        ))),
        // A variant added to the protocol crate but not handled by this server yet.
        _ => Err(Box::new(error(
            ErrorCode::UnknownType,
            format!("Event type \"{kind}\" is not supported by this server."),
            Some(&kind),
        ))),
    };
    match result {
        Ok(answer) => answer.into_iter().collect(),
        Err(error) => vec![*error],
    }
}

/// What a request produces: an answer for this connection only, or an `error` event (boxed: the
/// error path is rare and the event is large).
type Answer = Result<Option<ServerEvent>, Box<ServerEvent>>;

/// The ticket, or `not_found`.
async fn ticket(state: &AppState, id: TicketId, request: &str) -> Result<Ticket, Box<ServerEvent>> {
    match state.storage().get_ticket(id).await {
        Ok(Some(ticket)) => Ok(ticket),
        Ok(None) => Err(storage_error(&StorageError::TicketNotFound(id), request).into()),
        Err(err) => Err(storage_error(&err, request).into()),
    }
}

/// `forbidden` if another manager holds the ticket.
fn check_holder(ticket: &Ticket, me: ManagerId, request: &str) -> Result<(), Box<ServerEvent>> {
    match ticket.manager_id() {
        Some(holder) if holder != me => Err(error(
            ErrorCode::Forbidden,
            "The ticket is assigned to another manager; take it over with \
             {\"type\": \"ticket.assign\", \"force\": true} first.",
            Some(request),
        )
        .into()),
        _ => Ok(()),
    }
}

/// \[W1\] `ticket.assign`: atomic; `ticket.assigned` to every manager on success.
async fn assign(state: &AppState, me: ManagerId, id: TicketId, force: bool) -> Answer {
    const REQUEST: &str = "ticket.assign";
    match state.storage().assign_ticket(id, me, force).await {
        Ok(AssignOutcome::Assigned { ticket, .. }) => {
            publish(
                state,
                Audience::AllManagers,
                ServerEvent::TicketAssigned(TicketAssigned {
                    id,
                    support_manager: me,
                    manager: ticket.support_manager,
                }),
            )
            .await;
            Ok(None)
        }
        Ok(AssignOutcome::AlreadyAssigned { .. }) => Err(error(
            ErrorCode::AlreadyAssigned,
            "The ticket is assigned to another manager; send \"force\": true to take it over.",
            Some(REQUEST),
        )
        .into()),
        Err(err) => Err(storage_error(&err, REQUEST).into()),
    }
}

/// \[W3\] `ticket.message.new`: validated as over REST, stored as the manager's reply, published
/// once to the ticket's audience \[W4\].
async fn message_new(
    state: &AppState,
    me: ManagerId,
    id: TicketId,
    text: &str,
    attachments: Vec<support_protocol::NewAttachment>,
) -> Answer {
    const REQUEST: &str = "ticket.message.new";
    // Extension: with attachments the text may be empty (a file without a caption).
    let validate = if attachments.is_empty() {
        validate_text
    } else {
        validate_caption
    };
    let text = validate(text).map_err(|e| {
        Box::new(error(
            ErrorCode::InvalidField,
            format!("text: {}", e.message()),
            Some(REQUEST),
        ))
    })?;
    let ticket = ticket(state, id, REQUEST).await?;
    check_holder(&ticket, me, REQUEST)?;
    // The manager's own uploads only, as over REST.
    let caller = crate::auth::Caller::Manager(crate::auth::AuthenticatedManager {
        id: me,
        via_cookie: false,
    });
    let attachments = match crate::attachments::input::resolve(state, &caller, attachments).await {
        Ok(records) => records,
        Err(ResolveError::Invalid(message)) => {
            return Err(Box::new(error(
                ErrorCode::InvalidField,
                format!("attachments: {message}"),
                Some(REQUEST),
            )));
        }
        Err(ResolveError::Storage(err)) => return Err(Box::new(storage_error(&err, REQUEST))),
    };
    let message = state
        .storage()
        .create_message(NewMessageRecord {
            ticket: id,
            sender: Sender::Supp,
            text,
            viewed: true,
            manager: Some(me),
            attachments,
        })
        .await
        .map_err(|e| Box::new(storage_error(&e, REQUEST)))?;
    publish(
        state,
        Audience::Ticket {
            assignee: ticket.manager_id(),
        },
        ServerEvent::MessageNew(MessageNew {
            message,
            cursor: None,
        }),
    )
    .await;
    Ok(None)
}

/// \[W2\] `ticket.message.viewed`: marks the message and tells the ticket's audience.
async fn viewed(
    state: &AppState,
    me: ManagerId,
    id: TicketId,
    message: support_protocol::MessageId,
) -> Answer {
    const REQUEST: &str = "ticket.message.viewed";
    let ticket = ticket(state, id, REQUEST).await?;
    check_holder(&ticket, me, REQUEST)?;
    let message = state
        .storage()
        .mark_viewed(id, message)
        .await
        .map_err(|e| Box::new(storage_error(&e, REQUEST)))?;
    publish(
        state,
        Audience::Ticket {
            assignee: ticket.manager_id(),
        },
        ServerEvent::MessageViewed(MessageViewed { message }),
    )
    .await;
    Ok(None)
}

/// \[W6\] `ticket.message.list`: every message, newest first, to this connection only.
async fn list(state: &AppState, id: TicketId) -> Answer {
    const REQUEST: &str = "ticket.message.list";
    let (messages, _) = state
        .storage()
        .list_messages(id, None, 0)
        .await
        .map_err(|e| Box::new(storage_error(&e, REQUEST)))?;
    Ok(Some(ServerEvent::MessageList(MessageList {
        ticket_id: id,
        messages,
    })))
}
