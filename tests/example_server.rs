//! Starts `examples/server.rs` as a subprocess, as a new user would: waits for readiness, logs in
//! as a manager, creates a ticket over REST, receives its event on the manager websocket, then
//! sends SIGTERM and sees a clean exit with the websocket closed with 1001; a second start on the
//! same SQLite file finds the ticket.
#![cfg(all(unix, feature = "full"))]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> serde_json::Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("expected an event, got {other:?}"),
        }
    }
}

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

/// The server process; killed if a failing test drops it before SIGTERM.
struct Server(Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the server and returns it with the address it printed.
fn start(db: &str) -> (Server, String) {
    let mut child = Command::new(example_binary())
        .args([
            "--bind",
            "127.0.0.1:0",
            "--database",
            db,
            "--bot-token",
            "T",
            "--manager",
            "anna:pa55word",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // Keep draining the rest, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Server(Some(child)), addr)
}

fn sigterm_and_wait(mut server: Server) {
    let mut child = server.0.take().unwrap();
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

    // Log in as the manager given with --manager and open the manager websocket with the cookie.
    let login = http
        .post(format!("http://{addr}/support/auth/login/"))
        .header("origin", format!("http://{addr}"))
        .json(&serde_json::json!({"username": "anna", "password": "pa55word"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut request = format!("ws://{addr}/ws/support/manager/")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", format!("http://{addr}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();

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
    let event = next_text(&mut ws).await;
    assert_eq!(event["type"], "ticket.created");
    assert_eq!(event["ticket"]["id"], created["id"]);

    sigterm_and_wait(child);
    // The websocket was closed with 1001 (going away).
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1001));

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
