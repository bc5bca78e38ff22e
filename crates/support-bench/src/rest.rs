//! (a) REST message POST throughput and latency at a given number of concurrent clients, each
//! with its own keep-alive connection and one request in flight (a closed loop).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use serde::Serialize;

use crate::Target;
use crate::http::Conn;
use crate::procfs::{CpuMeter, CpuUse};
use crate::stats::{Samples, Summary};

/// How one throughput level is run.
#[derive(Debug, Clone)]
pub struct Load {
    /// Concurrent clients (connections).
    pub clients: usize,
    /// Measured time, after the warm-up.
    pub duration: Duration,
    /// Requests before this are not counted (connections opening, caches warming).
    pub warmup: Duration,
    /// The tickets to post to; client `i` posts to `tickets[i % len]`.
    pub tickets: Arc<Vec<i64>>,
    /// Attachments per message (0: plain text): photos described by their Telegram file ids,
    /// as the bot posts a user's pictures, no bytes uploaded; the text is their caption.
    pub attachments: usize,
}

/// The body of client `index`'s `n`th message: a short text, with `attachments` photos.
pub fn message_body(index: usize, n: u64, attachments: usize) -> Bytes {
    if attachments == 0 {
        return Bytes::from(format!("{{\"text\":\"load c{index} n{n}\"}}"));
    }
    let mut body = format!("{{\"text\":\"load c{index} n{n}\",\"attachments\":[");
    for a in 0..attachments {
        if a > 0 {
            body.push(',');
        }
        // The shape of a Telegram photo's largest size as the bot reports it.
        body.push_str(&format!(
            "{{\"kind\":\"photo\",\"telegram\":{{\"file_id\":\"AgACAgIAAxkBAAI{index:05}{n:010}{a:02}AAHgQbench\",\"file_unique_id\":\"AQAD{index:05}{n:08}{a:02}\"}},\"mime_type\":\"image/jpeg\",\"size\":{},\"width\":1280,\"height\":960}}",
            180_000 + a * 1_000
        ));
    }
    body.push_str("]}");
    Bytes::from(body)
}

/// The outcome of one level.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Concurrent clients.
    pub clients: usize,
    /// 201s in the measured window.
    pub ok: u64,
    /// Other statuses and transport errors in the measured window.
    pub errors: u64,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
    /// Measured seconds.
    pub seconds: f64,
    /// `ok / seconds`.
    pub per_second: f64,
    /// Latency of the 201s.
    pub latency: Summary,
    /// CPU of server and client during the measured window.
    pub cpu: CpuUse,
}

struct ClientResult {
    samples: Samples,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Runs one level, client `i` on `targets[i % len]` (several instances share the load). `stop`,
/// when set, ends it early (used by the e2e benchmark under load). The CPU measured is the
/// server pid's (the first instance's).
pub async fn run(
    targets: &[Target],
    load: &Load,
    server_pid: Option<u32>,
    stop: Option<Arc<AtomicBool>>,
) -> anyhow::Result<Throughput> {
    let stop = stop.unwrap_or_default();
    let mut conns = Vec::with_capacity(load.clients);
    for i in 0..load.clients {
        // Several instances: the clients spread over them evenly.
        let target = targets
            .get(i % targets.len().max(1))
            .context("no server to load")?;
        conns.push(Conn::connect(target, None).await?);
    }
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let mut tasks = Vec::with_capacity(load.clients);
    for (i, conn) in conns.into_iter().enumerate() {
        let ticket = load.tickets[i % load.tickets.len()];
        let stop = stop.clone();
        tasks.push(tokio::spawn(client(
            conn,
            ticket,
            i,
            load.attachments,
            measure_from,
            end,
            stop,
        )));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let meter = CpuMeter::start(server_pid);
    let mut samples = Samples::default();
    let (mut ok, mut errors, mut first_error) = (0, 0, None);
    for task in tasks {
        let r = task.await?;
        samples.extend(r.samples);
        ok += r.ok;
        errors += r.errors;
        first_error = first_error.or(r.first_error);
    }
    let cpu = meter.stop();
    let seconds = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from)
        .as_secs_f64()
        .max(1e-9);
    Ok(Throughput {
        clients: load.clients,
        ok,
        errors,
        first_error,
        seconds,
        per_second: ok as f64 / seconds,
        latency: samples.summary(),
        cpu,
    })
}

/// One client: post, wait for the answer, post again, until `end` or `stop`.
async fn client(
    mut conn: Conn,
    ticket: i64,
    index: usize,
    attachments: usize,
    measure_from: Instant,
    end: Instant,
    stop: Arc<AtomicBool>,
) -> ClientResult {
    let path = conn.target().messages_path(ticket);
    let mut r = ClientResult {
        samples: Samples::with_capacity(16 * 1024),
        ok: 0,
        errors: 0,
        first_error: None,
    };
    let mut n: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= end || stop.load(Ordering::Relaxed) {
            break;
        }
        n += 1;
        let body = message_body(index, n, attachments);
        let outcome = conn.post_json(&path, body).await;
        let done = Instant::now();
        let counted = sent >= measure_from && done <= end;
        match outcome {
            Ok(resp) if resp.status == 201 => {
                if counted {
                    r.ok += 1;
                    r.samples.push(done - sent);
                }
            }
            Ok(resp) => {
                if counted {
                    r.errors += 1;
                }
                r.first_error.get_or_insert_with(|| {
                    format!(
                        "status {}: {}",
                        resp.status,
                        String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)])
                    )
                });
            }
            Err(err) => {
                if counted {
                    r.errors += 1;
                }
                r.first_error.get_or_insert_with(|| err.to_string());
                // Reconnect; give a failing server a moment rather than spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                match Conn::connect(conn.target(), None).await {
                    Ok(c) => conn = c,
                    Err(_) => continue,
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_with_the_attachments_asked_for() {
        let plain: serde_json::Value = serde_json::from_slice(&message_body(3, 7, 0)).unwrap();
        assert_eq!(plain, serde_json::json!({"text": "load c3 n7"}));
        let album: serde_json::Value = serde_json::from_slice(&message_body(3, 7, 4)).unwrap();
        let items = album["attachments"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0]["kind"], "photo");
        let ids: std::collections::HashSet<&str> = items
            .iter()
            .map(|a| a["telegram"]["file_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 4, "each photo its own file id");
        let parsed: Vec<support_protocol::NewAttachment> =
            serde_json::from_value(album["attachments"].clone()).unwrap();
        assert_eq!(parsed[3].width, Some(1280));
    }
}
