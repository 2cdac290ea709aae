//! Lasso regression by scheduled model-parallel coordinate descent.
//!
//! `F(β₀, β) = ½‖y − β₀1 − Xβ‖² + λ‖β‖₁` with `X` of shape `n × p`, rows (samples)
//! sharded over the workers. See [`Lasso`] for the round structure and
//! [`fit_threads`] for a complete fit.

mod app;
mod extrapolation;
mod model;
mod params;

use std::sync::Arc;

pub use app::{
    soft_threshold, Evaluation, Lasso, LassoCoordinator, LassoPartial, LassoScheduler, LassoTask, LassoUpdate,
    LassoWorker,
};
pub use model::LassoModel;
pub use params::{LassoParams, Penalty};

use strads_datasets::{even_ranges, CsrMatrix, LabeledData, RowShards};
use strads_engine::{run, Backend, Placement, Roles, RoundInfo, RunConfig, StopReason};
use strads_scheduler::Policy;

/// Splits the rows of `x` (with targets `y`) into `workers` contiguous, nearly equal shards.
///
/// # Panics
/// If `workers == 0` or `y.len() != x.nrows`.
pub fn shard_rows(x: &CsrMatrix, y: &[f64], workers: usize) -> Vec<LassoWorker> {
    let rows = HeldRows { x, y, offset: 0, total: x.nrows };
    rows.workers(workers, 0..workers).expect("every row is held")
}

/// Rows of the data held by this process: rows `offset..offset + x.nrows` of `total`.
struct HeldRows<'a> {
    x: &'a CsrMatrix,
    y: &'a [f64],
    offset: usize,
    total: usize,
}

impl HeldRows<'_> {
    /// Workers `ks` of `p`: worker `k` owns rows `even_ranges(total, p)[k]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if a worker's rows are not all held here.
    fn workers(&self, p: usize, ks: std::ops::Range<usize>) -> crate::Result<Vec<LassoWorker>> {
        let held = self.offset..self.offset + self.x.nrows;
        let ranges = even_ranges(self.total, p);
        ks.map(|k| {
            let r = &ranges[k];
            if r.start < held.start || r.end > held.end {
                return Err(crate::Error::Shape(format!(
                    "worker {k} owns rows {r:?} but this process read rows {held:?}"
                )));
            }
            let local = r.start - held.start..r.end - held.start;
            Ok(LassoWorker::new(self.x.row_block_csc(local.clone()), self.y[local].to_vec()))
        })
        .collect()
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
    observer: impl FnMut(&RoundInfo, &LassoCoordinator),
) -> crate::Result<LassoFit> {
    config.check()?;
    let backend = Backend::Threads { workers: config.workers };
    let rows = HeldRows { x, y, offset: 0, total: x.nrows };
    fit_rows(&backend, rows, params, config, observer)?.ok_or(crate::Error::NoEvaluation)
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
    observer: impl FnMut(&RoundInfo, &LassoCoordinator),
) -> crate::Result<Option<LassoFit>> {
    let rows = HeldRows { x: &data.x, y: &data.y, offset: data.row_offset, total: data.rows_total };
    fit_rows(backend, rows, params, config, observer)
}

/// The rows `LoadOptions::shards` must keep for `placement` (`None`: every row).
pub fn rows_needed(placement: &Placement, params: &LassoParams) -> Option<RowShards> {
    let whole = placement.scheduler && params.schedule.policy == Policy::Dynamic
        || placement.worker_range == (0..placement.workers);
    (!whole).then(|| RowShards { shards: placement.worker_range.clone(), of: placement.workers })
}

fn fit_rows(
    backend: &Backend,
    rows: HeldRows<'_>,
    params: LassoParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LassoCoordinator),
) -> crate::Result<Option<LassoFit>> {
    config.check()?;
    let place = backend.placement();
    let (x, y, n) = (rows.x, rows.y, rows.total);
    if y.len() != x.nrows {
        return Err(crate::Error::Shape(format!("{} targets for {} rows", y.len(), x.nrows)));
    }
    let held = rows.offset..rows.offset + x.nrows;
    let app = Lasso::new(params, n, x.ncols)?;
    let columns = if place.scheduler && app.params().schedule.policy == Policy::Dynamic {
        if held != (0..n) {
            return Err(crate::Error::Shape("the dynamic scheduler needs every row of the data".into()));
        }
        Some(Arc::new(x.to_csc()))
    } else {
        None
    };
    // Where the whole matrix is already in CSC form, the workers' shards are cut from it
    // (one sequential pass each, instead of another transpose of the rows).
    let workers = match &columns {
        Some(full) => {
            let ranges = even_ranges(n, config.workers);
            place
                .worker_range
                .clone()
                .map(|k| LassoWorker::new(full.row_block(ranges[k].clone()), y[ranges[k].clone()].to_vec()))
                .collect()
        }
        None => rows.workers(config.workers, place.worker_range.clone())?,
    };
    let scheduler = if place.scheduler { Some(LassoScheduler::new(app.params(), x.ncols, columns)?) } else { None };
    let coordinator = place.coordinator.then(|| app.coordinator());
    let roles = Roles { scheduler, coordinator, workers };
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
