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
