//! Errors of the engine.

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value out of range.
    #[error(transparent)]
    InvalidParameter(#[from] strads_core::InvalidParameter),
    /// The number of worker states does not match the configured worker count.
    #[error("{given} worker states for {expected} workers")]
    WorkerCount {
        /// Worker states handed to the engine.
        given: usize,
        /// Workers configured.
        expected: usize,
    },
    /// A worker stopped (panicked or lost its link) before the run ended.
    #[error("worker {rank} failed: {cause}")]
    WorkerFailed {
        /// Index of the worker.
        rank: usize,
        /// What is known of the cause.
        cause: String,
    },
    /// The scheduler (its thread or rank) failed, with the cause.
    #[error("the scheduler failed: {0}")]
    SchedulerFailed(String),
    /// The role states handed to [`crate::run`] do not match the process's placement.
    #[error("{0}")]
    Roles(String),
    /// The app's [`crate::App::pull`] stopped the run with an error.
    #[error("round {round}: {source}")]
    Pull {
        /// The round whose pull failed (0-based).
        round: u64,
        /// The app's error.
        source: crate::AppError,
    },
    /// The app's constructor of a role state failed (see [`crate::Roles`]).
    #[error("{role}: {source}")]
    Build {
        /// The role: `scheduler`, `coordinator` or `workers 2..4`.
        role: String,
        /// The app's error.
        source: crate::AppError,
    },
    /// A checkpoint could not be written, read or resumed (the message names the file and
    /// the reason), or the app or layout does not support checkpoints.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The run was asked to stop (e.g. SIGTERM) and wrote a checkpoint first.
    #[error("terminated: checkpoint of round {round} written to {}; resume with --resume", path.display())]
    Terminated {
        /// The checkpoint file.
        path: std::path::PathBuf,
        /// The round the checkpoint resumes at.
        round: u64,
    },
    /// The coordinator's link to the workers broke.
    #[error("transport failure: {0}")]
    Transport(String),
}

/// Result alias of the engine.
pub type Result<T> = std::result::Result<T, Error>;
