//! Who is calling the REST API: a bot (bearer token \[A2\]), a manager (\[A1\]) or, with the
//! legacy opt-in \[A3\], an anonymous client.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AuthenticatedManager;
use super::origin::{is_unsafe, origin_allowed};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a REST request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A bot with a configured token.
    Bot,
    /// A manager.
    Manager(AuthenticatedManager),
    /// A tokenless client, allowed by the legacy opt-in.
    Anonymous,
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Compares in time independent of where the first difference is (`subtle`; only a length
/// difference returns early, and token lengths are no secret).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

/// Whether `token` is one of the configured bot tokens.
pub fn is_bot_token(state: &AppState, token: &str) -> bool {
    // No early exit, so timing does not reveal which token matched.
    state.config().bot_tokens.iter().fold(false, |found, t| {
        found | constant_time_eq(t.as_bytes(), token.as_bytes())
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer_token(parts)
            && is_bot_token(state, token)
        {
            return Ok(Self::Bot);
        }
        if let Some(manager) = state.manager_auth().authenticate(parts).await? {
            if manager.via_cookie
                && is_unsafe(&parts.method)
                && !origin_allowed(parts, state.config())
            {
                return Err(ApiError::Forbidden(
                    "CSRF Failed: Origin checking failed - the origin is not trusted.".to_owned(),
                ));
            }
            return Ok(Self::Manager(manager));
        }
        if bearer_token(parts).is_some() {
            return Err(ApiError::Unauthorized("Invalid token.".to_owned()));
        }
        if state.config().legacy_anonymous_bot_api {
            return Ok(Self::Anonymous);
        }
        Err(ApiError::Unauthorized(
            "Authentication credentials were not provided.".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creT"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(constant_time_eq(b"", b""));
    }
}
