//! The example bot as a process, killed with SIGKILL while it sends replies and started again
//! with nothing on disk but its dialogues: every reply reaches its user once, none twice; a
//! reply whose Telegram call the kill cut off is marked failed as unconfirmed (never resent), for
//! a manager to check and retry.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support_bot::protocol::{DeliveryState, Message, Sender};

use crate::harness::*;

/// The example bot, built with these tests (`cargo test` builds the package's examples).
fn bot_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/it-<hash> -> target/<profile>/examples/host_bot
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the target directory");
    let bin = dir
        .join("examples")
        .join(format!("host_bot{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test -p support-bot` (it builds the examples)",
        bin.display()
    );
    bin
}

fn start_bot(tg: &FakeTelegram, backend: &TestServer, dialogues: &std::path::Path) -> Child {
    Command::new(bot_binary())
        .env("TELOXIDE_TOKEN", "123:test")
        .env("TELOXIDE_API_URL", format!("http://{}/", tg.addr))
        .env("BACKEND_HOST", "127.0.0.1")
        .env("BACKEND_PORT", backend.addr.port().to_string())
        .env("BACKEND_TOKEN", BOT_TOKEN)
        .env("SUPPORT_DIALOGUE_DB", dialogues)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the example bot starts")
}

/// Every manager reply of these tickets with its delivery.
async fn replies(backend: &TestServer, tickets: &[i64]) -> Vec<Message> {
    let mut all = Vec::new();
    for t in tickets {
        let mut messages = backend.stored_messages(*t).await;
        messages.retain(|m| m.sender == Sender::Supp);
        all.extend(messages);
    }
    all
}

#[tokio::test]
async fn kill_9_mid_stream_then_a_fresh_start_sends_each_reply_once() {
    init_tracing();
    let dir = tempfile::tempdir().unwrap();
    // A short lease, so that what the killed bot held is settled within seconds.
    let policy = support_testkit::delivery_policy().lease(Duration::from_secs(3));
    let backend = TestServer::sqlite_with(&dir.path().join("support.db"), None, policy).await;
    let tg = FakeTelegram::start().await;
    let dialogues = dir.path().join("dialogues.db");
    let (_, session) = backend.manager("anna").await;
    let http = reqwest::Client::new();
    let reply = |ticket: i64, text: String| {
        let request = http
            .post(backend.url(&format!("/support/tickets/{ticket}/messages/")))
            .header("cookie", format!("support_session={session}"))
            .header("origin", backend.origin())
            .json(&json!({ "text": text }));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 201);
        }
    };

    let mut tickets = Vec::new();
    for user in 0..8 {
        tickets.push(
            backend
                .ticket_with_message(7000 + user, "process", "hello")
                .await,
        );
    }
    let mut bot = start_bot(&tg, &backend, &dialogues);
    for round in 0..5 {
        for t in &tickets {
            reply(*t, format!("reply {round} in {t}")).await;
        }
    }
    // SIGKILL as soon as a dozen replies went out: others are in flight.
    tg.wait_for(Duration::from_secs(20), |c| {
        c.iter().filter(|c| c.method == "sendmessage").count() >= 12
    })
    .await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    // Replies while no bot runs.
    for t in &tickets {
        reply(*t, format!("reply 5 in {t}")).await;
    }
    // A fresh start: no cursor file, nothing but the dialogues.
    let mut bot = start_bot(&tg, &backend, &dialogues);
    let deadline = Instant::now() + Duration::from_secs(60);
    let settled = loop {
        let all = replies(&backend, &tickets).await;
        if all.iter().all(|m| {
            m.delivery
                .as_ref()
                .is_some_and(|d| d.state != DeliveryState::Pending)
        }) {
            break all;
        }
        assert!(Instant::now() < deadline, "replies still pending: {all:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    bot.kill().unwrap();
    bot.wait().unwrap();

    let sent: Vec<String> = tg
        .calls()
        .into_iter()
        .filter(|c| c.method == "sendmessage" && !c.failed)
        .map(|c| c.text().to_owned())
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut unconfirmed = 0;
    for m in &settled {
        let n = sent.iter().filter(|s| s.contains(&m.text)).count();
        counts.insert(&m.text, n);
        let d = m.delivery.as_ref().unwrap();
        match d.state {
            DeliveryState::Sent => assert_eq!(n, 1, "{} sent {n} times", m.text),
            DeliveryState::Failed => {
                // Only a send the kill cut off: announced, never reported.
                assert!(
                    d.error.as_deref().unwrap_or("").starts_with("Unconfirmed"),
                    "{m:?}"
                );
                assert!(n <= 1, "{} sent {n} times", m.text);
                unconfirmed += 1;
            }
            DeliveryState::Pending => unreachable!(),
        }
    }
    assert_eq!(settled.len(), 48);
    // At most what was in flight at the kill; the rest went out exactly once.
    assert!(unconfirmed <= 4, "{unconfirmed} unconfirmed: {counts:#?}");
    eprintln!(
        "kill -9: {} replies, {} sent once, {unconfirmed} unconfirmed, {} Telegram sends",
        settled.len(),
        settled.len() - unconfirmed,
        sent.len()
    );
}
