//! The team's own resources (extension, managers only): `{mount}/tickets/{id}/notes/` (private
//! notes, announced to every manager as `ticket.note.new`, never to the bot) and
//! `{mount}/canned/` (the shared canned replies, `canned.changed` after each change).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use support_protocol::team::CANNED_MAX;
use support_protocol::{
    CannedChanged, ManagerId, NoteNew, ServerEvent, validate_canned_title, validate_note,
    validate_text,
};

use super::body::Body;
use super::fields::{self, Errors, REQUIRED};
use super::{parse_id, publish};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, json_body};
use crate::hub::Audience;
use crate::state::AppState;

/// The manager calling, or 403: the team's resources are not the bot's.
fn manager(caller: &Caller) -> ApiResult<ManagerId> {
    match caller {
        Caller::Manager(m) => Ok(m.id),
        _ => Err(ApiError::Forbidden(
            "Only managers may read and write the team's notes and canned replies.".to_owned(),
        )),
    }
}

/// `GET {mount}/tickets/{id}/notes/`: the ticket's notes, oldest first; 404 for an unknown
/// ticket.
pub(crate) async fn list_notes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    manager(&caller)?;
    let id = parse_id(&id)?;
    Ok(json_body(&state.storage().list_notes(id).await?))
}

/// `POST {mount}/tickets/{id}/notes/` `{"text"}`: 201 with the note, `ticket.note.new` to every
/// manager.
pub(crate) async fn create_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let me = manager(&caller)?;
    let id = parse_id(&id)?;
    let mut errors = Errors::default();
    let text = match fields::get(&body, "text") {
        None => {
            errors.add("text", REQUIRED);
            None
        }
        Some(v) => fields::char_field(v, validate_note)
            .map_err(|e| errors.add("text", e))
            .ok(),
    };
    let Some(text) = text else {
        return Err(ApiError::Validation(errors.0));
    };
    let note = state.storage().create_note(id, me, text).await?;
    publish(
        &state,
        Audience::AllManagers,
        ServerEvent::NoteNew(NoteNew { note: note.clone() }),
    )
    .await;
    Ok((StatusCode::CREATED, json_body(&note)).into_response())
}

/// `GET {mount}/canned/`: every canned reply, by title.
pub(crate) async fn list_canned(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Response> {
    manager(&caller)?;
    Ok(json_body(&state.storage().list_canned().await?))
}

/// The `title` and `text` of a canned reply's body, each required when `full`.
fn canned_fields(
    body: &serde_json::Map<String, serde_json::Value>,
    full: bool,
) -> ApiResult<(Option<String>, Option<String>)> {
    let mut errors = Errors::default();
    let mut read = |key: &str, validate: fn(&str) -> _| match fields::get(body, key) {
        None if full => {
            errors.add(key, REQUIRED);
            None
        }
        None => None,
        Some(v) => fields::char_field(v, validate)
            .map_err(|e| errors.add(key, e))
            .ok(),
    };
    let title = read("title", validate_canned_title);
    let text = read("text", validate_text);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.0));
    }
    Ok((title, text))
}

/// `POST {mount}/canned/` `{"title","text"}`: 201 with the reply; 400 past [`CANNED_MAX`].
pub(crate) async fn create_canned(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    manager(&caller)?;
    let (Some(title), Some(text)) = canned_fields(&body, true)? else {
        return Err(ApiError::Validation(Vec::new()));
    };
    if state.storage().count_canned().await? >= CANNED_MAX as u64 {
        return Err(ApiError::Validation(vec![(
            "non_field_errors".to_owned(),
            vec![format!(
                "The team keeps at most {CANNED_MAX} canned replies; delete one first."
            )],
        )]));
    }
    let reply = state.storage().create_canned(title, text).await?;
    changed(&state).await;
    Ok((StatusCode::CREATED, json_body(&reply)).into_response())
}

/// `PATCH {mount}/canned/{id}/` with `title` and/or `text`: 200 with the reply; 404 if absent.
pub(crate) async fn update_canned(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    manager(&caller)?;
    let id = parse_id(&id)?.get();
    let (title, text) = canned_fields(&body, false)?;
    let reply = state
        .storage()
        .update_canned(id, title, text)
        .await?
        .ok_or_else(|| ApiError::NotFound("Not found.".to_owned()))?;
    changed(&state).await;
    Ok(json_body(&reply))
}

/// `DELETE {mount}/canned/{id}/`: 204; 404 if absent.
pub(crate) async fn delete_canned(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    manager(&caller)?;
    let id = parse_id(&id)?.get();
    if !state.storage().delete_canned(id).await? {
        return Err(ApiError::NotFound("Not found.".to_owned()));
    }
    changed(&state).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `canned.changed` to every manager.
async fn changed(state: &AppState) {
    publish(
        state,
        Audience::AllManagers,
        ServerEvent::CannedChanged(CannedChanged {}),
    )
    .await;
}
