//! A message's `attachments` as a client sent them, checked and completed into what is stored.

use serde::Deserialize as _;
use support_protocol::{
    Attachment, AttachmentId, AttachmentKind, MAX_ATTACHMENTS, NewAttachment, TelegramFile,
    attachment::safe_file_name,
};

use super::sniff::{clean_mime, is_inline_image};
use crate::auth::Caller;
use crate::state::AppState;
use crate::storage::{NewAttachmentRecord, StorageError, Uploader};

/// The longest Telegram `file_id` kept (Telegram's are under 200 characters).
const FILE_ID_MAX: usize = 512;
/// The longest phone number or contact name kept.
const CONTACT_FIELD_MAX: usize = 256;

/// Who may attach what: a manager only their own uploads; the bot its uploads and files
/// Telegram holds, locations and contacts; a tokenless client nothing.
pub(crate) fn uploader(caller: &Caller) -> Option<Uploader> {
    match caller {
        Caller::Manager(m) => Some(Uploader::manager(m.id)),
        Caller::Bot => Some(Uploader::bot()),
        Caller::Anonymous => None,
    }
}

/// Reads the `attachments` of a JSON body: absent or null is none.
pub(crate) fn from_json(value: Option<&serde_json::Value>) -> Result<Vec<NewAttachment>, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                NewAttachment::deserialize(item).map_err(|e| format!("Attachment {}: {e}.", i + 1))
            })
            .collect(),
        Some(_) => Err("Expected a list of items.".to_owned()),
    }
}

/// Checks and completes a message's attachments for `caller`: the records to store, or the
/// message for the `attachments` field. Uploads are looked up here for their details; the
/// storage claims them atomically with the message, so a race still cannot send one twice.
pub(crate) async fn resolve(
    state: &AppState,
    caller: &Caller,
    inputs: Vec<NewAttachment>,
) -> Result<Vec<NewAttachmentRecord>, ResolveError> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    if inputs.len() > MAX_ATTACHMENTS {
        return Err(ResolveError::Invalid(format!(
            "Ensure this field has no more than {MAX_ATTACHMENTS} elements."
        )));
    }
    let Some(uploader) = uploader(caller) else {
        return Err(ResolveError::Invalid(
            "Attachments need a bot token or a manager login.".to_owned(),
        ));
    };
    let mut records = Vec::with_capacity(inputs.len());
    let mut seen: Vec<AttachmentId> = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let n = i + 1;
        let record = match input.upload {
            Some(id) => {
                if seen.contains(&id) {
                    return Err(ResolveError::Invalid(format!(
                        "Attachment {n}: upload {id} is listed twice."
                    )));
                }
                seen.push(id);
                let stored = state
                    .storage()
                    .get_attachment(id)
                    .await
                    .map_err(ResolveError::Storage)?
                    .filter(|s| s.message.is_none() && s.uploader == uploader)
                    .ok_or(ResolveError::Storage(StorageError::UploadUnavailable(id)))?;
                let attachment = complete_upload(stored.attachment, input, caller, n)?;
                NewAttachmentRecord {
                    upload: Some(id),
                    uploader: uploader.clone(),
                    attachment,
                }
            }
            None => NewAttachmentRecord {
                upload: None,
                uploader: uploader.clone(),
                attachment: described(input, caller, n)?,
            },
        };
        records.push(record);
    }
    Ok(records)
}

/// Why a message's attachments were refused.
#[derive(Debug)]
pub(crate) enum ResolveError {
    /// A message for the `attachments` field.
    Invalid(String),
    /// The storage failed, or an upload is not available (its own message).
    Storage(StorageError),
}

/// An upload with what the message adds: a kind (a bot names the Telegram kind of a file it
/// copied; a manager may send a picture as a document), the name, the picture size and
/// duration, Telegram's ids (bots). The size, the type and `stored` stay the upload's.
fn complete_upload(
    mut base: Attachment,
    input: NewAttachment,
    caller: &Caller,
    n: usize,
) -> Result<Attachment, ResolveError> {
    if input.location.is_some() || input.contact.is_some() {
        return Err(ResolveError::Invalid(format!(
            "Attachment {n}: an upload is a file, not a location or a contact."
        )));
    }
    if let Some(kind) = input.kind {
        if !kind.has_file() {
            return Err(ResolveError::Invalid(format!(
                "Attachment {n}: an upload cannot be a {kind}."
            )));
        }
        if kind == AttachmentKind::Photo && !base.mime_type.as_deref().is_some_and(is_inline_image)
        {
            return Err(ResolveError::Invalid(format!(
                "Attachment {n}: only a PNG, JPEG, GIF or WebP picture can be sent as a photo; \
                 send it as a document."
            )));
        }
        base.kind = kind;
    }
    if let Some(name) = input.file_name.as_deref().and_then(safe_file_name) {
        base.file_name = Some(name);
    }
    base.width = input.width.or(base.width);
    base.height = input.height.or(base.height);
    base.duration = input.duration.or(base.duration);
    if let Some(file) = input.telegram {
        if !matches!(caller, Caller::Bot) {
            return Err(ResolveError::Invalid(format!(
                "Attachment {n}: only the bot names Telegram files."
            )));
        }
        base.telegram = Some(telegram_file(file, n)?);
    }
    Ok(base)
}

/// An attachment with no upload, described by the bot: a file Telegram holds, a location or a
/// contact.
fn described(input: NewAttachment, caller: &Caller, n: usize) -> Result<Attachment, ResolveError> {
    if !matches!(caller, Caller::Bot) {
        return Err(ResolveError::Invalid(format!(
            "Attachment {n}: upload the file first (POST attachments/) and name the upload."
        )));
    }
    let Some(kind) = input.kind else {
        return Err(ResolveError::Invalid(format!(
            "Attachment {n}: name an upload, or a kind."
        )));
    };
    let mut attachment = Attachment {
        file_name: input.file_name.as_deref().and_then(safe_file_name),
        mime_type: input.mime_type.as_deref().and_then(clean_mime),
        size: input.size,
        width: input.width,
        height: input.height,
        duration: input.duration,
        ..Attachment::new(AttachmentId::new(0), kind.clone())
    };
    match kind {
        AttachmentKind::Location => {
            let Some(location) = input.location else {
                return Err(ResolveError::Invalid(format!(
                    "Attachment {n}: a location needs its latitude and longitude."
                )));
            };
            let (lat, lon) = (location.latitude.0, location.longitude.0);
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(ResolveError::Invalid(format!(
                    "Attachment {n}: the location is off the map."
                )));
            }
            attachment.location = Some(location);
        }
        AttachmentKind::Contact => {
            let Some(mut contact) = input.contact else {
                return Err(ResolveError::Invalid(format!(
                    "Attachment {n}: a contact needs its phone number."
                )));
            };
            contact.phone_number = bounded(&contact.phone_number);
            contact.first_name = bounded(&contact.first_name);
            contact.last_name = contact.last_name.as_deref().map(bounded);
            if contact.phone_number.is_empty() {
                return Err(ResolveError::Invalid(format!(
                    "Attachment {n}: a contact needs its phone number."
                )));
            }
            attachment.contact = Some(contact);
        }
        _ => {
            let Some(file) = input.telegram else {
                return Err(ResolveError::Invalid(format!(
                    "Attachment {n}: a {kind} needs its Telegram file_id, or an upload."
                )));
            };
            attachment.telegram = Some(telegram_file(file, n)?);
        }
    }
    Ok(attachment)
}

/// Telegram's ids, checked: printable ASCII, bounded.
fn telegram_file(file: TelegramFile, n: usize) -> Result<TelegramFile, ResolveError> {
    let ok = |s: &str, empty_ok: bool| {
        (empty_ok || !s.is_empty())
            && s.len() <= FILE_ID_MAX
            && s.bytes().all(|b| b.is_ascii_graphic())
    };
    if !ok(&file.file_id, false) || !ok(&file.file_unique_id, true) {
        return Err(ResolveError::Invalid(format!(
            "Attachment {n}: the Telegram file_id is not valid."
        )));
    }
    Ok(file)
}

/// A contact's text: control characters dropped, trimmed, cut to [`CONTACT_FIELD_MAX`].
fn bounded(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .take(CONTACT_FIELD_MAX)
        .collect::<String>()
        .trim()
        .to_owned()
}
