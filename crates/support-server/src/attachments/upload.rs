//! `POST {mount}/attachments/`: one file, `multipart/form-data`, streamed into the blob store.
//!
//! Parts: `file` (required, once: the file with its name and declared type) and `kind`
//! (optional, before `file`: the attachment kind, e.g. `voice`; by default the kind follows the
//! type). Answers `201` with the [`Attachment`], which no message carries yet.
//!
//! Refusals, each a JSON error: 403 for a tokenless client; 415 for a body that is not
//! multipart; 413 when `Content-Length` already says the body is too large (before reading it)
//! or the file passes the limit while streaming (nothing kept); 400 for no file, an empty file,
//! a second file, a picture whose bytes are not the declared type, a body cut off halfway or
//! malformed; 503 when no blob store is configured, the store fails, or too many uploads are
//! streaming and none finished in time.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use support_protocol::{Attachment, AttachmentId, AttachmentKind, attachment::safe_file_name};

use super::input::uploader;
use super::sniff::{self, HEAD_BYTES, clean_mime, is_inline_image, kind_for};
use crate::auth::Caller;
use crate::blob::{BlobError, ByteStream};
use crate::error::{ApiError, ApiResult, json_body};
use crate::state::AppState;

/// Room for the multipart framing and the small parts beside the file.
const FRAMING_BYTES: u64 = 64 * 1024;
/// The longest `kind` part.
const KIND_BYTES: u64 = 64;

/// The handler.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Response> {
    let Some(owner) = uploader(&caller) else {
        return Err(ApiError::Forbidden(
            "Uploads need a bot token or a manager login.".to_owned(),
        ));
    };
    let Some(blobs) = state.blobs().cloned() else {
        return Err(ApiError::Unavailable(
            "This server keeps no files: it was started without a blob store.".to_owned(),
        ));
    };
    let limits = state.config().attachments;
    let boundary = boundary(request.headers())?;
    if declared_length(request.headers()).is_some_and(|n| n > limits.max_bytes + FRAMING_BYTES) {
        return Err(ApiError::FileTooLarge(limits.max_bytes));
    }
    let _turn = tokio::time::timeout(limits.queue_wait, state.upload_turns().acquire())
        .await
        .map_err(|_| {
            ApiError::Unavailable(
                "Too many files are uploading right now; try again in a moment.".to_owned(),
            )
        })?
        .map_err(|_| ApiError::Unavailable("The server is shutting down.".to_owned()))?;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["file", "kind"])
        .size_limit(
            multer::SizeLimit::new()
                .whole_stream(limits.max_bytes + FRAMING_BYTES)
                // One byte over the limit, so the blob store's own count says "too large".
                .for_field("file", limits.max_bytes + 1)
                .for_field("kind", KIND_BYTES),
        );
    let body = request.into_body().into_data_stream();
    let mut multipart = multer::Multipart::with_constraints(body, boundary, constraints);
    let mut kind: Option<AttachmentKind> = None;
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        match field.name() {
            Some("kind") => {
                let text = field.text().await.map_err(malformed)?;
                kind = Some(requested_kind(text.trim())?);
            }
            Some("file") => {
                let (attachment, blob) = store_file(&state, &*blobs, field, kind.take()).await?;
                // Recorded before anything else can fail, so the stored bytes always have a
                // row: a refused upload's row is never claimed and the purge deletes both.
                let created = state
                    .storage()
                    .create_upload(owner, attachment, blob)
                    .await?;
                // Nothing may follow the file: a second file is refused, not ignored.
                if multipart.next_field().await.map_err(malformed)?.is_some() {
                    return Err(ApiError::field("file", "Send one file per upload."));
                }
                crate::metrics::upload_stored(created.size.unwrap_or(0));
                return Ok((StatusCode::CREATED, json_body(&created)).into_response());
            }
            _ => {}
        }
    }
    Err(ApiError::field("file", "No file was submitted."))
}

/// The multipart boundary, or 415 for any other body.
fn boundary(headers: &HeaderMap) -> ApiResult<String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    multer::parse_boundary(content_type).map_err(|_| {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        ApiError::UnsupportedMediaType(if essence.is_empty() {
            "none".to_owned()
        } else {
            essence.to_owned()
        })
    })
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A `kind` part: a known kind that has a file.
fn requested_kind(raw: &str) -> ApiResult<AttachmentKind> {
    match AttachmentKind::from_wire(raw) {
        kind @ (AttachmentKind::Other(_) | AttachmentKind::Location | AttachmentKind::Contact) => {
            Err(ApiError::field(
                "kind",
                format!(
                    "\"{}\" is not a valid choice.",
                    kind.as_str().escape_debug()
                ),
            ))
        }
        kind => Ok(kind),
    }
}

/// A malformed or cut-off body, or a part over its limit.
fn malformed(err: multer::Error) -> ApiError {
    match err {
        multer::Error::FieldSizeExceeded { field_name, .. }
            if field_name.as_deref() != Some("file") =>
        {
            ApiError::BadRequest("A form field is too long.".to_owned())
        }
        multer::Error::StreamSizeExceeded { .. } => {
            ApiError::BadRequest("The form holds more than the file and its kind.".to_owned())
        }
        multer::Error::UnknownField { field_name } => ApiError::BadRequest(format!(
            "Unexpected form field {:?}: send \"file\" and optionally \"kind\".",
            field_name.unwrap_or_default()
        )),
        other => ApiError::BadRequest(format!("The upload could not be read: {other}.")),
    }
}

/// Streams the `file` part into the blob store: reads its first bytes to tell its type (and
/// refuses a picture that is not what it says), then the rest straight through.
async fn store_file(
    state: &AppState,
    blobs: &dyn crate::blob::BlobStore,
    field: multer::Field<'static>,
    kind: Option<AttachmentKind>,
) -> ApiResult<(Attachment, String)> {
    let file_name = field.file_name().and_then(safe_file_name);
    let declared = field.content_type().and_then(|m| clean_mime(m.as_ref()));
    let mut body = field.map_err(std::io::Error::other).boxed();
    let limit = state.config().attachments.max_bytes;
    let mut head = Vec::new();
    while head.len() < HEAD_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(err)) => return Err(cut_off(&err, limit)),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(ApiError::field("file", "The submitted file is empty."));
    }
    let sniffed = sniff::sniff(&head);
    check_declared(declared.as_deref(), sniffed.mime, kind.as_ref())?;
    // What the bytes are wins; a declared type stands only where the bytes match no known
    // signature (and `check_declared` has ruled out a false picture).
    let mime = sniffed.mime.map(str::to_owned).or(declared);
    let kind = kind.unwrap_or_else(|| kind_for(mime.as_deref().unwrap_or("")));
    let stream: ByteStream =
        Box::pin(stream::once(async move { Ok(Bytes::from(head)) }).chain(body));
    let stored = blobs.put(stream, limit).await.map_err(|err| match err {
        BlobError::TooLarge { limit } => ApiError::FileTooLarge(limit),
        BlobError::Empty => ApiError::field("file", "The submitted file is empty."),
        BlobError::Body(err) => cut_off(&err, limit),
        other => {
            tracing::error!(error = %other, "storing an upload failed");
            ApiError::Unavailable("The file could not be stored; try again later.".to_owned())
        }
    })?;
    let (width, height) = sniffed.size.unzip();
    let attachment = Attachment {
        file_name,
        mime_type: mime,
        size: Some(stored.size),
        width,
        height,
        stored: true,
        ..Attachment::new(AttachmentId::new(0), kind)
    };
    Ok((attachment, stored.key.as_str().to_owned()))
}

/// A picture must be what it says: a declared PNG, JPEG, GIF or WebP (or a `photo`) whose bytes
/// are something else is refused, so that nothing but a real picture is ever shown inline.
fn check_declared(
    declared: Option<&str>,
    sniffed: Option<&str>,
    kind: Option<&AttachmentKind>,
) -> ApiResult<()> {
    let content = sniffed.unwrap_or("not a recognised picture");
    if let Some(declared) = declared.filter(|d| is_inline_image(d))
        && sniffed != Some(declared)
    {
        return Err(ApiError::field(
            "file",
            format!("The file is declared as {declared}, but its content is {content}."),
        ));
    }
    if kind == Some(&AttachmentKind::Photo) && !sniffed.is_some_and(is_inline_image) {
        return Err(ApiError::field(
            "file",
            format!(
                "A photo must be a PNG, JPEG, GIF or WebP picture; this file is {content}. \
                 Send it as a document."
            ),
        ));
    }
    Ok(())
}

/// A body that failed before its end: the client went away or its upload was cut — or the
/// multipart reader stopped it at the size limit before the blob store counted past it.
fn cut_off(err: &std::io::Error, limit: u64) -> ApiError {
    let multipart = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<multer::Error>());
    if matches!(
        multipart,
        Some(multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. })
    ) {
        return ApiError::FileTooLarge(limit);
    }
    tracing::debug!(error = %err, "an upload ended early");
    ApiError::BadRequest("The upload was cut off before the end of the file.".to_owned())
}
