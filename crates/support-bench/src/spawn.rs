//! The server under test as a subprocess, so its pid (for `/proc`) is known and it runs on its
//! own runtime, as in production. Killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// A running subprocess.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Its pid.
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A free loopback port (bound then released; a race with another process is unlikely and
/// shows up as a failed start).
pub fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

impl ServerProcess {
    /// Starts `program args...` (its output to `log`) and waits up to `ready_timeout` until
    /// `addr` accepts connections.
    pub async fn start(
        program: &Path,
        args: &[String],
        addr: SocketAddr,
        log: &Path,
        ready_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log).with_context(|| format!("{}", log.display()))?;
        let mut child = Command::new(program)
            .args(args)
            // The server's own default filter; set here so the caller's RUST_LOG cannot turn on
            // per-request logging and skew the numbers.
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{} exited with {status} before listening; see {}",
                    program.display(),
                    log.display()
                );
            }
            if started.elapsed() > ready_timeout {
                bail!(
                    "{} is not listening on {addr} after {ready_timeout:?}",
                    program.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self { child, pid, addr })
    }

    /// Stops it (SIGKILL: its database is scratch) and reaps it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The bot token of the scenarios' own servers (loopback only, scratch data).
pub const SCENARIO_BOT_TOKEN: &str = "bench-bot-token";

/// A fresh server of ours for one scenario (`loadgen search`, `stats`, ...): its own scratch
/// directory under the data directory (the SQLite file unless a `--database` is given, and the
/// server's log), the scenario's bot token, no metrics.
#[derive(Debug)]
pub struct OwnServer {
    /// The process.
    pub process: ServerProcess,
    /// Where to reach it.
    pub target: crate::Target,
    /// Its scratch directory (removed by [`OwnServer::stop`]).
    pub dir: std::path::PathBuf,
    /// `sqlite` or `postgres`: the scheme of its database URL (never the URL: it can carry a
    /// password).
    pub backend: String,
}

impl OwnServer {
    /// Starts `program` on a free port with `--database` (default: a fresh SQLite file) and
    /// `extra` arguments (e.g. `--manager USER:PASSWORD`).
    pub async fn start(
        program: &Path,
        database: Option<String>,
        data_dir: &Path,
        name: &str,
        extra: &[String],
    ) -> anyhow::Result<Self> {
        let dir = data_dir.join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let addr = free_port()?;
        let database =
            database.unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
        let backend = database.split(':').next().unwrap_or("?").to_owned();
        let mut args: Vec<String> = vec![
            "--bind".into(),
            addr.to_string(),
            "--database".into(),
            database,
            "--bot-token".into(),
            SCENARIO_BOT_TOKEN.into(),
            "--no-metrics".into(),
        ];
        args.extend(extra.iter().cloned());
        let process = ServerProcess::start(
            program,
            &args,
            addr,
            &dir.join("server.log"),
            Duration::from_secs(30),
        )
        .await?;
        let target = crate::Target::new(
            &format!("http://{addr}/support"),
            Some(SCENARIO_BOT_TOKEN.to_owned()),
        )?;
        Ok(Self {
            process,
            target,
            dir,
            backend,
        })
    }

    /// Stops the server and removes its scratch directory.
    pub async fn stop(self) {
        self.process.stop().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
