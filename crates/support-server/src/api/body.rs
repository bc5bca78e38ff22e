//! Request bodies: JSON or form-urlencoded, read into a JSON object the field parsers work on,
//! with the original's errors for everything else.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// A request body as a JSON object (form fields become strings).
#[derive(Debug, Default)]
pub(crate) struct Body(pub(crate) Map<String, Value>);

/// Python's name for a JSON value's type, as DRF reports it.
pub(crate) fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let limit = state.config().body_limit;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        let media_type = content_type.as_deref().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        match media_type.as_deref() {
            None | Some("") if bytes.is_empty() => Ok(Self::default()),
            Some(t) if t == "application/json" || t.ends_with("+json") => parse_json(&bytes),
            Some("application/x-www-form-urlencoded") => Ok(Self(
                form_urlencoded::parse(&bytes)
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
            )),
            None | Some("") => parse_json(&bytes),
            Some(_) => Err(ApiError::UnsupportedMediaType(
                content_type.unwrap_or_default(),
            )),
        }
    }
}

fn parse_json(bytes: &[u8]) -> Result<Body, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::default());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(Body(map)),
        Ok(other) => Err(ApiError::Validation(vec![(
            "non_field_errors".to_owned(),
            vec![format!(
                "Invalid data. Expected a dictionary, but got {}.",
                python_type(&other)
            )],
        )])),
        Err(err) => Err(ApiError::BadRequest(format!("JSON parse error - {err}"))),
    }
}
