//! Limit/offset paging with DRF's `LimitOffsetPagination` envelope and fallbacks: an invalid or
//! non-positive `limit` means no paging (a plain array), an invalid or negative `offset` is 0.

use axum::http::request::Parts;
use support_protocol::Page;

/// The query string as ordered pairs.
pub(crate) fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// The last value of a query parameter.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The paging a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: Option<u64>,
    pub(crate) offset: u64,
}

impl Paging {
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Self {
        let limit = param(pairs, "limit")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|l| *l > 0)
            .map(|l| l.unsigned_abs());
        let offset = if limit.is_some() {
            param(pairs, "offset")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|o| *o > 0)
                .map_or(0, i64::unsigned_abs)
        } else {
            0
        };
        Self { limit, offset }
    }
}

/// The absolute URL of this request with `key` set to `value` (or removed), query keys sorted as
/// DRF's `replace_query_param` writes them.
fn with_param(base: &str, pairs: &[(String, String)], key: &str, value: Option<u64>) -> String {
    let mut kept: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != key).cloned().collect();
    if let Some(v) = value {
        kept.push((key.to_owned(), v.to_string()));
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    if kept.is_empty() {
        return base.to_owned();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{base}?{query}")
}

/// Builds the envelope for one page; its links are `base` (the request's absolute URL, from
/// [`super::links::request_url`]) with the paging query.
pub(crate) fn envelope<T>(
    parts: &Parts,
    base: &str,
    (limit, offset, count): (u64, u64, u64),
    results: Vec<T>,
) -> Page<T> {
    // Keep only one value per key (the last), as Django's QueryDict does when re-encoding.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in query_pairs(parts) {
        pairs.retain(|(pk, _)| *pk != k);
        pairs.push((k, v));
    }
    let pairs = {
        let mut p: Vec<(String, String)> =
            pairs.into_iter().filter(|(k, _)| k != "limit").collect();
        p.push(("limit".to_owned(), limit.to_string()));
        p
    };
    let next = (offset.saturating_add(limit) < count)
        .then(|| with_param(base, &pairs, "offset", Some(offset + limit)));
    let previous = (offset > 0).then(|| {
        if offset <= limit {
            with_param(base, &pairs, "offset", None)
        } else {
            with_param(base, &pairs, "offset", Some(offset - limit))
        }
    });
    Page {
        count,
        next,
        previous,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Request, header};

    fn parts(uri: &str) -> Parts {
        Request::builder()
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8765")
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    fn pairs(q: &str) -> Vec<(String, String)> {
        query_pairs(&parts(&format!("/x/?{q}")))
    }

    #[test]
    fn fallbacks() {
        assert_eq!(Paging::from_pairs(&pairs("limit=0")).limit, None);
        assert_eq!(Paging::from_pairs(&pairs("limit=-1")).limit, None);
        assert_eq!(Paging::from_pairs(&pairs("limit=abc")).limit, None);
        assert_eq!(Paging::from_pairs(&pairs("offset=2")).limit, None);
        assert_eq!(
            Paging::from_pairs(&pairs("limit=2&offset=abc")),
            Paging {
                limit: Some(2),
                offset: 0
            }
        );
        assert_eq!(
            Paging::from_pairs(&pairs("limit=2&offset=-3")),
            Paging {
                limit: Some(2),
                offset: 0
            }
        );
    }

    #[test]
    fn links_like_drf() {
        let p = parts("/support/tickets/15/messages/?limit=2&offset=2");
        let base = "http://127.0.0.1:8765/support/tickets/15/messages/";
        let page = envelope(&p, base, (2, 2, 5), vec![1, 2]);
        assert_eq!(
            page.next.as_deref(),
            Some("http://127.0.0.1:8765/support/tickets/15/messages/?limit=2&offset=4")
        );
        assert_eq!(
            page.previous.as_deref(),
            Some("http://127.0.0.1:8765/support/tickets/15/messages/?limit=2")
        );
        let p = parts("/support/tickets/15/messages/?offset=100&limit=2");
        let page = envelope(&p, base, (2, 100, 5), Vec::<u8>::new());
        assert_eq!(page.next, None);
        assert_eq!(
            page.previous.as_deref(),
            Some("http://127.0.0.1:8765/support/tickets/15/messages/?limit=2&offset=98")
        );
    }
}
