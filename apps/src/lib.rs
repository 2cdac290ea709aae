//! The apps of strads, each one folder implementing [`strads_engine::App`]:
//!
//! * [`lasso`]: Lasso regression by scheduled coordinate descent.
//! * [`lda`]: LDA topic models by collapsed Gibbs sampling with word-block rotation.
//! * [`logreg`]: sparse (L1) logistic regression by scheduled coordinate descent (CDN steps).
//! * [`mf`]: matrix factorization by CCD++ with row/column partitioning.

pub mod lasso;
pub mod lda;
pub mod logreg;
pub mod mf;

/// Errors of the apps.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A hyperparameter out of range.
    #[error(transparent)]
    InvalidParameter(#[from] strads_core::InvalidParameter),
    /// Inconsistent input shapes.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// The run ended without evaluating the model.
    #[error("the run ended before the model was evaluated")]
    NoEvaluation,
    /// A scheduler error.
    #[error(transparent)]
    Scheduler(#[from] strads_scheduler::Error),
    /// An engine error.
    #[error(transparent)]
    Engine(#[from] strads_engine::Error),
    /// An error of the app kit (parameters, rows held).
    #[error(transparent)]
    Kit(#[from] strads_kit::Error),
}

impl Error {
    pub(crate) fn invalid(name: &'static str, value: impl ToString, expect: &'static str) -> Self {
        Self::InvalidParameter(strads_core::InvalidParameter::new(name, value, expect))
    }
}

/// Result alias of the apps.
pub type Result<T> = std::result::Result<T, Error>;
