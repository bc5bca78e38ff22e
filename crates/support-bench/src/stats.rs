//! Latency percentiles over recorded samples.

use std::time::Duration;

use serde::Serialize;

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest sample.
    pub max_ms: f64,
    /// Arithmetic mean.
    pub mean_ms: f64,
}

/// Recorded latencies, in microseconds (a `u32` holds 71 minutes, and halves the memory of a
/// long run at full speed compared with `Duration`).
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<u32>);

impl Samples {
    /// Empty, with room for `n` samples.
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// Records one latency.
    pub fn push(&mut self, d: Duration) {
        self.0
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    /// Adds another set.
    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The percentiles (nearest-rank).
    pub fn summary(&mut self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        self.0.sort_unstable();
        let n = self.0.len();
        let at = |q: f64| {
            // Nearest rank: the smallest sample with at least q of the samples at or below it.
            let rank = (q * n as f64).ceil() as usize;
            ms(self.0[rank.clamp(1, n) - 1])
        };
        let sum: u64 = self.0.iter().map(|&v| u64::from(v)).sum();
        Summary {
            count: n,
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: ms(self.0[n - 1]),
            mean_ms: sum as f64 / n as f64 / 1000.0,
        }
    }
}

fn ms(micros: u32) -> f64 {
    f64::from(micros) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut s = Samples::default();
        for ms in 1..=100u64 {
            s.push(Duration::from_millis(ms));
        }
        let sum = s.summary();
        assert_eq!(sum.count, 100);
        assert!((sum.p50_ms - 50.0).abs() < 1e-9);
        assert!((sum.p99_ms - 99.0).abs() < 1e-9);
        assert!((sum.max_ms - 100.0).abs() < 1e-9);
        assert_eq!(Samples::default().summary(), Summary::default());
    }
}
