//! The parallel-layout options shared by every subcommand.

use std::time::Duration;

use clap::Args;
use strads_engine::LaunchOptions;

/// Where the workers run: threads in this process, or MPI ranks under `mpirun`.
#[derive(Debug, Args)]
pub struct ParallelArgs {
    /// Worker threads, each owning a shard of the rows [default: 1]. Not under mpirun,
    /// where the rank count decides: P = (ranks − 1 [− 1 with --scheduler-rank]) × --threads.
    #[arg(long, value_name = "P")]
    workers: Option<usize>,
    /// MPI only: worker threads per worker rank (ranks × threads) [default: 1].
    #[arg(long, value_name = "T")]
    threads: Option<usize>,
    /// MPI only: run the scheduler on its own rank (rank 1) instead of with the coordinator
    /// on rank 0.
    #[arg(long)]
    scheduler_rank: bool,
    /// Rounds the scheduler may run ahead of the workers (STRADS's pipelined scheduling):
    /// round t is scheduled having seen the updates of rounds ≤ t − S − 1. 0 = schedule each
    /// round after the previous round's pull. Deterministic for each S.
    #[arg(long, default_value_t = 0, value_name = "S")]
    staleness: u64,
}

impl ParallelArgs {
    /// The engine's launch options.
    pub fn options(&self) -> LaunchOptions {
        LaunchOptions { workers: self.workers, threads_per_rank: self.threads, scheduler_rank: self.scheduler_rank }
    }

    /// The engine's staleness bound `S` (`--staleness`).
    pub fn staleness(&self) -> u64 {
        self.staleness
    }
}

/// The run facts every summary reports (flattened into it): the parallel layout, the rounds,
/// why the run stopped, the phase times and bytes, and what the engine's rounds cost beyond
/// the app's work.
#[derive(Debug, serde::Serialize)]
pub struct RunReport {
    workers: usize,
    backend: &'static str,
    ranks: usize,
    scheduler_rank: bool,
    rounds: u64,
    stop_reason: strads_engine::StopReason,
    phases: strads_engine::PhaseTimes,
    bytes: u64,
    bytes_per_round: f64,
    /// The engine's staleness bound `S` (`--staleness`).
    staleness: u64,
    /// Seconds the coordinator spent in, or waiting for, the scheduler (`phases.schedule_s`):
    /// with `S ≥ 1` the scheduling the pipeline did not hide.
    scheduler_wait_s: f64,
    /// `(wall − push − pull) / rounds` in µs: what a round costs beyond the workers' and the
    /// coordinator's computation (scheduling not overlapped, hand-offs, sync, byte counting).
    round_overhead_us: f64,
    /// `schedule_s / updates` in µs (null for apps that count no updates).
    schedule_us_per_update: Option<f64>,
}

/// The engine's view of a finished run, for [`RunReport::new`].
pub struct RunFacts {
    /// Rounds run.
    pub rounds: u64,
    /// Why the run stopped.
    pub stop: strads_engine::StopReason,
    /// Phase times and bytes.
    pub phases: strads_engine::PhaseTimes,
    /// Wall seconds of the round loop.
    pub wall_s: f64,
    /// Variable updates, for apps that count them.
    pub updates: Option<u64>,
    /// The staleness bound.
    pub staleness: u64,
}

impl RunReport {
    /// The report of a run on `backend`.
    pub fn new(backend: &strads_engine::Backend, f: RunFacts) -> Self {
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

/// `--time-limit` as a duration, checked.
///
/// # Errors
/// [`crate::error::CliError::InvalidArgument`] unless it is a positive finite number of seconds.
pub fn checked_time_limit(t: Option<f64>) -> crate::error::Result<Option<Duration>> {
    match t {
        None => Ok(None),
        Some(s) if s > 0.0 && s.is_finite() => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(crate::error::CliError::InvalidArgument {
            name: "time-limit",
            value: s.to_string(),
            expect: "a positive number of seconds",
        }),
    }
}
