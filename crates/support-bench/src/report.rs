//! The report: JSON for machines, a table for people.

use std::fmt::Write as _;

use serde::Serialize;

use crate::e2e::EndToEnd;
use crate::fanout::Fanout;
use crate::rest::Throughput;
use crate::stats::Summary;

/// The machine the run happened on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Logical CPUs.
    pub nproc: usize,
    /// `/proc/cpuinfo` model name.
    pub cpu_model: String,
    /// Kernel release.
    pub kernel: String,
}

impl Machine {
    /// This machine.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Self {
            nproc: std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model: cpuinfo
                .lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

/// (b) under load: the samples and the load running beside them.
#[derive(Debug, Clone, Serialize)]
pub struct EndToEndUnderLoad {
    /// The samples.
    pub e2e: EndToEnd,
    /// The (a) load at the same time.
    pub load: Throughput,
}

/// A whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// What was measured (free text from the command line).
    pub label: String,
    /// The machine.
    pub machine: Option<Machine>,
    /// The base URL of the server under test.
    pub base_url: String,
    /// The server's pid, if known.
    pub server_pid: Option<u32>,
    /// Unix seconds at the start.
    pub started_unix: u64,
    /// (d) server RSS when idle, after start-up and setup (KiB).
    pub idle_rss_kib: Option<u64>,
    /// Server RSS after the throughput levels (KiB).
    pub rss_after_rest_kib: Option<u64>,
    /// Server peak RSS (`VmHWM`) at the end (KiB).
    pub peak_rss_kib: Option<u64>,
    /// (a) the server under test.
    pub rest: Vec<Throughput>,
    /// (a) the no-op ceiling, same client.
    pub ceiling: Vec<Throughput>,
    /// (b) at a low rate.
    pub e2e_low_rate: Option<EndToEnd>,
    /// (b) while (a) runs.
    pub e2e_under_load: Option<EndToEndUnderLoad>,
    /// (c) and (d) per N.
    pub fanout: Vec<Fanout>,
    /// Anything the reader should know (limits not raised, steps skipped).
    pub notes: Vec<String>,
}

fn lat(s: &Summary) -> String {
    format!(
        "{:>8.3} {:>8.3} {:>8.3} {:>9.3}",
        s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms
    )
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

impl Report {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== {} ({})", self.label, self.base_url);
        if let Some(m) = &self.machine {
            let _ = writeln!(
                out,
                "machine: {} x {} , kernel {}",
                m.nproc, m.cpu_model, m.kernel
            );
        }
        let _ = writeln!(
            out,
            "(d) RSS idle {} KiB, after (a) {} KiB, peak {} KiB",
            opt(self.idle_rss_kib),
            opt(self.rss_after_rest_kib),
            opt(self.peak_rss_kib)
        );
        let _ = writeln!(
            out,
            "(a) message POSTs       clients     req/s  ceiling  ratio    p50 ms   p95 ms   p99 ms    max ms  errors  srv%  cli%  load1"
        );
        for r in &self.rest {
            let ceiling = self.ceiling.iter().find(|c| c.clients == r.clients);
            let _ = writeln!(
                out,
                "                        {:>7} {:>9.0} {:>8} {:>6} {} {:>7} {:>5} {:>5} {:>6}",
                r.clients,
                r.per_second,
                ceiling.map_or_else(|| "-".to_owned(), |c| format!("{:.0}", c.per_second)),
                ceiling.map_or_else(
                    || "-".to_owned(),
                    |c| format!("{:.0}%", 100.0 * r.per_second / c.per_second.max(1e-9))
                ),
                lat(&r.latency),
                r.errors,
                opt(r.cpu.server_pct),
                r.cpu.client_pct,
                opt(r.cpu.load1_before),
            );
        }
        for c in self
            .ceiling
            .iter()
            .filter(|c| !self.rest.iter().any(|r| r.clients == c.clients))
        {
            let _ = writeln!(
                out,
                "    no-op ceiling       {:>7} {:>9.0} {}",
                c.clients,
                c.per_second,
                lat(&c.latency)
            );
        }
        let _ = writeln!(
            out,
            "(b) POST → manager ws   samples  timeouts    p50 ms   p95 ms   p99 ms    max ms   (POST p50 ms)  srv%  cli%  load1"
        );
        let mut e2e_row = |name: &str, e: &EndToEnd, extra: String| {
            let _ = writeln!(
                out,
                "    {name:<19} {:>8} {:>9} {} {:>14.3} {:>5} {:>5} {:>6}{extra}",
                e.latency.count,
                e.timeouts,
                lat(&e.latency),
                e.post_latency.p50_ms,
                opt(e.cpu.server_pct),
                e.cpu.client_pct,
                opt(e.cpu.load1_before),
            );
        };
        if let Some(e) = &self.e2e_low_rate {
            e2e_row("low rate", e, String::new());
        }
        if let Some(u) = &self.e2e_under_load {
            e2e_row(
                "under load (a)",
                &u.e2e,
                format!(
                    "   load: {} clients {:.0} req/s",
                    u.load.clients, u.load.per_second
                ),
            );
        }
        let _ = writeln!(
            out,
            "(c) ticket.created → N   connected  connect s  all-have p50  max ms  incomplete  POST p50 ms  POST max ms  (d) RSS before → with KiB  KiB/socket  cpu ms/round srv/cli"
        );
        for f in &self.fanout {
            let _ = writeln!(
                out,
                "    N = {:<16} {:>9} {:>10.2} {:>13.3} {:>7.3} {:>11} {:>12.3} {:>12.3} {:>12} → {:<10} {:>8}  {}/{}",
                f.sockets,
                f.connected,
                f.connect_seconds,
                f.all_received.p50_ms,
                f.all_received.max_ms,
                f.incomplete_rounds,
                f.post_latency.p50_ms,
                f.post_latency.max_ms,
                opt(f.rss_before_kib),
                opt(f.rss_connected_kib),
                f.kib_per_socket
                    .map_or_else(|| "-".to_owned(), |k| format!("{k:.2}")),
                f.server_cpu_ms_per_round
                    .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}")),
                f.client_cpu_ms_per_round
                    .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}")),
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}
