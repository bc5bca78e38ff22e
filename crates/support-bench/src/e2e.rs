//! (b) End-to-end latency: from the start of a REST message POST until the assigned manager's
//! websocket has the `ticket.message.new` event for it. Samples are sequential (one message in
//! flight), each text carries its sequence number, and the websocket reader stamps the arrival.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::Target;
use crate::http::Conn;
use crate::procfs::{CpuMeter, CpuUse};
use crate::stats::{Samples, Summary};
use crate::ws::ManagerWs;

/// The marker in every sample's text, followed by its sequence number.
const MARKER: &str = "e2e-sample-";

/// How the samples are taken.
#[derive(Debug, Clone)]
pub struct Sampling {
    /// How many samples.
    pub samples: usize,
    /// Pause between one sample's arrival and the next POST (sets the "low rate").
    pub gap: Duration,
    /// A sample whose event has not arrived after this counts as a timeout.
    pub timeout: Duration,
    /// The whole measurement stops after this, however many samples it has.
    pub max_time: Duration,
}

/// The outcome.
#[derive(Debug, Clone, Serialize)]
pub struct EndToEnd {
    /// Samples whose event arrived.
    pub latency: Summary,
    /// Samples whose event did not arrive within the timeout.
    pub timeouts: u64,
    /// POSTs that failed.
    pub errors: u64,
    /// The POST's own latency (to its 201), for comparison.
    pub post_latency: Summary,
    /// CPU of server and client while sampling.
    pub cpu: CpuUse,
}

/// Takes samples: POST to `ticket` through `conn`, wait for the event on `ws` (a connection of
/// the manager the ticket is assigned to).
pub async fn run(
    target: &Target,
    ticket: i64,
    ws: ManagerWs,
    sampling: &Sampling,
    server_pid: Option<u32>,
) -> anyhow::Result<EndToEnd> {
    let mut conn = Conn::connect(target, None).await?;
    let path = target.messages_path(ticket);
    let (tx, mut arrivals) = mpsc::unbounded_channel::<(u64, Instant)>();
    let reader = tokio::spawn(read_arrivals(ws, tx));
    let meter = CpuMeter::start(server_pid);
    let started = Instant::now();
    let mut e2e = Samples::with_capacity(sampling.samples);
    let mut post = Samples::with_capacity(sampling.samples);
    let (mut timeouts, mut errors) = (0, 0);
    for seq in 0..sampling.samples as u64 {
        if started.elapsed() > sampling.max_time {
            break;
        }
        let body = Bytes::from(format!("{{\"text\":\"{MARKER}{seq} \"}}"));
        let sent = Instant::now();
        match conn.post_json(&path, body).await {
            Ok(r) if r.status == 201 => post.push(sent.elapsed()),
            _ => {
                errors += 1;
                conn = Conn::connect(target, None).await?;
                continue;
            }
        }
        let deadline = tokio::time::Instant::from_std(sent + sampling.timeout);
        loop {
            match tokio::time::timeout_at(deadline, arrivals.recv()).await {
                Ok(Some((s, at))) if s == seq => {
                    e2e.push(at.saturating_duration_since(sent));
                    break;
                }
                // An older sample that timed out arriving late: skip it.
                Ok(Some(_)) => {}
                Ok(None) => anyhow::bail!("the manager websocket closed during the e2e run"),
                Err(_) => {
                    timeouts += 1;
                    break;
                }
            }
        }
        if !sampling.gap.is_zero() {
            tokio::time::sleep(sampling.gap).await;
        }
    }
    let cpu = meter.stop();
    reader.abort();
    Ok(EndToEnd {
        latency: e2e.summary(),
        timeouts,
        errors,
        post_latency: post.summary(),
        cpu,
    })
}

/// Reads every frame, reporting `(sequence number, arrival)` of each sample's event. A substring
/// search rather than a JSON parse keeps the reader cheap when other events flood the socket.
async fn read_arrivals(mut ws: ManagerWs, tx: mpsc::UnboundedSender<(u64, Instant)>) {
    while let Some(Ok(frame)) = ws.next().await {
        let at = Instant::now();
        if let Message::Text(text) = frame
            && let Some(seq) = sample_of(text.as_str())
            && tx.send((seq, at)).is_err()
        {
            return;
        }
    }
}

/// The sequence number of a `ticket.message.new` carrying a sample text.
fn sample_of(text: &str) -> Option<u64> {
    if !text.contains("ticket.message.new") {
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
    fn finds_the_sequence_number() {
        let ev =
            r#"{"type":"ticket.message.new","message":{"id":3,"text":"e2e-sample-42","ticket":1}}"#;
        assert_eq!(sample_of(ev), Some(42));
        assert_eq!(sample_of(r#"{"type":"ticket.created"}"#), None);
    }
}
