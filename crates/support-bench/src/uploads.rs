//! (e) Attachments: many large uploads at once (`loadgen uploads`), streamed to our server's
//! `POST {mount}/attachments/`, with the server's memory sampled throughout. The point is the
//! memory: a server that buffered files would grow by their total size (20 × 20 MiB = 400 MiB);
//! one that streams grows by its buffers only.
//!
//! Each client opens its own connection and sends one `multipart/form-data` body whose file
//! part is generated on the fly in 64 KiB chunks (distinct bytes per upload, so the
//! content-addressed store keeps every one), never held whole by the client either. The
//! server's RSS is read from `/proc` every 10 ms from before the first byte to after the last
//! answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde::Serialize;

use crate::Target;
use crate::http::tcp_connect;
use crate::procfs::rss_kib;

/// The size of one generated chunk of a file.
const CHUNK: usize = 64 * 1024;
const BOUNDARY: &str = "loadgen-upload-boundary";

/// What to upload.
#[derive(Debug, Clone, Copy)]
pub struct UploadPlan {
    /// Uploads at once (one connection each).
    pub concurrent: usize,
    /// Bytes per file.
    pub bytes: u64,
}

/// The result.
#[derive(Debug, Clone, Serialize)]
pub struct Uploads {
    /// Uploads at once.
    pub concurrent: usize,
    /// MiB per file.
    pub file_mib: f64,
    /// Uploads answered `201`.
    pub stored: usize,
    /// Uploads answered otherwise (status and body of the first).
    pub failed: usize,
    /// The first failure, if any.
    pub first_failure: Option<String>,
    /// From the first byte sent to the last answer, seconds.
    pub seconds: f64,
    /// File bytes stored per second over that time, MiB/s.
    pub mib_per_s: f64,
    /// Each upload's time to its answer, seconds: median and slowest.
    pub p50_s: f64,
    /// Slowest upload, seconds.
    pub max_s: f64,
    /// The server's RSS before the first upload, KiB.
    pub idle_rss_kib: Option<u64>,
    /// The highest RSS sampled during the uploads, KiB.
    pub peak_rss_kib: Option<u64>,
}

impl Uploads {
    /// One line for people.
    pub fn line(&self) -> String {
        let rss = match (self.idle_rss_kib, self.peak_rss_kib) {
            (Some(idle), Some(peak)) => format!(
                "server RSS idle {:.1} MiB, peak {:.1} MiB (+{:.1} MiB)",
                idle as f64 / 1024.0,
                peak as f64 / 1024.0,
                peak.saturating_sub(idle) as f64 / 1024.0
            ),
            _ => "server RSS unknown (no pid)".to_owned(),
        };
        format!(
            "{} × {:.0} MiB uploads at once: {} stored, {} failed in {:.2} s = {:.1} MiB/s; per upload p50 {:.2} s, max {:.2} s; {rss}",
            self.concurrent,
            self.file_mib,
            self.stored,
            self.failed,
            self.seconds,
            self.mib_per_s,
            self.p50_s,
            self.max_s
        )
    }
}

/// Runs the uploads against `target` (whose bot token authenticates them), sampling `pid`.
pub async fn run(target: &Target, plan: UploadPlan, pid: Option<u32>) -> anyhow::Result<Uploads> {
    let idle_rss_kib = pid.and_then(rss_kib);
    let peak = Arc::new(AtomicU64::new(idle_rss_kib.unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = pid.map(|pid| {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(plan.concurrent);
    for n in 0..plan.concurrent {
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let outcome = upload(&target, n, plan.bytes).await;
            (began.elapsed(), outcome)
        }));
    }
    let mut times = Vec::with_capacity(plan.concurrent);
    let (mut stored, mut failed, mut first_failure) = (0, 0, None);
    for task in tasks {
        let (took, outcome) = task.await.context("an upload task panicked")?;
        times.push(took.as_secs_f64());
        match outcome {
            Ok(()) => stored += 1,
            Err(err) => {
                failed += 1;
                first_failure.get_or_insert_with(|| format!("{err:#}"));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }
    times.sort_by(f64::total_cmp);
    let file_mib = plan.bytes as f64 / (1024.0 * 1024.0);
    Ok(Uploads {
        concurrent: plan.concurrent,
        file_mib,
        stored,
        failed,
        first_failure,
        seconds,
        mib_per_s: stored as f64 * file_mib / seconds.max(1e-9),
        p50_s: times.get(times.len() / 2).copied().unwrap_or(0.0),
        max_s: times.last().copied().unwrap_or(0.0),
        idle_rss_kib,
        peak_rss_kib: pid.map(|_| peak.load(Ordering::Relaxed)),
    })
}

/// One upload of `bytes` generated bytes (distinct for each `n`) on its own connection.
async fn upload(target: &Target, n: usize, bytes: u64) -> anyhow::Result<()> {
    let stream = tcp_connect(target.addr, None).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"load-{n}.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() as u64 + bytes + tail.len() as u64;
    let chunks = bytes.div_ceil(CHUNK as u64);
    let frames = futures_util::stream::iter(
        std::iter::once(Bytes::from(head))
            .chain((0..chunks).map(move |i| {
                let len = (bytes - i * CHUNK as u64).min(CHUNK as u64) as usize;
                // Distinct content per upload and chunk: a counter pattern.
                let seed = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i;
                let chunk: Vec<u8> = (0..len)
                    .map(|j| (seed.wrapping_add(j as u64).wrapping_mul(31) >> 3) as u8)
                    .collect();
                Bytes::from(chunk)
            }))
            .chain(std::iter::once(Bytes::from(tail)))
            .map(|b| Ok::<_, std::io::Error>(Frame::data(b))),
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/attachments/", target.mount))
        .header(HOST, target.authority.as_str())
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(CONTENT_LENGTH, length);
    if let Some(token) = &target.bot_token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = sender
        .send_request(request.body(StreamBody::new(frames))?)
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if status.as_u16() != 201 {
        bail!(
            "{status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        );
    }
    Ok(())
}

/// `loadgen uploads`.
#[derive(Debug, clap::Args)]
pub struct UploadsArgs {
    /// The server binary (e.g. target/release/chatlabs-support-server).
    #[arg(long)]
    pub spawn: std::path::PathBuf,
    /// Uploads at once.
    #[arg(long, default_value_t = 20)]
    pub concurrent: usize,
    /// MiB per file.
    #[arg(long, default_value_t = 20)]
    pub mib: u64,
    /// Rounds (each with fresh files).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Scratch directory (database, blobs, log); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: std::path::PathBuf,
}

/// Runs `loadgen uploads`: a fresh server with its own SQLite file and blob directory, then
/// `rounds` rounds of `concurrent` uploads of `mib` MiB each.
pub async fn command(args: UploadsArgs) -> anyhow::Result<()> {
    // The blob directory sits in the server's scratch directory, named before it exists.
    let dir = args
        .data_dir
        .join(format!("uploads-{}", std::process::id()));
    let extra: Vec<String> = vec![
        "--blob-dir".into(),
        dir.join("blobs").display().to_string(),
        "--max-file-mib".into(),
        args.mib.max(20).to_string(),
    ];
    let server =
        crate::spawn::OwnServer::start(&args.spawn, None, &args.data_dir, "uploads", &extra)
            .await?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let plan = UploadPlan {
        concurrent: args.concurrent,
        bytes: args.mib * 1024 * 1024,
    };
    let outcome = async {
        for round in 1..=args.rounds.max(1) {
            let result = run(&server.target, plan, Some(server.process.pid)).await?;
            println!("round {round}: {}", result.line());
            if let Some(failure) = &result.first_failure {
                println!("  first failure: {failure}");
            }
        }
        anyhow::Ok(())
    }
    .await;
    server.stop().await;
    outcome
}
