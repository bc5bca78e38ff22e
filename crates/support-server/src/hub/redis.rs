//! [`RedisHub`]: events shared by every server instance through Redis pub/sub \[S3\].
//!
//! Each instance PUBLISHes the JSON of every [`HubEvent`] on one channel (default
//! [`DEFAULT_REDIS_CHANNEL`]) and SUBSCRIBEs to it; what arrives from Redis goes to this
//! instance's subscribers through a [`LocalHub`]. Local delivery happens *only* from Redis,
//! never directly on publish, so an event reaches each connection exactly once, on every
//! instance alike.
//!
//! If the subscription connection drops, a background task reconnects with capped exponential
//! backoff; events published while it is down are missed by this instance (pub/sub keeps no
//! history), which the bot websocket tolerates by design (it re-reads storage) and the console
//! covers by reloading over REST when it reconnects.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use tokio::sync::{Mutex, broadcast, oneshot};

use super::{EventHub, HubError, HubEvent, LocalHub};

/// The default channel name.
pub const DEFAULT_REDIS_CHANNEL: &str = "support:events";

/// The longest wait between reconnection attempts: long enough not to hammer a Redis that is
/// down, short enough that managers are back within seconds of its return.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// An [`EventHub`] over Redis pub/sub. A cheap `Clone` handle; the subscription task stops when
/// the last handle is dropped.
#[derive(Clone)]
pub struct RedisHub {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    channel: String,
    local: LocalHub,
    /// The publishing connection (multiplexed, so concurrent publishes share it); `None` after
    /// a failure until the next publish reconnects. A tokio `Mutex` because connecting awaits.
    publisher: Mutex<Option<redis::aio::MultiplexedConnection>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for RedisHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the channel is shown.
        f.debug_struct("RedisHub")
            .field("channel", &self.inner.channel)
            .finish_non_exhaustive()
    }
}

fn broker(err: redis::RedisError) -> HubError {
    HubError::Broker(Box::new(err))
}

impl RedisHub {
    /// Connects to Redis at `url` (e.g. `redis://127.0.0.1:6379`), subscribes to `channel`, and
    /// returns once subscribed: every event published afterwards, by any instance, is
    /// delivered. `capacity` is the local subscribers' queue length ([`super::DEFAULT_CAPACITY`]).
    pub async fn connect(url: &str, channel: &str, capacity: usize) -> Result<Self, HubError> {
        let client = redis::Client::open(url).map_err(broker)?;
        let publisher = client
            .get_multiplexed_async_connection()
            .await
            .map_err(broker)?;
        let mut pubsub = client.get_async_pubsub().await.map_err(broker)?;
        pubsub.subscribe(channel).await.map_err(broker)?;
        let local = LocalHub::new(capacity);
        let (ready_tx, ready_rx) = oneshot::channel();
        let task = tokio::spawn(subscription(
            client.clone(),
            channel.to_owned(),
            local.clone(),
            pubsub,
            ready_tx,
        ));
        let _ = ready_rx.await;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                channel: channel.to_owned(),
                local,
                publisher: Mutex::new(Some(publisher)),
                task,
            }),
        })
    }

    async fn publisher(&self) -> Result<redis::aio::MultiplexedConnection, HubError> {
        let mut guard = self.inner.publisher.lock().await;
        if let Some(conn) = guard.as_ref() {
            return Ok(conn.clone());
        }
        let conn = self
            .inner
            .client
            .get_multiplexed_async_connection()
            .await
            .map_err(broker)?;
        *guard = Some(conn.clone());
        Ok(conn)
    }
}

/// Reads the subscription, delivering locally; reconnects when it ends.
async fn subscription(
    client: redis::Client,
    channel: String,
    local: LocalHub,
    first: redis::aio::PubSub,
    ready: oneshot::Sender<()>,
) {
    let _ = ready.send(());
    let mut pubsub = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        let current = match pubsub.take() {
            Some(p) => p,
            None => match resubscribe(&client, &channel).await {
                Ok(p) => {
                    tracing::info!(channel, "redis hub: subscription restored");
                    backoff = Duration::from_millis(100);
                    p
                }
                Err(err) => {
                    tracing::warn!(error = %err, channel, "redis hub: reconnect failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        let mut messages = current.into_on_message();
        while let Some(msg) = messages.next().await {
            match serde_json::from_slice::<HubEvent>(msg.get_payload_bytes()) {
                Ok(event) => local.deliver(Arc::new(event)),
                Err(err) => tracing::warn!(error = %err, "redis hub: undecodable event dropped"),
            }
        }
        tracing::warn!(channel, "redis hub: subscription lost; reconnecting");
    }
}

async fn resubscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

#[async_trait]
impl EventHub for RedisHub {
    async fn publish(&self, event: HubEvent) -> Result<(), HubError> {
        let payload = serde_json::to_string(&event).map_err(|e| HubError::Broker(Box::new(e)))?;
        let mut conn = self.publisher().await?;
        let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&self.inner.channel)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(err) = result {
            // Drop the broken connection; the next publish reconnects.
            *self.inner.publisher.lock().await = None;
            return Err(broker(err));
        }
        Ok(())
    }

    /// One pipeline: one round trip for the whole batch, in order on the one connection.
    async fn publish_many(&self, events: Vec<HubEvent>) -> Result<(), HubError> {
        let mut pipe = redis::pipe();
        for event in &events {
            let payload =
                serde_json::to_string(event).map_err(|e| HubError::Broker(Box::new(e)))?;
            pipe.cmd("PUBLISH")
                .arg(&self.inner.channel)
                .arg(payload)
                .ignore();
        }
        let mut conn = self.publisher().await?;
        let result: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
        if let Err(err) = result {
            *self.inner.publisher.lock().await = None;
            return Err(broker(err));
        }
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.inner.local.subscribe()
    }

    async fn ping(&self) -> Result<(), HubError> {
        let mut conn = self.publisher().await?;
        let result: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
        if let Err(err) = result {
            *self.inner.publisher.lock().await = None;
            return Err(broker(err));
        }
        Ok(())
    }
}
