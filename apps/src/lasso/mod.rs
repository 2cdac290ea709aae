//! Lasso regression by scheduled model-parallel coordinate descent.
//!
//! `F(β₀, β) = ½‖y − β₀1 − Xβ‖² + λ‖β‖₁` with `X` of shape `n × p`, rows (samples)
//! sharded over the workers. See [`Lasso`] for the round structure and
//! [`fit_threads`] for a complete fit.

mod app;
mod model;
mod params;

use std::sync::Arc;

pub use app::{
    soft_threshold, Evaluation, Lasso, LassoCoordinator, LassoPartial, LassoScheduler, LassoTask,
    LassoUpdate, LassoWorker,
};
pub use model::LassoModel;
pub use params::{LassoParams, Penalty};

use strads_datasets::{even_ranges, CsrMatrix};
use strads_engine::{run_threads, RoundInfo, RunConfig, StopReason};
use strads_scheduler::Policy;

/// Splits the rows of `x` (with targets `y`) into `workers` contiguous, nearly equal shards.
///
/// # Panics
/// If `workers == 0` or `y.len() != x.nrows`.
pub fn shard_rows(x: &CsrMatrix, y: &[f64], workers: usize) -> Vec<LassoWorker> {
    even_ranges(x.nrows, workers)
        .into_iter()
        .map(|r| LassoWorker::new(x.row_block_csc(r.clone()), y[r].to_vec()))
        .collect()
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct LassoFit {
    /// The model.
    pub model: LassoModel,
    /// The resolved penalty λ.
    pub lambda: f64,
    /// `λ_max` of the data.
    pub lambda_max: f64,
    /// The final evaluation (objective, duality gap, nnz).
    pub evaluation: Evaluation,
    /// Engine rounds run (setup and evaluations included).
    pub rounds: u64,
    /// Coordinate updates run.
    pub updates: u64,
    /// Wall seconds of the rounds.
    pub wall_s: f64,
    /// Phase times and bytes.
    pub phases: strads_engine::PhaseTimes,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// Fits the Lasso on `x` (CSR, `n × p`) and `y` (length `n`) with `config.workers` worker
/// threads. `observer` sees every round (the coordinator state included).
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for bad hyperparameters, [`crate::Error::Engine`] if the
/// run fails.
pub fn fit_threads(
    x: &CsrMatrix,
    y: &[f64],
    params: LassoParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LassoCoordinator),
) -> crate::Result<LassoFit> {
    config.check()?;
    if y.len() != x.nrows {
        return Err(crate::Error::Shape(format!("{} targets for {} rows", y.len(), x.nrows)));
    }
    let app = Lasso::new(params, x.nrows, x.ncols)?;
    let columns = (app.params().schedule.policy == Policy::Dynamic).then(|| Arc::new(x.to_csc()));
    let sched = LassoScheduler::new(app.params(), x.ncols, columns)?;
    let workers = shard_rows(x, y, config.workers);
    let out = run_threads(&app, config, sched, app.coordinator(), workers, observer)?;
    let c = &out.coordinator;
    let evaluation = c.last_evaluation().copied().ok_or(crate::Error::NoEvaluation)?;
    Ok(LassoFit {
        model: app.model(c),
        lambda: c.lambda(),
        lambda_max: c.lambda_max(),
        evaluation,
        rounds: out.rounds,
        updates: out.updates,
        wall_s: out.wall_s,
        phases: out.total,
        stop: out.stop,
    })
}

#[cfg(test)]
mod tests;
