//! Errors of the command-line front end.

use std::path::PathBuf;

/// Every error the `strads` command reports; each displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading or parsing input data.
    #[error(transparent)]
    Data(#[from] strads_datasets::Error),
    /// A bad hyperparameter or a failed run.
    #[error(transparent)]
    App(#[from] strads_apps::Error),
    /// A bad scheduler setting.
    #[error(transparent)]
    Scheduler(#[from] strads_scheduler::Error),
    /// A bad engine setting.
    #[error(transparent)]
    Engine(#[from] strads_engine::Error),
    /// A bad command-line value that clap cannot check.
    #[error(transparent)]
    InvalidArgument(#[from] strads_kit::InvalidParameter),
    /// The kit: writing an output file, loading a process's rows, a bad shared flag.
    #[error(transparent)]
    Kit(#[from] strads_kit::Error),
    /// Writing to standard output.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result alias of the front end.
pub type Result<T> = std::result::Result<T, CliError>;
