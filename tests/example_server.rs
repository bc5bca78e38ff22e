//! Starts `examples/server.rs` as a subprocess, as a new user would: serves the REST API on
//! SQLite, exits cleanly on SIGTERM, and a second start on the same file finds the data.
#![cfg(all(unix, feature = "full"))]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn example_binary() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples/server
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("examples").join("server");
    assert!(
        bin.exists(),
        "{} is built by `cargo test` with the examples",
        bin.display()
    );
    bin
}

/// Starts the server and returns it with the address it printed.
fn start(db: &str) -> (Child, String) {
    let mut child = Command::new(example_binary())
        .args([
            "--bind",
            "127.0.0.1:0",
            "--database",
            db,
            "--bot-token",
            "T",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, addr)
}

fn sigterm_and_wait(mut child: Child) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("the server did not exit within 5 s of SIGTERM");
}

#[tokio::test]
async fn example_server_serves_rest_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let http = reqwest::Client::new();

    let (child, addr) = start(&db);
    let created: serde_json::Value = http
        .post(format!("http://{addr}/support/tickets/"))
        .bearer_auth("T")
        .json(&serde_json::json!({"user_id": 1001, "title": "from the example", "text": "hello"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let anon = http
        .get(format!("http://{addr}/support/tickets/"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    sigterm_and_wait(child);

    let (child, addr) = start(&db);
    let ticket: serde_json::Value = http
        .get(format!("http://{addr}/support/tickets/{}/", created["id"]))
        .bearer_auth("T")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["title"], "from the example");
    assert_eq!(ticket["unread_count"], 1);
    sigterm_and_wait(child);
}
