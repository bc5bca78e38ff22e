//! A frozen broker (issue 15): the Redis hub behind a TCP proxy that stops forwarding. Message
//! POSTs still succeed, each held no longer than the publish timeout.
//!
//! Needs `SUPPORT_TEST_REDIS_URL` (skipped without it, as the other broker tests).
#![cfg(feature = "redis")]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support_server::SupportServer;
use support_server::hub::{DEFAULT_CAPACITY, RedisHub};
use support_testkit::TestServer;
use support_testkit::services::redis_url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Forwards `from` to `to` until `frozen`; then holds both open and forwards nothing.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: CancellationToken,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            () = frozen.cancelled() => break,
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
        };
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
    // Frozen: the connection stays open, silent, as a hung broker's would.
    std::future::pending::<()>().await;
    drop((from, to));
}

/// A proxy to `target` on a free port; cancelling the token freezes it.
async fn freezable_proxy(target: SocketAddr) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let frozen = CancellationToken::new();
    let token = frozen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(target).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(forward(cr, sw, token.clone()));
            tokio::spawn(forward(sr, cw, token.clone()));
        }
    });
    (addr, frozen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_broker_holds_a_message_post_no_longer_than_the_publish_timeout() {
    let Some(url) = redis_url("a_frozen_broker_holds_a_message_post") else {
        return;
    };
    let parsed = url::Url::parse(&url).unwrap();
    let target =
        tokio::net::lookup_host((parsed.host_str().unwrap(), parsed.port().unwrap_or(6379)))
            .await
            .unwrap()
            .next()
            .unwrap();
    let (proxy, frozen) = freezable_proxy(target).await;
    let mut proxied = parsed.clone();
    proxied.set_ip_host(proxy.ip()).unwrap();
    proxied.set_port(Some(proxy.port())).unwrap();
    let channel = format!("support:test:frozen:{}", std::process::id());
    let hub = RedisHub::connect(proxied.as_str(), &channel, DEFAULT_CAPACITY)
        .await
        .unwrap_or_else(|e| panic!("SUPPORT_TEST_REDIS_URL is set but {url} failed: {e}"));
    let bound = Duration::from_millis(300);
    let s = TestServer::start(
        SupportServer::builder()
            .hub(hub)
            .publish_timeout(bound)
            .bot_token(support_testkit::BOT_TOKEN)
            .build(),
    )
    .await;
    let ticket = support_testkit::ws::id(&s.create_ticket(1, "frozen broker").await);
    frozen.cancel();
    let mut took = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let message = s.user_message(ticket, &format!("while frozen {i}")).await;
        took.push(started.elapsed());
        assert_eq!(message["text"], format!("while frozen {i}"));
    }
    println!("a_frozen_broker: publish timeout {bound:?}; message POSTs took {took:?}");
    assert_eq!(s.stored_messages(ticket).await.len(), 3, "stored");
}
