//! Hyperparameters of the MF app, checked before anything runs.

use crate::{Error, Result};

/// The regularization of the objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// `λ (‖W‖² + ‖H‖²)`, the STRADS objective.
    Plain,
    /// `Σ_i λ|Ω_i| ‖w_i‖² + Σ_j λ|Ω_j| ‖h_j‖²` (frequency-weighted, as ALS-WR and most SGD
    /// libraries), so λ is comparable across data sizes.
    Weighted,
}

impl std::str::FromStr for Reg {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "plain" => Ok(Self::Plain),
            "weighted" => Ok(Self::Weighted),
            _ => Err(Error::invalid("reg", s, "plain or weighted")),
        }
    }
}

/// Hyperparameters of [`crate::mf::Mf`].
#[derive(Debug, Clone, PartialEq)]
pub struct MfParams {
    /// `K`, the rank (≥ 1).
    pub rank: usize,
    /// λ (≥ 0).
    pub lambda: f64,
    /// The regularization form.
    pub reg: Reg,
    /// Outer iterations (each updates every factor once; ≥ 1).
    pub iters: u64,
    /// `T`, alternations of the `W` and `H` half-steps per factor (≥ 1).
    pub inner_iters: usize,
    /// Seed of the initial `W`.
    pub seed: u64,
    /// Early stopping: stop once the test RMSE has not improved for this many evaluations
    /// (outer iterations) and return the best model seen (≥ 1; needs test ratings).
    pub early_stop: Option<u64>,
}

impl Default for MfParams {
    fn default() -> Self {
        Self { rank: 10, lambda: 0.05, reg: Reg::Weighted, iters: 20, inner_iters: 3, seed: 0, early_stop: None }
    }
}

impl MfParams {
    /// Validates every value.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first value out of range.
    pub fn check(&self) -> Result<()> {
        if self.rank == 0 {
            return Err(Error::invalid("rank", 0, "at least 1"));
        }
        if !(self.lambda >= 0.0 && self.lambda.is_finite()) {
            return Err(Error::invalid("lambda", self.lambda, "a non-negative number"));
        }
        if self.iters == 0 {
            return Err(Error::invalid("iters", 0, "at least 1"));
        }
        if self.inner_iters == 0 {
            return Err(Error::invalid("inner-iters", 0, "at least 1"));
        }
        if self.early_stop == Some(0) {
            return Err(Error::invalid("early-stop", 0, "at least 1"));
        }
        Ok(())
    }
}
