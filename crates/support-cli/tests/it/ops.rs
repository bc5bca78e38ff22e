//! The operational endpoints as an operator meets them: with `--ops-bind`, health and the
//! Prometheus metrics answer on their own address only; `/readyz` waits for the bot when asked
//! to; a scrape after a short support conversation counts exactly what happened (requests by
//! route and status as histograms, sockets, events, fan-out, commits, deliveries, a failed
//! login). The program is its own process, so its metrics hold this test's traffic only.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use support_testkit::ws::{id, recv_type, recv_until, send};

use crate::process::*;

/// The value of the sample `name{labels}` in a Prometheus text exposition: the one whose labels
/// are exactly `labels` (in any order).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<&str, &str> = labels.iter().copied().collect();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, got) = match series.split_once('{') {
                Some((metric, rest)) => (metric, parse_labels(rest.strip_suffix('}')?)),
                None => (series, BTreeMap::new()),
            };
            (metric == name && got == want).then(|| value.parse().ok())?
        })
}

/// `a="x",b="y"` (values without commas or quotes, as ours are).
fn parse_labels(text: &str) -> BTreeMap<&str, &str> {
    text.split(',')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key, value.trim_matches('"')))
        })
        .collect()
}

/// `sample`, which must be there.
fn must(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(text, name, labels)
        .unwrap_or_else(|| panic!("no {name}{labels:?} in the scrape:\n{text}"))
}

async fn get(http: &reqwest::Client, url: String) -> (u16, String) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// `/readyz` until it answers `status` (a socket is counted once its task runs, just after the
/// handshake completes), or the test fails after 5 s.
async fn ready_becomes(http: &reqwest::Client, ops: &str, status: u16) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (got, body) = get(http, format!("http://{ops}/readyz")).await;
        if got == status {
            return serde_json::from_str(&body).unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz stayed {got}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn health_and_metrics_on_their_own_address_count_a_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let (server, lines) =
        start_printing(&db, &["--ops-bind", "127.0.0.1:0", "--ready-requires-bot"]);
    let addr = address_in(&lines[0]);
    let health = lines.last().unwrap();
    assert!(health.contains("a connected bot"), "{health}");
    let ops = address_in(health);
    assert_ne!(ops, addr, "{lines:?}");
    let http = reqwest::Client::new();

    // Only on the ops address.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let (status, _) = get(&http, format!("http://{addr}{path}")).await;
        assert_eq!(status, 404, "{path} on the main address");
    }
    assert_eq!(get(&http, format!("http://{ops}/healthz")).await.0, 200);
    // No bot yet: not ready, and the bot is what fails.
    let unready = ready_becomes(&http, &ops, 503).await;
    assert_eq!(unready["failing"], json!(["bot"]), "{unready}");
    assert_eq!(unready["checks"]["storage"], "ok", "{unready}");

    let mut bot = support_testkit::ws::connect(
        &format!("ws://{addr}/ws/support/bot/?delivery=1"),
        &[("authorization", "Bearer T".to_owned())],
    )
    .await
    .expect("the bot websocket connects");
    let ready = ready_becomes(&http, &ops, 200).await;
    assert_eq!(ready["checks"]["bot"], "ok", "{ready}");

    // A wrong password.
    let refused = http
        .post(format!("http://{addr}/support/auth/login/"))
        .header("origin", format!("http://{addr}"))
        .json(&json!({"username": "anna", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);

    // A conversation: the user writes, anna answers, the bot delivers.
    let mut anna = manager_socket(&http, &addr).await;
    let ticket = bot_post(
        &http,
        format!("http://{addr}/support/tickets/"),
        &json!({"user_id": 1001, "title": "metrics"}),
    )
    .await;
    let t = id(&ticket);
    bot_post(
        &http,
        format!("http://{addr}/support/tickets/{t}/messages/"),
        &json!({"text": "hello"}),
    )
    .await;
    send(
        &mut anna,
        json!({"type": "ticket.message.new", "ticket_id": t, "text": "hello back"}),
    )
    .await;
    let offer = recv_type(&mut bot, "delivery.offer").await;
    let reply = id(&offer["message"]);
    send(
        &mut bot,
        json!({"type": "delivery.sending", "message_id": reply}),
    )
    .await;
    assert_eq!(
        recv_type(&mut bot, "delivery.proceed").await["proceed"],
        true
    );
    send(
        &mut bot,
        json!({"type": "delivery.sent", "message_id": reply, "telegram_message_id": 5}),
    )
    .await;
    let delivered = recv_until(&mut anna, "ticket.message.delivery").await;
    assert_eq!(delivered["message"]["delivery"]["state"], "sent");
    assert_eq!(
        get(&http, format!("http://{addr}/no/such/page")).await.0,
        404
    );

    let response = http
        .get(format!("http://{ops}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        response.headers()
    );
    let text = response.text().await.unwrap();
    let created = [
        ("method", "POST"),
        ("route", "/support/tickets/"),
        ("status", "201"),
    ];
    assert_eq!(must(&text, "support_http_requests_total", &created), 1.0);
    // A histogram with buckets, not a summary.
    let mut bucket = created.to_vec();
    bucket.push(("le", "+Inf"));
    assert_eq!(
        must(
            &text,
            "support_http_request_duration_seconds_bucket",
            &bucket
        ),
        1.0
    );
    let message_route = [
        ("method", "POST"),
        ("route", "/support/tickets/{id}/messages/"),
        ("status", "201"),
    ];
    assert_eq!(
        must(&text, "support_http_requests_total", &message_route),
        1.0
    );
    // The three ops paths on the main address and the missing page.
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert_eq!(must(&text, "support_http_requests_total", &unmatched), 4.0);
    // The ops listener counts its own requests too.
    let unready = [("method", "GET"), ("route", "/readyz"), ("status", "503")];
    assert!(must(&text, "support_http_requests_total", &unready) >= 1.0);
    assert_eq!(
        must(
            &text,
            "support_login_failures_total",
            &[("reason", "credentials")]
        ),
        1.0
    );
    for kind in ["manager", "bot"] {
        assert_eq!(
            must(&text, "support_ws_connections", &[("kind", kind)]),
            1.0,
            "{kind}"
        );
    }
    assert_eq!(
        must(
            &text,
            "support_events_published_total",
            &[("event", "ticket.created")]
        ),
        1.0
    );
    // ticket.created, the user's message, anna's reply, its delivery: each reached anna.
    assert!(must(&text, "support_event_fanout_lag_seconds_count", &[]) >= 4.0);
    // Two messages written: the user's and the reply, whatever the batching.
    assert_eq!(
        must(
            &text,
            "support_storage_commit_batch_size_sum",
            &[("backend", "sqlite")]
        ),
        2.0
    );
    assert!(
        must(
            &text,
            "support_storage_commit_seconds_count",
            &[("backend", "sqlite")]
        ) >= 1.0
    );
    assert_eq!(
        must(
            &text,
            "support_deliveries_total",
            &[("outcome", "sent"), ("reason", "ok")]
        ),
        1.0
    );
    // Every series is described.
    assert!(text.contains("# HELP support_deliveries_total"), "{text}");
    sigterm_and_wait(server);
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn without_ops_bind_health_and_metrics_share_the_main_address_and_no_metrics_turns_them_off()
{
    let http = reqwest::Client::new();
    let (server, addr) = start_with("memory:", &[]);
    assert_eq!(get(&http, format!("http://{addr}/readyz")).await.0, 200);
    let (status, text) = get(&http, format!("http://{addr}/metrics")).await;
    assert_eq!(status, 200);
    // The /readyz just above, by its route.
    let readyz = [("method", "GET"), ("route", "/readyz"), ("status", "200")];
    assert_eq!(must(&text, "support_http_requests_total", &readyz), 1.0);
    sigterm_and_wait(server);

    let (server, lines) = start_printing("memory:", &["--no-metrics"]);
    let addr = address_in(&lines[0]);
    assert_eq!(get(&http, format!("http://{addr}/healthz")).await.0, 200);
    assert_eq!(get(&http, format!("http://{addr}/metrics")).await.0, 404);
    sigterm_and_wait(server);
}
