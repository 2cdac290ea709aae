//! Lasso regression by scheduled model-parallel coordinate descent.
//!
//! `F(β₀, β) = ½‖y − β₀1 − Xβ‖² + λ‖β‖₁` with `X` of shape `n × p`, rows (samples)
//! sharded over the workers. See [`Lasso`] for the round structure and
//! [`fit_threads`] for a complete fit.

mod app;
mod coordinator;
mod evaluate;
mod extrapolation;
mod messages;
mod model;
mod params;
mod scheduler;
mod worker;

use std::sync::Arc;

pub use app::Lasso;
pub use coordinator::LassoCoordinator;
pub use messages::{Evaluation, LassoFeedback, LassoPartial, LassoTask, LassoUpdate};
pub use model::LassoModel;
pub use params::{LassoParams, Penalty};
pub use scheduler::LassoScheduler;
/// Soft-thresholding, from the shared numerics ([`strads_core::soft_threshold`]).
pub use strads_core::soft_threshold;
pub use worker::LassoWorker;

use strads_datasets::{CscMatrix, CsrMatrix, LabeledData, RowShards};
use strads_engine::{run, AppError, Backend, Placement, Roles, RoundInfo, RunConfig, StopReason};
use strads_kit::HeldRows;
use strads_scheduler::Policy;

/// Splits the rows of `x` (with targets `y`) into `workers` contiguous, nearly equal shards.
///
/// # Panics
/// If `workers == 0` or `y.len() != x.nrows`.
pub fn shard_rows(x: &CsrMatrix, y: &[f64], workers: usize) -> Vec<LassoWorker> {
    let rows = HeldRows::all(x, y);
    (0..workers)
        .map(|k| {
            let (x, y) = rows.worker_csc(k, workers).expect("every row is held");
            LassoWorker::new(x, y)
        })
        .collect()
}

/// The Lasso's role constructors for [`strads_engine::run`]: each worker's shard cut from
/// the rows held, the scheduler (with the whole matrix as columns for the dynamic schedule's
/// correlation filter) and the coordinator.
struct LassoRoles<'a> {
    app: &'a Lasso,
    rows: HeldRows<'a>,
    workers: usize,
    /// The whole matrix as CSC, where the dynamic scheduler runs (built once, shared by
    /// the scheduler and the workers' shards).
    columns: Option<Arc<CscMatrix>>,
}

impl Roles<Lasso> for LassoRoles<'_> {
    fn workers(&mut self, range: std::ops::Range<usize>) -> Result<Vec<LassoWorker>, AppError> {
        range
            .map(|k| {
                // Where the whole matrix is already in CSC form, the shards are cut from it
                // (one sequential pass each, instead of another transpose of the rows).
                let (x, y) = match &self.columns {
                    Some(full) => {
                        let r = self.rows.worker_rows(k, self.workers)?;
                        (full.row_block(r.clone()), self.rows.y[r].to_vec())
                    }
                    None => self.rows.worker_csc(k, self.workers)?,
                };
                Ok(LassoWorker::new(x, y))
            })
            .collect()
    }
    fn scheduler(&mut self) -> Result<LassoScheduler, AppError> {
        Ok(LassoScheduler::new(self.app.params(), self.rows.x.ncols, self.columns.clone())?)
    }
    fn coordinator(&mut self) -> Result<LassoCoordinator, AppError> {
        Ok(self.app.coordinator())
    }
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
    /// Features removed by gap-safe screening (proven zero at the optimum), increasing.
    pub screened: Vec<u32>,
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
    observer: impl FnMut(&RoundInfo, &LassoTask, &LassoCoordinator),
) -> crate::Result<LassoFit> {
    config.check()?;
    let backend = Backend::Threads { workers: config.workers };
    fit_rows(&backend, HeldRows::all(x, y), params, config, observer)?.ok_or(crate::Error::NoEvaluation)
}

/// Fits the Lasso on `backend`: every process of the run calls this with the rows it read.
///
/// `data` holds rows `data.row_offset..` of a file of `data.rows_total` rows (read with
/// [`strads_datasets::LoadOptions::shards`]): the rows of this process's workers — worker `k`
/// of `P` owns rows `even_ranges(n, P)[k]` — or every row where the dynamic scheduler runs
/// (its correlation filter needs whole columns). `config.workers` must be the backend's `P`.
/// Returns the fit on the coordinator, `None` on other ranks.
///
/// # Errors
/// As [`fit_threads`]; [`crate::Error::Shape`] if `data` lacks rows this process needs.
pub fn fit(
    backend: &Backend,
    data: &LabeledData,
    params: LassoParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LassoTask, &LassoCoordinator),
) -> crate::Result<Option<LassoFit>> {
    fit_rows(backend, HeldRows::of(data), params, config, observer)
}

/// The rows `LoadOptions::shards` must keep for `placement` (`None`: every row): the
/// workers' rows, or every row where the dynamic scheduler runs (its correlation filter needs
/// whole columns); see [`strads_kit::rows_needed`].
pub fn rows_needed(placement: &Placement, params: &LassoParams) -> Option<RowShards> {
    strads_kit::rows_needed(placement, params.schedule.policy == Policy::Dynamic)
}

fn fit_rows(
    backend: &Backend,
    rows: HeldRows<'_>,
    params: LassoParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LassoTask, &LassoCoordinator),
) -> crate::Result<Option<LassoFit>> {
    config.check()?;
    let place = backend.placement();
    if rows.y.len() != rows.x.nrows {
        return Err(crate::Error::Shape(format!("{} targets for {} rows", rows.y.len(), rows.x.nrows)));
    }
    let app = Lasso::new(params, rows.total, rows.x.ncols)?;
    let columns = if place.scheduler && app.params().schedule.policy == Policy::Dynamic {
        if !rows.is_whole() {
            return Err(crate::Error::Shape("the dynamic scheduler needs every row of the data".into()));
        }
        Some(Arc::new(rows.x.to_csc()))
    } else {
        None
    };
    let roles = LassoRoles { app: &app, rows, workers: config.workers, columns };
    let Some(out) = run(&app, config, backend, roles, observer)? else { return Ok(None) };
    let c = &out.coordinator;
    let evaluation = c.last_evaluation().copied().ok_or(crate::Error::NoEvaluation)?;
    Ok(Some(LassoFit {
        model: app.model(c),
        lambda: c.lambda(),
        lambda_max: c.lambda_max(),
        evaluation,
        rounds: out.rounds,
        updates: out.updates,
        wall_s: out.wall_s,
        phases: out.total,
        stop: out.stop,
        screened: c.screened_features(),
    }))
}

#[cfg(test)]
mod tests;
