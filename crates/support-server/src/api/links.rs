//! Where the paging links (`next`, `previous`) point: the configured public URL, or the request's
//! `Host` when it is an allowed host, as Django builds them (`ALLOWED_HOSTS`).
//!
//! Echoing any `Host` would let a client put a host of its choosing into the links (Host header
//! poisoning, harmful wherever a response is cached or forwarded). So:
//!
//! 1. with [`SupportConfig::public_url`] set, links are built from it and the `Host` is ignored;
//! 2. else the `Host` must match [`SupportConfig::allowed_hosts`], with Django's rules: a name
//!    (its port ignored, case ignored), `.example.com` for it and every subdomain, `*` for any;
//! 3. with neither configured, the allowed hosts are Django's development defaults: `localhost`
//!    and its subdomains, `127.0.0.1` and `[::1]`.
//!
//! A `Host` that is malformed or not allowed gets links without scheme and host (`/support/...`,
//! relative to wherever the client sent the request). Django answers 400 (`DisallowedHost`)
//! instead; we do not, because the console pages with `limit` and would break for every team
//! that opens it under a name nobody configured, while relative links carry no host at all.
//! Clients that follow the links (the console does not: it asks for the next offset) resolve
//! them against the URL they requested.

use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::config::SupportConfig;

/// The allowed hosts when none are configured (Django's with `DEBUG`).
const DEVELOPMENT_HOSTS: [&str; 3] = [".localhost", "127.0.0.1", "[::1]"];

/// The URL of the request's path, to which the paging links add their query: absolute from the
/// public URL or an allowed `Host`, else the path alone.
pub(crate) fn request_url(parts: &Parts, config: &SupportConfig) -> String {
    let path = parts.uri.path();
    if let Some(public) = &config.public_url {
        return format!("{}{path}", public.trim_end_matches('/'));
    }
    let headers: &HeaderMap = &parts.headers;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    let allowed: Vec<&str> = if config.allowed_hosts.is_empty() {
        DEVELOPMENT_HOSTS.to_vec()
    } else {
        config.allowed_hosts.iter().map(String::as_str).collect()
    };
    if !host_allowed(host, &allowed) {
        tracing::debug!("paging links relative: the Host is not an allowed host");
        return path.to_owned();
    }
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}{path}")
}

/// Django's `validate_host`: `host` (with an optional port) well-formed and matching a pattern.
fn host_allowed(host: &str, patterns: &[&str]) -> bool {
    let Some(name) = host_name(host) else {
        return false;
    };
    patterns.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        pattern == "*"
            || match pattern.strip_prefix('.') {
                Some(domain) => {
                    name == domain
                        || name
                            .strip_suffix(domain)
                            .is_some_and(|sub| sub.ends_with('.'))
                }
                None => name == pattern,
            }
    })
}

/// The name of a well-formed `Host` value, lowercased, without its port and trailing dot; `None`
/// for anything else (Django's `host_validation_re`: a DNS name or a bracketed IPv6 address,
/// then an optional numeric port).
fn host_name(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        let inner = &name[1..name.len() - 1];
        let ipv6 = inner.contains(':')
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !ipv6 {
            return None;
        }
        (name.to_owned(), rest.strip_prefix(':').map(str::to_owned))
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name.to_owned(), Some(port.to_owned())),
            None => (host.clone(), None),
        }
    };
    let name_ok = name.starts_with('[')
        || (!name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !(name_ok && port_ok) || (!host.starts_with('[') && host.matches(':').count() > 1) {
        return None;
    }
    Some(name.trim_end_matches('.').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(host: &str) -> Parts {
        Request::builder()
            .uri("/support/tickets/?limit=2")
            .header(header::HOST, host)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn hosts_match_like_django() {
        let allowed = [".example.com", "support.test", "[::1]"];
        for ok in [
            "example.com",
            "EXAMPLE.com:8443",
            "a.b.example.com",
            "support.test",
            "support.test.",
            "[::1]:8000",
        ] {
            assert!(host_allowed(ok, &allowed), "{ok}");
        }
        for bad in [
            "evil.com",
            "example.com.evil.com",
            "notexample.com",
            "sub.support.test",
            "support.test:port",
            "support.test:80:80",
            "",
            "exa mple.com",
            "example.com/path",
            "[::1",
            "[zz::1]",
        ] {
            assert!(!host_allowed(bad, &allowed), "{bad}");
        }
        assert!(host_allowed("anything.org:1", &["*"]));
        assert!(!host_allowed("bad host", &["*"]), "malformed even with *");
    }

    #[test]
    fn links_use_the_public_url_or_an_allowed_host_only() {
        let config = SupportConfig::default();
        assert_eq!(
            request_url(&parts("127.0.0.1:8765"), &config),
            "http://127.0.0.1:8765/support/tickets/"
        );
        assert_eq!(
            request_url(&parts("app.localhost"), &config),
            "http://app.localhost/support/tickets/"
        );
        assert_eq!(
            request_url(&parts("evil.com"), &config),
            "/support/tickets/"
        );

        let config = SupportConfig {
            allowed_hosts: vec!["support.example.com".into()],
            ..SupportConfig::default()
        };
        assert_eq!(
            request_url(&parts("127.0.0.1:8765"), &config),
            "/support/tickets/"
        );
        assert_eq!(
            request_url(&parts("support.example.com"), &config),
            "http://support.example.com/support/tickets/"
        );

        let config = SupportConfig {
            public_url: Some("https://support.example.com/".into()),
            ..SupportConfig::default()
        };
        assert_eq!(
            request_url(&parts("evil.com"), &config),
            "https://support.example.com/support/tickets/"
        );
    }
}
