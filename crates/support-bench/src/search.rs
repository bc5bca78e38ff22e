//! (f) Search (`loadgen search`): the console's search box over a large history. A spawned
//! server of ours is seeded over REST with `tickets` tickets of `messages` user messages each
//! (100,000 messages by default), their users named, the texts drawn from a vocabulary of 4,096
//! made-up words (so a word is as selective as in real chat: common ones hit thousands of
//! messages, rare ones a handful); then each query of [`QUERIES`] is asked `rounds` times as
//! `GET tickets/?search=...&limit=50`, one at a time, and its latency reported.

use std::time::Instant;

use anyhow::{Context, bail};
use hyper::Method;
use serde::Serialize;

use crate::Target;
use crate::http::Conn;

/// The searches measured: (what it stands for, the text).
pub const QUERIES: &[(&str, &str)] = &[
    ("common word", "bababa"),
    ("rare word", "zebracorn"),
    ("word prefix", "zebra"),
    ("two words", "bababa kobaba"),
    ("user's name", "Анна"),
    ("ticket number", "#500"),
    ("no match", "qqqqqq"),
    ("symbols only", "%"),
];

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SearchPlan {
    /// Tickets.
    pub tickets: usize,
    /// User messages per ticket.
    pub messages: usize,
    /// Connections seeding at once.
    pub concurrency: usize,
    /// Times each query is asked.
    pub rounds: usize,
}

/// One query's result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchTiming {
    /// What the query stands for.
    pub what: String,
    /// The text searched.
    pub text: String,
    /// Tickets found (the envelope's `count`).
    pub found: u64,
    /// Latency percentiles, ms.
    pub p50_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
}

impl SearchTiming {
    /// One line for people.
    pub fn line(&self) -> String {
        format!(
            "{:<14} {:<16} {:>6} tickets  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.what, self.text, self.found, self.p50_ms, self.p99_ms, self.max_ms
        )
    }
}

/// A made-up word of the vocabulary: two or three syllables from `n`.
fn word(n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ba", "ko", "ru", "te", "fi", "mu", "sa", "lo", "ne", "pi", "da", "vo", "ki", "ze", "gu",
        "ha",
    ];
    let mut w = String::new();
    let mut n = n;
    for _ in 0..3 {
        w.push_str(SYLLABLES[n % 16]);
        n /= 16;
    }
    w
}

/// The text of message `m` of ticket `t`: eight words, skewed so low-numbered words are common
/// (a Zipf-like spread), and "zebracorn" in one message of every 1,000.
fn text(t: usize, m: usize) -> String {
    let mut seed = (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (m as u64 + 1);
    let mut words = Vec::with_capacity(9);
    for _ in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Squaring a uniform number skews towards the small ones.
        let u = (seed % 4096) as f64 / 4096.0;
        words.push(word((u * u * 4096.0) as usize));
    }
    if (t * 131 + m).is_multiple_of(1000) {
        words.push("zebracorn".to_owned());
    }
    words.join(" ")
}

const NAMES: [&str; 8] = [
    "Анна", "Boris", "Chen", "Dana", "Émile", "Farah", "Goran", "Hiro",
];

/// Seeds the history: tickets (each with its user's profile and first message), then the other
/// messages, `concurrency` connections at once.
pub async fn seed(target: &Target, plan: SearchPlan) -> anyhow::Result<f64> {
    let started = Instant::now();
    let workers = plan.concurrency.max(1);
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&target, None).await?;
            for t in (w..plan.tickets).step_by(workers) {
                let body = serde_json::json!({
                    "user_id": 10_000 + t,
                    "title": format!("Question {t}: {}", word(t)),
                    "text": text(t, 0),
                    "user": {"first_name": NAMES[t % NAMES.len()], "username": format!("user_{t}")},
                });
                let r = conn.post_created(&target.tickets_path(), &body).await?;
                let id = r.json()?["id"].as_i64().context("ticket without an id")?;
                for m in 1..plan.messages {
                    let body = serde_json::json!({ "text": text(t, m) });
                    conn.post_created(&target.messages_path(id), &body).await?;
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("a seeding task panicked")??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Asks each query `rounds` times, one at a time.
pub async fn measure(target: &Target, rounds: usize) -> anyhow::Result<Vec<SearchTiming>> {
    let mut conn = Conn::connect(target, None).await?;
    let mut results = Vec::with_capacity(QUERIES.len());
    for (what, text) in QUERIES {
        let path = format!(
            "{}?search={}&limit=50",
            target.tickets_path(),
            urlencoding(text)
        );
        let mut times = Vec::with_capacity(rounds);
        let mut found = 0;
        for _ in 0..rounds.max(1) {
            let began = Instant::now();
            let r = conn.send(Method::GET, &path, &[], None, true).await?;
            times.push(began.elapsed().as_secs_f64() * 1000.0);
            if r.status != 200 {
                bail!("GET {path}: {}", r.status);
            }
            found = r.json()?["count"].as_u64().unwrap_or(0);
        }
        times.sort_by(f64::total_cmp);
        results.push(SearchTiming {
            what: (*what).to_owned(),
            text: (*text).to_owned(),
            found,
            p50_ms: percentile(&times, 0.50),
            p99_ms: percentile(&times, 0.99),
            max_ms: times.last().copied().unwrap_or(0.0),
        });
    }
    Ok(results)
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Percent-encodes a query value (everything but unreserved ASCII).
fn urlencoding(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `loadgen search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The server binary (e.g. target/release/chatlabs-support-server).
    #[arg(long)]
    pub spawn: std::path::PathBuf,
    /// `--database` for the server (default: a fresh SQLite file in --data-dir); a Postgres
    /// database should be empty.
    #[arg(long)]
    pub database: Option<String>,
    /// Tickets to seed.
    #[arg(long, default_value_t = 1000)]
    pub tickets: usize,
    /// User messages per ticket.
    #[arg(long, default_value_t = 100)]
    pub messages: usize,
    /// Connections seeding at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Times each query is asked.
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// Scratch directory (database, log); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: std::path::PathBuf,
}

/// Runs `loadgen search`: a fresh server, seeded over REST, then the queries of [`QUERIES`].
pub async fn command(args: SearchArgs) -> anyhow::Result<()> {
    let plan = SearchPlan {
        tickets: args.tickets,
        messages: args.messages,
        concurrency: args.concurrency,
        rounds: args.rounds,
    };
    let server =
        crate::spawn::OwnServer::start(&args.spawn, args.database, &args.data_dir, "search", &[])
            .await?;
    let outcome = async {
        let target = &server.target;
        let seconds = seed(target, plan).await?;
        let total = plan.tickets * plan.messages;
        println!(
            "seeded {} tickets, {total} messages in {seconds:.1} s ({:.0} messages/s) on {}",
            plan.tickets,
            total as f64 / seconds.max(1e-9),
            server.backend
        );
        for timing in measure(target, plan.rounds).await? {
            println!("{}", timing.line());
        }
        anyhow::Ok(())
    }
    .await;
    server.stop().await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_and_texts_are_stable() {
        assert_eq!(word(0), "bababa");
        assert_eq!(text(3, 4), text(3, 4));
        assert_eq!(text(3, 4).split(' ').count(), 8);
        assert!(text(0, 0).ends_with("zebracorn"));
        assert_eq!(urlencoding("#5 Анна"), "%235%20%D0%90%D0%BD%D0%BD%D0%B0");
    }
}
