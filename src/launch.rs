//! The parallel-layout options shared by every subcommand.

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
}

impl ParallelArgs {
    /// The engine's launch options.
    pub fn options(&self) -> LaunchOptions {
        LaunchOptions { workers: self.workers, threads_per_rank: self.threads, scheduler_rank: self.scheduler_rank }
    }
}
