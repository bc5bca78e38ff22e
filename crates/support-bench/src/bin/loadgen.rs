//! `loadgen`: benchmarks a chatlabs-support server (ours or the Python original) and prints a
//! table and writes JSON; `loadgen noop-server` is the no-op ceiling. See `BENCHMARKS.md`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use support_bench::auth::{Credentials, LoginKind};
use support_bench::runner::{RunConfig, Scenarios, ServerSpec, run};

#[derive(Parser)]
#[command(
    name = "loadgen",
    about = "Load generator for chatlabs-support servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmarks.
    Run(Box<RunArgs>),
    /// Measure fsync latency of 4 KiB appends in a directory (the bound of a commit).
    FsyncProbe {
        /// Directory on the disk to measure.
        #[arg(long, default_value = "target/bench-data")]
        dir: PathBuf,
        /// How many fsyncs.
        #[arg(long, default_value_t = 500)]
        count: usize,
    },
    /// (e) Many large attachment uploads at once against a spawned server (ours), with its
    /// memory sampled throughout.
    Uploads(support_bench::uploads::UploadsArgs),
    /// (f) The console's search over a seeded history, against a spawned server (ours).
    Search(support_bench::search::SearchArgs),
    /// (g) The console's views and their counts over 100,000 seeded tickets (ours).
    Stats(support_bench::desk_stats::StatsArgs),
    /// (h) Message POSTs with attachments (metadata only) beside plain text (ours).
    Attachments(support_bench::attach_load::AttachmentsArgs),
    /// (i) Delivery acknowledgements of manager replies by bots in delivery mode (ours).
    Acks(support_bench::acks::AcksArgs),
    /// The ratio table of the Python original beside this server, from `run --json` reports.
    Compare(support_bench::compare::CompareArgs),
    /// Serve the no-op endpoints (the ceiling) until killed.
    NoopServer {
        /// Address to listen on (loopback).
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Start this server binary (e.g. target/release/chatlabs-support-server) as a subprocess.
    #[arg(long, conflicts_with = "base_url")]
    spawn: Option<PathBuf>,
    /// How many instances to spawn (2: (b) posts to one and listens on the other).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// `--database` for spawned servers (default: a fresh SQLite file in --data-dir).
    #[arg(long)]
    database: Option<String>,
    /// An extra argument for spawned servers; repeatable (`--server-arg=--hub=...`).
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,
    /// Or: a running server's base URL, e.g. http://127.0.0.1:8000/support.
    #[arg(long)]
    base_url: Option<String>,
    /// The running server's pid, for memory and CPU from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Bot bearer token; "none" for a tokenless server (the Python original).
    #[arg(long, default_value = "bench-bot-token")]
    bot_token: String,
    /// Manager login: json (ours, cookie), token (ours, bearer), django (admin form).
    #[arg(long, default_value = "json")]
    login: LoginKind,
    /// A manager USER:PASSWORD; repeatable. The second one takes the load's tickets in (b).
    #[arg(long = "manager")]
    managers: Vec<Credentials>,
    /// The Django admin login form.
    #[arg(long, default_value = "/admin/login/")]
    django_login_path: String,
    /// Scenarios: comma-separated of a (throughput), b (e2e), c (fan-out + memory), ceiling.
    #[arg(long, default_value = "a,b,c,ceiling", value_delimiter = ',')]
    scenarios: Vec<String>,
    /// (a) concurrency levels.
    #[arg(long, default_value = "1,16,64,256", value_delimiter = ',')]
    levels: Vec<usize>,
    /// (a) measured seconds per level.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// (a) warm-up seconds per level.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Tickets the load spreads over.
    #[arg(long, default_value_t = 64)]
    tickets: usize,
    /// (b) samples.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// (b) milliseconds between samples at the low rate.
    #[arg(long, default_value_t = 2.0)]
    gap_ms: f64,
    /// (b) clients of the load beside the samples (0: skip (b) under load).
    #[arg(long, default_value_t = 64)]
    load_clients: usize,
    /// (c) socket counts.
    #[arg(long, default_value = "100,1000,10000", value_delimiter = ',')]
    fanout: Vec<usize>,
    /// (c) rounds per count.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// (c) source addresses 127.0.0.1..=N.
    #[arg(long, default_value_t = 1)]
    source_ips: u8,
    /// Seconds to let the server go idle before reading RSS.
    #[arg(long, default_value_t = 1.0)]
    settle: f64,
    /// Scratch directory (SQLite file, logs); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    data_dir: PathBuf,
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// A label for the report.
    #[arg(long, default_value = "chatlabs-support-rs")]
    label: String,
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::NoopServer { bind } => support_bench::noop::serve(bind).await,
        Command::Uploads(args) => support_bench::uploads::command(args).await,
        Command::Search(args) => support_bench::search::command(args).await,
        Command::Stats(args) => support_bench::desk_stats::command(args).await,
        Command::Attachments(args) => support_bench::attach_load::command(args).await,
        Command::Acks(args) => support_bench::acks::command(args).await,
        Command::Compare(args) => support_bench::compare::command(&args),
        Command::FsyncProbe { dir, count } => {
            let s = support_bench::disk::fsync_probe(&dir, count)?;
            println!(
                "fsync of a 4 KiB append ({} times) in {}: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms, mean {:.3} ms => at most {:.0} commits/s; load1 {}",
                s.count,
                dir.display(),
                s.p50_ms,
                s.p95_ms,
                s.p99_ms,
                s.max_ms,
                s.mean_ms,
                1000.0 / s.mean_ms.max(1e-9),
                support_bench::procfs::load1().unwrap_or(f64::NAN)
            );
            Ok(())
        }
        Command::Run(args) => {
            let has = |s: &str| args.scenarios.iter().any(|x| x.trim() == s);
            let server = match (&args.spawn, &args.base_url) {
                (Some(program), _) => ServerSpec::Spawn {
                    program: program.clone(),
                    database: args.database.clone(),
                    extra_args: args.server_args.clone(),
                    instances: args.instances,
                },
                (None, Some(url)) => ServerSpec::External {
                    base_url: url.clone(),
                    pid: args.server_pid,
                },
                (None, None) => anyhow::bail!("give --spawn PROGRAM or --base-url URL"),
            };
            let config = RunConfig {
                label: args.label,
                server,
                bot_token: Some(args.bot_token).filter(|t| t != "none"),
                login: args.login,
                managers: args.managers,
                django_login_path: args.django_login_path,
                levels: args.levels,
                duration: secs(args.duration),
                warmup: secs(args.warmup),
                tickets: args.tickets.max(1),
                e2e_samples: args.samples,
                e2e_gap: secs(args.gap_ms / 1000.0),
                e2e_load_clients: args.load_clients,
                fanout: args.fanout,
                fanout_rounds: args.rounds,
                source_ips: args.source_ips,
                noop_program: std::env::current_exe().ok(),
                scenarios: Scenarios {
                    rest: has("a"),
                    e2e: has("b"),
                    fanout: has("c"),
                    ceiling: has("ceiling"),
                },
                settle: secs(args.settle),
                data_dir: args.data_dir,
            };
            let report = run(&config).await?;
            println!("{}", report.table());
            if let Some(path) = args.json {
                std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("JSON report: {}", path.display());
            }
            Ok(())
        }
    }
}
