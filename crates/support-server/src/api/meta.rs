//! `OPTIONS` metadata, 405 and the JSON 404 of unknown routes.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{ApiError, json_body};

/// An `OPTIONS` handler answering DRF-style metadata.
pub(crate) fn options(
    name: &'static str,
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move || {
        let mut response = json_body(&json!({
            "name": name,
            "description": "",
            "renders": ["application/json"],
            "parses": ["application/json", "application/x-www-form-urlencoded"],
        }));
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        std::future::ready(response)
    }
}

/// A handler for methods a route does not serve: 405 with the original's text and `Allow`.
pub(crate) fn method_not_allowed(
    allow: &'static str,
) -> impl Fn(Request) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move |req: Request| {
        let mut response = ApiError::MethodNotAllowed(req.method().to_string()).into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        std::future::ready(response)
    }
}

/// Unknown routes under the mount point.
pub(crate) async fn not_found() -> Response {
    ApiError::NotFound("Not found.".to_owned()).into_response()
}
