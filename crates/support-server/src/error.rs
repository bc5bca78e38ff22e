//! The one error type of the HTTP side: it decides what a client sees (the original's JSON
//! shapes, SPEC \[E1\]) and what is only logged.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use support_protocol::ErrorBody;

use crate::storage::StorageError;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400 with field errors, `{"field": ["message", ...]}` in order.
    #[error("validation failed")]
    Validation(Vec<(String, Vec<String>)>),
    /// 400 with `{"detail": ...}` (malformed JSON).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 `{"detail": ...}`.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403 `{"detail": ...}`.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 `{"detail": ...}`.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409 `{"detail": ...}`: the request conflicts with the current state (extension).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 405 `{"detail": "Method \"X\" not allowed."}`.
    #[error("method {0} not allowed")]
    MethodNotAllowed(String),
    /// 413 `{"detail": ...}`.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 413 `{"detail": ...}` for an uploaded file over the limit, which the text names (in
    /// bytes).
    #[error("file larger than {0} bytes")]
    FileTooLarge(u64),
    /// 415 `{"detail": "Unsupported media type \"X\" in request."}`.
    #[error("unsupported media type {0}")]
    UnsupportedMediaType(String),
    /// 429 `{"detail": ...}` with `Retry-After` seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// 502 `{"detail": ...}`: Telegram did not give a file the request needed.
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// 503 `{"detail": ...}`: a part the request needs is missing or busy (no blob store, too
    /// many uploads at once).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 503: the storage failed; logged, and the client gets a generic message.
    #[error("storage failure: {0}")]
    Storage(#[from] StorageError),
}

impl ApiError {
    /// A 400 with one message on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![(field.to_owned(), vec![message.into()])])
    }

    /// The 404 of an unknown ticket, with the original's text.
    pub fn ticket_not_found() -> Self {
        Self::NotFound("No Ticket matches the given query.".to_owned())
    }

    /// The status and body the client sees.
    pub fn parts(&self) -> (StatusCode, ErrorBody) {
        match self {
            Self::Validation(fields) => {
                (StatusCode::BAD_REQUEST, ErrorBody::Fields(fields.clone()))
            }
            Self::BadRequest(d) => (StatusCode::BAD_REQUEST, ErrorBody::detail(d.clone())),
            Self::Unauthorized(d) => (StatusCode::UNAUTHORIZED, ErrorBody::detail(d.clone())),
            Self::Forbidden(d) => (StatusCode::FORBIDDEN, ErrorBody::detail(d.clone())),
            Self::NotFound(d) => (StatusCode::NOT_FOUND, ErrorBody::detail(d.clone())),
            Self::Conflict(d) => (StatusCode::CONFLICT, ErrorBody::detail(d.clone())),
            Self::BadGateway(d) => (StatusCode::BAD_GATEWAY, ErrorBody::detail(d.clone())),
            Self::Unavailable(d) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody::detail(d.clone()),
            ),
            Self::MethodNotAllowed(m) => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorBody::detail(format!("Method \"{m}\" not allowed.")),
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody::detail("Request body is too large."),
            ),
            Self::FileTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody::detail(format!(
                    "The file is larger than the limit of {}.",
                    human_size(*limit)
                )),
            ),
            Self::UnsupportedMediaType(t) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorBody::detail(format!("Unsupported media type \"{t}\" in request.")),
            ),
            Self::TooManyRequests(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorBody::detail(format!(
                    "Request was throttled. Expected available in {secs} seconds."
                )),
            ),
            Self::Storage(StorageError::TicketNotFound(_)) => (
                StatusCode::NOT_FOUND,
                ErrorBody::detail("No Ticket matches the given query."),
            ),
            Self::Storage(StorageError::MessageNotFound(_)) => (
                StatusCode::NOT_FOUND,
                ErrorBody::detail("No Message matches the given query."),
            ),
            Self::Storage(StorageError::UploadUnavailable(id)) => (
                StatusCode::BAD_REQUEST,
                ErrorBody::fields([(
                    "attachments",
                    format!(
                        "Upload {id} is not available: it is not yours, was already sent or was \
                         removed. Upload the file again."
                    ),
                )]),
            ),
            Self::Storage(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody::detail("The support service is temporarily unavailable."),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Storage(err) = &self
            && !matches!(
                err,
                StorageError::TicketNotFound(_)
                    | StorageError::MessageNotFound(_)
                    | StorageError::UploadUnavailable(_)
            )
        {
            tracing::error!(error = %err, "storage failure");
        }
        let (status, body) = self.parts();
        let mut response = (status, json_body(&body)).into_response();
        if let Self::TooManyRequests(secs) = self
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// A JSON response body with the right content type.
pub(crate) fn json_body<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "serializing a response failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A size for people: `20 MiB`, `512 KiB`, `900 bytes` (binary units, one decimal when not
/// whole).
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if (value.fract()).abs() < 0.05 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Result alias of the HTTP side.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    #[test]
    fn human_sizes() {
        assert_eq!(super::human_size(900), "900 bytes");
        assert_eq!(super::human_size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(super::human_size(1536), "1.5 KiB");
    }
}
