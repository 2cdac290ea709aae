//! What every strads crate shares: the parameter error [`InvalidParameter`] (one type for the
//! engine, the scheduler, the apps and the kit) and the [`numerics`] that scheduled
//! coordinate-descent apps are built from (soft-thresholding, dense and sparse dot products), and
//! the [`l1`] numerics of L1-penalized generalized linear models (the CDN Newton direction,
//! KKT violations, dual scaling, the logistic loss).

pub mod l1;
pub mod numerics;

pub use l1::{add_into, binary_entropy, cdn_direction, dual_scale, l1_violation, logistic_loss, sigmoid_neg};
pub use numerics::{dot, soft_threshold, sparse_axpy, sparse_dot};

/// A hyperparameter or setting out of its range: its command-line name, the value given and
/// what it must be. Displays as one line, `invalid --workers 0: must be at least 1`.
///
/// Every crate's error enum wraps it (`#[from]`), so a bad value reads the same whichever
/// crate checked it; checks run before any data is read or any message is sent.
///
/// # Examples
/// ```
/// use strads_core::InvalidParameter;
/// let e = InvalidParameter::new("tol", -1.0, "a finite number > 0");
/// assert_eq!(e.to_string(), "invalid --tol -1: must be a finite number > 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --{name} {value}: must be {expect}")]
pub struct InvalidParameter {
    /// The parameter's command-line name, without the dashes (`block-size`).
    pub name: &'static str,
    /// The value given, as text.
    pub value: String,
    /// What it must be (`at least 1`).
    pub expect: &'static str,
}

impl InvalidParameter {
    /// The error for parameter `name` (command-line spelling, no dashes) with `value`.
    pub fn new(name: &'static str, value: impl ToString, expect: &'static str) -> Self {
        Self { name, value: value.to_string(), expect }
    }
}
