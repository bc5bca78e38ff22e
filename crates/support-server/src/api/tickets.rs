//! `{mount}/tickets/` and `{mount}/tickets/{id}/` \[R1\]-\[R4\].

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

use support_protocol::{
    ManagerId, Message, Sender, ServerEvent, TelegramId, Ticket, TicketCreated, TicketId,
    TicketUpdated, validate_caption, validate_text, validate_title,
};

use super::body::Body;
use super::fields::{self, Errors, REQUIRED};
use super::paging::{Paging, envelope, param, query_pairs};
use super::people::{self, Reported};
use super::{parse_id, publish};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, json_body};
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::{
    NewTicketRecord, SEARCH_MAX_CHARS, TicketChanges, TicketOrder, TicketQuery, TicketSearch,
};

/// A boolean query filter: `true`/`True`/`1` or `false`/`False`/`0`.
fn bool_filter(pairs: &[(String, String)], key: &str, errors: &mut Errors) -> Option<bool> {
    let raw = param(pairs, key).filter(|v| !v.is_empty())?;
    match raw {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        other => {
            errors.add(
                key,
                format!("Select a valid choice. {other} is not one of the available choices."),
            );
            None
        }
    }
}

/// A numeric query filter; `1001.5` is read as 1001 as django-filter does.
fn number_filter(pairs: &[(String, String)], key: &str, errors: &mut Errors) -> Option<i64> {
    let raw = param(pairs, key).map(str::trim).filter(|v| !v.is_empty())?;
    let parsed = raw.parse::<i64>().ok().or_else(|| {
        raw.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.abs() < 9.2e18)
            .map(|f| f.trunc() as i64)
    });
    if parsed.is_none() {
        errors.add(key, "Enter a number.");
    }
    parsed
}

/// `GET {mount}/tickets/` \[R1\].
pub(crate) async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    parts: Parts,
) -> ApiResult<Response> {
    let pairs = query_pairs(&parts);
    let mut errors = Errors::default();
    let user_id = number_filter(&pairs, "user_id", &mut errors).map(TelegramId::new);
    let resolved = bool_filter(&pairs, "resolved", &mut errors);
    let manager = number_filter(&pairs, "manager", &mut errors).map(ManagerId::new);
    let manager_isnull = bool_filter(&pairs, "manager__isnull", &mut errors);
    // Extensions: the console's views, search box and sort order.
    let not_manager = number_filter(&pairs, "not_manager", &mut errors).map(ManagerId::new);
    let search = match param(&pairs, "search") {
        Some(text) if text.chars().count() > SEARCH_MAX_CHARS => {
            errors.add(
                "search",
                format!("Ensure this value has at most {SEARCH_MAX_CHARS} characters."),
            );
            None
        }
        Some(text) => TicketSearch::new(text),
        None => None,
    };
    let order = match param(&pairs, "ordering") {
        None | Some("") => state.config().compat_line.default_ticket_order(),
        Some(value) => TicketOrder::from_param(value).unwrap_or_else(|| {
            errors.add(
                "ordering",
                "Select a valid choice: -created_at, -updated_at, waiting or unviewed.",
            );
            TicketOrder::default()
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.0));
    }
    let paging = Paging::from_pairs(&pairs);
    let query = TicketQuery {
        user_id,
        resolved,
        manager,
        manager_isnull,
        not_manager,
        search,
        order,
        limit: paging.limit,
        offset: paging.offset,
    };
    let (mut tickets, count) = state.storage().list_tickets(&query).await?;
    with_last_messages(&state, &mut tickets).await?;
    Ok(match paging.limit {
        Some(limit) => json_body(&envelope(
            &parts,
            &super::links::request_url(&parts, state.config()),
            (limit, paging.offset, count),
            tickets,
        )),
        None => json_body(&tickets),
    })
}

/// Sets each ticket's `last_message` (extension), so a list shows its previews: one query.
pub(crate) async fn with_last_messages(state: &AppState, tickets: &mut [Ticket]) -> ApiResult<()> {
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    let mut newest: HashMap<TicketId, Message> = state
        .storage()
        .last_messages(&ids)
        .await?
        .into_iter()
        .map(|m| (m.ticket, m))
        .collect();
    for ticket in tickets {
        // Known now: `null` when the ticket has none (as the 1.2.0 line writes it).
        ticket.last_message = Some(newest.remove(&ticket.id).map(Box::new));
    }
    Ok(())
}

/// `POST {mount}/tickets/` \[R2\]: the ticket, and with the `text` extension its first message, in
/// one transaction.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    let mut errors = Errors::default();
    let user_id = match fields::get(&body, "user_id") {
        None => {
            errors.add("user_id", REQUIRED);
            None
        }
        Some(v) => match fields::pk(v) {
            Ok(id) => Some(TelegramId::new(id)),
            Err(e) => {
                errors.add("user_id", e);
                None
            }
        },
    };
    let title = match fields::get(&body, "title") {
        None => {
            errors.add("title", REQUIRED);
            None
        }
        Some(v) => fields::char_field(v, validate_title)
            .map_err(|e| errors.add("title", e))
            .ok(),
    };
    let resolved = match fields::get(&body, "resolved") {
        None => false,
        Some(v) => fields::boolean(v)
            .map_err(|e| errors.add("resolved", e))
            .unwrap_or(false),
    };
    // The 1.2.0 line takes `viewed` too (a ticket opened by the team itself, say).
    let viewed = match fields::get(&body, "viewed") {
        None => false,
        Some(v) => fields::boolean(v)
            .map_err(|e| errors.add("viewed", e))
            .unwrap_or(false),
    };
    // Extension: the first message's attachments; with them its text may be empty.
    let attachments = crate::attachments::input::from_json(fields::get(&body, "attachments"))
        .map_err(|e| errors.add("attachments", e))
        .unwrap_or_default();
    let text = match fields::get(&body, "text") {
        None if !attachments.is_empty() => Some(String::new()),
        None => None,
        Some(v) if !attachments.is_empty() => fields::char_field(v, validate_caption)
            .map_err(|e| errors.add("text", e))
            .ok(),
        Some(v) => fields::char_field(v, validate_text)
            .map_err(|e| errors.add("text", e))
            .ok(),
    };
    let reported = Reported::read(&body, &mut errors);
    if let Some(user) = user_id
        && !state.directory().may_open_tickets(user).await?
    {
        errors.0.insert(
            0,
            (
                "user_id".to_owned(),
                vec![format!("Invalid pk \"{user}\" - object does not exist.")],
            ),
        );
    }
    let first_attachments = if errors.is_empty() {
        super::messages::resolve_attachments(&state, &caller, attachments, &mut errors).await?
    } else {
        Vec::new()
    };
    let (Some(user_id), Some(title), true) = (user_id, title, errors.is_empty()) else {
        return Err(ApiError::Validation(errors.0));
    };
    // What the bot reported of the user is stored first, so the new ticket (and its
    // `ticket.created`) shows their name; the usual case, nothing new, costs one read.
    let report = reported.resolve(&state, user_id).await?;
    people::before_ticket(&state, user_id, &report).await?;
    let (mut ticket, first) = state
        .storage()
        .create_ticket(NewTicketRecord {
            user_id,
            title,
            resolved,
            first_message: text,
            first_attachments,
        })
        .await?;
    if viewed {
        // Before anyone is told of it, so every manager sees it as it is.
        ticket = state
            .storage()
            .update_ticket(
                ticket.id,
                TicketChanges {
                    viewed: Some(true),
                    ..TicketChanges::default()
                },
            )
            .await?;
    }
    ticket.last_message = Some(first.clone().map(Box::new));
    publish(
        &state,
        Audience::AllManagers,
        ServerEvent::TicketCreated(TicketCreated {
            ticket: ticket.clone(),
        }),
    )
    .await;
    if let Some(message) = first {
        super::messages::publish_new(&state, &ticket, message).await;
    }
    Ok((StatusCode::CREATED, json_body(&ticket)).into_response())
}

/// `GET {mount}/tickets/{id}/` \[R3\].
pub(crate) async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let ticket = state
        .storage()
        .get_ticket(id)
        .await?
        .ok_or_else(ApiError::ticket_not_found)?;
    let mut tickets = [ticket];
    with_last_messages(&state, &mut tickets).await?;
    let [ticket] = tickets;
    Ok(json_body(&ticket))
}

/// `PATCH` (partial) and `PUT` (full) `{mount}/tickets/{id}/` \[R4\]. `user_id` cannot change;
/// a change of `resolved` (or `title`) emits `ticket.updated`.
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let current = state
        .storage()
        .get_ticket(id)
        .await?
        .ok_or_else(ApiError::ticket_not_found)?;
    let full = method == Method::PUT;
    let mut errors = Errors::default();
    match fields::get(&body, "user_id") {
        None if full => errors.add("user_id", REQUIRED),
        None => {}
        Some(v) => match fields::pk(v) {
            Ok(user) if user == current.user.telegram_id.get() => {}
            Ok(_) => errors.add("user_id", "This field cannot be changed."),
            Err(e) => errors.add("user_id", e),
        },
    }
    let title = match fields::get(&body, "title") {
        None if full => {
            errors.add("title", REQUIRED);
            None
        }
        None => None,
        Some(v) => fields::char_field(v, validate_title)
            .map_err(|e| errors.add("title", e))
            .ok(),
    };
    let resolved = match fields::get(&body, "resolved") {
        None => None,
        Some(v) => fields::boolean(v)
            .map_err(|e| errors.add("resolved", e))
            .ok(),
    };
    // The 1.2.0 line's mark (extension for 0.1.5): `true` also views every message.
    let viewed = match fields::get(&body, "viewed") {
        None => None,
        Some(v) => fields::boolean(v).map_err(|e| errors.add("viewed", e)).ok(),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.0));
    }
    let resolution = resolved.is_some_and(|r| r != current.resolved);
    let viewed = viewed.filter(|v| Some(*v) != current.viewed);
    let changed =
        title.as_ref().is_some_and(|t| *t != current.title) || resolution || viewed.is_some();
    let ticket: Ticket = if changed {
        state
            .storage()
            .update_ticket(
                id,
                TicketChanges {
                    title,
                    resolved,
                    viewed,
                },
            )
            .await?
    } else {
        current
    };
    // As `GET` shows it (the 1.2.0 line's answers carry `last_message`).
    let mut tickets = [ticket];
    with_last_messages(&state, &mut tickets).await?;
    let [ticket] = tickets;
    if resolution && !matches!(caller, Caller::Manager(_)) {
        // The user changed it: they know, so a manager's next change is what they are told.
        if let Err(err) = state.storage().claim_notice(id, ticket.resolved).await {
            tracing::warn!(error = %err, "recording the user's own resolution failed");
        }
    }
    if changed {
        let audience = Audience::Ticket {
            assignee: ticket.manager_id(),
        };
        publish(
            &state,
            audience,
            ServerEvent::TicketUpdated(TicketUpdated {
                ticket: ticket.clone(),
                resolved_by: resolution.then_some(match caller {
                    Caller::Manager(_) => Sender::Supp,
                    Caller::Bot | Caller::Anonymous => Sender::User,
                }),
            }),
        )
        .await;
    }
    Ok(json_body(&ticket))
}
