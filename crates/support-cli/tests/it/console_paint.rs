//! A benchmark, not a check (ignored by default; BENCHMARKS.md has the command and the
//! numbers): a ticket of 1,000 messages, 300 of them pictures, opened in the console in
//! headless Chromium against the program. It prints the page's first contentful paint, then,
//! from the click on the ticket, the time until the newest messages are shown and until every
//! picture in view is drawn, over several rounds.
//!
//! `SUPPORT_BENCH_PROGRAM=target/release/chatlabs-support-server cargo test --release -p
//! chatlabs-support-server --test it console_paint -- --ignored --nocapture`

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support_testkit::{Browser, Driver, Screen, png};

use crate::process::{sigterm_and_wait, start_with};

const MESSAGES: usize = 1_000;
const PICTURES: usize = 300;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with --ignored --nocapture"]
async fn console_paints_a_long_ticket_with_300_pictures() {
    let Some(driver) = Driver::start("console_paint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let blobs = dir.path().join("blobs");
    let (server, addr) = start_with(&db, &["--blob-dir", blobs.to_str().unwrap()]);
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/support");

    let ticket: Value = http
        .post(format!("{base}/tickets/"))
        .bearer_auth("T")
        .json(&json!({"user_id": 4242, "title": "A long one"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = ticket["id"].as_i64().unwrap();
    let filling = Instant::now();
    // Every 10 messages, 3 are pictures (distinct bytes, 320 x 240).
    for i in 0..MESSAGES {
        let picture = i % 10 < 3 && i / 10 * 3 + i % 10 < PICTURES;
        let mut body = json!({"text": format!("message {i}: the printer still jams on page two")});
        if picture {
            let part = reqwest::multipart::Part::bytes(png(320, 240, [(i % 256) as u8, 90, 160]))
                .file_name(format!("shot-{i}.png"))
                .mime_str("image/png")
                .unwrap();
            let up: Value = http
                .post(format!("{base}/attachments/"))
                .bearer_auth("T")
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body = json!({"text": "", "attachments": [{"upload": up["id"]}]});
        }
        let r = http
            .post(format!("{base}/tickets/{ticket}/messages/"))
            .bearer_auth("T")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    println!(
        "filled: {MESSAGES} messages, {PICTURES} pictures in {:.1} s",
        filling.elapsed().as_secs_f64()
    );

    let b = Browser::open(&driver, Screen::Desktop).await;
    b.goto(&format!("{base}/manager/")).await;
    b.login("anna", "pa55word").await;
    b.wait_for(
        "signed in",
        &format!(
            "document.querySelector('#ticket-list .ticket-item[data-id=\"{ticket}\"]') !== null"
        ),
    )
    .await;
    for round in 1..=ROUNDS {
        b.goto(&format!("{base}/manager/")).await;
        let item = format!("#ticket-list .ticket-item[data-id=\"{ticket}\"]");
        b.wait_for(
            "the ticket list",
            &format!("document.querySelector('{item}') !== null"),
        )
        .await;
        let fcp = b
            .js("const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null;")
            .await;
        b.js("window.__openedAt = performance.now(); return true;")
            .await;
        b.click(&item).await;
        let shown = b
            .wait_for(
                "the newest message",
                "(() => { const m = [...document.querySelectorAll('#message-list li.msg')]; \
                 return m.some(e => e.textContent.includes('message 999')) ? performance.now() - window.__openedAt : null; })()",
            )
            .await;
        let drawn = b
            .wait_for(
                "every picture in view drawn",
                "(() => { const imgs = [...document.querySelectorAll('#message-list img.att-image')]; \
                 const inView = imgs.filter(i => { const b = i.getBoundingClientRect(); return b.bottom > 0 && b.top < window.innerHeight; }); \
                 return inView.length > 0 && inView.every(i => i.complete && i.naturalWidth > 0) \
                   ? { ms: performance.now() - window.__openedAt, inView: inView.length, inDom: imgs.length, \
                       messages: document.querySelectorAll('#message-list li.msg').length } : null; })()",
            )
            .await;
        println!(
            "round {round}: first contentful paint {:.0} ms; ticket opened: newest messages shown in {:.0} ms, \
             the {} pictures in view drawn in {:.0} ms ({} messages and {} pictures in the page)",
            fcp.as_f64().unwrap_or(f64::NAN),
            shown.as_f64().unwrap_or(f64::NAN),
            drawn["inView"],
            drawn["ms"].as_f64().unwrap_or(f64::NAN),
            drawn["messages"],
            drawn["inDom"],
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.close().await;
    sigterm_and_wait(server);
}
