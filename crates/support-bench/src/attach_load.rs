//! (h) Message POSTs with attachments (`loadgen attachments`): the (a) closed loop of the bot's
//! message POSTs, plain text beside messages carrying one photo and an album, in the same run
//! against the same spawned server of ours. The attachments are metadata only, as the bot posts
//! a user's pictures: Telegram's `file_id`, size and dimensions ([`crate::rest::message_body`]);
//! no bytes are uploaded (uploads are `loadgen uploads`).

use std::sync::Arc;
use std::time::Duration;

use crate::http::Conn;
use crate::rest::{self, Load, Throughput};

/// `loadgen attachments`.
#[derive(Debug, clap::Args)]
pub struct AttachmentsArgs {
    /// The server binary (e.g. target/release/chatlabs-support-server).
    #[arg(long)]
    pub spawn: std::path::PathBuf,
    /// `--database` for the server (default: a fresh SQLite file in --data-dir).
    #[arg(long)]
    pub database: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value = "16,64", value_delimiter = ',')]
    pub levels: Vec<usize>,
    /// Photos in the album (the third body; Telegram's albums hold up to 10).
    #[arg(long, default_value_t = 4)]
    pub album: usize,
    /// Measured seconds per measurement.
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
    /// Warm-up seconds per measurement.
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Rounds of the whole set (text, photo, album at each level), to interleave repeats.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Tickets the clients spread over.
    #[arg(long, default_value_t = 64)]
    pub tickets: usize,
    /// Scratch directory (database, log); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: std::path::PathBuf,
}

/// The bodies measured, in order: (name, attachments per message).
pub fn bodies(album: usize) -> Vec<(String, usize)> {
    vec![
        ("text".to_owned(), 0),
        ("1 photo".to_owned(), 1),
        (format!("{album} photos"), album.max(2)),
    ]
}

/// One line for people.
pub fn line(round: usize, body: &str, t: &Throughput) -> String {
    format!(
        "round {round}  {:>3} clients  {body:<9} {:>8.0} req/s  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  errors {}{}  srv {}%  load1 {}",
        t.clients,
        t.per_second,
        t.latency.p50_ms,
        t.latency.p95_ms,
        t.latency.p99_ms,
        t.errors,
        t.first_error
            .as_deref()
            .map_or_else(String::new, |e| format!(" (first: {e})")),
        t.cpu
            .server_pct
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.0}")),
        t.cpu
            .load1_before
            .map_or_else(|| "-".to_owned(), |v| v.to_string()),
    )
}

/// Runs `loadgen attachments`: a fresh server, the tickets, then each level with each body.
pub async fn command(args: AttachmentsArgs) -> anyhow::Result<()> {
    let server = crate::spawn::OwnServer::start(
        &args.spawn,
        args.database.clone(),
        &args.data_dir,
        "attachments",
        &[],
    )
    .await?;
    let outcome = run(&server, &args).await;
    server.stop().await;
    outcome
}

async fn run(server: &crate::spawn::OwnServer, args: &AttachmentsArgs) -> anyhow::Result<()> {
    let target = &server.target;
    let mut setup = Conn::connect(target, None).await?;
    let mut tickets = Vec::with_capacity(args.tickets);
    for i in 0..args.tickets.max(1) {
        tickets.push(
            setup
                .create_ticket(100_000 + i as i64, &format!("load ticket {i}"))
                .await?,
        );
    }
    let tickets = Arc::new(tickets);
    println!(
        "{} tickets on {}; each measurement {} s after {} s warm-up",
        tickets.len(),
        server.backend,
        args.duration,
        args.warmup
    );
    for round in 1..=args.rounds.max(1) {
        for &clients in &args.levels {
            for (name, attachments) in bodies(args.album) {
                let load = Load {
                    clients,
                    duration: Duration::from_secs_f64(args.duration.max(0.1)),
                    warmup: Duration::from_secs_f64(args.warmup.max(0.0)),
                    tickets: tickets.clone(),
                    attachments,
                };
                let t = rest::run(
                    std::slice::from_ref(target),
                    &load,
                    Some(server.process.pid),
                    None,
                )
                .await?;
                println!("{}", line(round, &name, &t));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_then_one_photo_then_the_album() {
        let b = bodies(4);
        assert_eq!(b.iter().map(|(_, n)| *n).collect::<Vec<_>>(), vec![0, 1, 4]);
        assert_eq!(b[2].0, "4 photos");
        assert_eq!(bodies(1)[2].1, 2, "an album has two photos at least");
    }
}
