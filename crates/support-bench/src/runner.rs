//! A whole run: start (or find) the server, measure (d) idle, (a), (b), (c)+(d), then the no-op
//! ceiling with the same client. Each step is bounded in time; connections are bounded by the
//! levels asked for.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;

use crate::Target;
use crate::auth::{Credentials, LoginKind, ManagerSession, login};
use crate::e2e::{self, Sampling};
use crate::fanout::{self, FanoutPlan};
use crate::http::Conn;
use crate::procfs::{rss_kib, status_kib};
use crate::report::{EndToEndUnderLoad, Machine, Report};
use crate::rest::{self, Load};
use crate::spawn::{ServerProcess, free_port};

/// Where the server under test comes from. `Debug` shows the database URL's scheme only and no
/// extra argument (a database or broker URL can carry a password).
#[derive(Clone)]
pub enum ServerSpec {
    /// Start `instances` copies of `program` with `--bind ... --database ... --bot-token ...`
    /// and `extra_args`, after creating the managers in that database ([`precreate_managers`]). With two instances (sharing a Postgres database and a
    /// broker, by `database` and `extra_args`), (a) spreads its clients over every instance and
    /// (b) posts to the second and listens on the first.
    Spawn {
        /// The server binary (e.g. `target/release/chatlabs-support-server`).
        program: PathBuf,
        /// `--database`; `None` for a fresh SQLite file in the data directory.
        database: Option<String>,
        /// More arguments (e.g. the broker).
        extra_args: Vec<String>,
        /// How many instances.
        instances: usize,
    },
    /// A server that is already running.
    External {
        /// Its base URL, e.g. `http://127.0.0.1:8000/support`.
        base_url: String,
        /// Its pid, for `/proc` (memory and CPU); `None` skips those.
        pid: Option<u32>,
    },
}

impl std::fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Spawn {
                program,
                database,
                extra_args,
                instances,
            } => f
                .debug_struct("Spawn")
                .field("program", program)
                .field(
                    "database",
                    &database
                        .as_deref()
                        .map(|url| url.split_once("://").map_or("[redacted]", |(s, _)| s)),
                )
                .field(
                    "extra_args",
                    &format_args!("[{} redacted]", extra_args.len()),
                )
                .field("instances", instances)
                .finish(),
            Self::External { base_url, pid } => f
                .debug_struct("External")
                .field("base_url", base_url)
                .field("pid", pid)
                .finish(),
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_shows_no_database_password_or_broker_url() {
        let spec = ServerSpec::Spawn {
            program: "server".into(),
            database: Some("postgres://bench:Pw9x@db/bench".into()),
            extra_args: vec!["--hub".into(), "redis://:Hx7q@cache".into()],
            instances: 2,
        };
        let text = format!("{spec:?} {spec:#?}");
        assert!(!text.contains("Pw9x") && !text.contains("Hx7q"), "{text}");
        assert!(text.contains("postgres"), "{text}");
    }
}

/// Which scenarios to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenarios {
    /// (a) throughput.
    pub rest: bool,
    /// (b) end-to-end latency.
    pub e2e: bool,
    /// (c) fan-out and (d) memory per socket.
    pub fanout: bool,
    /// The no-op ceiling.
    pub ceiling: bool,
}

/// Everything a run needs.
#[derive(Clone)]
pub struct RunConfig {
    /// Free text for the report.
    pub label: String,
    /// The server under test.
    pub server: ServerSpec,
    /// The bot token (`None` for the tokenless Python original).
    pub bot_token: Option<String>,
    /// How managers log in.
    pub login: LoginKind,
    /// Managers: the first receives (b) and (c); the second, if any, is assigned the (a)
    /// tickets during (b) under load, so that load does not flood the first one's socket.
    pub managers: Vec<Credentials>,
    /// The Django admin login form path.
    pub django_login_path: String,
    /// (a) concurrency levels.
    pub levels: Vec<usize>,
    /// (a) measured seconds per level.
    pub duration: Duration,
    /// (a) warm-up per level.
    pub warmup: Duration,
    /// Tickets the (a) clients spread over.
    pub tickets: usize,
    /// (b) samples per measurement.
    pub e2e_samples: usize,
    /// (b) pause between samples at the low rate.
    pub e2e_gap: Duration,
    /// (b) concurrency of the load running beside the samples.
    pub e2e_load_clients: usize,
    /// (c) socket counts.
    pub fanout: Vec<usize>,
    /// (c) rounds per count.
    pub fanout_rounds: usize,
    /// (c) source addresses 127.0.0.1..=n.
    pub source_ips: u8,
    /// The no-op ceiling's program (this binary) and whether to run the ceiling.
    pub noop_program: Option<PathBuf>,
    /// Which scenarios.
    pub scenarios: Scenarios,
    /// Pauses that let the server go idle (before reading RSS, between fan-out levels).
    pub settle: Duration,
    /// Scratch directory (SQLite file, server logs): on the disk being measured, not tmpfs.
    pub data_dir: PathBuf,
}

/// `Debug` shows the bot token as `[redacted]`.
impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("label", &self.label)
            .field("server", &self.server)
            .field("bot_token", &self.bot_token.as_ref().map(|_| "[redacted]"))
            .field("login", &self.login)
            .field("managers", &self.managers)
            .field("django_login_path", &self.django_login_path)
            .field("levels", &self.levels)
            .field("duration", &self.duration)
            .field("warmup", &self.warmup)
            .field("tickets", &self.tickets)
            .field("e2e_samples", &self.e2e_samples)
            .field("e2e_gap", &self.e2e_gap)
            .field("e2e_load_clients", &self.e2e_load_clients)
            .field("fanout", &self.fanout)
            .field("fanout_rounds", &self.fanout_rounds)
            .field("source_ips", &self.source_ips)
            .field("noop_program", &self.noop_program)
            .field("scenarios", &self.scenarios)
            .field("settle", &self.settle)
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// Raises this process's open-file limit towards `wanted` (children inherit it); a note when
/// it cannot.
pub fn raise_fd_limit(wanted: u64, notes: &mut Vec<String>) {
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got >= wanted => {}
        Ok(got) => notes.push(format!(
            "open-file limit raised to {got} only (hard limit), {wanted} wanted: large fan-out levels may fail"
        )),
        Err(err) => notes.push(format!("could not raise the open-file limit: {err}")),
    }
}

/// Creates (or updates) the managers in the database a spawned server will open, through the
/// server library, so any build of the server program can be benchmarked, with or without a
/// `--manager` flag.
pub async fn precreate_managers(database: &str, managers: &[Credentials]) -> anyhow::Result<()> {
    if managers.is_empty() {
        return Ok(());
    }
    let storage = support_server::storage::open(database).await?;
    for m in managers {
        support_server::auth::create_or_update_manager(&storage, &m.username, &m.password, "", "")
            .await?;
    }
    storage.close().await;
    Ok(())
}

const BOT_TOKEN_DEFAULT: &str = "bench-bot-token";

/// Runs everything `config` asks for.
pub async fn run(config: &RunConfig) -> anyhow::Result<Report> {
    let mut report = Report {
        label: config.label.clone(),
        machine: Some(Machine::detect()),
        started_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        ..Report::default()
    };
    let biggest = config.fanout.iter().copied().max().unwrap_or(0) as u64;
    let levels = config.levels.iter().copied().max().unwrap_or(0) as u64;
    raise_fd_limit(biggest + 2 * levels + 1024, &mut report.notes);
    std::fs::create_dir_all(&config.data_dir)?;

    let mut processes = Vec::new();
    let (targets, pid) = match &config.server {
        ServerSpec::External { base_url, pid } => {
            (vec![Target::new(base_url, config.bot_token.clone())?], *pid)
        }
        ServerSpec::Spawn {
            program,
            database,
            extra_args,
            instances,
        } => {
            let db = database.clone().unwrap_or_else(|| {
                let file = config
                    .data_dir
                    .join(format!("bench-{}.db", report.started_unix));
                format!("sqlite://{}", file.display())
            });
            let token = config.bot_token.clone().unwrap_or(BOT_TOKEN_DEFAULT.into());
            precreate_managers(&db, &config.managers).await?;
            let mut targets = Vec::new();
            for i in 0..(*instances).max(1) {
                let addr = free_port()?;
                let mut args = vec![
                    "--bind".into(),
                    addr.to_string(),
                    "--database".into(),
                    db.clone(),
                    "--bot-token".into(),
                    token.clone(),
                ];
                args.extend(extra_args.iter().cloned());
                let log = config.data_dir.join(format!("server-{i}.log"));
                let p = ServerProcess::start(program, &args, addr, &log, Duration::from_secs(60))
                    .await?;
                targets.push(Target::new(
                    &format!("http://{addr}/support"),
                    Some(token.clone()),
                )?);
                processes.push(p);
            }
            let pid = processes.first().map(|p| p.pid);
            (targets, pid)
        }
    };
    let target = targets[0].clone();
    report.base_url = format!("{}{}", target.origin, target.mount);
    report.server_pid = pid;

    let outcome = measure(config, &targets, pid, &mut report).await;
    report.peak_rss_kib = pid.and_then(|p| status_kib(p, "VmHWM"));
    for p in processes {
        p.stop().await;
    }
    outcome?;

    if config.scenarios.ceiling
        && let Some(program) = &config.noop_program
    {
        let addr = free_port()?;
        let log = config.data_dir.join("noop.log");
        let noop = ServerProcess::start(
            program,
            &["noop-server".into(), "--bind".into(), addr.to_string()],
            addr,
            &log,
            Duration::from_secs(10),
        )
        .await?;
        let noop_target = Target::new(&format!("http://{addr}/support"), None)?;
        let tickets = Arc::new((1..=config.tickets as i64).collect::<Vec<_>>());
        for &clients in &config.levels {
            let load = Load {
                clients,
                duration: config.duration,
                warmup: config.warmup,
                tickets: tickets.clone(),
                attachments: 0,
            };
            let r = rest::run(
                std::slice::from_ref(&noop_target),
                &load,
                Some(noop.pid),
                None,
            )
            .await?;
            eprintln!("ceiling C={clients}: {:.0} req/s", r.per_second);
            report.ceiling.push(r);
        }
        noop.stop().await;
    }
    Ok(report)
}

async fn measure(
    config: &RunConfig,
    targets: &[Target],
    pid: Option<u32>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let target = &targets[0];
    let mut setup = Conn::connect(target, None).await?;
    let mut tickets = Vec::with_capacity(config.tickets);
    for i in 0..config.tickets {
        tickets.push(
            setup
                .create_ticket(100_000 + i as i64, &format!("load ticket {i}"))
                .await
                .context("creating the load tickets")?,
        );
    }
    let tickets = Arc::new(tickets);
    tokio::time::sleep(config.settle).await;
    report.idle_rss_kib = pid.and_then(rss_kib);

    if config.scenarios.rest {
        for &clients in &config.levels {
            let load = Load {
                clients,
                duration: config.duration,
                warmup: config.warmup,
                tickets: tickets.clone(),
                attachments: 0,
            };
            // Every instance takes its share of the clients.
            let r = rest::run(targets, &load, pid, None).await?;
            eprintln!(
                "(a) C={clients}: {:.0} req/s, p99 {:.2} ms, errors {}",
                r.per_second, r.latency.p99_ms, r.errors
            );
            report.rest.push(r);
        }
        report.rss_after_rest_kib = pid.and_then(rss_kib);
    }

    let needs_manager = config.scenarios.e2e || config.scenarios.fanout;
    if !needs_manager {
        return Ok(());
    }
    let Some(first) = config.managers.first() else {
        report
            .notes
            .push("no --manager given: (b) and (c) skipped".into());
        return Ok(());
    };
    let session = login(target, config.login, first, &config.django_login_path).await?;

    if config.scenarios.e2e {
        e2e_both(config, targets, pid, &session, &tickets, report).await?;
    }
    if config.scenarios.fanout {
        for &sockets in &config.fanout {
            let plan = FanoutPlan {
                sockets,
                rounds: config.fanout_rounds,
                connect_concurrency: 128,
                source_ips: config.source_ips,
                connect_timeout: Duration::from_secs(120),
                round_timeout: Duration::from_secs(10),
                settle: config.settle,
            };
            let f = fanout::run(target, &session, &plan, pid).await?;
            eprintln!(
                "(c) N={sockets}: connected {}, all have it p50 {:.2} ms max {:.2} ms, POST p50 {:.2} ms",
                f.connected, f.all_received.p50_ms, f.all_received.max_ms, f.post_latency.p50_ms
            );
            report.fanout.push(f);
            // Let the server reap the closed connections before the next level's baseline.
            tokio::time::sleep(config.settle * 2).await;
        }
    }
    Ok(())
}

/// (b) at a low rate, then under the (a) load. With two instances the manager listens on the
/// first and the POSTs go to the second (the event crosses the broker).
async fn e2e_both(
    config: &RunConfig,
    targets: &[Target],
    pid: Option<u32>,
    session: &ManagerSession,
    load_tickets: &Arc<Vec<i64>>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let listen = &targets[0];
    let post = targets.last().unwrap_or(listen);
    let mut setup = Conn::connect(post, None).await?;
    let ticket = setup.create_ticket(200_000, "e2e ticket").await?;
    let mut ws = crate::ws::connect(listen, session, None).await?;
    crate::ws::assign_all(&mut ws, &[ticket]).await?;
    let sampling = Sampling {
        samples: config.e2e_samples,
        gap: config.e2e_gap,
        timeout: Duration::from_secs(2),
        max_time: Duration::from_secs(60),
    };
    let low = e2e::run(post, ticket, ws, &sampling, pid).await?;
    eprintln!(
        "(b) low rate: p50 {:.3} ms p99 {:.3} ms max {:.3} ms, timeouts {}",
        low.latency.p50_ms, low.latency.p99_ms, low.latency.max_ms, low.timeouts
    );
    report.e2e_low_rate = Some(low);

    if config.e2e_load_clients == 0 {
        return Ok(());
    }
    // The load's tickets go to the second manager, so its events do not reach the measured
    // socket (as with the Python original, where unassigned tickets' messages reach nobody).
    if let Some(second) = config.managers.get(1) {
        let other = login(listen, config.login, second, &config.django_login_path).await?;
        let mut ws2 = crate::ws::connect(listen, &other, None).await?;
        crate::ws::assign_all(&mut ws2, load_tickets).await?;
        drop(ws2);
    } else {
        report.notes.push(
            "one manager only: during (b) under load the load's events reach the measured socket too".into(),
        );
    }
    let ws = crate::ws::connect(listen, session, None).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let load = Load {
        clients: config.e2e_load_clients,
        duration: Duration::from_secs(90),
        warmup: config.warmup,
        tickets: load_tickets.clone(),
        attachments: 0,
    };
    let load_task = {
        let (post, stop) = (post.clone(), stop.clone());
        tokio::spawn(
            async move { rest::run(std::slice::from_ref(&post), &load, pid, Some(stop)).await },
        )
    };
    tokio::time::sleep(config.warmup * 2).await;
    let sampling = Sampling {
        gap: Duration::ZERO,
        ..sampling
    };
    let e2e = e2e::run(post, ticket, ws, &sampling, pid).await;
    stop.store(true, Ordering::Relaxed);
    let load = load_task.await??;
    let e2e = e2e?;
    eprintln!(
        "(b) under load ({:.0} req/s): p50 {:.3} ms p99 {:.3} ms max {:.3} ms, timeouts {}",
        load.per_second, e2e.latency.p50_ms, e2e.latency.p99_ms, e2e.latency.max_ms, e2e.timeouts
    );
    report.e2e_under_load = Some(EndToEndUnderLoad { e2e, load });
    Ok(())
}
