//! How fast this disk makes a write durable: the bound of one commit per fsync.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use crate::stats::{Samples, Summary};

/// Appends 4 KiB and `fsync`s it, `n` times, in a scratch file in `dir` (removed afterwards):
/// what a WAL commit with `synchronous = FULL` costs at least.
pub fn fsync_probe(dir: &Path, n: usize) -> std::io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("fsync-probe-{}", std::process::id()));
    let mut file = std::fs::File::create(&path)?;
    let block = [b'x'; 4096];
    let mut samples = Samples::with_capacity(n);
    for _ in 0..n {
        file.write_all(&block)?;
        let t = Instant::now();
        file.sync_data()?;
        samples.push(t.elapsed());
    }
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(samples.summary())
}
