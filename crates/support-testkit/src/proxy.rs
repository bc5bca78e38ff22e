//! [`Proxy`]: a TCP proxy in front of a test server whose connections a test can cut, as a
//! network drop would (a laptop's Wi-Fi, a load balancer's restart), while the server runs on;
//! and which records the HTTP request lines clients send through it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A proxy on a free loopback port. Dropping it stops accepting (open connections go on).
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// Bumped by [`Proxy::cut`]; every connection ends when it changes.
    generation: watch::Sender<u64>,
    requests: Arc<Mutex<Vec<String>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Proxy {
    /// Forwards to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (generation, _) = watch::channel(0_u64);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (generation, requests) = (generation.clone(), requests.clone());
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = TcpStream::connect(target).await else {
                        continue;
                    };
                    let cut = generation.subscribe();
                    tokio::spawn(connection(client, server, cut, requests.clone()));
                }
            })
        };
        Self {
            addr,
            generation,
            requests,
            accept,
        }
    }

    /// `http://{addr}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Closes every connection open now, websockets included, without a close frame; the
    /// proxy keeps accepting new ones.
    pub fn cut(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// The request lines (`GET /path?query HTTP/1.1`) clients have sent so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn connection(
    client: TcpStream,
    server: TcpStream,
    mut cut: watch::Receiver<u64>,
    requests: Arc<Mutex<Vec<String>>>,
) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let upstream = async {
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            note_requests(&buf[..n], &requests);
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
    };
    tokio::select! {
        () = upstream => {}
        () = downstream => {}
        _ = cut.changed() => {}
    }
    // Dropping both halves of both sockets closes them: the client sees the connection reset.
}

/// Request lines at the start of lines in a chunk from a client. A request line split across
/// two reads would be missed; browsers write each request's head in one piece.
fn note_requests(chunk: &[u8], requests: &Mutex<Vec<String>>) {
    const METHODS: [&str; 6] = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD "];
    let text = String::from_utf8_lossy(chunk);
    let mut found = Vec::new();
    for line in text.split("\r\n") {
        if METHODS.iter().any(|m| line.starts_with(m)) && line.ends_with(" HTTP/1.1") {
            found.push(line.to_owned());
        }
    }
    if !found.is_empty() {
        requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(found);
    }
}
