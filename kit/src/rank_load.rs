//! What each process read of a sharded input and what it holds: one log line per rank and,
//! gathered on the coordinator, the `ranks` list of a `--summary`.

use serde::{Deserialize, Serialize};
use strads_datasets::ShareRead;
use strads_engine::{Backend, Placement};

/// One process's load of a sharded input (see [`strads_datasets::TextShares`]) and its peak
/// memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankLoad {
    /// The process's rank (0 on threads).
    pub rank: usize,
    /// The first and one-past-last worker it runs.
    pub workers: [usize; 2],
    /// Bytes of its workers' shares of the data (`1/P` each).
    pub share_bytes: u64,
    /// Bytes of the lines it parsed: the header, its shares, one line before and the lines
    /// that finish its last record after.
    pub parsed_bytes: u64,
    /// Bytes the line reader took from the file (buffer read-ahead included; decoded bytes
    /// from the file's start for gzip).
    pub from_file_bytes: u64,
    /// Decoded gzip bytes discarded before its shares.
    pub skipped_bytes: u64,
    /// Records it holds after loading (tokens or training ratings) for its workers.
    pub held: u64,
    /// What `held` counts (`tokens`, `ratings`).
    pub unit: String,
    /// Peak resident memory of the process (`VmHWM`), bytes; 0 where `/proc` is missing.
    pub peak_rss_bytes: u64,
}

impl RankLoad {
    /// The load of the process at `place` that read `read` and holds `held` `unit`.
    pub fn new(place: &Placement, read: &ShareRead, held: u64, unit: &str) -> Self {
        Self {
            rank: place.rank,
            workers: [place.worker_range.start, place.worker_range.end],
            share_bytes: read.share,
            parsed_bytes: read.parsed,
            from_file_bytes: read.from_file,
            skipped_bytes: read.skipped,
            held,
            unit: unit.to_string(),
            peak_rss_bytes: 0,
        }
    }

    /// Logs the load (at info level, one line per process).
    pub fn log(&self, path: &std::path::Path) {
        log::info!(
            "rank {} (workers {}..{}): read {} of {} bytes of {} (its share {} bytes; {} decoded bytes skipped), \
             holds {} {}",
            self.rank,
            self.workers[0],
            self.workers[1],
            self.parsed_bytes,
            self.from_file_bytes,
            path.display(),
            self.share_bytes,
            self.skipped_bytes,
            self.held,
            self.unit
        );
    }

    /// Every process's load with its peak memory now, in rank order, on every process (a
    /// collective: every process of the job calls it at the same point).
    ///
    /// # Errors
    /// [`crate::Error::Engine`] if the gather fails.
    pub fn gather(mut self, backend: &Backend) -> crate::Result<Vec<RankLoad>> {
        self.peak_rss_bytes = peak_rss_bytes();
        Ok(backend.all_gather(&self)?)
    }
}

/// This process's peak resident memory (`VmHWM` of `/proc/self/status`), bytes; 0 if unknown.
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
