//! (c) Fan-out: `ticket.created` to N connected manager sockets, timed from the start of the
//! creating POST until the last socket has it, and the POST's own latency; (d) the server's
//! resident memory before and after connecting the N idle sockets.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::Target;
use crate::auth::ManagerSession;
use crate::http::Conn;
use crate::procfs::{cpu_time, rss_kib};
use crate::stats::{Samples, Summary};

/// The title marker of a fan-out round: `fanout-round-{r} `.
const MARKER: &str = "fanout-round-";

/// How a fan-out level is run.
#[derive(Debug, Clone)]
pub struct FanoutPlan {
    /// Sockets to connect.
    pub sockets: usize,
    /// Tickets created (one at a time), each timed.
    pub rounds: usize,
    /// Upgrades in flight at once while connecting.
    pub connect_concurrency: usize,
    /// Source addresses 127.0.0.1 ..= 127.0.0.{n} used in turn (spreads ephemeral ports).
    pub source_ips: u8,
    /// Connecting all sockets must finish within this.
    pub connect_timeout: Duration,
    /// A round whose event has not reached every socket by then is reported incomplete.
    pub round_timeout: Duration,
    /// Pause before reading RSS and between rounds, so the server is idle again.
    pub settle: Duration,
}

/// The outcome of one level.
#[derive(Debug, Clone, Serialize)]
pub struct Fanout {
    /// Sockets asked for.
    pub sockets: usize,
    /// Sockets that connected.
    pub connected: usize,
    /// Seconds to connect them all.
    pub connect_seconds: f64,
    /// Time until the last socket had `ticket.created`, per round (complete rounds only).
    pub all_received: Summary,
    /// Rounds where some socket never got the event in time.
    pub incomplete_rounds: usize,
    /// The creating POST's own latency.
    pub post_latency: Summary,
    /// Server RSS before connecting (KiB).
    pub rss_before_kib: Option<u64>,
    /// Server RSS with every socket connected and idle (KiB).
    pub rss_connected_kib: Option<u64>,
    /// Server CPU time per round (the fan-out and the POST; includes idle between rounds), ms.
    pub server_cpu_ms_per_round: Option<f64>,
    /// Load generator CPU time per round, ms.
    pub client_cpu_ms_per_round: Option<f64>,
    /// `(connected - before) / sockets`, in KiB.
    pub kib_per_socket: Option<f64>,
}

/// Runs one level: connects, measures memory, runs the rounds, disconnects.
pub async fn run(
    target: &Target,
    session: &ManagerSession,
    plan: &FanoutPlan,
    server_pid: Option<u32>,
) -> anyhow::Result<Fanout> {
    let rss_before_kib = server_pid.and_then(rss_kib);
    let counters: Arc<Vec<AtomicUsize>> =
        Arc::new((0..plan.rounds).map(|_| AtomicUsize::new(0)).collect());
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let started = Instant::now();
    let mut readers = JoinSet::new();
    let mut connecting = JoinSet::new();
    let mut connected = 0;
    let mut next = 0;
    let mut failure = None;
    let deadline = started + plan.connect_timeout;
    while connected < plan.sockets && Instant::now() < deadline {
        while next < plan.sockets && connecting.len() < plan.connect_concurrency {
            let source = source_ip(next, plan.source_ips);
            let (target, session) = (target.clone(), session.clone());
            connecting.spawn(async move { crate::ws::connect(&target, &session, source).await });
            next += 1;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, connecting.join_next()).await {
            Ok(Some(Ok(Ok(ws)))) => {
                connected += 1;
                let (counters, tx, expected) = (counters.clone(), done_tx.clone(), plan.sockets);
                readers.spawn(read_rounds(ws, counters, tx, expected));
            }
            Ok(Some(Ok(Err(err)))) => {
                failure.get_or_insert(err);
                break;
            }
            Ok(Some(Err(err))) => {
                failure.get_or_insert(err.into());
                break;
            }
            Ok(None) | Err(_) => break,
        }
    }
    connecting.abort_all();
    let connect_seconds = started.elapsed().as_secs_f64();
    if let Some(err) = failure {
        eprintln!(
            "fan-out N={}: connecting stopped after {connected} sockets: {err:#}",
            plan.sockets
        );
    }
    // Let the server settle (connection tasks parked, buffers trimmed) before reading RSS.
    tokio::time::sleep(plan.settle).await;
    let rss_connected_kib = server_pid.and_then(rss_kib);

    // The creating POSTs run on their own thread and runtime, so the POST's latency is not
    // queued behind this process's N reader tasks waking for the same event.
    let poster = Poster::start(target.clone())?;
    let cpu_before = cpu_pair(server_pid);
    let mut all = Samples::default();
    let mut post = Samples::default();
    let mut incomplete_rounds = 0;
    for round in 0..plan.rounds {
        if connected < plan.sockets {
            incomplete_rounds += 1;
            continue;
        }
        let title = format!("{MARKER}{round} of N={}", plan.sockets);
        let (sent, latency) = poster.create(900_000 + round as i64, title).await?;
        post.push(latency);
        let until = tokio::time::Instant::from_std(sent + plan.round_timeout);
        loop {
            match tokio::time::timeout_at(until, done_rx.recv()).await {
                Ok(Some((r, at))) if r == round => {
                    all.push(at.saturating_duration_since(sent));
                    break;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    incomplete_rounds += 1;
                    break;
                }
            }
        }
        // Let the sockets go idle again between rounds.
        tokio::time::sleep(plan.settle / 5).await;
    }
    let cpu_after = cpu_pair(server_pid);
    let rounds = plan.rounds.max(1) as f64;
    let per_round = |a: Option<Duration>, b: Option<Duration>| {
        Some((b?.saturating_sub(a?)).as_secs_f64() * 1000.0 / rounds)
    };
    readers.abort_all();
    while readers.join_next().await.is_some() {}
    Ok(Fanout {
        sockets: plan.sockets,
        connected,
        connect_seconds,
        all_received: all.summary(),
        incomplete_rounds,
        post_latency: post.summary(),
        rss_before_kib,
        rss_connected_kib,
        server_cpu_ms_per_round: per_round(cpu_before.0, cpu_after.0),
        client_cpu_ms_per_round: per_round(cpu_before.1, cpu_after.1),
        kib_per_socket: match (rss_before_kib, rss_connected_kib) {
            (Some(b), Some(c)) if connected > 0 => Some((c as f64 - b as f64) / connected as f64),
            _ => None,
        },
    })
}

fn cpu_pair(server_pid: Option<u32>) -> (Option<Duration>, Option<Duration>) {
    (server_pid.and_then(cpu_time), cpu_time(std::process::id()))
}

type Job = (
    i64,
    String,
    oneshot::Sender<anyhow::Result<(Instant, Duration)>>,
);

/// A connection on its own OS thread and current-thread runtime.
struct Poster {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Poster {
    fn start(target: Target) -> anyhow::Result<Self> {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("fanout-poster".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let mut conn = Conn::connect(&target, None).await.ok();
                    while let Some((user, title, reply)) = rx.recv().await {
                        let Some(c) = conn.as_mut() else {
                            let _ = reply.send(Err(anyhow::anyhow!("poster: cannot connect")));
                            continue;
                        };
                        let sent = Instant::now();
                        let r = c.create_ticket(user, &title).await;
                        let _ = reply.send(r.map(|_| (sent, sent.elapsed())));
                    }
                });
            })?;
        Ok(Self { jobs })
    }

    /// Creates a ticket; when the POST started and how long it took.
    async fn create(&self, user: i64, title: String) -> anyhow::Result<(Instant, Duration)> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send((user, title, tx))
            .map_err(|_| anyhow::anyhow!("poster thread gone"))?;
        rx.await?
    }
}

/// 127.0.0.{1 + i mod n}; `None` (the kernel's choice) when `n <= 1`.
fn source_ip(i: usize, n: u8) -> Option<IpAddr> {
    (n > 1).then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % usize::from(n)) as u8)))
}

/// One socket: counts the rounds' events; the socket completing a round reports the time.
async fn read_rounds(
    mut ws: crate::ws::ManagerWs,
    counters: Arc<Vec<AtomicUsize>>,
    done: mpsc::UnboundedSender<(usize, Instant)>,
    expected: usize,
) {
    while let Some(Ok(frame)) = ws.next().await {
        if let Message::Text(text) = frame
            && let Some(round) = round_of(text.as_str())
            && let Some(counter) = counters.get(round)
            && counter.fetch_add(1, Ordering::AcqRel) + 1 == expected
        {
            let _ = done.send((round, Instant::now()));
        }
    }
}

/// The round of a `ticket.created` event (found by substring, no JSON parse: 10,000 sockets
/// share the client's CPU with the server).
fn round_of(text: &str) -> Option<usize> {
    if !text.contains("ticket.created") {
        return None;
    }
    let at = text.find(MARKER)? + MARKER.len();
    let digits = text[at..].find(|c: char| !c.is_ascii_digit())?;
    text[at..at + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_round() {
        let ev = r#"{"type":"ticket.created","ticket":{"id":1,"title":"fanout-round-7 of N=100"}}"#;
        assert_eq!(round_of(ev), Some(7));
        assert_eq!(source_ip(5, 1), None);
        assert_eq!(
            source_ip(5, 4),
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        );
    }
}
