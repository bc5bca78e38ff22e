//! Slow consumers and shutdown \[W8\]: a manager connection that does not read its socket is
//! closed with 1013 once it falls more than the hub's capacity behind, while another
//! connection keeps receiving every event promptly; a graceful shutdown closes every socket
//! with 1001.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use support_server::SupportServer;
use support_server::hub::LocalHub;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use support_testkit::ws::{close_code, id, recv_type};
use support_testkit::{BOT_TOKEN, TestServer, Ws};

/// A client whose kernel receive buffer is tiny, so the server's writes back up quickly when it
/// does not read.
async fn tiny_buffer_client(s: &TestServer, session: &str) -> Ws {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(s.addr).await.unwrap();
    let mut request = s
        .ws_url("/ws/support/manager/")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("support_session={session}").parse().unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", s.origin().parse().unwrap());
    let (ws, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_closed_with_1013_and_others_keep_up() {
    // A small hub queue keeps the test fast: 8 events of lag close the slow connection.
    const EVENTS: usize = 300;
    // Small kernel send buffers on the server side too (accepted sockets inherit the
    // listener's), so that a few hundred KB of unread events back the server's writes up
    // instead of vanishing into megabytes of autotuned buffers.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(16 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(64).unwrap();
    let s = TestServer::start_on(
        SupportServer::builder()
            .bot_token(BOT_TOKEN)
            .hub(LocalHub::new(8))
            .build(),
        listener,
    )
    .await;
    let (_, slow_token) = s.manager("slow").await;
    let (_, fast_token) = s.manager("fast").await;
    let mut slow = tiny_buffer_client(&s, &slow_token).await;
    let mut fast = s.manager_ws(&fast_token).await;
    let t = id(&s.create_ticket(1001, "flood").await);
    recv_type(&mut fast, "ticket.created").await;

    // The fast client reads on its own task, noting when each message arrived.
    let arrived: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let reader = {
        let arrived = arrived.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = fast.next().await {
                if let Message::Text(text) = frame {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    let mid = id(&v["message"]);
                    arrived.lock().unwrap().insert(mid, Instant::now());
                    if arrived.lock().unwrap().len() == EVENTS {
                        return fast;
                    }
                }
            }
            panic!("the fast client's socket ended");
        })
    };

    // ~8 KB per event: 4,096 Cyrillic characters.
    let text = "я".repeat(4096);
    let mut posted = HashMap::new();
    for _ in 0..EVENTS {
        let m = s.user_message(t, &text).await;
        posted.insert(id(&m), Instant::now());
    }
    let fast = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the fast client got every event")
        .unwrap();
    let arrived = arrived.lock().unwrap().clone();
    let worst = posted
        .iter()
        .map(|(mid, at)| arrived[mid].saturating_duration_since(*at))
        .max()
        .unwrap();
    assert!(
        worst < Duration::from_secs(1),
        "worst delivery delay {worst:?}"
    );
    drop(fast);

    // The slow client now reads: some events, then the 1013 close.
    let code = close_code(&mut slow, Duration::from_secs(10)).await;
    assert_eq!(code.map(u16::from), Some(1013));
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001() {
    let s = TestServer::default_server().await;
    let (_, anna) = s.manager("anna").await;
    let mut a1 = s.manager_ws(&anna).await;
    let mut a2 = s.manager_ws(&anna).await;
    let mut bot = s.bot_ws(None).await;
    s.support.begin_shutdown();
    for ws in [&mut a1, &mut a2, &mut bot] {
        let code = close_code(ws, Duration::from_secs(5)).await;
        assert_eq!(code.map(u16::from), Some(1001));
    }
}
