//! Errors of the kit and of an app's command built on it.

use std::path::PathBuf;

/// Every error a command built on the kit reports; each displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad setting (a flag's value out of range).
    #[error(transparent)]
    InvalidParameter(#[from] strads_core::InvalidParameter),
    /// Reading or parsing input data.
    #[error(transparent)]
    Data(#[from] strads_datasets::Error),
    /// The engine failed (or the app's pull or a role constructor stopped the run).
    #[error(transparent)]
    Engine(#[from] strads_engine::Error),
    /// A bad block schedule (an unknown name, a value out of range).
    #[error(transparent)]
    Schedule(#[from] strads_scheduler::Error),
    /// Data this process needs but did not read (see [`crate::HeldRows`]).
    #[error("{0}")]
    Shape(String),
    /// Writing an output file.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The output file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An app's own error.
    #[error(transparent)]
    App(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl Error {
    /// An app's own error, boxed.
    pub fn app(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::App(e.into())
    }
}

/// Result alias of the kit.
pub type Result<T> = std::result::Result<T, Error>;
