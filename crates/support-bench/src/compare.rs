//! `loadgen compare`: the ratio table of issue 18 (the Python original beside this server) from
//! the JSON reports of `loadgen run --json`, one or more per side (several rounds: each cell
//! shows the range, the ratio compares the medians). `scripts/versus_original.sh` runs both
//! servers alternately and calls it.
//!
//! Only the fields the table needs are read ([`RunView`]), so reports of older or newer
//! loadgen builds compare as long as those fields keep their names.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// Latency percentiles as a report stores them (`stats::Summary`), the two the table shows.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct LatencyView {
    /// Median, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

/// One (a) level.
#[derive(Debug, Clone, Deserialize)]
pub struct RestView {
    /// Concurrent clients.
    pub clients: usize,
    /// Message POSTs per second.
    pub per_second: f64,
    /// Failed requests in the measured window.
    #[serde(default)]
    pub errors: u64,
    /// Latency of the 201s.
    pub latency: LatencyView,
}

/// (b) at a low rate.
#[derive(Debug, Clone, Deserialize)]
pub struct EndToEndView {
    /// POST → manager socket.
    pub latency: LatencyView,
    /// Samples whose event never came.
    #[serde(default)]
    pub timeouts: u64,
}

/// One (c) level.
#[derive(Debug, Clone, Deserialize)]
pub struct FanoutView {
    /// Sockets asked for.
    pub sockets: usize,
    /// Sockets connected.
    pub connected: usize,
    /// Time until the last socket had `ticket.created`.
    pub all_received: LatencyView,
    /// Rounds where some socket missed it.
    #[serde(default)]
    pub incomplete_rounds: usize,
}

/// The part of a `loadgen run` report the table reads.
#[derive(Debug, Clone, Deserialize)]
pub struct RunView {
    /// The report's label.
    #[serde(default)]
    pub label: String,
    /// Server RSS when idle, KiB.
    pub idle_rss_kib: Option<u64>,
    /// (a) levels.
    #[serde(default)]
    pub rest: Vec<RestView>,
    /// (b) at a low rate.
    pub e2e_low_rate: Option<EndToEndView>,
    /// (c) levels.
    #[serde(default)]
    pub fanout: Vec<FanoutView>,
}

impl RunView {
    /// Reads a JSON report.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
    }

    fn rest(&self, clients: usize) -> Option<&RestView> {
        self.rest.iter().find(|r| r.clients == clients)
    }

    fn fanout(&self, sockets: usize) -> Option<&FanoutView> {
        self.fanout
            .iter()
            .find(|f| f.sockets == sockets && f.connected == f.sockets)
    }
}

/// A number as the table prints it: thousands separated from 100 up, else three significant
/// figures at most (`26,527`, `13.3`, `0.99`).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    if v.abs() >= 100.0 {
        let digits = format!("{:.0}", v.abs());
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 {
            out.insert(0, '-');
        }
        out
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A ratio: `239×`, `7.6×`; `—` when either side is missing or zero.
pub fn ratio(better: f64, worse: f64) -> String {
    if !(better.is_finite() && worse.is_finite()) || better <= 0.0 || worse <= 0.0 {
        return "—".to_owned();
    }
    let r = better / worse;
    if r >= 10.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1}×")
    }
}

/// The median of the values (the mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One cell's values over the rounds: the number, or `lo–hi` for several; `—` for none.
pub fn cell(values: &[f64]) -> String {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match v.len() {
        0 => "—".to_owned(),
        _ if number(lo) == number(hi) => number(lo),
        _ => format!("{}–{}", number(lo), number(hi)),
    }
}

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    Higher,
    Lower,
}

/// A figure of one run, per side.
type Figure<'a> = &'a dyn Fn(&RunView) -> Option<f64>;

/// A figure made for one client or socket count.
type OwnedFigure = Box<dyn Fn(&RunView) -> Option<f64>>;

/// One table row: its figures joined by ` / `, the unit after the last.
fn row(
    out: &mut String,
    name: &str,
    unit: &str,
    better: Better,
    figures: &[Figure<'_>],
    original: &[RunView],
    ours: &[RunView],
) {
    let side = |runs: &[RunView]| -> Vec<Vec<f64>> {
        figures
            .iter()
            .map(|f| runs.iter().map(|r| f(r).unwrap_or(f64::NAN)).collect())
            .collect()
    };
    let (o, u) = (side(original), side(ours));
    let join = |cols: &[Vec<f64>]| {
        let text: Vec<String> = cols.iter().map(|c| cell(c)).collect();
        let joined = text.join(" / ");
        if unit.is_empty() || text.iter().all(|t| t == "—") {
            joined
        } else {
            format!("{joined} {unit}")
        }
    };
    let ratios: Vec<String> = o
        .iter()
        .zip(&u)
        .map(|(o, u)| match better {
            Better::Higher => ratio(median(u), median(o)),
            Better::Lower => ratio(median(o), median(u)),
        })
        .collect();
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {} |",
        join(&o),
        join(&u),
        ratios.join(" / ")
    );
}

/// `1 / 16 / 64`, `1,000 / 10,000`.
fn counts(values: &[usize]) -> String {
    values
        .iter()
        .map(|&v| {
            if v >= 100 {
                number(v as f64)
            } else {
                v.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The ratio table (markdown) of `original` beside `ours`: (a) at `levels` clients and p99 at
/// the last of them, (b) at a low rate, (c) at `fanout` sockets (a count one side did not
/// measure shows `—`), (d) idle RSS; then a line per thing a reader should know (errors,
/// timeouts, incomplete rounds).
pub fn table(original: &[RunView], ours: &[RunView], levels: &[usize], fanout: &[usize]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| | Python original | this server | ratio |");
    let _ = writeln!(out, "|---|---|---|---|");
    let per_second: Vec<OwnedFigure> = levels
        .iter()
        .map(|&c| Box::new(move |r: &RunView| r.rest(c).map(|x| x.per_second)) as OwnedFigure)
        .collect();
    let figures: Vec<Figure<'_>> = per_second.iter().map(|f| f.as_ref()).collect();
    row(
        &mut out,
        &format!("(a) message POSTs/s at {} clients", counts(levels)),
        "",
        Better::Higher,
        &figures,
        original,
        ours,
    );
    if let Some(&top) = levels.last() {
        row(
            &mut out,
            &format!("(a) p99 at {} clients", counts(&[top])),
            "ms",
            Better::Lower,
            &[&|r: &RunView| r.rest(top).map(|x| x.latency.p99_ms)],
            original,
            ours,
        );
    }
    row(
        &mut out,
        "(b) POST → manager socket, low rate p50 / p99",
        "ms",
        Better::Lower,
        &[
            &|r: &RunView| r.e2e_low_rate.as_ref().map(|e| e.latency.p50_ms),
            &|r: &RunView| r.e2e_low_rate.as_ref().map(|e| e.latency.p99_ms),
        ],
        original,
        ours,
    );
    if !fanout.is_empty() {
        let all_have: Vec<OwnedFigure> = fanout
            .iter()
            .map(|&n| {
                Box::new(move |r: &RunView| r.fanout(n).map(|f| f.all_received.p50_ms))
                    as OwnedFigure
            })
            .collect();
        let figures: Vec<Figure<'_>> = all_have.iter().map(|f| f.as_ref()).collect();
        row(
            &mut out,
            &format!("(c) `ticket.created` on {} sockets", counts(fanout)),
            "ms",
            Better::Lower,
            &figures,
            original,
            ours,
        );
    }
    row(
        &mut out,
        "(d) idle RSS",
        "MB",
        Better::Lower,
        &[&|r: &RunView| r.idle_rss_kib.map(|k| k as f64 * 1024.0 / 1e6)],
        original,
        ours,
    );
    for (side, runs) in [("Python original", original), ("this server", ours)] {
        for (i, r) in runs.iter().enumerate() {
            for note in caveats(r) {
                let _ = writeln!(out, "\n{side}, run {} ({}): {note}", i + 1, r.label);
            }
        }
    }
    out
}

/// What in a run makes its figures less than clean.
fn caveats(r: &RunView) -> Vec<String> {
    let mut notes = Vec::new();
    for x in r.rest.iter().filter(|x| x.errors > 0) {
        notes.push(format!("(a) {} errors at {} clients", x.errors, x.clients));
    }
    if let Some(e) = r.e2e_low_rate.as_ref().filter(|e| e.timeouts > 0) {
        notes.push(format!("(b) {} samples timed out", e.timeouts));
    }
    for f in &r.fanout {
        if f.connected < f.sockets {
            notes.push(format!(
                "(c) only {} of {} sockets connected (figure left out)",
                f.connected, f.sockets
            ));
        }
        if f.incomplete_rounds > 0 {
            notes.push(format!(
                "(c) {} rounds at N = {} incomplete",
                f.incomplete_rounds, f.sockets
            ));
        }
    }
    notes
}

/// `loadgen compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// A report of the Python original (`loadgen run --json`); repeatable, one per round.
    #[arg(long, required = true)]
    pub original: Vec<std::path::PathBuf>,
    /// A report of this server; repeatable, one per round.
    #[arg(long, required = true)]
    pub ours: Vec<std::path::PathBuf>,
    /// (a) client counts of the table.
    #[arg(long, default_value = "1,16,64", value_delimiter = ',')]
    pub levels: Vec<usize>,
    /// (c) socket counts of the table.
    #[arg(long, default_value = "1000,10000", value_delimiter = ',')]
    pub fanout: Vec<usize>,
}

/// Runs `loadgen compare`: prints the table.
pub fn command(args: &CompareArgs) -> anyhow::Result<()> {
    let load = |paths: &[std::path::PathBuf]| -> anyhow::Result<Vec<RunView>> {
        paths.iter().map(|p| RunView::load(p)).collect()
    };
    let (original, ours) = (load(&args.original)?, load(&args.ours)?);
    print!("{}", table(&original, &ours, &args.levels, &args.fanout));
    Ok(())
}

#[cfg(test)]
mod tests;
