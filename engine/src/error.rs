//! Errors of the engine.

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value out of range.
    #[error("invalid --{name} {value}: must be {expect}")]
    InvalidParameter {
        /// The parameter's command-line name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What it must be.
        expect: &'static str,
    },
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
    /// The coordinator's link to the workers broke.
    #[error("transport failure: {0}")]
    Transport(String),
}

/// Result alias of the engine.
pub type Result<T> = std::result::Result<T, Error>;
