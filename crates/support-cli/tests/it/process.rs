//! Running the program as a subprocess: start it, read what it prints, stop it (or kill it);
//! and a `redis-server` of a test's own, to kill and restart as a broker outage.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub(crate) async fn next_text(
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

/// The program, built by cargo for this package's integration tests.
pub(crate) fn program() -> Command {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    // Each process its own blob directory, under cargo's scratch directory for tests (the
    // default, `support-blobs` in the working directory, would land in the source tree).
    let blobs = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "blobs-{}-{}",
        std::process::id(),
        STARTED.fetch_add(1, Ordering::Relaxed)
    ));
    // A benchmark may run another build (a release one) in its place.
    let bin = std::env::var_os("SUPPORT_BENCH_PROGRAM")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_chatlabs-support-server").into());
    let mut command = Command::new(bin);
    command.env("SUPPORT_BLOB_DIR", blobs);
    command
}

/// The server process; killed if a failing test drops it before SIGTERM.
pub(crate) struct Server(pub(crate) Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the server and returns it with the address it printed.
pub(crate) fn start(db: &str) -> (Server, String) {
    start_with(db, &[])
}

/// Starts the server with `extra` arguments and returns it with the address it printed.
pub(crate) fn start_with(db: &str, extra: &[&str]) -> (Server, String) {
    let (server, lines) = start_printing(db, extra);
    let addr = address_in(&lines[0]);
    (server, addr)
}

/// The first `http://` address in a start-up line.
pub(crate) fn address_in(line: &str) -> String {
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ' ']).next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned()
}

/// Starts the server with `extra` arguments and returns it with its start-up lines, up to and
/// including the one naming the health endpoints.
pub(crate) fn start_printing(db: &str, extra: &[&str]) -> (Server, Vec<String>) {
    start_logging_to(db, extra, Stdio::inherit())
}

/// [`start_printing`] with the program's log lines (stderr) sent to `log`: a test that makes the
/// program log on purpose (a broker outage) keeps them out of the test output.
pub(crate) fn start_logging_to(db: &str, extra: &[&str], log: Stdio) -> (Server, Vec<String>) {
    let mut command = program();
    command
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
        .args(extra)
        .stderr(log);
    start_command(command)
}

/// Starts `command` (the program with its arguments) and returns it with the lines it printed
/// up to its `health:` line.
pub(crate) fn start_command(mut command: Command) -> (Server, Vec<String>) {
    if command.get_envs().all(|(k, _)| k != "RUST_LOG") {
        command.env("RUST_LOG", "warn");
    }
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("the program stopped after printing {lines:?}");
        }
        let health = line.starts_with("health:");
        lines.push(line.trim_end().to_owned());
        if health {
            break;
        }
    }
    // Keep draining the rest, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    (Server(Some(child)), lines)
}

/// Kills the server with SIGKILL (`Child::kill` on unix): no shutdown of any kind runs, as in a
/// power cut or an OOM kill. Returns once the process is gone.
pub(crate) fn sigkill(mut server: Server) {
    let mut child = server.0.take().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The `--database` URL of a Postgres schema: the test database's URL with the schema as the
/// connections' `search_path`, so the program's tables live (and are dropped) with the schema.
#[cfg(feature = "postgres")]
pub(crate) fn schema_database(pg: &str, schema: &support_testkit::PgSchema) -> String {
    let separator = if pg.contains('?') { '&' } else { '?' };
    format!("{pg}{separator}options[search_path]={}", schema.name)
}

/// Whether the server process is still running: it has not exited (nor been restarted).
pub(crate) fn running(server: &mut Server) -> bool {
    server
        .0
        .as_mut()
        .is_some_and(|child| child.try_wait().unwrap().is_none())
}

pub(crate) fn sigterm_and_wait(mut server: Server) {
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

/// Logs in as `anna` on the server at `addr` and opens her manager websocket.
pub(crate) async fn manager_socket(
    http: &reqwest::Client,
    addr: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    manager_socket_since(http, addr, None).await
}

/// [`manager_socket`], resuming from `since` (`?since=`: a number or `latest`) when given.
pub(crate) async fn manager_socket_since(
    http: &reqwest::Client,
    addr: &str,
    since: Option<&str>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
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
    support_testkit::ws::connect(
        &match since {
            Some(since) => format!("ws://{addr}/ws/support/manager/?since={since}"),
            None => format!("ws://{addr}/ws/support/manager/"),
        },
        &[("cookie", cookie), ("origin", format!("http://{addr}"))],
    )
    .await
    .expect("the manager websocket connects")
}

/// POSTs `body` with the bot token and returns the JSON answer (a 2xx, or the test fails).
pub(crate) async fn bot_post(
    http: &reqwest::Client,
    url: String,
    body: &serde_json::Value,
) -> serde_json::Value {
    http.post(url)
        .bearer_auth("T")
        .json(body)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A line on stderr, shown even when the test passes (libtest captures `eprintln!`, not what is
/// written to the stream directly).
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `redis-server` on the `PATH`. Without it: a failure under `CI` (where Redis is installed),
/// else `None` after a line saying why the test is skipped.
#[cfg(feature = "redis")]
pub(crate) fn redis_server_binary(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        assert!(
            !support_testkit::services::in_ci(),
            "{test}: redis-server not found and CI is set"
        );
        support_testkit::services::skipped(test, "redis-server not found on the PATH");
    }
    found
}

/// A `redis-server` of a test's own, without persistence; killed on drop.
#[cfg(feature = "redis")]
pub(crate) struct Redis {
    bin: PathBuf,
    pub(crate) port: u16,
    child: Option<Child>,
}

#[cfg(feature = "redis")]
impl Redis {
    /// Starts it on a free port (one the kernel just gave out, released for Redis to take).
    pub(crate) fn start(bin: PathBuf) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let child = None;
        let mut redis = Self { bin, port, child };
        redis.restart();
        redis
    }

    /// Starts the server on its port and returns once it answers PING.
    pub(crate) fn restart(&mut self) {
        let child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + support_testkit::WAIT;
        while !self.pong() {
            let exited = self.child.as_mut().unwrap().try_wait().unwrap();
            assert!(exited.is_none(), "redis-server exited at start: {exited:?}");
            assert!(Instant::now() < deadline, "redis-server does not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pong(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut answer = [0u8; 7];
        stream
            .set_read_timeout(Some(support_testkit::WAIT))
            .unwrap();
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    /// SIGKILL: the broker vanishes mid-stream, connections cut without a goodbye.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(feature = "redis")]
impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}
