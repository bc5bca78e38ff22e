//! Session and bearer tokens of the built-in manager authentication: random 32-byte tokens, of
//! which storage keeps only the SHA-256, and the `support_session` cookie.

use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "support_session";

/// A fresh token: 32 random bytes from the thread-local CSPRNG, hex-encoded.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What storage keeps of a token: its SHA-256, hex-encoded. A database leak then yields no
/// usable session (the tokens are random, so no salt or slow hash is needed).
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The value of the session cookie, if the request has one (several `Cookie` headers and
/// `a=b; c=d` lists are both handled; the first `support_session` wins).
pub(crate) fn session_cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that stores `token` for `max_age_secs`. `HttpOnly` keeps it from page
/// scripts; `SameSite=Lax` keeps other sites' subrequests from carrying it; `Secure` (when the
/// page is served over HTTPS, see [`is_https`]) keeps it off plain-HTTP requests.
pub(crate) fn set_cookie(token: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let attribute = if secure { "; Secure" } else { "" };
    // The token is hex, so the header value is always valid.
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{attribute}"
    ))
    .unwrap_or_else(|_| clear_cookie(secure))
}

/// The `Set-Cookie` value that deletes the session cookie.
pub(crate) fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "support_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure",
        )
    } else {
        HeaderValue::from_static(
            "support_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        )
    }
}

/// Whether the browser reached us over HTTPS: its `Origin` is `https://…` (every login and
/// logout from a page carries one), or a TLS-terminating proxy says so in
/// `X-Forwarded-Proto: https`. A client can only make its own cookie stricter by faking either.
pub(crate) fn is_https(parts: &Parts) -> bool {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    header("origin").starts_with("https://")
        || header("x-forwarded-proto")
            .split(',')
            .next()
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    #[test]
    fn tokens_hashes_and_cookies() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(token_hash("abc").len(), 64);
        let parts = Request::builder()
            .header(header::COOKIE, "a=1")
            .header(header::COOKIE, "csrftoken=x; support_session=tok; b=2")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        assert_eq!(session_cookie(&parts), Some("tok"));
        let none = Request::builder().body(()).unwrap().into_parts().0;
        assert_eq!(session_cookie(&none), None);
        let plain = set_cookie(&t, 60, false);
        assert!(plain.to_str().unwrap().contains("HttpOnly"));
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(
            set_cookie(&t, 60, true)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
        assert!(clear_cookie(true).to_str().unwrap().ends_with("; Secure"));
        assert!(!clear_cookie(false).to_str().unwrap().contains("Secure"));
        let request = |name: &str, value: &str| {
            Request::builder()
                .header(name, value)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        assert!(is_https(&request("origin", "https://support.example.com")));
        assert!(!is_https(&request("origin", "http://127.0.0.1:8000")));
        assert!(is_https(&request("x-forwarded-proto", "HTTPS, http")));
        assert!(!is_https(&request("x-forwarded-proto", "http")));
    }
}
