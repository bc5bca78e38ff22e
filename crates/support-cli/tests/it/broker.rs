//! A broker restart under traffic (issue 15, part 4): two instances of the program share one
//! database and a Redis hub (a `redis-server` this test starts on a port of its own), each with a
//! manager websocket, while a client posts messages through instance A. Redis is killed with
//! SIGKILL and restarted on the same port; then, within a bounded wait and without restarting
//! either instance, both are ready again, a message posted on A reaches the sockets on A and B,
//! one posted on B reaches A, and every message posted after that reaches both sockets, exactly
//! once. The sockets stay open throughout.
//!
//! Nothing is lost to the outage (resumable events, issue 15 part 2): every message acknowledged
//! *during* it reaches both live sockets (the instances read them from the event log in the
//! database while Redis is down), and a third manager, whose console went away on B just before
//! the outage, reconnects to A with `?since=` the last number it saw and is replayed every one of
//! them, once, then `resumed`.
//!
//! Runs where Redis is expected (`SUPPORT_TEST_REDIS_URL` set, though this test uses its own
//! server) and `redis-server` is installed; on Postgres when `SUPPORT_TEST_POSTGRES_URL` is set
//! (the documented way to run several instances), else on one SQLite file, which two processes
//! may share (its backend waits on the other's locks).
#![cfg(all(feature = "redis", feature = "sqlite"))]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use support_testkit::services::{POSTGRES_URL_VAR, redis_url};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::process::*;

/// The bound on each wait for something that must happen: generous for a busy 2-core machine
/// (the hub's reconnect backoff alone is capped at 5 s), never a speed assertion.
const WAIT: Duration = Duration::from_secs(20);
/// How long Redis stays down.
const OUTAGE: Duration = Duration::from_millis(1500);
/// How often a polled condition is checked.
const POLL: Duration = Duration::from_millis(20);

/// The traffic's phases: when each message was sent and acknowledged.
const BEFORE: u8 = 0;
const DOWN: u8 = 1;
const AFTER: u8 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_recover_from_a_broker_restart_under_traffic() {
    let test = "instances_recover_from_a_broker_restart_under_traffic";
    if redis_url(test).is_none() {
        return;
    }
    let Some(bin) = redis_server_binary(test) else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (db, schema) = database(dir.path()).await;
    let mut redis = Redis::start(bin);
    let hub = format!("redis://127.0.0.1:{}", redis.port);
    let logs = Logs(vec![dir.path().join("a.log"), dir.path().join("b.log")]);
    let (mut a, addr_a) = instance(&db, &hub, &logs.0[0]);
    let (mut b, addr_b) = instance(&db, &hub, &logs.0[1]);
    let http = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let on_a = listen(manager_socket(&http, &addr_a).await);
    let on_b = listen(manager_socket(&http, &addr_b).await);
    let both = [&on_a, &on_b];
    let tickets = format!("http://{addr_a}/support/tickets/");
    let ticket = bot_post(&http, tickets, &json!({"user_id": 1001, "title": "outage"})).await;
    let ticket = ticket["id"].as_i64().unwrap();

    // The hub works: the first message reaches both sockets.
    let first = post_message(&http, &addr_a, ticket, "before the traffic").await;
    reach(&both, &[first], "the first message").await;

    // A console on B that goes away just before the outage, knowing where it stood.
    let mut away = manager_socket_since(&http, &addr_b, Some("latest")).await;
    let resumed = next_text(&mut away).await;
    assert_eq!(resumed["type"], "resumed", "{resumed}");
    let cursor = resumed["seq"].as_u64().unwrap();
    drop(away);

    // Traffic through A, then the outage while it runs.
    let phase = Arc::new(AtomicU8::new(BEFORE));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let traffic = tokio::spawn(traffic(
        http.clone(),
        addr_a.clone(),
        ticket,
        Arc::clone(&phase),
        Arc::clone(&stop),
        Arc::clone(&sent),
    ));
    let three = until(WAIT, || sent.lock().unwrap().len() >= 3).await;
    assert!(three, "the traffic does not get going");
    phase.store(DOWN, Ordering::SeqCst);
    redis.kill();
    // Both instances notice; then Redis stays down a while under traffic.
    for addr in [&addr_a, &addr_b] {
        assert_eq!(ready(&http, addr, 503).await, 503, "{addr} never noticed");
    }
    tokio::time::sleep(OUTAGE).await;
    redis.restart();
    phase.store(AFTER, Ordering::SeqCst);
    let restarted = Instant::now();

    // Recovery, within a bounded wait and with the same processes.
    for addr in [&addr_a, &addr_b] {
        assert_eq!(ready(&http, addr, 200).await, 200, "{addr} not ready again");
    }
    probe(&http, &addr_a, ticket, &both, "A to A and B").await;
    probe(&http, &addr_b, ticket, &[&on_a], "B to A").await;
    let recovered = restarted.elapsed();
    // From here on nothing is lost: the traffic's later messages reach both sockets.
    let mark = sent.lock().unwrap().len();
    let more = until(WAIT, || sent.lock().unwrap().len() >= mark + 5).await;
    stop.store(true, Ordering::SeqCst);
    // A failed POST ends the traffic with a panic: shown here, before the stall it causes.
    traffic.await.unwrap();
    assert!(more, "the traffic stalled after the recovery");
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    let after: Vec<i64> = sent[mark..].iter().map(|(id, ..)| *id).collect();
    reach(&both, &after, "the messages after the recovery").await;
    let outage: HashSet<i64> = sent
        .iter()
        .filter(|(_, at_send, at_ack)| (*at_send, *at_ack) == (DOWN, DOWN))
        .map(|(id, ..)| *id)
        .collect();
    // Nothing lost: the live sockets got every message of the outage (from the event log),
    // each once (below)...
    reach(
        &both,
        &outage.iter().copied().collect::<Vec<_>>(),
        "the outage's messages",
    )
    .await;
    assert!(running(&mut a) && running(&mut b), "an instance exited");

    for (name, socket) in [("A", &on_a), ("B", &on_b)] {
        let got = socket.lock().unwrap();
        assert_eq!(got.closed, None, "the socket on {name} was closed");
        let unique: HashSet<i64> = got.messages.iter().copied().collect();
        assert_eq!(
            unique.len(),
            got.messages.len(),
            "a message twice on {name}"
        );
    }
    let got_a: HashSet<i64> = on_a.lock().unwrap().messages.iter().copied().collect();
    let got_b: HashSet<i64> = on_b.lock().unwrap().messages.iter().copied().collect();
    // ... and the console that went away is replayed them on the other instance, once.
    let mut back = manager_socket_since(&http, &addr_a, Some(&cursor.to_string())).await;
    let mut replayed = Vec::new();
    let resumed = loop {
        let event = next_text(&mut back).await;
        match event["type"].as_str() {
            Some("ticket.message.new") => replayed.push(event["message"]["id"].as_i64().unwrap()),
            Some("resumed") => break event,
            _ => assert_ne!(event["type"], "resync_required", "{event}"),
        }
    };
    let unique: HashSet<i64> = replayed.iter().copied().collect();
    assert_eq!(unique.len(), replayed.len(), "a message replayed twice");
    assert!(
        outage.is_subset(&unique),
        "the outage's messages were not all replayed"
    );
    assert!(resumed["replayed"].as_u64().unwrap() >= replayed.len() as u64);
    let count = |got: &HashSet<i64>| outage.intersection(got).count();
    say(&format!(
        "broker: {} messages acknowledged during the outage of {OUTAGE:?} (of {} in all); \
         reached the socket on A: {}, on B: {}, replayed to the returning console: {}; \
         recovered {recovered:.1?} after Redis restarted; {:.1?} in all",
        outage.len(),
        sent.len(),
        count(&got_a),
        count(&got_b),
        count(&unique),
        started.elapsed(),
    ));
    sigterm_and_wait(a);
    sigterm_and_wait(b);
    if let Some(schema) = schema {
        schema.drop().await;
    }
}

/// The shared database: a Postgres schema when Postgres is configured, else a SQLite file.
async fn database(dir: &Path) -> (String, Option<support_testkit::PgSchema>) {
    #[cfg(feature = "postgres")]
    if let Some(pg) = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        let schema = support_testkit::PgSchema::create_named(&pg, "support_broker_").await;
        return (schema_database(&pg, &schema), Some(schema));
    }
    say(&format!(
        "broker: the instances share a SQLite file ({POSTGRES_URL_VAR} is not set)"
    ));
    let db = format!("sqlite://{}", dir.join("support.db").display());
    (db, None)
}

/// An instance on `db` with the Redis hub `hub`, logging to `log`.
fn instance(db: &str, hub: &str, log: &Path) -> (Server, String) {
    let log = std::fs::File::create(log).unwrap();
    let (server, lines) = start_logging_to(db, &["--hub", hub], Stdio::from(log));
    (server, address_in(&lines[0]))
}

/// The instances' log files, shown if the test fails (the outage makes them log errors on
/// purpose, so they are kept out of the output of a passing test): each distinct line once (less
/// its timestamp), in order, with how often it came (a failed publish per message, a failed
/// check per poll) and when it came last.
struct Logs(Vec<PathBuf>);

impl Drop for Logs {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        for path in &self.0 {
            let log = std::fs::read_to_string(path).unwrap_or_default();
            let mut distinct: Vec<(&str, usize, &str)> = Vec::new();
            for line in log.lines() {
                let (time, said) = line.split_once(' ').unwrap_or(("", line));
                match distinct.iter_mut().find(|(known, ..)| *known == said) {
                    Some((_, n, last)) => (*n, *last) = (*n + 1, time),
                    None => distinct.push((said, 1, time)),
                }
            }
            let lines: Vec<String> = distinct
                .iter()
                .map(|(said, n, last)| format!("{said} (×{n}, last at {last})"))
                .collect();
            say(&format!("---- {}:\n{}", path.display(), lines.join("\n")));
        }
    }
}

/// What a manager socket received: the ids of `ticket.message.new` events, in order, and why it
/// closed, if it did.
#[derive(Default)]
struct Seen {
    messages: Vec<i64>,
    closed: Option<String>,
}

type Inbox = Arc<Mutex<Seen>>;

/// Reads `socket` to the end in a task of its own (so it never lags behind and is never
/// disconnected as a slow client), recording what arrives.
fn listen(mut socket: support_testkit::Ws) -> Inbox {
    let inbox = Inbox::default();
    let seen = Arc::clone(&inbox);
    tokio::spawn(async move {
        let closed = loop {
            match socket.next().await {
                Some(Ok(WsMessage::Text(text))) => {
                    let event: Value = serde_json::from_str(&text).unwrap();
                    if event["type"] == "ticket.message.new" {
                        let id = event["message"]["id"].as_i64().unwrap();
                        seen.lock().unwrap().messages.push(id);
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => break format!("{frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(err)) => break err.to_string(),
                None => break "ended".to_owned(),
            }
        };
        seen.lock().unwrap().closed = Some(closed);
    });
    inbox
}

/// Whether `condition` holds within `wait`, polled.
async fn until(wait: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until every message of `ids` has reached every socket of `inboxes`.
async fn reach(inboxes: &[&Inbox], ids: &[i64], what: &str) {
    let all = |inbox: &Inbox| {
        let got = &inbox.lock().unwrap().messages;
        ids.iter().all(|id| got.contains(id))
    };
    let reached = until(WAIT, || inboxes.iter().all(|inbox| all(inbox))).await;
    assert!(
        reached,
        "{what} ({} messages) did not reach the sockets",
        ids.len()
    );
}

/// Posts a probe through `addr` every half second until one of them has reached every socket of
/// `inboxes`. A probe posted before an instance resubscribed is lost for good (pub/sub keeps no
/// history), hence a stream of them rather than one awaited for long.
async fn probe(http: &reqwest::Client, addr: &str, ticket: i64, inboxes: &[&Inbox], what: &str) {
    let deadline = Instant::now() + WAIT;
    let mut probes = Vec::new();
    loop {
        let text = format!("probe {what} {}", probes.len());
        probes.push(post_message(http, addr, ticket, &text).await);
        let everywhere = |id: &i64| {
            inboxes
                .iter()
                .all(|inbox| inbox.lock().unwrap().messages.contains(id))
        };
        let through = until(Duration::from_millis(500), || probes.iter().any(everywhere)).await;
        if through {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no probe {what} got through in {WAIT:?} ({} posted)",
            probes.len()
        );
    }
}

/// Posts messages through `addr` until `stop`, recording each acknowledged one with the phase
/// at its sending and at its acknowledgement. Every POST must succeed: the database is up, and
/// a broker outage only costs events.
async fn traffic(
    http: reqwest::Client,
    addr: String,
    ticket: i64,
    phase: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<Vec<(i64, u8, u8)>>>,
) {
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let at_send = phase.load(Ordering::SeqCst);
        let id = post_message(&http, &addr, ticket, &format!("traffic {n}")).await;
        let at_ack = phase.load(Ordering::SeqCst);
        sent.lock().unwrap().push((id, at_send, at_ack));
        // A steady stream, not a flood: this test is about the broker, not throughput.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Posts a user message with the bot token; returns its id.
async fn post_message(http: &reqwest::Client, addr: &str, ticket: i64, text: &str) -> i64 {
    let url = format!("http://{addr}/support/tickets/{ticket}/messages/");
    let message = bot_post(http, url, &json!({ "text": text })).await;
    message["id"].as_i64().unwrap()
}

/// Polls `/readyz` of `addr` until it answers `status`, for at most [`WAIT`]; returns the last
/// status seen (0: no answer).
async fn ready(http: &reqwest::Client, addr: &str, status: u16) -> u16 {
    let deadline = Instant::now() + WAIT;
    loop {
        let response = http.get(format!("http://{addr}/readyz")).send().await;
        let last = response.map_or(0, |r| r.status().as_u16());
        if last == status || Instant::now() >= deadline {
            return last;
        }
        // Slower than `POLL`: each failed check is a log line and a connection attempt.
        tokio::time::sleep(support_testkit::POLL).await;
    }
}
