//! The event hub: how REST handlers and websocket connections on every server instance learn
//! about changes \[W4\]-\[W8\], \[S3\].
//!
//! Publishers (REST handlers, the manager websocket) call [`EventHub::publish`] with a
//! [`HubEvent`]: a protocol event plus its [`Audience`]. Every instance sharing the hub (the
//! in-process hub is one instance; broker-backed hubs span several) delivers it to its local
//! subscribers through a `tokio::sync::broadcast` channel: one `Arc` per event whatever the number
//! of connections, and a subscriber that falls more than the channel's capacity behind gets
//! `RecvError::Lagged`, which the websocket turns into close code 1013 \[W8\].
//!
//! | hub | type | feature |
//! |---|---|---|
//! | in process (the default) | [`LocalHub`] | always |
//! | Postgres LISTEN/NOTIFY | `PgHub` | `postgres` |
//! | Redis pub/sub | `RedisHub` | `redis` |
//!
//! The server wraps whichever hub it is given in a [`SequencedHub`], which numbers every event
//! through an event log so that a manager who reconnects can resume where it left off
//! (extension, SPEC-NOTES).
//!
//! [`open`] picks one by URL (`local`, `postgres://...`, `redis://...`), as a program's `--hub`
//! flag does.

mod by_url;
mod local;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod sequenced;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use support_protocol::{ManagerId, ServerEvent, Timestamp};
use tokio::sync::broadcast;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use self::postgres::{DEFAULT_PG_CHANNEL, PgHub};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::{DEFAULT_REDIS_CHANNEL, RedisHub};
pub use by_url::open;
pub use local::{DEFAULT_CAPACITY, LocalHub};
pub use sequenced::{REPLAY_LIMIT, Replay, SequencedHub};

/// Who receives an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Every connected manager (`ticket.created`, `ticket.assigned`).
    AllManagers,
    /// Whoever sees the ticket: its assigned manager's connections, or every manager while it
    /// has none (`ticket.message.new`, `ticket.message.viewed`, `ticket.updated`).
    Ticket {
        /// The ticket's manager when the event happened.
        assignee: Option<ManagerId>,
    },
}

impl Audience {
    /// Whether a connection of `manager` receives events for this audience.
    pub fn includes(&self, manager: ManagerId) -> bool {
        match self {
            Self::AllManagers | Self::Ticket { assignee: None } => true,
            Self::Ticket { assignee: Some(m) } => *m == manager,
        }
    }
}

/// One event on the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubEvent {
    /// Who receives it.
    pub audience: Audience,
    /// What they receive.
    pub event: ServerEvent,
    /// When it was published (the fan-out lag metric measures from here). Absent in events
    /// from instances of an older version, which brokers may still carry during an upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
    /// Its number in the event log ([`SequencedHub`]), sent to managers as `seq`; `None` before
    /// the log numbered it, or when the log could not be written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl HubEvent {
    /// `event` for `audience`, published now.
    pub fn new(audience: Audience, event: ServerEvent) -> Self {
        Self {
            audience,
            event,
            published_at: Some(Timestamp::now()),
            seq: None,
        }
    }
}

/// A hub failure (a broker unreachable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// The broker failed.
    #[error("event hub broker error: {0}")]
    Broker(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A URL names a hub this build does not have (its feature is off) or none at all
    /// ([`open`]).
    #[error("unsupported event hub URL {url:?}: {reason}")]
    UnsupportedUrl {
        /// The URL, its password masked.
        url: String,
        /// Why it cannot be opened, e.g. the feature it needs.
        reason: String,
    },
}

impl HubError {
    /// An [`UnsupportedUrl`](Self::UnsupportedUrl) for `url`, whose password it masks.
    pub fn unsupported_url(url: &str, reason: impl Into<String>) -> Self {
        Self::UnsupportedUrl {
            url: crate::redact::url_password(url),
            reason: reason.into(),
        }
    }
}

/// Fans events out to every server instance's websocket connections.
#[async_trait]
pub trait EventHub: Send + Sync + 'static {
    /// Publishes to every instance, this one included. Returns once the event is handed to the
    /// broker (or, in process, queued for the fan-out task); delivery to sockets happens off
    /// this path. Events published one after the other are delivered in that order.
    async fn publish(&self, event: HubEvent) -> Result<(), HubError>;

    /// Publishes several events, in order, as one hand-over where the broker allows it (one
    /// Redis pipeline, one Postgres statement): the server's appender hands over each batch of
    /// events this way. The default publishes them one by one; on an error, events after the
    /// failed one may not have been published.
    async fn publish_many(&self, events: Vec<HubEvent>) -> Result<(), HubError> {
        for event in events {
            self.publish(event).await?;
        }
        Ok(())
    }
    /// Delivers `event` to this process's subscribers from the caller's task and returns
    /// `None`, where the hub can (the in-process hub: one broadcast), or gives it back. The
    /// server's appender, already a task of its own that hands events over in order, delivers
    /// this way: one task hop less between a write and the sockets than [`Self::publish`], which
    /// [`LocalHub`] hands to its fan-out task so that a publishing request never waits for the
    /// wake-ups. The default gives every event back (a broker must carry it).
    fn deliver_here(&self, event: HubEvent) -> Option<HubEvent> {
        Some(event)
    }

    /// A receiver of every event published from now on, on any instance.
    fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>>;

    /// Whether the broker answers: the server's `/readyz` calls it. The default (the
    /// in-process hub, which has no broker) is always `Ok`; `PgHub` runs a query on its pool,
    /// `RedisHub` sends a `PING` on its publishing connection.
    async fn ping(&self) -> Result<(), HubError> {
        Ok(())
    }

    /// Whether events cross to other server instances (a broker). Then the event log behind
    /// resumable events lives in storage, shared by every instance, and each instance puts
    /// what arrives back in number order ([`SequencedHub`]). The default is `true`, the safe
    /// answer for a hub this crate does not know; [`LocalHub`] answers `false`.
    fn spans_instances(&self) -> bool {
        true
    }
}

/// A shared handle to any hub.
pub type DynHub = Arc<dyn EventHub>;
