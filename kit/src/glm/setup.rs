//! The parameters and role constructors of a Newton-step GLM fit, and the coordinator's
//! helpers for the app's own setup and evaluation pulls.

use std::ops::Range;
use std::sync::Arc;

use strads_core::{add_into, InvalidParameter};
use strads_datasets::CscMatrix;
use strads_engine::{App, AppError, Control, Placement, Roles};
use strads_scheduler::{BlockConfig, PearsonOracle};

use super::{ColumnStats, Feedback, GlmWorker, L1Evaluation, Loss, NewtonL1, NewtonScheduler, Partial};
use crate::{HeldRows, Penalty};

/// Hyperparameters of a Newton-step GLM fit ([`NewtonScheduler`], [`NewtonL1`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GlmParams {
    /// λ, or a fraction of the app's `λ_max`.
    pub penalty: Penalty,
    /// Fit an unpenalized intercept β₀.
    pub intercept: bool,
    /// Stop when the relative duality gap `(F − D) / F` is at most this (> 0).
    pub tol: f64,
    /// The block schedule inside each working set (dynamic, cyclic or random, with the filter).
    pub schedule: BlockConfig,
    /// Coordinate updates between evaluations, in passes over the working set (≥ 1).
    pub eval_passes: u64,
}

impl GlmParams {
    /// Checks every value.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the parameter and its value (`lambda`,
    /// `lambda-ratio`, `tol`, `eval-passes`, then the schedule's).
    pub fn check(&self) -> crate::Result<()> {
        self.penalty.check()?;
        crate::check_tol(self.tol)?;
        if self.eval_passes == 0 {
            return Err(InvalidParameter::new("eval-passes", 0, "at least 1").into());
        }
        Ok(self.schedule.check()?)
    }
}

/// The role constructors of a Newton-step GLM app (an [`App`] whose workers are
/// [`GlmWorker`]s and whose scheduler is a [`NewtonScheduler`]), for `strads_engine::run`:
/// each worker's shard cut from the rows held ([`HeldRows::worker_csc`]), the scheduler
/// with the Pearson correlation of the whole matrix's columns as its dependency oracle, and
/// the app's coordinator from `coordinator`.
pub struct NewtonRoles<'a, L, F> {
    rows: HeldRows<'a>,
    workers: usize,
    loss: L,
    params: GlmParams,
    columns: Option<Arc<CscMatrix>>,
    coordinator: F,
}

impl<'a, L: Loss, F> NewtonRoles<'a, L, F> {
    /// The constructors for a process with `placement` that holds `rows`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the scheduler runs here without every row (its dependency
    /// filter reads whole columns: load with `whole_on_scheduler`, see [`crate::rows_needed`]).
    pub fn new(
        place: &Placement,
        rows: HeldRows<'a>,
        loss: L,
        params: &GlmParams,
        coordinator: F,
    ) -> crate::Result<Self> {
        if place.scheduler && !rows.is_whole() {
            return Err(crate::Error::Shape("the scheduler's dependency filter needs every row".into()));
        }
        let columns = place.scheduler.then(|| Arc::new(rows.x.to_csc()));
        Ok(Self { rows, workers: place.workers, loss, params: params.clone(), columns, coordinator })
    }
}

impl<A, L, F> Roles<A> for NewtonRoles<'_, L, F>
where
    A: App<Worker = GlmWorker<L>, Scheduler = NewtonScheduler>,
    L: Loss,
    F: FnMut() -> Result<A::Coordinator, AppError>,
{
    fn workers(&mut self, range: Range<usize>) -> Result<Vec<GlmWorker<L>>, AppError> {
        range.map(|k| Ok(GlmWorker::new(self.loss.clone(), self.rows.worker_csc(k, self.workers)?))).collect()
    }
    fn scheduler(&mut self) -> Result<NewtonScheduler, AppError> {
        let oracle = self.columns.clone().map(PearsonOracle::with_default_cache);
        let (p, cfg, passes) = (self.rows.x.ncols, self.params.schedule.clone(), self.params.eval_passes);
        Ok(NewtonScheduler::new(p, cfg, oracle, passes)?)
    }
    fn coordinator(&mut self) -> Result<A::Coordinator, AppError> {
        (self.coordinator)()
    }
}

impl Partial {
    /// The setup partials summed in worker order: the column statistics, and the labels of
    /// every row (concatenated in worker order, i.e. row order).
    pub fn gather_setup(parts: Vec<Partial>) -> (ColumnStats, Vec<f64>) {
        let (mut stats, mut y) = (ColumnStats::default(), Vec::new());
        for part in parts {
            if let Partial::Setup(s, yk) = part {
                stats.add(&s);
                y.extend(yk);
            }
        }
        (stats, y)
    }

    /// The evaluation partials summed in worker order: `Xᵀa` (length `p`), `Σᵢ ℓ` and the
    /// dual variables of every row (in row order).
    pub fn gather_evaluation(parts: Vec<Partial>) -> (Vec<f64>, f64, Vec<f64>) {
        let (mut grad, mut loss, mut u) = (Vec::new(), 0.0, Vec::new());
        for part in parts {
            if let Partial::Evaluate { grad: g, loss: l, u: uk } = part {
                add_into(&mut grad, &g);
                loss += l;
                u.extend(uk);
            }
        }
        (grad, loss, u)
    }
}

impl<X> NewtonL1<X> {
    /// The setup's part of the model: `col_norm = √(Σᵢ x_ij²)`, and for losses whose gradient
    /// at β = 0 (with the optimal constant margin) is `−Xᵀ(v − c1)` (`v` the setup target,
    /// `c` its mean with an intercept: least squares with `v = y`, logistic with `v = y₀₁`)
    /// `g⁰ = Xᵀ(v − c1)`, `λ_max = ‖g⁰‖∞` and λ. Returns `g⁰`.
    pub fn start(&mut self, stats: &ColumnStats, c: f64, penalty: Penalty) -> Vec<f64> {
        let g0: Vec<f64> = stats.xtv.iter().zip(&stats.sum).map(|(a, s)| a - c * s).collect();
        self.lambda_max = g0.iter().fold(0.0, |m: f64, g| m.max(g.abs()));
        self.lambda = penalty.resolve(self.lambda_max);
        self.col_norm = stats.sq.iter().map(|s| s.sqrt()).collect();
        g0
    }

    /// The scheduler's feedback of an evaluation: the working-set priorities from the
    /// violations `viol` (see [`NewtonL1::priorities`]) and the support.
    pub fn feedback(&self, viol: &[f64], inv_curvature: f64) -> Feedback {
        Feedback::Priorities(self.priorities(viol, inv_curvature), self.support())
    }
}

impl L1Evaluation {
    /// The stopping test of an evaluation: converged when `relative_gap ≤ tol`.
    ///
    /// # Errors
    /// A non-finite objective (the data hold a NaN or an infinity): the run stops.
    pub fn control(&self, tol: f64) -> Result<Control, AppError> {
        if !self.objective.is_finite() {
            return Err(format!("the objective is {}: the data hold a NaN or an infinity", self.objective).into());
        }
        Ok(if self.relative_gap <= tol { Control::Converged } else { Control::Continue })
    }
}
