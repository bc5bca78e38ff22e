//! `GET {mount}/attachments/{id}/`: an attachment's bytes, for managers and the bot.
//!
//! The response can never run as a page of this origin, whatever the file holds:
//! - `Content-Type` is what the bytes are only for pictures, sounds, videos, PDF and plain
//!   text; anything else is `application/octet-stream`;
//! - `Content-Disposition` is `inline` only for the raster pictures the console shows
//!   ([`INLINE_IMAGES`](super::sniff::INLINE_IMAGES)), `attachment` for everything else
//!   (`<audio>` and `<video>` play it all the same), with the stored, already safe name;
//! - `X-Content-Type-Options: nosniff`, and `Content-Security-Policy: default-src 'none';
//!   sandbox` should a browser open it anyway.
//!
//! A stored file never changes under its id: it is cached privately for a year, with its
//! content address as `ETag` (`304` on `If-None-Match`).
//!
//! `404` for an unknown id, another client's unsent upload, or a file whose bytes the server
//! does not keep (a file only Telegram holds); `403` for a tokenless client.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use support_protocol::{Attachment, AttachmentId};

use super::input::uploader;
use super::sniff::{is_inline_image, served_type};
use crate::auth::Caller;
use crate::blob::BlobKey;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The CSP of a served file: nothing it holds may load or run anything.
const FILE_CSP: &str = "default-src 'none'; sandbox";

/// The handler.
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request_headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(who) = uploader(&caller) else {
        return Err(ApiError::Forbidden(
            "Files need a bot token or a manager login.".to_owned(),
        ));
    };
    let id = AttachmentId::new(crate::api::parse_id(&id)?.get());
    let not_found = || ApiError::NotFound("No Attachment matches the given query.".to_owned());
    let stored = state
        .storage()
        .get_attachment(id)
        .await?
        // An upload not sent yet is its uploader's alone.
        .filter(|s| s.message.is_some() || s.uploader == who)
        .ok_or_else(not_found)?;
    let (Some(key), Some(blobs)) = (
        stored.blob.as_deref().and_then(BlobKey::parse),
        state.blobs(),
    ) else {
        #[cfg(feature = "telegram-files")]
        if let (Some(telegram), Some(file)) =
            (&state.config().telegram_files, &stored.attachment.telegram)
        {
            let (size, body) = telegram.fetch(&file.file_id).await?;
            return Ok(file_response(&stored.attachment, size, body, None));
        }
        return Err(ApiError::NotFound(
            "The server keeps no copy of this file (it is only on Telegram).".to_owned(),
        ));
    };
    let etag = format!("\"{}\"", key.hex());
    if request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_common(response.headers_mut(), Some(&etag));
        return Ok(response);
    }
    let Some((size, body)) = blobs.get(&key).await.map_err(|err| {
        tracing::error!(error = %err, attachment = %id, "reading a stored file failed");
        ApiError::Unavailable("The file could not be read; try again later.".to_owned())
    })?
    else {
        tracing::error!(attachment = %id, blob = %key, "a stored file's bytes are missing");
        return Err(ApiError::NotFound(
            "The file's bytes are missing from the server's store.".to_owned(),
        ));
    };
    Ok(file_response(
        &stored.attachment,
        Some(size),
        body,
        Some(&etag),
    ))
}

/// A file's bytes with the headers that keep them from running as a page.
fn file_response(
    attachment: &Attachment,
    size: Option<u64>,
    body: crate::blob::ByteStream,
    etag: Option<&str>,
) -> Response {
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    set_common(headers, etag);
    let mime = attachment.mime_type.as_deref();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(served_type(mime))
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(size) = size {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    if let Ok(value) = HeaderValue::from_str(&disposition(attachment)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The headers of every answer, `304` included; the cache headers only for a stored file,
/// which never changes under its id (one fetched from Telegram is not cached).
fn set_common(headers: &mut HeaderMap, etag: Option<&str>) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    let Some(etag) = etag else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return;
    };
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
}

/// `inline` for a picture the console shows, `attachment` otherwise; the name twice (RFC 6266):
/// an ASCII stand-in for old clients and the exact UTF-8 name, percent-encoded.
pub(crate) fn disposition(attachment: &Attachment) -> String {
    let inline = attachment.mime_type.as_deref().is_some_and(is_inline_image);
    let name = attachment
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", attachment.kind, attachment.id));
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use support_protocol::{AttachmentKind, attachment::safe_file_name};

    use super::*;

    fn named(name: Option<&str>, mime: Option<&str>) -> Attachment {
        Attachment {
            file_name: name.and_then(safe_file_name),
            mime_type: mime.map(str::to_owned),
            stored: true,
            ..Attachment::new(AttachmentId::new(7), AttachmentKind::Document)
        }
    }

    #[test]
    fn dispositions_are_safe_header_values() {
        assert_eq!(
            disposition(&named(Some("отчёт \"final\".pdf"), Some("application/pdf"))),
            "attachment; filename=\"_____ _final_.pdf\"; \
             filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20%22final%22.pdf"
        );
        assert_eq!(
            disposition(&named(Some("shot.png"), Some("image/png"))),
            "inline; filename=\"shot.png\"; filename*=UTF-8''shot.png"
        );
        assert_eq!(
            disposition(&named(None, None)),
            "attachment; filename=\"document-7\"; filename*=UTF-8''document-7"
        );
        let evil = disposition(&named(Some("a\r\nSet-Cookie: x=1.txt"), None));
        assert!(HeaderValue::from_str(&evil).is_ok(), "{evil}");
        assert!(!evil.contains('\n'));
    }
}
