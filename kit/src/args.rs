//! The flags every app shares, as one clap block an app's command flattens.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use strads_core::InvalidParameter;
use strads_engine::{Checkpointing, Fingerprint, LaunchOptions, Placement, RunConfig};

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
    /// Write checkpoints to this directory (`checkpoint.bin`, replaced atomically) at round
    /// boundaries; SIGTERM then writes one and exits non-zero. Needs --staleness 0.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// Seconds between checkpoints (0: every round).
    #[arg(long, default_value_t = 600.0, value_name = "S")]
    pub checkpoint_every: f64,
    /// Resume from the checkpoint in this directory (same command, data and worker count;
    /// the run then writes the same model as an uninterrupted one).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
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
        let checkpoint = match &self.checkpoint {
            None => None,
            Some(dir) => {
                let s = self.checkpoint_every;
                if !(s >= 0.0 && s.is_finite()) {
                    return Err(InvalidParameter::new("checkpoint-every", s, "a number of seconds ≥ 0").into());
                }
                // The engine makes SIGTERM raise the flag while the run runs.
                let terminate = Arc::new(AtomicBool::new(false));
                Some(Checkpointing { dir: dir.clone(), every: Duration::from_secs_f64(s), terminate })
            }
        };
        let config = RunConfig {
            workers: placement.workers,
            max_rounds,
            time_limit: self.time_limit()?,
            staleness: self.staleness,
            checkpoint,
            resume: self.resume.clone(),
            fingerprint: if self.checkpoint.is_some() || self.resume.is_some() {
                fingerprint(std::env::args())
            } else {
                Vec::new()
            },
        };
        config.check()?;
        Ok(config)
    }
}

/// Flags that do not change what a run computes: left out of a checkpoint's fingerprint (the
/// engine adds the worker count, which is what the layout flags decide).
const NOT_IN_FINGERPRINT: [&str; 11] = [
    "--checkpoint",
    "--checkpoint-every",
    "--resume",
    "--time-limit",
    "--trace",
    "--summary",
    "--out",
    "--quiet",
    "--workers",
    "--threads",
    "-q",
];

/// The fingerprint of a command line (the process's arguments): the program and subcommand,
/// then one entry per flag with its value, except [`NOT_IN_FINGERPRINT`]; a value that names
/// an existing file is replaced by its canonical path and size, so the same file given by
/// another path matches and another file does not.
pub fn fingerprint(args: impl IntoIterator<Item = String>) -> Fingerprint {
    let args: Vec<String> = args.into_iter().collect();
    let describe = |v: &str| -> String {
        let p = Path::new(v);
        match (p.is_file(), p.canonicalize(), p.metadata()) {
            (true, Ok(c), Ok(m)) => format!("{} ({} bytes)", c.display(), m.len()),
            _ => v.to_string(),
        }
    };
    let program = args.first().map(|a| Path::new(a).file_name().map_or(a.clone(), |f| f.to_string_lossy().into()));
    let mut command = program.unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if !a.starts_with('-') {
            if out.is_empty() {
                command.push(' ');
                command.push_str(a);
            } else {
                out.push(("argument".to_string(), describe(a)));
            }
            continue;
        }
        let (key, value) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None if i < args.len() && !args[i].starts_with("--") && !(args[i].starts_with('-') && a.len() == 2) => {
                i += 1;
                (a.clone(), Some(args[i - 1].clone()))
            }
            None => (a.clone(), None),
        };
        if !NOT_IN_FINGERPRINT.contains(&key.as_str()) {
            out.push((key, value.as_deref().map_or(String::new(), describe)));
        }
    }
    let mut all = vec![("command".to_string(), command)];
    all.extend(out);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_keeps_what_changes_the_run() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let f = fingerprint(args("/x/strads lda --data Cargo.toml --topics 20 --workers 2 --out o -q --seed=3"));
        let here = Path::new("Cargo.toml").canonicalize().expect("exists");
        let size = Path::new("Cargo.toml").metadata().expect("exists").len();
        let want: Fingerprint = vec![
            ("command".into(), "strads lda".into()),
            ("--data".into(), format!("{} ({size} bytes)", here.display())),
            ("--topics".into(), "20".into()),
            ("--seed".into(), "3".into()),
        ];
        assert_eq!(f, want);
        let g = fingerprint(args("strads lda --no-intercept --lambda -1 --checkpoint d --resume d"));
        assert_eq!(g[1..], [("--no-intercept".into(), String::new()), ("--lambda".into(), "-1".into())]);
    }

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
