//! The run facts every summary reports.

use strads_engine::{Backend, PhaseTimes, RunOutput, StopReason};

/// The run facts every `--summary` reports (an app flattens it into its own summary with
/// `#[serde(flatten)]`): the parallel layout, the rounds, why the run stopped, the phase times
/// and bytes, and what the engine's rounds cost beyond the app's work.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    /// `P`.
    pub workers: usize,
    /// `"threads"` or `"mpi"`.
    pub backend: &'static str,
    /// Processes in the job (1 on threads).
    pub ranks: usize,
    /// Whether the scheduler had its own rank.
    pub scheduler_rank: bool,
    /// Rounds run (setup, evaluation and final rounds included).
    pub rounds: u64,
    /// Why the run stopped.
    pub stop_reason: StopReason,
    /// Seconds per phase and bytes, summed over rounds.
    pub phases: PhaseTimes,
    /// Encoded bytes of every message of the run.
    pub bytes: u64,
    /// `bytes / rounds`.
    pub bytes_per_round: f64,
    /// The engine's staleness bound `S` (`--staleness`).
    pub staleness: u64,
    /// Seconds the coordinator spent in, or waiting for, the scheduler (`phases.schedule_s`):
    /// with `S ≥ 1` the scheduling the pipeline did not hide.
    pub scheduler_wait_s: f64,
    /// `(wall − push − pull) / rounds` in µs: what a round costs beyond the workers' and the
    /// coordinator's computation (scheduling not overlapped, hand-offs, sync, byte counting).
    pub round_overhead_us: f64,
    /// `schedule_s / updates` in µs (null for apps that count no updates).
    pub schedule_us_per_update: Option<f64>,
}

/// The engine's view of a finished run, for [`RunReport::new`].
#[derive(Debug, Clone, Copy)]
pub struct RunFacts {
    /// Rounds run.
    pub rounds: u64,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Phase times and bytes.
    pub phases: PhaseTimes,
    /// Wall seconds of the round loop.
    pub wall_s: f64,
    /// Variable updates, for apps that count them ([`strads_engine::App::updates`]).
    pub updates: Option<u64>,
    /// The staleness bound.
    pub staleness: u64,
}

impl RunFacts {
    /// The facts of `out`, a run with staleness bound `staleness`; `count_updates` for apps
    /// whose [`strads_engine::App::updates`] counts variable updates.
    pub fn of<A: strads_engine::App>(out: &RunOutput<A>, staleness: u64, count_updates: bool) -> Self {
        Self {
            rounds: out.rounds,
            stop: out.stop,
            phases: out.total,
            wall_s: out.wall_s,
            updates: count_updates.then_some(out.updates),
            staleness,
        }
    }
}

impl RunReport {
    /// The report of a run on `backend`.
    pub fn new(backend: &Backend, f: RunFacts) -> Self {
        let place = backend.placement();
        let rounds = f.rounds.max(1) as f64;
        Self {
            workers: place.workers,
            backend: if backend.is_mpi() { "mpi" } else { "threads" },
            ranks: place.ranks,
            scheduler_rank: backend.is_mpi() && !place.scheduler,
            rounds: f.rounds,
            stop_reason: f.stop,
            phases: f.phases,
            bytes: f.phases.bytes,
            bytes_per_round: f.phases.bytes as f64 / rounds,
            staleness: f.staleness,
            scheduler_wait_s: f.phases.schedule_s,
            round_overhead_us: (f.wall_s - f.phases.push_s - f.phases.pull_s).max(0.0) / rounds * 1e6,
            schedule_us_per_update: f.updates.filter(|&u| u > 0).map(|u| f.phases.schedule_s / u as f64 * 1e6),
        }
    }
}
