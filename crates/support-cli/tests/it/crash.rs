//! Crash safety of the program \[S2\] (issue 15, part 4): a 201 means committed, whatever happens
//! next. Each round starts the real program on the same database, 32 concurrent bot clients
//! create tickets and post user messages over REST, recording every acknowledged write, and the
//! program is killed with SIGKILL at a random moment (no shutdown code runs). The next start on
//! that database reads everything back over REST and proves: every acknowledged ticket and
//! message is there exactly once, with the id and text it was acknowledged with; no text is
//! stored twice (a write in flight at the kill may be stored or not, never twice); ids are
//! unique; nothing is stored that no client sent. SQLite (a temporary file) and Postgres (a
//! schema of its own), three rounds each.
//!
//! The kill delay comes from a seeded RNG; the seed is printed and `SUPPORT_CRASH_SEED=N` replays
//! the same delays (the interleaving of the clients is the scheduler's, so a failure is
//! reproduced in kind, not byte for byte).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::process::*;

/// Concurrent bot clients writing.
const CLIENTS: u64 = 32;
/// Kills (and restarts) per backend.
const ROUNDS: u64 = 3;
/// Each client opens a ticket (with its first message) every this many writes, and posts
/// messages into its newest ticket in between: both kinds of write are under test.
const WRITES_PER_TICKET: u64 = 8;
/// The kill comes this long (ms) after the round's first acknowledged write: measured from an
/// acknowledgement rather than from the start, so a slow start on a busy machine still kills
/// under load.
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 200..=800;
/// A guard against a hang, never a speed assertion.
const HANG: Duration = Duration::from_secs(60);
/// The page size of the read-back.
const PAGE: u64 = 200;

/// What a client's POST came to.
enum Outcome {
    /// 2xx with its complete JSON body: the write is acknowledged.
    Acked(Value),
    /// No complete answer (the connection was cut by the kill): may be stored or not.
    InFlight,
    /// An answer that is no 2xx while the server was alive: never expected here.
    Refused(u16, String),
}

/// One write a client sent.
struct Sent {
    /// The message text; unique across the whole test.
    text: String,
    /// The title, when the write opened a ticket (with `text` as its first message).
    title: Option<String>,
    /// The ticket posted into, when the write was a message.
    ticket: Option<i64>,
    outcome: Outcome,
}

/// Everything acknowledged so far, across rounds: what the database must hold.
#[derive(Default)]
struct Ledger {
    /// Acknowledged tickets: id → title.
    tickets: HashMap<i64, String>,
    /// Acknowledged messages: text → (id, when the answer named it; ticket id). A ticket's first
    /// message is acknowledged with the ticket, whose answer does not name the message (no
    /// `last_message` on it today): that one is checked by its text and ticket, and by its id
    /// too should the answer ever carry `last_message`.
    messages: HashMap<String, (Option<i64>, i64)>,
    /// Every title and text sent, acknowledged or not: nothing else may be stored.
    sent: HashSet<String>,
    /// Per round: the writes in flight at the kill, as (text, title if it opened a ticket).
    in_flight: Vec<Vec<(String, Option<String>)>>,
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_across_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    crash_rounds("sqlite", &db).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_across_sigkill() {
    let test = "postgres_keeps_every_acknowledged_write_across_sigkill";
    let Some(pg) = support_testkit::services::postgres_url(test) else {
        return;
    };
    // A schema of its own (an unreachable Postgres fails here); dropped at the end, or when the
    // test fails.
    let schema = support_testkit::PgSchema::create_named(&pg, "support_crash_").await;
    crash_rounds("postgres", &schema_database(&pg, &schema)).await;
    schema.drop().await;
}

/// Writes, kills and restarts `ROUNDS` times on `db`, checking the database after each restart.
async fn crash_rounds(backend: &str, db: &str) {
    let started = Instant::now();
    let seed = std::env::var("SUPPORT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    say(&format!(
        "crash {backend}: seed {seed} (SUPPORT_CRASH_SEED={seed} replays the kill delays)"
    ));
    let http = reqwest::Client::builder().timeout(HANG).build().unwrap();
    let mut ledger = Ledger::default();
    for round in 1..=ROUNDS {
        let (server, addr) = start(db);
        check(&http, &addr, &ledger, backend).await;
        let delay = Duration::from_millis(rng.random_range(KILL_AFTER_MS));
        let sent = write_until_killed(&http, server, &addr, round, delay).await;
        let (acked, in_flight) = ledger.absorb(sent);
        say(&format!(
            "crash {backend} round {round}: killed {delay:?} after the first acknowledgement; \
             {acked} writes acknowledged, {in_flight} in flight at the kill"
        ));
    }
    // The last round's restart.
    let (server, addr) = start(db);
    check(&http, &addr, &ledger, backend).await;
    sigterm_and_wait(server);
    say(&format!(
        "crash {backend}: {ROUNDS} rounds in {:.1?}",
        started.elapsed()
    ));
}

/// Runs the clients against the server at `addr` and SIGKILLs it `delay` after the first
/// acknowledged write; returns every write sent.
async fn write_until_killed(
    http: &reqwest::Client,
    server: Server,
    addr: &str,
    round: u64,
    delay: Duration,
) -> Vec<Sent> {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (http, addr) = (http.clone(), addr.to_owned());
            let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
            tokio::spawn(async move { write(&http, &addr, round, client, &stop, &acked).await })
        })
        .collect();
    let deadline = Instant::now() + HANG;
    while acked.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no write acknowledged");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(delay).await;
    // Kill first, then tell the clients: the kill lands while they are all writing.
    sigkill(server);
    stop.store(true, Ordering::SeqCst);
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(tokio::time::timeout(HANG, client).await.unwrap().unwrap());
    }
    sent
}

/// One client: writes until the server is gone (its first failed request) or `stop` is set.
async fn write(
    http: &reqwest::Client,
    addr: &str,
    round: u64,
    client: u64,
    stop: &AtomicBool,
    acked: &AtomicU64,
) -> Vec<Sent> {
    let mut sent = Vec::new();
    let mut ticket = None;
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let text = format!("r{round}-c{client}-{n}");
        let (url, body, title) = match ticket {
            Some(t) if n % WRITES_PER_TICKET != 0 => (
                format!("http://{addr}/support/tickets/{t}/messages/"),
                json!({ "text": text }),
                None,
            ),
            _ => {
                let title = format!("r{round}-c{client}-t{n}");
                let body = json!({"user_id": 1000 + client, "title": title, "text": text});
                (format!("http://{addr}/support/tickets/"), body, Some(title))
            }
        };
        let outcome = post(http, url, &body).await;
        let done = !matches!(outcome, Outcome::Acked(_));
        if let Outcome::Acked(answer) = &outcome {
            acked.fetch_add(1, Ordering::SeqCst);
            if title.is_some() {
                ticket = answer["id"].as_i64();
            }
        }
        let target = if title.is_some() { None } else { ticket };
        sent.push(Sent {
            text,
            title,
            ticket: target,
            outcome,
        });
        if done {
            break;
        }
    }
    sent
}

async fn post(http: &reqwest::Client, url: String, body: &Value) -> Outcome {
    let Ok(response) = http.post(url).bearer_auth("T").json(body).send().await else {
        return Outcome::InFlight;
    };
    let status = response.status();
    // The body is read whole before the write counts as acknowledged: a kill between the
    // status line and the end of the body leaves the client without an answer.
    let Ok(text) = response.text().await else {
        return Outcome::InFlight;
    };
    if !status.is_success() {
        return Outcome::Refused(status.as_u16(), text);
    }
    serde_json::from_str(&text).map_or(Outcome::InFlight, Outcome::Acked)
}

impl Ledger {
    /// Records a round's writes; returns how many were acknowledged and how many were in flight.
    fn absorb(&mut self, sent: Vec<Sent>) -> (usize, usize) {
        let mut in_flight = Vec::new();
        let mut acked = 0;
        let mut refused = Vec::new();
        for write in sent {
            self.sent.insert(write.text.clone());
            if let Some(title) = &write.title {
                self.sent.insert(title.clone());
            }
            match write.outcome {
                Outcome::Acked(answer) => {
                    acked += 1;
                    let id = answer["id"].as_i64().expect("an id");
                    if let Some(title) = write.title {
                        assert_eq!(answer["title"], title.as_str(), "{answer}");
                        assert!(
                            self.tickets.insert(id, title).is_none(),
                            "ticket {id} twice"
                        );
                        // The first message, committed with the ticket.
                        let first = answer["last_message"]["id"].as_i64();
                        self.messages.insert(write.text, (first, id));
                    } else {
                        assert_eq!(answer["text"], write.text.as_str(), "{answer}");
                        let ticket = write.ticket.expect("a message names its ticket");
                        assert_eq!(answer["ticket"], ticket, "{answer}");
                        self.messages.insert(write.text, (Some(id), ticket));
                    }
                }
                Outcome::InFlight => in_flight.push((write.text, write.title)),
                Outcome::Refused(status, body) => refused.push((write.text, status, body)),
            }
        }
        assert!(
            refused.is_empty(),
            "writes refused while the server was up: {refused:?}"
        );
        assert!(acked > 0, "no write acknowledged in the round");
        let writes = in_flight.len();
        self.in_flight.push(in_flight);
        (acked, writes)
    }
}

/// Reads the whole database back from the server at `addr` and checks it against `ledger`.
async fn check(http: &reqwest::Client, addr: &str, ledger: &Ledger, backend: &str) {
    let tickets = all_pages(http, &format!("http://{addr}/support/tickets/")).await;
    let mut titles = HashMap::new();
    for ticket in &tickets {
        let (id, title) = (ticket["id"].as_i64().unwrap(), ticket["title"].as_str());
        let title = title.unwrap().to_owned();
        assert!(
            ledger.sent.contains(&title),
            "a ticket no client sent: {ticket}"
        );
        assert!(titles.insert(title, id).is_none(), "stored twice: {ticket}");
    }
    assert_eq!(titles.len(), tickets.len(), "ticket ids are unique");
    for (id, title) in &ledger.tickets {
        assert_eq!(titles.get(title), Some(id), "acknowledged ticket {title:?}");
    }
    // Every ticket's messages, a few tickets at a time.
    let ids: Vec<i64> = titles.values().copied().collect();
    let per_ticket: Vec<(i64, Vec<Value>)> = futures_util::stream::iter(ids)
        .map(|t| async move {
            let url = format!("http://{addr}/support/tickets/{t}/messages/");
            (t, all_pages(http, &url).await)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut texts: HashMap<String, (i64, i64)> = HashMap::new();
    let mut ids = HashSet::new();
    for (ticket, messages) in per_ticket {
        for message in messages {
            let id = message["id"].as_i64().unwrap();
            let text = message["text"].as_str().unwrap().to_owned();
            assert_eq!(message["ticket"], ticket, "{message}");
            assert!(ids.insert(id), "message id {id} twice");
            assert!(
                ledger.sent.contains(&text),
                "a message no client sent: {message}"
            );
            assert!(
                texts.insert(text, (id, ticket)).is_none(),
                "stored twice: {message}"
            );
        }
    }
    for (text, &(id, ticket)) in &ledger.messages {
        let found = texts.get(text).copied();
        assert!(found.is_some(), "acknowledged message {text:?} is lost");
        let (found_id, found_ticket) = found.unwrap();
        assert_eq!(found_ticket, ticket, "{text:?}");
        assert!(id.is_none_or(|id| id == found_id), "{text:?}: id {id:?}");
    }
    // What became of the writes in flight at each kill: stored or not, never twice (above). A
    // ticket and its first message are one transaction [R2]: both stored, or neither.
    let stored: Vec<String> = ledger
        .in_flight
        .iter()
        .map(|round| {
            let kept = round
                .iter()
                .filter(|(text, title)| {
                    let stored = texts.contains_key(text);
                    if let Some(title) = title {
                        assert_eq!(titles.contains_key(title), stored, "{title:?}, {text:?}");
                    }
                    stored
                })
                .count();
            format!("{kept}/{}", round.len())
        })
        .collect();
    say(&format!(
        "crash {backend} check after {} kill(s): {} tickets and {} messages stored; all {} \
         acknowledged tickets and {} acknowledged messages found exactly once; in-flight writes \
         stored per round: {stored:?}",
        ledger.in_flight.len(),
        tickets.len(),
        texts.len(),
        ledger.tickets.len(),
        ledger.messages.len(),
    ));
}

/// Every item of a paged list (`limit`/`offset`, [R1] and [R5]).
async fn all_pages(http: &reqwest::Client, url: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let page: Value = http
            .get(format!("{url}?limit={PAGE}&offset={}", items.len()))
            .bearer_auth("T")
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = page["results"].as_array().expect("a page").clone();
        let count = page["count"].as_u64().unwrap();
        let empty = results.is_empty();
        items.extend(results);
        if empty || items.len() as u64 >= count {
            return items;
        }
    }
}
