//! What `/proc` says about a process and the machine: resident memory, CPU time, load.

use std::time::{Duration, Instant};

use serde::Serialize;

/// A field of `/proc/{pid}/status` in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Resident set size in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS")
}

/// User plus system CPU time of a process (`/proc/{pid}/stat` fields 14 and 15).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / clock_ticks() as f64,
    ))
}

/// `getconf CLK_TCK` (the unit of `/proc/{pid}/stat` times); 100 on every Linux seen.
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// The 1-minute load average.
pub fn load1() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU use of the client (this process) and the server over an interval, in percent of one
/// core, with the load average when the interval started.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CpuUse {
    /// The server process, if its pid is known.
    pub server_pct: Option<f64>,
    /// The load generator.
    pub client_pct: f64,
    /// `/proc/loadavg` (1 minute) at the start.
    pub load1_before: Option<f64>,
}

/// Starts measuring [`CpuUse`].
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    server: Option<(u32, Duration)>,
    client: Duration,
    load1: Option<f64>,
    started: Instant,
}

impl CpuMeter {
    /// Starts now.
    pub fn start(server_pid: Option<u32>) -> Self {
        Self {
            server: server_pid.and_then(|pid| Some((pid, cpu_time(pid)?))),
            client: cpu_time(std::process::id()).unwrap_or_default(),
            load1: load1(),
            started: Instant::now(),
        }
    }

    /// The use since [`CpuMeter::start`].
    pub fn stop(&self) -> CpuUse {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        let pct = |now: Duration, then: Duration| {
            (now.saturating_sub(then).as_secs_f64() / wall * 1000.0).round() / 10.0
        };
        CpuUse {
            server_pct: self
                .server
                .and_then(|(pid, then)| Some(pct(cpu_time(pid)?, then))),
            client_pct: pct(
                cpu_time(std::process::id()).unwrap_or_default(),
                self.client,
            ),
            load1_before: self.load1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(rss_kib(me).unwrap() > 0);
        assert!(cpu_time(me).is_some());
        assert!(load1().is_some());
    }
}
