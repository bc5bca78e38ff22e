//! The Prometheus recorder and its `/metrics` route (feature `prometheus`).
//!
//! A process has one global metrics recorder, so [`install_prometheus`] installs it once and
//! hands out the same [`PrometheusHandle`] on every later call: several servers in one process
//! (tests, a host with two mounts) share one set of series. It fails only when something else
//! (a host's own recorder) was installed first; that recorder then receives the series instead.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

pub use metrics_exporter_prometheus::PrometheusHandle;

use super::{COMMIT_BATCH, describe};

/// Where the Prometheus text is served (at the root, beside `/healthz`).
pub const METRICS_PATH: &str = "/metrics";

/// How often histogram samples are folded into their buckets between scrapes, which bounds the
/// memory they hold whatever the scrape interval (or when nothing scrapes at all).
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Latency buckets, in seconds: 0.5 ms (an in-memory request) to 10 s (a stuck database).
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Batch-size buckets: powers of two up to SQLite's largest group commit.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// Why the Prometheus recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot install the Prometheus metrics recorder: {0}")]
pub struct MetricsError(String);

static INSTALLED: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's global recorder (once; later calls return
/// the same handle), describes every metric and starts a thread that runs its upkeep every
/// [`UPKEEP_INTERVAL`]. Give the handle to
/// [`SupportServerBuilder::metrics`](crate::SupportServerBuilder::metrics) to serve it.
///
/// ```
/// let handle = support_server::metrics::install_prometheus().unwrap();
/// let support = support_server::SupportServer::builder().metrics(handle).build();
/// # let _ = support;
/// ```
pub fn install_prometheus() -> Result<PrometheusHandle, MetricsError> {
    INSTALLED
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(COMMIT_BATCH.into()), BATCH_BUCKETS)
                })
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| e.to_string())?;
            describe();
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_INTERVAL);
                        upkeep.run_upkeep();
                    }
                })
                .map_err(|e| e.to_string())?;
            Ok(handle)
        })
        .clone()
        .map_err(MetricsError)
}

/// `GET /metrics`: the Prometheus text exposition format.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(handle: PrometheusHandle) -> Router<S> {
    Router::new().route(
        METRICS_PATH,
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    handle.render(),
                )
            }
        }),
    )
}
