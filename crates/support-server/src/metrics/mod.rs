//! Metrics: what the server counts and times, through the [`metrics`](https://docs.rs/metrics)
//! facade.
//!
//! The server records into whatever recorder the process has installed: none (every call is a
//! no-op, the default for a host mounting the router), the Prometheus recorder of
//! [`install_prometheus`] (feature `prometheus`; the program installs it and serves `/metrics`),
//! or a host's own (OpenTelemetry, StatsD, ...), which gets the same series.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `support_http_requests_total` | counter | `method`, `route`, `status` | requests answered |
//! | `support_http_request_duration_seconds` | histogram | `method`, `route`, `status` | time to the response's head (for a websocket, to its `101`) |
//! | `support_ws_connections` | gauge | `kind` (`manager`, `bot`) | websockets open now |
//! | `support_ws_connections_opened_total` | counter | `kind` | websockets opened |
//! | `support_ws_slow_consumers_closed_total` | counter | | manager sockets closed with 1013, too far behind the hub |
//! | `support_events_published_total` | counter | `event` (`ticket.created`, ...) | events handed to the hub |
//! | `support_event_publish_failures_total` | counter | | events the hub refused (broker down) |
//! | `support_event_fanout_lag_seconds` | histogram | | from an event's publication (on any instance) to a manager connection taking it, per connection |
//! | `support_storage_commit_seconds` | histogram | `backend` (`sqlite`, `postgres`) | a message write's commit (SQLite: one group commit) |
//! | `support_storage_commit_batch_size` | histogram | `backend` | messages per commit (SQLite's group commit; 1 on Postgres) |
//! | `support_deliveries_total` | counter | `outcome` (`sent`, `retried`, `failed`), `reason` | replies' delivery reports |
//! | `support_event_log_failures_total` | counter | | events the event log could not number (sent unnumbered, not replayable) |
//! | `support_event_replays_total` | counter | `outcome` (`resumed`, `resync`) | reconnecting managers' resumptions |
//! | `support_uploads_total` | counter | | attachments uploaded and stored |
//! | `support_upload_bytes_total` | counter | | bytes of the stored uploads |
//! | `support_uploads_purged_total` | counter | | unsent uploads deleted after their time |
//! | `support_login_failures_total` | counter | `reason` (`credentials`, `throttled`, `busy`) | refused manager logins (`busy`: password checks saturated) |
//!
//! Every label has a bounded set of values: `route` is the route's pattern
//! (`/support/tickets/{id}/`), or `unmatched` for a path no route serves; `method` is one of the
//! standard methods or `other`; `reason` is a fixed word. So no client can grow the series.
//!
//! The fan-out lag compares wall clocks: across instances it includes their clock skew.

mod http;
#[cfg(feature = "prometheus")]
mod prometheus;

use std::sync::atomic::Ordering;
use std::time::Duration;

use support_protocol::{ServerEvent, Timestamp};

use crate::state::AppState;

pub(crate) use http::layer;
#[cfg(feature = "prometheus")]
pub(crate) use prometheus::routes;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub use prometheus::{
    METRICS_PATH, MetricsError, PrometheusHandle, UPKEEP_INTERVAL, install_prometheus,
};

/// `support_http_requests_total`.
pub const HTTP_REQUESTS: &str = "support_http_requests_total";
/// `support_http_request_duration_seconds`.
pub const HTTP_DURATION: &str = "support_http_request_duration_seconds";
/// `support_ws_connections`.
pub const WS_CONNECTIONS: &str = "support_ws_connections";
/// `support_ws_connections_opened_total`.
pub const WS_OPENED: &str = "support_ws_connections_opened_total";
/// `support_ws_slow_consumers_closed_total`.
pub const WS_SLOW_CLOSED: &str = "support_ws_slow_consumers_closed_total";
/// `support_events_published_total`.
pub const EVENTS_PUBLISHED: &str = "support_events_published_total";
/// `support_event_publish_failures_total`.
pub const EVENT_PUBLISH_FAILURES: &str = "support_event_publish_failures_total";
/// `support_event_fanout_lag_seconds`.
pub const FANOUT_LAG: &str = "support_event_fanout_lag_seconds";
/// `support_storage_commit_seconds`.
pub const COMMIT_SECONDS: &str = "support_storage_commit_seconds";
/// `support_storage_commit_batch_size`.
pub const COMMIT_BATCH: &str = "support_storage_commit_batch_size";
/// `support_deliveries_total`.
pub const DELIVERIES: &str = "support_deliveries_total";
/// `support_event_log_failures_total`.
pub const EVENT_LOG_FAILURES: &str = "support_event_log_failures_total";
/// `support_event_replays_total`.
pub const EVENT_REPLAYS: &str = "support_event_replays_total";
/// `support_uploads_total`.
pub const UPLOADS: &str = "support_uploads_total";
/// `support_upload_bytes_total`.
pub const UPLOAD_BYTES: &str = "support_upload_bytes_total";
/// `support_uploads_purged_total`.
pub const UPLOADS_PURGED: &str = "support_uploads_purged_total";
/// `support_login_failures_total`.
pub const LOGIN_FAILURES: &str = "support_login_failures_total";

/// Describes every metric (help text and unit) to the installed recorder. Call it once after
/// installing a recorder of your own; [`install_prometheus`] does.
pub fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time from a request to its response's head, by route and status."
    );
    describe_gauge!(WS_CONNECTIONS, "Websocket connections open now, by kind.");
    describe_counter!(WS_OPENED, "Websocket connections opened, by kind.");
    describe_counter!(
        WS_SLOW_CLOSED,
        "Manager websockets closed (1013) for falling too far behind the event hub."
    );
    describe_counter!(EVENTS_PUBLISHED, "Events handed to the event hub, by type.");
    describe_counter!(
        EVENT_PUBLISH_FAILURES,
        "Events the event hub refused (its broker failed)."
    );
    describe_histogram!(
        FANOUT_LAG,
        Unit::Seconds,
        "From an event's publication to a manager connection taking it from the hub."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        Unit::Seconds,
        "Time of a message write's commit, by storage backend."
    );
    describe_histogram!(
        COMMIT_BATCH,
        Unit::Count,
        "Messages committed together, by storage backend."
    );
    describe_counter!(
        DELIVERIES,
        "Delivery reports of manager replies: sent, retried or failed, by reason."
    );
    describe_counter!(LOGIN_FAILURES, "Refused manager logins, by reason.");
    describe_counter!(UPLOADS, "Attachments uploaded and stored.");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of the stored uploads.");
    describe_counter!(UPLOADS_PURGED, "Unsent uploads deleted after their time.");
    describe_counter!(
        EVENT_LOG_FAILURES,
        "Events the event log could not number: sent unnumbered, not replayable."
    );
    describe_counter!(
        EVENT_REPLAYS,
        "Reconnecting managers resumed from the event log, or told to reload, by outcome."
    );
}

/// Which websocket a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocketKind {
    Manager,
    Bot,
}

impl SocketKind {
    fn label(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Bot => "bot",
        }
    }
}

/// Counts an open websocket, in `support_ws_connections` and in the server's own count
/// ([`AppState::open_sockets`], which `/readyz` reads), for as long as it lives.
#[must_use = "the connection is counted until the guard drops"]
pub(crate) struct OpenSocket {
    kind: SocketKind,
    state: AppState,
}

impl OpenSocket {
    pub(crate) fn new(kind: SocketKind, state: &AppState) -> Self {
        ::metrics::counter!(WS_OPENED, "kind" => kind.label()).increment(1);
        ::metrics::gauge!(WS_CONNECTIONS, "kind" => kind.label()).increment(1.0);
        state.socket_count(kind).fetch_add(1, Ordering::Relaxed);
        Self {
            kind,
            state: state.clone(),
        }
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        ::metrics::gauge!(WS_CONNECTIONS, "kind" => self.kind.label()).decrement(1.0);
        self.state
            .socket_count(self.kind)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// A manager socket closed for lagging.
pub(crate) fn slow_consumer_closed() {
    ::metrics::counter!(WS_SLOW_CLOSED).increment(1);
}

/// An event handed to the hub (`published`) or refused by it.
pub(crate) fn event_published(label: &'static str, published: bool) {
    if published {
        ::metrics::counter!(EVENTS_PUBLISHED, "event" => label).increment(1);
    } else {
        ::metrics::counter!(EVENT_PUBLISH_FAILURES).increment(1);
    }
}

/// The broker refused an event or did not take it in time.
pub(crate) fn event_broker_failure() {
    ::metrics::counter!(EVENT_PUBLISH_FAILURES).increment(1);
}

/// `events` events could not be numbered by the event log.
pub(crate) fn event_log_failure(events: usize) {
    ::metrics::counter!(EVENT_LOG_FAILURES).increment(events as u64);
}

/// An upload of `bytes` was stored.
pub(crate) fn upload_stored(bytes: u64) {
    ::metrics::counter!(UPLOADS).increment(1);
    ::metrics::counter!(UPLOAD_BYTES).increment(bytes);
}

/// `count` unsent uploads were deleted.
pub(crate) fn uploads_purged(count: usize) {
    ::metrics::counter!(UPLOADS_PURGED).increment(count as u64);
}

/// A reconnecting manager was replayed what it missed (`resumed`) or told to reload
/// (`resync`).
pub(crate) fn event_replay(outcome: &'static str) {
    ::metrics::counter!(EVENT_REPLAYS, "outcome" => outcome).increment(1);
}

/// The event's `type` as a label, without allocating (this runs for every event).
pub(crate) fn event_label(event: &ServerEvent) -> &'static str {
    use support_protocol::{
        CannedChanged, DeliveryOffer, DeliveryProceed, MessageDelivery, MessageList, MessageNew,
        MessageViewed, NoteNew, TicketAssigned, TicketCreated, TicketTyping, TicketUpdated,
        UserBlocked, UserUpdated,
    };
    match event {
        ServerEvent::TicketCreated(_) => TicketCreated::TYPE,
        ServerEvent::TicketAssigned(_) => TicketAssigned::TYPE,
        ServerEvent::MessageNew(_) => MessageNew::TYPE,
        ServerEvent::MessageViewed(_) => MessageViewed::TYPE,
        ServerEvent::MessageList(_) => MessageList::TYPE,
        ServerEvent::TicketUpdated(_) => TicketUpdated::TYPE,
        ServerEvent::MessageDelivery(_) => MessageDelivery::TYPE,
        ServerEvent::UserBlocked(_) => UserBlocked::TYPE,
        ServerEvent::UserUpdated(_) => UserUpdated::TYPE,
        ServerEvent::NoteNew(_) => NoteNew::TYPE,
        ServerEvent::CannedChanged(_) => CannedChanged::TYPE,
        ServerEvent::TicketTyping(_) => TicketTyping::TYPE,
        ServerEvent::DeliveryOffer(_) => DeliveryOffer::TYPE,
        ServerEvent::DeliveryProceed(_) => DeliveryProceed::TYPE,
        ServerEvent::Error(_) => "error",
        _ => "other",
    }
}

/// A manager connection took an event published at `published_at` (events from instances that
/// do not stamp them are not measured).
pub(crate) fn fanout_lag(published_at: Option<Timestamp>) {
    let Some(at) = published_at else { return };
    let lag = Timestamp::now()
        .unix_micros()
        .saturating_sub(at.unix_micros());
    // A clock behind another instance's makes a negative lag: counted as none.
    ::metrics::histogram!(FANOUT_LAG).record(lag.max(0) as f64 / 1e6);
}

/// A message commit of `batch` messages that took `took`.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn storage_commit(backend: &'static str, took: Duration, batch: usize) {
    ::metrics::histogram!(COMMIT_SECONDS, "backend" => backend).record(took.as_secs_f64());
    ::metrics::histogram!(COMMIT_BATCH, "backend" => backend).record(batch as f64);
}

/// A delivery report: `outcome` is `sent`, `retried` or `failed`; `reason` a fixed word
/// (`ok` for a sent reply).
pub(crate) fn delivery(outcome: &'static str, reason: &'static str) {
    ::metrics::counter!(DELIVERIES, "outcome" => outcome, "reason" => reason).increment(1);
}

/// A refused login: `credentials` (unknown name, wrong password, inactive), `throttled`, or
/// `busy` (password checks saturated).
pub(crate) fn login_failure(reason: &'static str) {
    ::metrics::counter!(LOGIN_FAILURES, "reason" => reason).increment(1);
}
