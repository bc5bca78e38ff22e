//! The program's connection limits (issue 15): it raises its open-file limit and says so, closes
//! a slowloris client after `--header-read-timeout`, and answers a connection over
//! `--max-connections` with a JSON 503.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::{address_in, sigterm_and_wait, start_printing};

/// A guard against a hang; not a timing assertion.
const HANG: Duration = Duration::from_secs(60);

/// What the server sends on `stream` until it closes it.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let read = tokio::time::timeout(HANG, async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "the program never closed the connection");
    String::from_utf8_lossy(&data).into_owned()
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_bounds_connections() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let (server, lines) = start_printing(
        &db,
        &["--header-read-timeout", "1", "--max-connections", "2"],
    );
    let addr = address_in(&lines[0]);
    let all = lines.join("\n");
    assert!(all.contains("open-file limit: "), "{all}");
    assert!(
        all.contains("connections: at most 2 (more get 503)"),
        "{all}"
    );

    // A slowloris client is dropped after the header-read timeout, freeing its slot.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x")
        .await
        .unwrap();
    let mut second = TcpStream::connect(&addr).await.unwrap();
    second
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x")
        .await
        .unwrap();
    // Both slots taken (the two partial heads): one more is refused at once.
    let mut over = TcpStream::connect(&addr).await.unwrap();
    let refused = until_closed(&mut over).await;
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    assert!(
        refused.ends_with("{\"detail\": \"Too many connections; retry later.\"}\r\n"),
        "{refused}"
    );
    let sent = until_closed(&mut slow).await;
    assert!(!sent.contains("200 OK"), "{sent}");
    until_closed(&mut second).await;
    // Both closed: served again.
    let healthy = tokio::time::timeout(HANG, async {
        loop {
            match reqwest::get(format!("http://{addr}/healthz")).await {
                Ok(r) if r.status() == 200 => break,
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    assert!(
        healthy.is_ok(),
        "served again once the slow clients are gone"
    );
    sigterm_and_wait(server);
}
