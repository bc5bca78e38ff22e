//! (g) The desk's figures over a large history (`loadgen stats`): how many tickets each of the
//! console's views holds and their first page, over 100,000 tickets by default.
//!
//! This server has no separate statistics endpoint: the console's tabs are the views' lists,
//! each answered with its `count` (the envelope of `GET tickets/?…&limit=50`), so those counts
//! are the statistics a manager sees, and what this scenario times. A spawned server of ours is
//! seeded over REST with `tickets` tickets (each with its first user message; five tickets per
//! user), 40% of them resolved, 20% assigned to the first manager, 20% to the second (over the
//! manager websocket, `ticket.assign`), 20% unassigned; then each query of [`QUERIES`] is asked
//! `rounds` times, one at a time, as the first manager (bearer token).

use std::time::Instant;

use anyhow::{Context, bail};
use hyper::Method;

use crate::Target;
use crate::auth::{Credentials, LoginKind, ManagerToken, login};
use crate::http::Conn;
use crate::stats::{Samples, Summary};

/// The queries measured: (the view, its query string). `{me}` is the first manager's id,
/// `{user}` a user with five tickets.
pub const QUERIES: &[(&str, &str)] = &[
    ("all open", "resolved=false&ordering=-updated_at&limit=50"),
    (
        "unassigned",
        "resolved=false&manager__isnull=true&ordering=-updated_at&limit=50",
    ),
    (
        "mine",
        "resolved=false&manager={me}&ordering=-updated_at&limit=50",
    ),
    (
        "others'",
        "resolved=false&not_manager={me}&ordering=-updated_at&limit=50",
    ),
    ("resolved", "resolved=true&ordering=-updated_at&limit=50"),
    ("open, waiting", "resolved=false&ordering=waiting&limit=50"),
    (
        "open, page 100",
        "resolved=false&ordering=-updated_at&limit=50&offset=4950",
    ),
    ("a user's tickets", "user_id={user}&limit=20"),
    // The original's 1.2.0 line (issue 19): its order, and the two lists its clients ask for,
    // unpaged as they ask (the page, every unassigned ticket; the bot, a user's open ones).
    (
        "1.2 order, open",
        "resolved=false&ordering=unviewed&limit=50",
    ),
    (
        "1.2 page: every unassigned",
        "manager__isnull=true&ordering=unviewed",
    ),
    (
        "1.2 bot: a user's open",
        "user_id={user}&resolved=false&ordering=unviewed",
    ),
];

/// What to seed and how often to ask.
#[derive(Debug, Clone, Copy)]
pub struct StatsPlan {
    /// Tickets.
    pub tickets: usize,
    /// Connections seeding at once.
    pub concurrency: usize,
    /// Times each query is asked.
    pub rounds: usize,
}

/// What ticket `t` is: resolved (40%), the first manager's (20%), the second's (20%) or
/// unassigned (20%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Created resolved.
    Resolved,
    /// Open, assigned to the manager with this index (0 or 1).
    Assigned(usize),
    /// Open, nobody's.
    Unassigned,
}

/// The fate of ticket number `t`.
pub fn fate(t: usize) -> Fate {
    match t % 10 {
        0..=3 => Fate::Resolved,
        4 | 5 => Fate::Assigned(0),
        6 | 7 => Fate::Assigned(1),
        _ => Fate::Unassigned,
    }
}

/// The Telegram user of ticket `t`: five tickets each.
pub fn user_of(t: usize, tickets: usize) -> i64 {
    10_000 + (t % (tickets / 5).max(1)) as i64
}

/// A query with its placeholders filled.
pub fn fill(query: &str, me: i64, user: i64) -> String {
    query
        .replace("{me}", &me.to_string())
        .replace("{user}", &user.to_string())
}

/// Seeds the tickets, `concurrency` connections at once; the ids of each manager's tickets.
pub async fn seed(target: &Target, plan: StatsPlan) -> anyhow::Result<[Vec<i64>; 2]> {
    let workers = plan.concurrency.max(1);
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&target, None).await?;
            let mut mine: [Vec<i64>; 2] = [Vec::new(), Vec::new()];
            for t in (w..plan.tickets).step_by(workers) {
                let fate = fate(t);
                let body = serde_json::json!({
                    "user_id": user_of(t, plan.tickets),
                    "title": format!("Question {t}"),
                    "text": format!("Hello, this is question {t}: my order has not arrived"),
                    "resolved": fate == Fate::Resolved,
                });
                let r = conn.post_created(&target.tickets_path(), &body).await?;
                if let Fate::Assigned(m) = fate {
                    mine[m].push(r.json()?["id"].as_i64().context("ticket without an id")?);
                }
            }
            anyhow::Ok(mine)
        }));
    }
    let mut all: [Vec<i64>; 2] = [Vec::new(), Vec::new()];
    for task in tasks {
        let [a, b] = task.await.context("a seeding task panicked")??;
        all[0].extend(a);
        all[1].extend(b);
    }
    Ok(all)
}

/// Assigns `tickets` to `manager` over `connections` websockets at once (each confirms its
/// tickets one by one).
pub async fn assign(
    target: &Target,
    manager: &Credentials,
    tickets: &[i64],
    connections: usize,
) -> anyhow::Result<()> {
    let session = login(target, LoginKind::Token, manager, "").await?;
    let chunk = tickets.len().div_ceil(connections.max(1)).max(1);
    let mut tasks = Vec::new();
    for part in tickets.chunks(chunk) {
        let (target, session, part) = (target.clone(), session.clone(), part.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut ws = crate::ws::connect(&target, &session, None).await?;
            crate::ws::assign_all(&mut ws, &part).await
        }));
    }
    for task in tasks {
        task.await.context("an assigning task panicked")??;
    }
    Ok(())
}

/// One query's result.
#[derive(Debug, Clone)]
pub struct QueryTiming {
    /// The view.
    pub what: String,
    /// Tickets it holds (the envelope's `count`).
    pub count: u64,
    /// Latency.
    pub latency: Summary,
}

impl QueryTiming {
    /// One line for people.
    pub fn line(&self) -> String {
        format!(
            "{:<17} {:>7} tickets  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.what,
            self.count,
            self.latency.p50_ms,
            self.latency.p95_ms,
            self.latency.p99_ms,
            self.latency.max_ms
        )
    }
}

/// Asks each query `rounds` times, one at a time, as `manager`.
pub async fn measure(
    target: &Target,
    manager: &ManagerToken,
    user: i64,
    rounds: usize,
) -> anyhow::Result<Vec<QueryTiming>> {
    let mut conn = Conn::connect(target, None).await?;
    let auth = manager.auth();
    let mut results = Vec::with_capacity(QUERIES.len());
    for (what, query) in QUERIES {
        let path = format!(
            "{}?{}",
            target.tickets_path(),
            fill(query, manager.id, user)
        );
        let mut samples = Samples::with_capacity(rounds);
        let mut count = 0;
        for _ in 0..rounds.max(1) {
            let began = Instant::now();
            let r = conn.send(Method::GET, &path, &auth, None, false).await?;
            samples.push(began.elapsed());
            if r.status != 200 {
                bail!("GET {path}: {}", r.status);
            }
            let v = r.json()?;
            count = v["count"]
                .as_u64()
                .or_else(|| v.as_array().map(|a| a.len() as u64))
                .unwrap_or(0);
        }
        results.push(QueryTiming {
            what: (*what).to_owned(),
            count,
            latency: samples.summary(),
        });
    }
    Ok(results)
}

/// `loadgen stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The server binary (e.g. target/release/chatlabs-support-server).
    #[arg(long)]
    pub spawn: std::path::PathBuf,
    /// `--database` for the server (default: a fresh SQLite file in --data-dir); a Postgres
    /// database should be empty.
    #[arg(long)]
    pub database: Option<String>,
    /// Tickets to seed.
    #[arg(long, default_value_t = 100_000)]
    pub tickets: usize,
    /// Connections seeding at once (and websockets assigning, per manager).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Times each query is asked.
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// Scratch directory (database, log); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: std::path::PathBuf,
}

/// The managers of the scenario (created by the server's `--manager` flag).
const MANAGERS: [&str; 2] = ["stats1:stats-pass-1", "stats2:stats-pass-2"];

/// Runs `loadgen stats`: a fresh server, seeded, then the queries; a line per measurement.
pub async fn command(args: StatsArgs) -> anyhow::Result<()> {
    let extra: Vec<String> = MANAGERS
        .iter()
        .flat_map(|m| ["--manager".to_owned(), (*m).to_owned()])
        .collect();
    let server =
        crate::spawn::OwnServer::start(&args.spawn, args.database, &args.data_dir, "stats", &extra)
            .await?;
    let plan = StatsPlan {
        tickets: args.tickets,
        concurrency: args.concurrency,
        rounds: args.rounds,
    };
    let outcome = run(&server, plan).await;
    server.stop().await;
    outcome
}

async fn run(server: &crate::spawn::OwnServer, plan: StatsPlan) -> anyhow::Result<()> {
    let target = &server.target;
    let managers: Vec<Credentials> = MANAGERS
        .iter()
        .map(|m| m.parse())
        .collect::<anyhow::Result<_>>()?;
    let started = Instant::now();
    let assigned = seed(target, plan).await?;
    let seeded = started.elapsed().as_secs_f64();
    println!(
        "seeded {} tickets in {seeded:.1} s ({:.0} tickets/s) on {}",
        plan.tickets,
        plan.tickets as f64 / seeded.max(1e-9),
        server.backend
    );
    let started = Instant::now();
    for (m, ids) in managers.iter().zip(&assigned) {
        assign(target, m, ids, plan.concurrency.min(16)).await?;
    }
    let took = started.elapsed().as_secs_f64();
    let n = assigned[0].len() + assigned[1].len();
    println!(
        "assigned {n} tickets over the manager websocket in {took:.1} s ({:.0}/s); load1 {}",
        n as f64 / took.max(1e-9),
        crate::procfs::load1().unwrap_or(f64::NAN)
    );
    let me = ManagerToken::login(target, &managers[0]).await?;
    for timing in measure(target, &me, user_of(3, plan.tickets), plan.rounds).await? {
        println!("{}", timing.line());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_split_40_20_20_20() {
        let mut n = [0usize; 4];
        for t in 0..1000 {
            n[match fate(t) {
                Fate::Resolved => 0,
                Fate::Assigned(0) => 1,
                Fate::Assigned(_) => 2,
                Fate::Unassigned => 3,
            }] += 1;
        }
        assert_eq!(n, [400, 200, 200, 200]);
    }

    #[test]
    fn five_tickets_per_user_and_placeholders() {
        let users: std::collections::HashSet<i64> = (0..1000).map(|t| user_of(t, 1000)).collect();
        assert_eq!(users.len(), 200);
        assert_eq!(user_of(0, 1), 10_000);
        assert_eq!(
            fill(QUERIES[2].1, 7, 1),
            "resolved=false&manager=7&ordering=-updated_at&limit=50"
        );
        assert_eq!(fill(QUERIES[7].1, 7, 10_003), "user_id=10003&limit=20");
    }
}
