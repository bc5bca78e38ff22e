//! [`PgHub`]: events shared by every server instance through Postgres LISTEN/NOTIFY \[S3\].
//!
//! Each instance NOTIFYs the JSON of every [`HubEvent`] on one channel (default
//! [`DEFAULT_PG_CHANNEL`]) and LISTENs on it with a `PgListener`; what arrives goes to this
//! instance's subscribers through a [`LocalHub`]. Local delivery happens *only* from Postgres,
//! never directly on publish, so an event reaches each connection exactly once, on every
//! instance alike.
//!
//! A NOTIFY payload must be shorter than 8,000 bytes, and a `ticket.message.new` with 4,096
//! Cyrillic characters is already ~8 KB of UTF-8. Larger events are sent *by reference*: the
//! JSON goes into the table `support_hub_events` and the notification carries `@<row id>`;
//! listeners read the row. Rows older than five minutes are deleted as new ones are added.
//!
//! If the listening connection drops, `PgListener` reconnects and re-LISTENs; notifications sent
//! while it was down are missed by this instance (as with any pub/sub), which the bot websocket
//! tolerates by design (it re-reads storage) and the console covers by reloading over REST.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::{EventHub, HubError, HubEvent, LocalHub};
use crate::storage::PostgresStorage;

/// The default NOTIFY channel.
pub const DEFAULT_PG_CHANNEL: &str = "support_events";

/// The largest payload sent inline. Postgres refuses payloads of 8,000 bytes or more; the margin
/// keeps us clear of that limit whatever the server's build.
const INLINE_MAX_BYTES: usize = 7_900;

/// How long a by-reference event is kept: listeners read it within milliseconds; five minutes
/// covers a listener stalled by a slow database without letting the table grow.
const REFERENCE_TTL: Duration = Duration::from_secs(5 * 60);

/// The longest wait between attempts after a listener error: long enough not to hammer a
/// database that is down, short enough that managers are back within seconds of its return.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// An [`EventHub`] over Postgres LISTEN/NOTIFY. A cheap `Clone` handle; the listening task stops
/// when the last handle is dropped.
#[derive(Clone)]
pub struct PgHub {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    channel: String,
    local: LocalHub,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for PgHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgHub")
            .field("channel", &self.inner.channel)
            .finish_non_exhaustive()
    }
}

fn broker(err: impl std::error::Error + Send + Sync + 'static) -> HubError {
    HubError::Broker(Box::new(err))
}

impl PgHub {
    /// Listens on `channel` through `pool` (e.g. [`PostgresStorage::pool`]: the listener keeps
    /// one of its connections) and returns once listening: every event published afterwards,
    /// by any instance, is delivered. Applies our schema's migrations to the pool's database if
    /// needed (they hold the `support_hub_events` table; in the pool's `search_path`). `capacity` is the local subscribers' queue length
    /// ([`super::DEFAULT_CAPACITY`]).
    ///
    /// [`PostgresStorage::pool`]: crate::storage::PostgresStorage::pool
    pub async fn connect(pool: PgPool, channel: &str, capacity: usize) -> Result<Self, HubError> {
        // The events table is part of our schema: the storage's migrations create it (and
        // are a no-op when the storage already applied them to this database).
        PostgresStorage::migrate(&pool).await.map_err(broker)?;

        let mut listener = PgListener::connect_with(&pool).await.map_err(broker)?;
        listener.listen(channel).await.map_err(broker)?;
        let local = LocalHub::new(capacity);
        let task = tokio::spawn(listen(listener, pool.clone(), local.clone()));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                channel: channel.to_owned(),
                local,
                task,
            }),
        })
    }

    /// Connects a pool of its own to `url` and listens, as [`Self::connect`].
    pub async fn connect_url(url: &str, channel: &str, capacity: usize) -> Result<Self, HubError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            // One connection for the listener, one for publishing and reading references.
            .max_connections(2)
            .connect(url)
            .await
            .map_err(broker)?;
        Self::connect(pool, channel, capacity).await
    }
}

/// Receives notifications, delivering locally.
async fn listen(mut listener: PgListener, pool: PgPool, local: LocalHub) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                backoff = Duration::from_millis(100);
                match decode(&pool, notification.payload()).await {
                    Ok(event) => local.deliver(Arc::new(event)),
                    Err(err) => tracing::warn!(error = %err, "postgres hub: event dropped"),
                }
            }
            Ok(None) => {
                tracing::warn!("postgres hub: listener connection lost and re-established");
            }
            Err(sqlx::Error::PoolClosed) => {
                tracing::info!("postgres hub: pool closed; listener stopped");
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "postgres hub: listener error; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

impl PgHub {
    /// The notification's payload: the event's JSON, or `@<id>` of the row holding it when it is
    /// too large for a notification.
    async fn payload(&self, event: &HubEvent) -> Result<String, HubError> {
        let json = serde_json::to_string(event).map_err(broker)?;
        if json.len() <= INLINE_MAX_BYTES {
            return Ok(json);
        }
        let pool = &self.inner.pool;
        let ttl = i64::try_from(REFERENCE_TTL.as_secs()).unwrap_or(i64::MAX);
        sqlx::query(
            "DELETE FROM support_hub_events \
             WHERE created_at < now() - ($1::BIGINT * INTERVAL '1 second')",
        )
        .bind(ttl)
        .execute(pool)
        .await
        .map_err(broker)?;
        let id: i64 =
            sqlx::query_scalar("INSERT INTO support_hub_events (payload) VALUES ($1) RETURNING id")
                .bind(json)
                .fetch_one(pool)
                .await
                .map_err(broker)?;
        Ok(format!("@{id}"))
    }
}

/// An inline JSON payload, or `@<id>` of a stored one.
async fn decode(pool: &PgPool, payload: &str) -> Result<HubEvent, HubError> {
    if let Some(id) = payload.strip_prefix('@') {
        let id: i64 = id
            .parse()
            .map_err(|_| HubError::Broker(format!("bad reference {payload:?}").into()))?;
        let json: String =
            sqlx::query_scalar("SELECT payload FROM support_hub_events WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .map_err(broker)?;
        serde_json::from_str(&json).map_err(broker)
    } else {
        serde_json::from_str(payload).map_err(broker)
    }
}

#[async_trait]
impl EventHub for PgHub {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        let payload = self.payload(&event).await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.inner.channel)
            .bind(payload)
            .execute(&self.inner.pool)
            .await
            .map_err(broker)?;
        Ok(())
    }

    /// One statement for the whole batch. Postgres evaluates the `pg_notify` calls after the
    /// `ORDER BY` (since 9.6, volatile functions in the select list run after sorting), and
    /// delivers a transaction's notifications in the order they were sent.
    async fn publish_many(&self, events: Vec<HubEvent>) -> Result<(), HubError> {
        let mut payloads = Vec::with_capacity(events.len());
        for event in &events {
            payloads.push(self.payload(event).await?);
        }
        sqlx::query(
            "SELECT pg_notify($1, p) FROM unnest($2::TEXT[]) WITH ORDINALITY AS t(p, o) \
             ORDER BY o",
        )
        .bind(&self.inner.channel)
        .bind(payloads)
        .execute(&self.inner.pool)
        .await
        .map_err(broker)?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.inner.local.subscribe()
    }

    async fn ping(&self) -> Result<(), HubError> {
        // The table the large events go through: fails when the schema is gone as well.
        sqlx::query("SELECT 1 FROM support_hub_events LIMIT 1")
            .execute(&self.inner.pool)
            .await
            .map_err(broker)?;
        Ok(())
    }
}
