//! Hyperparameters of the Lasso app, checked before anything runs.

use strads_scheduler::BlockConfig;

use crate::{Error, Result};

/// How the L1 penalty λ is given (the kit's; for the Lasso λ is in the units of
/// `½‖y − Xβ‖²`, i.e. `n` times scikit-learn's `alpha`, and `λ_max = ‖X̃ᵀỹ‖∞`, centered when
/// fitting an intercept).
pub use strads_kit::Penalty;

/// Hyperparameters of [`crate::lasso::Lasso`].
#[derive(Debug, Clone, PartialEq)]
pub struct LassoParams {
    /// The L1 penalty.
    pub penalty: Penalty,
    /// Fit an unpenalized intercept (as glmnet and scikit-learn do by default).
    pub intercept: bool,
    /// Stop when the duality gap relative to the primal objective is at most this (> 0).
    pub tol: f64,
    /// The block schedule.
    pub schedule: BlockConfig,
    /// Evaluate the objective and duality gap (and refresh the dynamic schedule's
    /// priorities from the exact gradient) every this many update rounds; `None` picks about
    /// half a pass over the features, `⌈p / 8L⌉` clamped to `1..=1000`.
    pub eval_every: Option<u64>,
    /// Passes of coordinate descent over each scheduled block at the coordinator (≥ 1).
    /// One pass is serial coordinate descent through the block; more passes minimize the
    /// objective over the block's variables, with no extra communication (the coordinator
    /// holds the block's Gram matrix), stopping early once a pass changes little.
    pub inner_passes: usize,
    /// Gap-safe screening at every evaluation [Fercoq, Gramfort & Salmon 2015]: features
    /// proven zero at the optimum leave the scheduler and the evaluations.
    pub screening: bool,
}

impl LassoParams {
    /// Update rounds between evaluations for `p` features: [`LassoParams::eval_every`], or
    /// `⌈p / 8L⌉` clamped to `1..=1000` (`L` the block size).
    pub fn eval_every_for(&self, p: usize) -> u64 {
        let block = self.schedule.block_size as u64;
        self.eval_every.unwrap_or_else(|| (p as u64).div_ceil(8 * block.max(1)).clamp(1, 1000))
    }

    /// Validates every value.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and the bad value.
    pub fn check(&self) -> Result<()> {
        self.penalty.check()?;
        strads_kit::check_tol(self.tol)?;
        if self.inner_passes == 0 {
            return Err(Error::invalid("inner-passes", 0, "at least 1"));
        }
        if self.eval_every == Some(0) {
            return Err(Error::invalid("eval-every", 0, "at least 1"));
        }
        self.schedule.check()?;
        if self.schedule.block_size > usize::from(u16::MAX) {
            return Err(Error::invalid("block-size", self.schedule.block_size, "at most 65535"));
        }
        Ok(())
    }
}
