//! Websocket frames over the protocol cap (1 MiB, issue 15): refused as their header arrives,
//! never buffered, with close 1009 and a reason. And frames that break the protocol get 1002,
//! text that is not UTF-8 1007, never a silent drop.

use std::time::Duration;

use futures_util::StreamExt;
use support_testkit::TestServer;
use support_testkit::ws::Ws;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A guard against a hang; not a timing assertion.
const HANG: Duration = Duration::from_secs(30);
/// What the frame header announces: 16 MiB.
const ANNOUNCED: u64 = 16 * 1024 * 1024;

/// The server's resident memory, for the printed measurement.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Writes a masked text frame header announcing [`ANNOUNCED`] bytes and the first `payload`
/// bytes, bypassing the client's own checks.
async fn start_huge_frame(ws: &mut Ws, payload: usize) {
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&ANNOUNCED.to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4]);
    frame.extend(std::iter::repeat_n(b'x' ^ 1, payload));
    let raw = ws.get_mut();
    raw.write_all(&frame).await.unwrap();
    raw.flush().await.unwrap();
}

/// The close frame's code and reason (frames before it skipped).
async fn close_frame(ws: &mut Ws) -> Option<(CloseCode, String)> {
    let read = async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| (f.code, f.reason.to_string()));
            }
        }
        None
    };
    tokio::time::timeout(HANG, read)
        .await
        .expect("no close frame")
}

/// A manager and the bot each announce a 16 MiB frame and send 1 KiB of it: each connection is
/// closed with 1009 and a reason naming the limit, and the rest of the frame cannot be sent
/// (the server stopped reading: nothing was buffered).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_is_refused_with_1009_as_its_header_arrives() {
    let s = TestServer::default_server().await;
    let (_, session) = s.manager("anna").await;
    let before = rss_kib();
    for kind in ["manager", "bot"] {
        for _ in 0..10 {
            let mut ws = match kind {
                "manager" => s.manager_ws(&session).await,
                _ => s.bot_ws(None).await,
            };
            start_huge_frame(&mut ws, 1024).await;
            let (code, reason) = close_frame(&mut ws).await.expect("a close frame");
            assert_eq!(code, CloseCode::Size, "{kind}: {reason}");
            assert!(reason.contains("1048576"), "{kind}: {reason}");
            // The rest of the announced frame: the server closed the connection, so the
            // writes fail long before 16 MiB.
            let raw = ws.get_mut();
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 1024u64;
            let failed = tokio::time::timeout(HANG, async {
                while sent < ANNOUNCED {
                    if raw.write_all(&chunk).await.is_err() {
                        return true;
                    }
                    sent += chunk.len() as u64;
                }
                false
            })
            .await
            .expect("writes neither failed nor finished");
            assert!(failed, "{kind}: the whole 16 MiB frame was taken");
        }
    }
    let after = rss_kib();
    println!(
        "an_oversized_frame_is_refused_with_1009: 20 connections announcing 16 MiB frames; \
         process RSS {before} KiB before, {after} KiB after"
    );
    // The server still serves.
    drop(s.manager_ws(&session).await);
}

/// Writes raw bytes (a hand-made frame) to the socket, bypassing the client's own checks.
async fn write_raw(ws: &mut Ws, bytes: &[u8]) {
    let raw = ws.get_mut();
    raw.write_all(bytes).await.unwrap();
    raw.flush().await.unwrap();
}

/// A masked frame with this first byte (FIN, RSV bits, opcode) and payload (mask 0: the payload
/// goes as it is).
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![first, 0x80 | u8::try_from(payload.len()).unwrap()];
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// Each protocol violation closes the manager's and the bot's connection with its code and a
/// reason, rather than dropping it silently.
#[tokio::test]
async fn protocol_violations_get_1002_and_bad_utf8_1007() {
    let s = TestServer::default_server().await;
    let (_, session) = s.manager("anna").await;
    let cases: [(&str, Vec<u8>, CloseCode); 4] = [
        (
            "a reserved bit set",
            masked(0x80 | 0x40 | 0x1, b"{}"),
            CloseCode::Protocol,
        ),
        (
            "an unknown data opcode",
            masked(0x80 | 0x3, b"{}"),
            CloseCode::Protocol,
        ),
        ("a fragmented ping", masked(0x9, b"p"), CloseCode::Protocol),
        (
            "a text frame of invalid UTF-8",
            masked(0x80 | 0x1, &[0xff, 0xfe, 0xfd]),
            CloseCode::Invalid,
        ),
    ];
    for kind in ["manager", "bot"] {
        for (what, frame, expected) in &cases {
            let mut ws = match kind {
                "manager" => s.manager_ws(&session).await,
                _ => s.bot_ws(None).await,
            };
            write_raw(&mut ws, frame).await;
            let (code, reason) = close_frame(&mut ws)
                .await
                .unwrap_or_else(|| panic!("{kind}, {what}: no close frame"));
            assert_eq!(code, *expected, "{kind}, {what}: {reason}");
            assert!(!reason.is_empty(), "{kind}, {what}: a reason");
        }
    }
    // The server still serves.
    drop(s.manager_ws(&session).await);
}
