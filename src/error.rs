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
    #[error("invalid --{name} {value}: must be {expect}")]
    InvalidArgument {
        /// Option name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What it must be.
        expect: &'static str,
    },
    /// Writing an output file.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result alias of the front end.
pub type Result<T> = std::result::Result<T, CliError>;
