//! (i) Delivery acknowledgements (`loadgen acks`): how fast the server settles manager replies
//! that bots report delivered.
//!
//! Per level: a manager posts `replies` replies over REST (each gets a pending delivery), then
//! `bots` bot connections in delivery mode (`/ws/support/bot/?delivery=1`) take them as a bot
//! does with an instant Telegram: each `delivery.offer` is answered with `delivery.sending`,
//! each `delivery.proceed` with `delivery.sent`. Timed: the acks per second (all replies, from
//! the bots' connecting until the manager's socket has every reply's `ticket.message.delivery`
//! with `sent`), the `delivery.sending` → `delivery.proceed` round trip (the server records the
//! attempt), and the ack's own latency, `delivery.sent` → the manager's socket has it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use hyper::Method;
use support_protocol::{BotEvent, DeliverySending, DeliverySent, MessageId};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::Target;
use crate::auth::{Credentials, LoginKind, ManagerToken, login};
use crate::http::{Conn, tcp_connect};
use crate::stats::{Samples, Summary};
use crate::ws::ManagerWs;

/// One level's outcome.
#[derive(Debug, Clone)]
pub struct AckLevel {
    /// Bot connections.
    pub bots: usize,
    /// Replies waiting when the bots connected.
    pub replies: usize,
    /// Replies the manager saw `sent` in time.
    pub settled: usize,
    /// Seconds from the bots' connecting to the last `sent` seen.
    pub seconds: f64,
    /// `settled / seconds`.
    pub per_second: f64,
    /// `delivery.sending` → `delivery.proceed`.
    pub proceed: Summary,
    /// `delivery.sent` → the manager's socket has the reply `sent`.
    pub ack: Summary,
    /// `delivery.proceed` answered `false` (another connection had the reply).
    pub refused: u64,
}

impl AckLevel {
    /// One line for people.
    pub fn line(&self) -> String {
        format!(
            "{:>3} bots  {:>6}/{} settled in {:>6.2} s  {:>7.0} acks/s  sending→proceed p50 {:.2} p99 {:.2} ms  sent→manager p50 {:.2} p99 {:.2} max {:.2} ms  refused {}",
            self.bots,
            self.settled,
            self.replies,
            self.seconds,
            self.per_second,
            self.proceed.p50_ms,
            self.proceed.p99_ms,
            self.ack.p50_ms,
            self.ack.p99_ms,
            self.ack.max_ms,
            self.refused
        )
    }
}

/// The message id of a server frame of type `kind` (`delivery.offer` and
/// `ticket.message.delivery` carry it as `message.id`, `delivery.proceed` as `message_id`),
/// with the frame's JSON.
pub fn frame_of(text: &str, kind: &str) -> Option<(i64, serde_json::Value)> {
    if !text.contains(kind) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if v["type"] != kind {
        return None;
    }
    let id = v["message"]["id"].as_i64().or(v["message_id"].as_i64())?;
    Some((id, v))
}

/// Posts `count` manager replies over `concurrency` connections, spread over `tickets`.
pub async fn post_replies(
    target: &Target,
    manager: &ManagerToken,
    tickets: &[i64],
    count: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let workers = concurrency.max(1);
    let tickets = Arc::new(tickets.to_vec());
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let (target, tickets, auth) = (target.clone(), tickets.clone(), manager.auth());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&target, None).await?;
            for i in (w..count).step_by(workers) {
                let path = target.messages_path(tickets[i % tickets.len()]);
                let body = format!("{{\"text\":\"reply {i}\"}}");
                let r = conn
                    .send(
                        Method::POST,
                        &path,
                        &auth,
                        Some(("application/json", body.into())),
                        false,
                    )
                    .await?;
                if r.status != 201 {
                    bail!("a reply: {} {}", r.status, String::from_utf8_lossy(&r.body));
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("a reply task panicked")??;
    }
    Ok(())
}

/// What one bot connection measured.
#[derive(Default)]
struct BotResult {
    proceed: Samples,
    sent: Vec<(i64, Instant)>,
    refused: u64,
}

/// A bot connection in delivery mode, answering offers until `stop`.
async fn bot(target: Target, mut stop: watch::Receiver<bool>) -> anyhow::Result<BotResult> {
    let url = format!("ws://{}/ws/support/bot/?delivery=1", target.authority);
    let mut request = url.into_client_request()?;
    if let Some(token) = &target.bot_token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let stream = tcp_connect(target.addr, None).await?;
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .context("bot websocket upgrade")?;
    let mut result = BotResult::default();
    let mut sending: HashMap<i64, Instant> = HashMap::new();
    loop {
        let frame = tokio::select! {
            _ = stop.changed() => break,
            frame = ws.next() => frame,
        };
        let Some(frame) = frame else { break };
        let Message::Text(text) = frame? else {
            continue;
        };
        if let Some((id, _)) = frame_of(text.as_str(), "delivery.offer") {
            let event = BotEvent::Sending(DeliverySending {
                message_id: MessageId::new(id),
            });
            sending.insert(id, Instant::now());
            ws.send(Message::text(event.to_json())).await?;
        } else if let Some((id, v)) = frame_of(text.as_str(), "delivery.proceed") {
            if let Some(at) = sending.remove(&id) {
                result.proceed.push(at.elapsed());
            }
            if v["proceed"] != true {
                result.refused += 1;
                continue;
            }
            let event = BotEvent::Sent(DeliverySent {
                message_id: MessageId::new(id),
                telegram_message_id: id,
                files: Vec::new(),
            });
            result.sent.push((id, Instant::now()));
            ws.send(Message::text(event.to_json())).await?;
        }
    }
    let _ = ws.close(None).await;
    Ok(result)
}

/// Reads the manager's socket until it has `want` replies `sent` or `deadline`; their arrivals.
async fn watch_sent(
    mut ws: ManagerWs,
    want: usize,
    deadline: tokio::time::Instant,
) -> HashMap<i64, Instant> {
    let mut seen = HashMap::with_capacity(want);
    while seen.len() < want {
        let text = match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(_))) => continue,
            // Closed, failed or out of time: what was seen is the result.
            Ok(Some(Err(_)) | None) | Err(_) => break,
        };
        if let Some((id, v)) = frame_of(text.as_str(), "ticket.message.delivery")
            && v["message"]["delivery"]["state"] == "sent"
        {
            seen.entry(id).or_insert_with(Instant::now);
        }
    }
    seen
}

/// Runs one level: `replies` fresh replies, then `bots` connections settling them. Replies not
/// settled within the level's two minutes stay pending and are offered in the next level, which
/// then starts with more than `replies` waiting: compare levels only when all settled.
pub async fn level(
    target: &Target,
    manager: (&Credentials, &ManagerToken),
    tickets: &[i64],
    replies: usize,
    bots: usize,
) -> anyhow::Result<AckLevel> {
    post_replies(target, manager.1, tickets, replies, 32).await?;
    let session = login(target, LoginKind::Token, manager.0, "").await?;
    let ws = crate::ws::connect(target, &session, None).await?;
    let started = Instant::now();
    let watcher = tokio::spawn(watch_sent(
        ws,
        replies,
        tokio::time::Instant::now() + Duration::from_secs(120),
    ));
    let (stop, stopped) = watch::channel(false);
    let tasks: Vec<_> = (0..bots.max(1))
        .map(|_| tokio::spawn(bot(target.clone(), stopped.clone())))
        .collect();
    let seen = watcher.await.context("the manager's reader panicked")?;
    let last = seen.values().max().copied().unwrap_or(started);
    let _ = stop.send(true);
    let (mut proceed, mut ack, mut refused) = (Samples::default(), Samples::default(), 0);
    for task in tasks {
        let r = task.await.context("a bot panicked")??;
        proceed.extend(r.proceed);
        refused += r.refused;
        for (id, at) in r.sent {
            if let Some(arrived) = seen.get(&id) {
                ack.push(arrived.saturating_duration_since(at));
            }
        }
    }
    let seconds = last.duration_since(started).as_secs_f64().max(1e-9);
    Ok(AckLevel {
        bots,
        replies,
        settled: seen.len(),
        seconds,
        per_second: seen.len() as f64 / seconds,
        proceed: proceed.summary(),
        ack: ack.summary(),
        refused,
    })
}

/// `loadgen acks`.
#[derive(Debug, clap::Args)]
pub struct AcksArgs {
    /// The server binary (e.g. target/release/chatlabs-support-server).
    #[arg(long)]
    pub spawn: std::path::PathBuf,
    /// `--database` for the server (default: a fresh SQLite file in --data-dir).
    #[arg(long)]
    pub database: Option<String>,
    /// Bot connections in delivery mode, one level each.
    #[arg(long, default_value = "1,16", value_delimiter = ',')]
    pub bots: Vec<usize>,
    /// Replies per level.
    #[arg(long, default_value_t = 10_000)]
    pub replies: usize,
    /// Tickets the replies spread over.
    #[arg(long, default_value_t = 64)]
    pub tickets: usize,
    /// Scratch directory (database, log); keep it on the real disk.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: std::path::PathBuf,
}

const MANAGER: &str = "acks:acks-pass-1";

/// Runs `loadgen acks`: a fresh server, the tickets, then each level; a line per level.
pub async fn command(args: AcksArgs) -> anyhow::Result<()> {
    let extra = ["--manager".to_owned(), MANAGER.to_owned()];
    let server = crate::spawn::OwnServer::start(
        &args.spawn,
        args.database.clone(),
        &args.data_dir,
        "acks",
        &extra,
    )
    .await?;
    let outcome = run(&server, &args).await;
    server.stop().await;
    outcome
}

async fn run(server: &crate::spawn::OwnServer, args: &AcksArgs) -> anyhow::Result<()> {
    let target = &server.target;
    let creds: Credentials = MANAGER.parse()?;
    let token = ManagerToken::login(target, &creds).await?;
    let mut setup = Conn::connect(target, None).await?;
    let mut tickets = Vec::with_capacity(args.tickets);
    for i in 0..args.tickets.max(1) {
        tickets.push(
            setup
                .create_ticket(100_000 + i as i64, &format!("ack ticket {i}"))
                .await?,
        );
    }
    println!(
        "{} replies per level over {} tickets on {}",
        args.replies,
        tickets.len(),
        server.backend
    );
    for &bots in &args.bots {
        let load1 = crate::procfs::load1().unwrap_or(f64::NAN);
        let r = level(target, (&creds, &token), &tickets, args.replies, bots).await?;
        println!("{}  load1 {load1}", r.line());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_message_of_each_frame() {
        let offer = r#"{"type":"delivery.offer","message":{"id":41,"ticket":3},"ticket":{"id":3},"attempt":1}"#;
        assert_eq!(frame_of(offer, "delivery.offer").map(|f| f.0), Some(41));
        let proceed = r#"{"type":"delivery.proceed","message_id":42,"proceed":true}"#;
        let (id, v) = frame_of(proceed, "delivery.proceed").unwrap();
        assert_eq!((id, v["proceed"] == true), (42, true));
        let update =
            r#"{"type":"ticket.message.delivery","message":{"id":43,"delivery":{"state":"sent"}}}"#;
        assert_eq!(
            frame_of(update, "ticket.message.delivery").map(|f| f.0),
            Some(43)
        );
        // A frame that only mentions the type in a text is not that frame.
        let other = r#"{"type":"ticket.message.new","message":{"id":44,"text":"delivery.offer"}}"#;
        assert!(frame_of(other, "delivery.offer").is_none());
    }
}
