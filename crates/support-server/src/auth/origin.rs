//! The `Origin` check for cookie-authenticated unsafe requests and websocket upgrades (CSRF).

use axum::http::request::Parts;
use axum::http::{Method, header};

use crate::config::SupportConfig;

/// Whether the method changes state (everything but GET, HEAD, OPTIONS, TRACE).
pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the request's `Origin` is its own host or a trusted origin. A missing or `null`
/// origin is refused: every browser sends `Origin` on cross-site and unsafe requests and on
/// websocket upgrades, so only non-browser clients omit it, and they should use bearer tokens.
pub fn origin_allowed(parts: &Parts, config: &SupportConfig) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if config
        .trusted_origins
        .iter()
        .any(|t| t.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let Some(origin_host) = url.host_str() else {
        return false;
    };
    let origin_authority = match url.port() {
        Some(port) => format!("{origin_host}:{port}"),
        None => origin_host.to_owned(),
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    host.is_some_and(|h| h.eq_ignore_ascii_case(&origin_authority))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(host: &str, origin: Option<&str>) -> Parts {
        let mut b = Request::builder().uri("/x").header(header::HOST, host);
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn same_host_and_trusted_origins_pass() {
        let config = SupportConfig {
            trusted_origins: vec!["https://desk.example.com".into()],
            ..Default::default()
        };
        assert!(origin_allowed(
            &parts("127.0.0.1:8000", Some("http://127.0.0.1:8000")),
            &config
        ));
        assert!(origin_allowed(
            &parts("api.example.com", Some("https://desk.example.com")),
            &config
        ));
        assert!(!origin_allowed(
            &parts("127.0.0.1:8000", Some("http://evil.test")),
            &config
        ));
        assert!(!origin_allowed(
            &parts("127.0.0.1:8000", Some("null")),
            &config
        ));
        assert!(!origin_allowed(&parts("127.0.0.1:8000", None), &config));
        assert!(is_unsafe(&Method::POST) && !is_unsafe(&Method::GET));
    }
}
