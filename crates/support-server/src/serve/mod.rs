//! [`serve`]: an HTTP/1 server for the support routes with connection-level limits, which plain
//! `axum::serve` does not set: a header-read timeout, an idle timeout, and a cap on open
//! connections. The program `chatlabs-support-server` serves with it; hosts may too.
//!
//! - **Header-read timeout** ([`ServeOptions::header_read_timeout`], hyper's): a request head
//!   must arrive whole within it, counted from when the server starts waiting for one (the
//!   connection opening, or the previous response sent): a slowloris client sending its headers
//!   a byte a second, and a keep-alive connection left idle between requests, are closed.
//! - **Idle timeout** ([`ServeOptions::idle_timeout`]): a connection on which no byte moves
//!   either way for this long is closed, whatever it is doing (a body trickling in and then
//!   stalling, a response the client stopped reading). Websockets, once upgraded, are left to
//!   their own pings.
//! - **Connection cap** ([`ServeOptions::max_connections`]): open connections (websockets
//!   included) are counted; one over the cap is answered at once with `503`
//!   `{"detail": "Too many connections; retry later."}`, `Retry-After: 1` and
//!   `Connection: close`, and closed, so the process never runs out of file descriptors for its
//!   storage or its accepted clients.
//!
//! Every request carries [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) (the login
//! throttle keys on the client address), as `into_make_service_with_connect_info` gives.

mod activity;
mod refuse;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use self::activity::Tracked;

/// The default header-read timeout: 10 s for a request head (a real client sends it in one
/// packet), and so for a keep-alive connection between requests.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default idle timeout: no byte either way for 60 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The default connection cap.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// The largest cap honoured: 16,777,216 connections (far past any file-descriptor limit).
const MAX_CAP: usize = 1 << 24;

/// Connection-level limits for [`serve`].
///
/// ```
/// use std::time::Duration;
/// use support_server::serve::ServeOptions;
///
/// let options = ServeOptions {
///     max_connections: 2_000,
///     ..ServeOptions::default()
/// };
/// assert_eq!(options.header_read_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// A request head must arrive whole within this, from when the server waits for one.
    pub header_read_timeout: Duration,
    /// A connection with no byte moving either way for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most (websockets included); more are refused with a 503. At least 1
    /// (and at most 2^24).
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `app` on `listener` under `options` until `shutdown` resolves; then stops accepting,
/// lets requests in flight finish (idle keep-alive connections close at once), and returns
/// once every connection, websockets included, has closed. Call
/// [`SupportServer::begin_shutdown`](crate::SupportServer::begin_shutdown) from `shutdown` so
/// websockets close (1001) rather than hold the return up.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use support_server::SupportServer;
/// use support_server::serve::{ServeOptions, serve};
///
/// let support = SupportServer::builder().build();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// let stopping = support.clone();
/// serve(listener, support.router(), ServeOptions::default(), async move {
///     let _ = tokio::signal::ctrl_c().await;
///     stopping.begin_shutdown();
/// })
/// .await?;
/// support.close().await;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let max = options.max_connections.clamp(1, MAX_CAP);
    let slots = Arc::new(Semaphore::new(max));
    let refusals = refuse::Refusals::default();
    let stopping = CancellationToken::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            refusals.refuse(stream, peer, max);
            continue;
        };
        let (io, activity) = Tracked::new(stream, slot);
        tokio::spawn(connection(
            io,
            activity,
            peer,
            app.clone(),
            options,
            stopping.clone(),
        ));
    }
    drop(listener);
    stopping.cancel();
    // Every connection holds a slot until its socket closes (an upgraded one too).
    let all = u32::try_from(max).unwrap_or(u32::MAX); // at most MAX_CAP
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// An accept error: a connection aborted before it was taken is nothing; running out of file
/// descriptors (or any other error) is logged, and accepting pauses briefly rather than spin.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; pausing 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection until it ends, sits idle past the idle timeout, or the server stops
/// (then requests in flight finish first).
async fn connection(
    io: Tracked,
    activity: activity::Activity,
    peer: SocketAddr,
    app: Router,
    options: ServeOptions,
    stopping: CancellationToken,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request.map(axum::body::Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let mut idle = std::pin::pin!(activity.idle_for(options.idle_timeout));
    let mut stop = std::pin::pin!(stopping.cancelled());
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            () = &mut idle => {
                tracing::debug!(%peer, "idle connection closed");
                return;
            }
            () = &mut stop, if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
