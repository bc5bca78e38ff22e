//! `{mount}/auth/login/`, `logout/`, `me/` and `token/`: the HTTP side of the built-in manager
//! authentication \[A1\]. Both spellings of each path (with and without the trailing slash) are
//! served.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Map, Value};

use super::bearer_token;
use super::builtin::{BuiltinAuth, LoginError, SESSION_TTL, TOKEN_TTL};
use super::origin::origin_allowed;
use super::session::{clear_cookie, is_https, session_cookie, set_cookie};
use crate::config::SupportConfig;
use crate::contract::{ManagerInfo, TokenGrant};
use crate::error::{ApiError, ApiResult, json_body};
use crate::state::AppState;
use crate::storage::ManagerRecord;

/// The login routes under `config.mount`.
pub(crate) fn routes(config: &SupportConfig) -> Router<AppState> {
    let base = format!("{}/auth", config.mount);
    let mut router = Router::new();
    for (name, route) in [
        ("login", post(login)),
        ("logout", post(logout)),
        ("token", post(token)),
        ("me", get(me)),
    ] {
        let route: MethodRouter<AppState> = route.fallback(method_not_allowed);
        router = router
            .route(&format!("{base}/{name}/"), route.clone())
            .route(&format!("{base}/{name}"), route);
    }
    router
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::MethodNotAllowed(req.method().to_string())
}

/// The manager as the auth endpoints show it.
fn manager_json(m: &ManagerRecord) -> ManagerInfo {
    ManagerInfo {
        id: m.id,
        username: m.username.clone(),
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        display_name: m.public().display_name,
    }
}

fn builtin(state: &AppState) -> ApiResult<&BuiltinAuth> {
    state
        .builtin_auth()
        .ok_or_else(|| ApiError::NotFound("Not found.".to_owned()))
}

/// A browser's cross-site POST to login or logout (login CSRF) is refused; clients that send no
/// `Origin` (scripts) are fine, as they cannot be driven by another site.
fn check_origin(parts: &Parts, state: &AppState) -> ApiResult<()> {
    if parts.headers.contains_key(header::ORIGIN) && !origin_allowed(parts, state.config()) {
        return Err(ApiError::Forbidden(
            "CSRF Failed: Origin checking failed - the origin is not trusted.".to_owned(),
        ));
    }
    Ok(())
}

/// The client address for throttling: the peer address when the host serves with
/// `into_make_service_with_connect_info`, else one shared bucket per username. When the peer is
/// a trusted proxy, the rightmost `X-Forwarded-For` address that is not a trusted proxy (the
/// one the outermost trusted proxy saw); addresses left of it are the client's say and ignored.
fn client_key(parts: &Parts, config: &SupportConfig) -> String {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return "-".to_owned();
    };
    client_ip(peer.ip(), parts, &config.trusted_proxies).to_string()
}

/// See [`client_key`].
fn client_ip(peer: IpAddr, parts: &Parts, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.contains(&ip.to_canonical());
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip.to_canonical(),
            // A hop we cannot read: the last trusted address is the best we know.
            Err(_) => return client,
        }
    }
    client
}

/// The body of a login or token request, read up to the configured body limit like every other
/// body (axum's own 2 MB default would answer a bigger one with a plain-text 413): 413
/// `{"detail": "Request body is too large."}` beyond it.
async fn limited_body(state: &AppState, body: Body) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, state.config().body_limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)
}

/// `{username, password}` from a JSON or form body.
fn credentials(parts: &Parts, body: &[u8]) -> ApiResult<(String, String)> {
    let media = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let map: Map<String, Value> = if media == "application/x-www-form-urlencoded" {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else if media.is_empty() || media == "application/json" || media.ends_with("+json") {
        if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    return Err(ApiError::field(
                        "non_field_errors",
                        "Invalid data. Expected a dictionary.",
                    ));
                }
                Err(e) => return Err(ApiError::BadRequest(format!("JSON parse error - {e}"))),
            }
        }
    } else {
        let raw = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return Err(ApiError::UnsupportedMediaType(raw.to_owned()));
    };
    let mut errors = Vec::new();
    let mut get = |field: &str| match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => {
            errors.push((
                field.to_owned(),
                vec!["This field may not be blank.".to_owned()],
            ));
            String::new()
        }
        Some(Value::Null) | None => {
            errors.push((field.to_owned(), vec!["This field is required.".to_owned()]));
            String::new()
        }
        Some(_) => {
            errors.push((field.to_owned(), vec!["Not a valid string.".to_owned()]));
            String::new()
        }
    };
    let username = get("username");
    let password = get("password");
    if errors.is_empty() {
        Ok((username, password))
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn check_credentials(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
) -> ApiResult<(BuiltinAuth, ManagerRecord)> {
    let auth = builtin(state)?.clone();
    check_origin(parts, state)?;
    let (username, password) = credentials(parts, body)?;
    match auth
        .verify_credentials(&username, &password, &client_key(parts, state.config()))
        .await
    {
        Ok(manager) => Ok((auth, manager)),
        Err(LoginError::InvalidCredentials) => {
            crate::metrics::login_failure("credentials");
            Err(ApiError::BadRequest(
                "Invalid username or password.".to_owned(),
            ))
        }
        Err(LoginError::Throttled(secs)) => {
            crate::metrics::login_failure("throttled");
            Err(ApiError::TooManyRequests(secs))
        }
        Err(LoginError::Busy(secs)) => {
            crate::metrics::login_failure("busy");
            Err(ApiError::TooManyRequests(secs))
        }
        Err(LoginError::Storage(e)) => Err(ApiError::Storage(e)),
    }
}

/// `POST {mount}/auth/login/` `{username, password}` (JSON or form): 200 with the manager and
/// the session cookie; 400 `{"detail": "Invalid username or password."}`; 429 with
/// `Retry-After` when throttled or when password checks are saturated.
async fn login(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let body = limited_body(&state, body).await?;
    let (auth, manager) = check_credentials(&state, &parts, &body).await?;
    let token = auth.start_session(manager.id, SESSION_TTL).await?;
    let mut response = json_body(&manager_json(&manager));
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&token, SESSION_TTL.as_secs(), is_https(&parts)),
    );
    no_store(&mut response);
    Ok(response)
}

/// `POST {mount}/auth/token/` `{username, password}`: 200 `{"token": "..."}`, a bearer token for
/// programmatic clients (`Authorization: Bearer <token>`), valid for [`TOKEN_TTL`].
async fn token(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let body = limited_body(&state, body).await?;
    let (auth, manager) = check_credentials(&state, &parts, &body).await?;
    let token = auth.start_session(manager.id, TOKEN_TTL).await?;
    let mut response = json_body(&TokenGrant {
        token,
        expires_in: TOKEN_TTL.as_secs(),
    });
    no_store(&mut response);
    Ok(response)
}

/// `POST {mount}/auth/logout/`: ends the cookie's session (and revokes a presented bearer
/// token); 204 with the cookie cleared, whether or not there was a session.
async fn logout(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let auth = builtin(&state)?;
    check_origin(&parts, &state)?;
    if let Some(token) = session_cookie(&parts) {
        auth.end_session(token).await?;
    }
    if let Some(token) = bearer_token(&parts) {
        auth.end_session(token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(is_https(&parts)));
    Ok(response)
}

/// `GET {mount}/auth/me/`: the authenticated manager (any [`super::ManagerAuth`]), or 401.
async fn me(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let Some(who) = state.manager_auth().authenticate(&parts).await? else {
        return Err(ApiError::Unauthorized(
            "Authentication credentials were not provided.".to_owned(),
        ));
    };
    let body = match state.storage().manager(who.id).await? {
        Some(m) => manager_json(&m),
        // A host's own authentication may know managers our storage does not.
        None => ManagerInfo {
            id: who.id,
            username: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            display_name: String::new(),
        },
    };
    let mut response = json_body(&body);
    no_store(&mut response);
    Ok(response)
}

/// Credentials and personal data must not be cached by browsers or proxies.
fn no_store(response: &mut Response) {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
}

// The fuzz harness of `credentials` (issue 15), in a file of its own.
#[cfg(test)]
#[path = "routes_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(forwarded: &[&str]) -> Parts {
        let mut request = Request::builder();
        for value in forwarded {
            request = request.header("x-forwarded-for", *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_client_address_behind_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let client = |peer: &str, forwarded: &[&str], trusted: &[IpAddr]| {
            client_ip(ip(peer), &parts(forwarded), trusted).to_string()
        };
        // No trusted proxies: the peer, whatever the header says.
        assert_eq!(client("203.0.113.9", &["1.1.1.1"], &[]), "203.0.113.9");
        // An untrusted peer's header is ignored.
        assert_eq!(client("203.0.113.9", &["1.1.1.1"], &proxies), "203.0.113.9");
        // Behind one proxy: the address it saw.
        assert_eq!(
            client("10.0.0.1", &["198.51.100.4"], &proxies),
            "198.51.100.4"
        );
        // A client-sent prefix is ignored: the rightmost untrusted hop counts.
        assert_eq!(
            client("10.0.0.1", &["6.6.6.6, 198.51.100.4", "10.0.0.2"], &proxies),
            "198.51.100.4"
        );
        // No header, or only proxies, or garbage: the last trusted address.
        assert_eq!(client("10.0.0.1", &[], &proxies), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &["10.0.0.2"], &proxies), "10.0.0.2");
        assert_eq!(client("10.0.0.1", &["bogus"], &proxies), "10.0.0.1");
        // IPv4-mapped IPv6 peers match IPv4 proxies.
        assert_eq!(
            client("::ffff:10.0.0.1", &["198.51.100.4"], &proxies),
            "198.51.100.4"
        );
    }
}
