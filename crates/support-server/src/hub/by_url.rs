//! [`open`]: the event hub a URL names, as a program's `--hub` flag gives it.

use std::sync::Arc;

use super::{DEFAULT_CAPACITY, DynHub, HubError, LocalHub};

/// Opens the event hub `url` names, with [`DEFAULT_CAPACITY`]:
///
/// | URL | hub | feature |
/// |---|---|---|
/// | `local` | [`LocalHub`] (this process only) | always |
/// | `postgres://...`, `postgresql://...` | `PgHub` (LISTEN/NOTIFY, a pool of its own) | `postgres` |
/// | `redis://...`, `rediss://...`, `redis+unix://...` | `RedisHub` (pub/sub) | `redis` |
///
/// `channel` is the broker's channel (`None`: `DEFAULT_PG_CHANNEL` or `DEFAULT_REDIS_CHANNEL`);
/// deployments sharing one broker or database use different channels. Returns once the hub
/// listens. Any other URL, or one for a hub this build leaves out, fails with
/// [`HubError::UnsupportedUrl`], which shows the URL with its password masked.
pub async fn open(url: &str, channel: Option<&str>) -> Result<DynHub, HubError> {
    #[cfg(not(any(feature = "postgres", feature = "redis")))]
    let _ = channel;
    if url == "local" {
        return Ok(Arc::new(LocalHub::new(DEFAULT_CAPACITY)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(
            super::PgHub::connect_url(
                url,
                channel.unwrap_or(super::DEFAULT_PG_CHANNEL),
                DEFAULT_CAPACITY,
            )
            .await?,
        ));
        #[cfg(not(feature = "postgres"))]
        return Err(HubError::unsupported_url(
            url,
            "this build has no Postgres support (feature `postgres`)",
        ));
    }
    if url.starts_with("redis://")
        || url.starts_with("rediss://")
        || url.starts_with("redis+unix://")
    {
        #[cfg(feature = "redis")]
        return Ok(Arc::new(
            super::RedisHub::connect(
                url,
                channel.unwrap_or(super::DEFAULT_REDIS_CHANNEL),
                DEFAULT_CAPACITY,
            )
            .await?,
        ));
        #[cfg(not(feature = "redis"))]
        return Err(HubError::unsupported_url(
            url,
            "this build has no Redis support (feature `redis`)",
        ));
    }
    Err(HubError::unsupported_url(
        url,
        "expected `local`, `postgres://...` or `redis://...`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_opens_and_other_schemes_are_refused_with_the_password_masked() {
        assert!(open("local", None).await.is_ok());
        let err = open("nats://user:s3cret@127.0.0.1:4222", None)
            .await
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("expected `local`"), "{text}");
        assert!(
            text.contains("user:***@") && !text.contains("s3cret"),
            "{text}"
        );
    }
}
