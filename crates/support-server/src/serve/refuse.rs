//! The answer to a connection over the cap: `503` with a JSON detail and `Connection: close`,
//! written at once, then the connection closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// The refusal, whole.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 50\r\n\
\r\n\
{\"detail\": \"Too many connections; retry later.\"}\r\n";

/// How long a refused connection may take to be answered and closed.
const REFUSE_WITHIN: Duration = Duration::from_secs(1);
/// Refusals being written at once; past them a connection over the cap is closed unanswered.
const MAX_REFUSING: usize = 256;

/// Answers connections over the cap, a bounded number at a time.
#[derive(Debug)]
pub(super) struct Refusals {
    writing: Arc<Semaphore>,
    refused: AtomicU64,
}

impl Default for Refusals {
    fn default() -> Self {
        Self {
            writing: Arc::new(Semaphore::new(MAX_REFUSING)),
            refused: AtomicU64::new(0),
        }
    }
}

impl Refusals {
    /// Refuses `stream`: the 503 then a close, within [`REFUSE_WITHIN`]. The request is read
    /// (and dropped) until the client closes, so the close does not reset the connection under
    /// the client before it read the answer.
    pub(super) fn refuse(&self, mut stream: TcpStream, peer: SocketAddr, max: usize) {
        let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        // The first refusal and then one in a thousand: a flood must not flood the log too.
        if n % 1000 == 1 {
            tracing::warn!(
                %peer,
                max_connections = max,
                refused_so_far = n,
                "connection refused (503): the connection cap is reached"
            );
        }
        let Ok(turn) = Arc::clone(&self.writing).try_acquire_owned() else {
            return;
        };
        tokio::spawn(async move {
            let _ = tokio::time::timeout(REFUSE_WITHIN, async {
                stream.write_all(REFUSAL).await?;
                stream.shutdown().await?;
                let mut sink = [0u8; 1024];
                while stream.read(&mut sink).await? > 0 {}
                Ok::<_, std::io::Error>(())
            })
            .await;
            drop(turn);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_well_formed() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{text}"
        );
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["detail"], "Too many connections; retry later.");
    }
}
