//! The flags every app shares, as one clap block an app's command flattens.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use strads_core::InvalidParameter;
use strads_engine::{LaunchOptions, Placement, RunConfig};

/// The flags every app gets: where the workers run, the seed, the time limit, the staleness
/// bound and the output files. An app's own clap command flattens it:
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct MyApp {
///     /// The app's own flag.
///     #[arg(long, default_value_t = 1.0)]
///     lambda: f64,
///     #[command(flatten)]
///     run: strads_kit::RunArgs,
/// }
/// let a = MyApp::parse_from(["my-app", "--workers", "2", "--seed", "7", "--quiet"]);
/// assert_eq!((a.run.workers, a.run.seed, a.run.quiet), (Some(2), 7, true));
/// ```
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Worker threads, each owning a shard of the data [default: 1]. Not under mpirun,
    /// where the rank count decides: P = (ranks [− 1 with --scheduler-rank]) × --threads.
    #[arg(long, value_name = "P")]
    pub workers: Option<usize>,
    /// MPI only: worker threads per worker rank (ranks × threads) [default: 1].
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// MPI only: run the scheduler on its own rank (rank 1) instead of with the coordinator
    /// on rank 0.
    #[arg(long)]
    pub scheduler_rank: bool,
    /// Rounds the scheduler may run ahead of the workers (STRADS's pipelined scheduling):
    /// round t is scheduled having seen the updates of rounds ≤ t − S − 1. 0 = schedule each
    /// round after the previous round's pull. Deterministic for each S.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub staleness: u64,
    /// Seed of the run's random streams (same seed and workers: same output bits).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this many seconds (the model is then evaluated or collected as it is).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Write a CSV trace of the run (one row per evaluation or iteration).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write a JSON summary of the run.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Write the model (a file or a directory of files, as the app documents).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// No progress bar or progress lines.
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// The engine's launch options (`--workers`, `--threads`, `--scheduler-rank`).
    pub fn launch_options(&self) -> LaunchOptions {
        LaunchOptions { workers: self.workers, threads_per_rank: self.threads, scheduler_rank: self.scheduler_rank }
    }

    /// `--time-limit` as a duration, checked.
    ///
    /// # Errors
    /// [`InvalidParameter`] unless it is a positive finite number of seconds.
    pub fn time_limit(&self) -> std::result::Result<Option<Duration>, InvalidParameter> {
        match self.time_limit {
            None => Ok(None),
            Some(s) if s > 0.0 && s.is_finite() => Ok(Some(Duration::from_secs_f64(s))),
            Some(s) => Err(InvalidParameter::new("time-limit", s, "a positive number of seconds")),
        }
    }

    /// The engine's run configuration for `placement`'s workers, with the time limit, the
    /// staleness bound and `max_rounds` (an app's own `--max-rounds`, if it has one).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for a bad time limit or zero rounds.
    pub fn run_config(&self, placement: &Placement, max_rounds: Option<u64>) -> crate::Result<RunConfig> {
        let config = RunConfig {
            workers: placement.workers,
            max_rounds,
            time_limit: self.time_limit()?,
            staleness: self.staleness,
        };
        config.check()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_limit_and_rounds_are_checked() {
        let place = Placement::single(2);
        let ok = RunArgs { time_limit: Some(1.5), staleness: 2, ..RunArgs::default() };
        let c = ok.run_config(&place, Some(10)).expect("valid");
        assert_eq!((c.workers, c.max_rounds, c.staleness), (2, Some(10), 2));
        assert_eq!(c.time_limit, Some(Duration::from_millis(1500)));
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = RunArgs { time_limit: Some(t), ..RunArgs::default() }.run_config(&place, None);
            assert!(e.expect_err("bad time limit").to_string().starts_with("invalid --time-limit"));
        }
        let e = RunArgs::default().run_config(&place, Some(0)).expect_err("zero rounds").to_string();
        assert_eq!(e, "invalid --max-rounds 0: must be at least 1");
    }
}
