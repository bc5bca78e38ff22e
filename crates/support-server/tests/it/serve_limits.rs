//! `support_server::serve`'s connection limits (issue 15), with raw TCP clients on loopback: a
//! slowloris client and an idle keep-alive connection are closed while others are served, and
//! a connection over the cap gets a JSON 503.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use support_server::SupportServer;
use support_server::serve::{ServeOptions, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A guard against a hang (a test fails instead of waiting forever); not a timing assertion.
const HANG: Duration = Duration::from_secs(60);

/// Serves a server with health routes under `options` on a free port.
async fn start(options: ServeOptions) -> (SocketAddr, SupportServer) {
    let support = SupportServer::builder().health(true).build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = support.state().shutdown_token().clone();
    tokio::spawn(serve(listener, support.router(), options, async move {
        token.cancelled().await;
    }));
    (addr, support)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n";

/// Reads one response: `(status line, body)`.
async fn response(stream: &mut TcpStream) -> (String, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                let status = head.lines().next().unwrap().to_owned();
                return (status, body[..length].to_owned());
            }
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed mid-response: {}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&buf[..n]);
    }
}

/// Reads until the server closes the connection; what it sent meanwhile.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let closed = tokio::time::timeout(HANG, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server never closed the connection");
    String::from_utf8_lossy(&data).into_owned()
}

/// A client sending part of a request head and then nothing is disconnected after the
/// header-read timeout; a keep-alive connection left idle after a response is too; requests on
/// other connections are served all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed() {
    let (addr, _support) = start(ServeOptions {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        max_connections: 100,
    })
    .await;
    let mut slowloris = TcpStream::connect(addr).await.unwrap();
    slowloris
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: te")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut idle).await.0, "HTTP/1.1 200 OK");
    // Served meanwhile, on fresh connections.
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let r = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let sent = until_closed(&mut slowloris).await;
    println!("slowloris: closed; the server sent {sent:?}");
    assert!(
        sent.is_empty() || sent.starts_with("HTTP/1.1 408"),
        "{sent}"
    );
    assert_eq!(until_closed(&mut idle).await, "", "idle keep-alive closed");
    let r = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "still serving");
}

/// A connection that stops moving bytes mid-body is closed after the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_closed_after_the_idle_timeout() {
    let (addr, _support) = start(ServeOptions {
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(1),
        max_connections: 100,
    })
    .await;
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(
            b"POST /support/auth/login/ HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{\"username\": ",
        )
        .await
        .unwrap();
    let sent = until_closed(&mut stalled).await;
    println!("stalled body: closed; the server sent {sent:?}");
}

/// With the cap reached, one more connection is answered `503` with a JSON detail,
/// `Retry-After` and `Connection: close`, and closed; once a connection closes, new ones are
/// served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_refused_with_a_json_503() {
    let (addr, _support) = start(ServeOptions {
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        max_connections: 2,
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(HEALTHZ).await.unwrap();
        assert_eq!(response(&mut stream).await.0, "HTTP/1.1 200 OK");
        held.push(stream);
    }
    let mut over = TcpStream::connect(addr).await.unwrap();
    over.write_all(HEALTHZ).await.unwrap();
    let sent = until_closed(&mut over).await;
    let (head, body) = sent.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 503 "), "{sent}");
    let head = head.to_ascii_lowercase();
    for header in [
        "content-type: application/json",
        "connection: close",
        "retry-after: 1",
    ] {
        assert!(head.contains(header), "{header}: {sent}");
    }
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["detail"], "Too many connections; retry later.");

    drop(held.pop());
    let served = tokio::time::timeout(HANG, async {
        loop {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(HEALTHZ).await.unwrap();
            let sent = until_closed_or_response(&mut stream).await;
            if sent.starts_with("HTTP/1.1 200") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(served.is_ok(), "a freed slot is used again");
}

/// The first response on `stream`, or what was sent before it closed.
async fn until_closed_or_response(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        if data.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}
