//! Sparse (L1) logistic regression by scheduled coordinate descent with Newton steps, built on
//! the kit: `strads_kit::glm` (CDN steps, line search, KKT, evaluations), the scheduler crate's
//! `WorkingSetScheduler` and the engine's `Cadence::by_units` (evaluations every K passes).
//!
//! Minimizes `F(β₀, β) = Σᵢ log(1 + exp(−yᵢ(β₀ + xᵢᵀβ))) + λ‖β‖₁` (labels `yᵢ = ±1`, `X` of
//! shape `n × p`, rows sharded over the workers; `β₀` unpenalized, or 0 without an intercept).

mod coordinator;
mod worker;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strads_datasets::LabeledData;
use strads_engine::{run, App, AppError, Backend, Cadence, Phase, Pulled, RoleFns, RoundInfo, RunConfig, RunOutput};
use strads_kit::HeldRows;
use strads_scheduler::{BlockConfig, PearsonOracle, WorkingSetScheduler};

pub use coordinator::LogRegCoordinator;
pub use strads_core::logistic_loss;
pub use strads_kit::{glm::L1Evaluation as Evaluation, glm::TRIALS, Penalty};
pub use worker::LogRegWorker;

/// Hyperparameters of [`LogReg`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogRegParams {
    /// λ, or a fraction of `λ_max = ‖Xᵀ(y₀₁ − c1)‖∞` (`c = ȳ₀₁` with an intercept, `½` without).
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

impl LogRegParams {
    /// Checks every value.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the parameter and its value.
    pub fn check(&self) -> crate::Result<()> {
        self.penalty.check()?;
        strads_kit::check_tol(self.tol)?;
        if self.eval_passes == 0 {
            return Err(crate::Error::invalid("eval-passes", 0, "at least 1"));
        }
        Ok(self.schedule.check()?)
    }
}

/// The work of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// Column sums, squared norms, `Xᵀy₀₁` and the labels.
    Setup,
    /// Gradient and curvature of the loss for these features (and the intercept).
    Direction(Vec<u32>),
    /// Loss changes along the pending direction at the trial steps.
    LineSearch,
    /// Loss gradient, loss and dual variables `uᵢ = σ(−yᵢmᵢ)` of every row.
    Evaluate,
}

/// One worker's answer to a [`Task`], over its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Partial {
    /// Column statistics with `v = y₀₁` (length `p` each) and the labels (±1).
    Setup(strads_kit::glm::ColumnStats, Vec<f64>),
    /// `(g_j, h_j)` per block feature, then the intercept's with an intercept.
    Direction(Vec<(f64, f64)>),
    /// `Σᵢ ℓ(yᵢ(mᵢ + α Δmᵢ)) − ℓ(yᵢmᵢ)` per trial step.
    LineSearch(Vec<f64>),
    /// `Xᵀ(y∘u)` (length `p`), `Σ ℓ(yᵢmᵢ)` and `u` (one per row).
    #[allow(missing_docs)]
    Evaluate { grad: Vec<f64>, loss: f64, u: Vec<f64> },
}

/// What every worker applies after a pull.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Update {
    /// Nothing.
    None,
    /// Every margin becomes this intercept (the setup's, optimal at β = 0).
    Intercept(f64),
    /// The pending direction `(j, d_j)` (`j = p` the intercept).
    Direction(Vec<(u32, f64)>),
    /// Take step α along the pending direction (0: none).
    Step(f64),
}

/// What only the scheduler gets: priorities from an evaluation, or the changes of a step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Feedback {
    /// Nothing.
    None,
    /// Per feature the predicted change `|Δβ_j| ‖x_j‖` (> 0 where the KKT conditions fail or
    /// `β_j ≠ 0`), and the support (increasing).
    Priorities(Vec<f64>, Vec<u32>),
    /// `(j, Δβ_j ‖x_j‖)` of the features a step moved.
    Moved(Vec<(u32, f64)>),
}

/// The scheduler: working sets and blocks in them, and when to evaluate.
pub struct LogRegScheduler {
    ws: WorkingSetScheduler,
    cadence: Cadence,
    line_search_next: bool,
}

/// L1 logistic regression on the engine: scheduled coordinate descent with the Newton
/// coordinate steps of CDN [Yuan, Chang, Hsieh & Lin 2010, JMLR, Sec. 4.1.2].
///
/// * `Setup` — column norms, `λ_max`, λ, and β₀ optimal at β = 0.
/// * `Direction(B)` — push: `g_j = −Σᵢ x_ij yᵢ σ(−yᵢmᵢ)` and `h_j = Σᵢ x_ij² σ(mᵢ)σ(−mᵢ)` for
///   `j ∈ B` (and the intercept); pull: CDN's direction (`strads_kit::glm::NewtonL1::direction`);
///   sync: `Δm = Σ_j x_j d_j`.
/// * `LineSearch` — push: loss changes at `α = 2^{−k}`, `k < TRIALS`; pull: CDN's sufficient
///   decrease (`NewtonL1::line_search`); sync: `m ← m + αΔm`.
/// * `Evaluate` — objective, duality gap, KKT violation, and the next working set's
///   priorities (see [`LogRegCoordinator`]); then blocks of the working set for
///   `eval_passes` passes over it.
#[derive(Debug, Clone)]
pub struct LogReg {
    /// The hyperparameters.
    pub params: LogRegParams,
    /// Rows `n` and features `p`.
    pub n: usize,
    #[allow(missing_docs)]
    pub p: usize,
}

impl App for LogReg {
    type Scheduler = LogRegScheduler;
    type Coordinator = LogRegCoordinator;
    type Worker = LogRegWorker;
    type Task = Task;
    type Partial = Partial;
    type Update = Update;
    type Feedback = Feedback;
    type Private = ();

    fn schedule(&self, s: &mut LogRegScheduler, _round: u64) -> Task {
        if std::mem::take(&mut s.line_search_next) {
            return Task::LineSearch;
        }
        match s.cadence.next_phase() {
            Phase::Setup => Task::Setup,
            Phase::Evaluate => Task::Evaluate,
            Phase::Update => {
                let block = s.ws.next_block();
                s.cadence.count(block.len().max(1) as u64);
                s.line_search_next = true;
                Task::Direction(block)
            }
        }
    }

    fn push(&self, w: &mut LogRegWorker, task: &Task) -> Partial {
        w.push(self, task)
    }

    fn pull(
        &self,
        c: &mut LogRegCoordinator,
        task: &Task,
        parts: Vec<Partial>,
    ) -> Result<Pulled<Update, Feedback>, AppError> {
        c.pull(self, task, parts)
    }

    fn sync(&self, w: &mut LogRegWorker, update: &Update) {
        w.sync(update);
    }

    fn observe(&self, s: &mut LogRegScheduler, _: &Task, _: &Update, feedback: Feedback) {
        match feedback {
            Feedback::Priorities(p, support) => {
                s.ws.set_working_set(&p, &support);
                s.cadence.set_every(self.params.eval_passes * s.ws.active().len() as u64);
            }
            Feedback::Moved(moved) => moved.into_iter().for_each(|(j, d)| s.ws.set_progress(j, d)),
            Feedback::None => {}
        }
    }

    fn final_task(&self, s: &mut LogRegScheduler) -> Option<Task> {
        s.line_search_next = false;
        Some(Task::Evaluate)
    }

    fn updates(&self, task: &Task) -> u64 {
        if let Task::Direction(b) = task {
            b.len() as u64
        } else {
            0
        }
    }
}

/// Fits on `backend`: every process calls this with the rows it read (the workers' rows, or
/// every row where the scheduler runs: its correlation filter reads whole columns; see
/// [`strads_kit::rows_needed`] with `whole_on_scheduler`). Labels must be ±1 or 0/1 (checked by the caller).
/// Returns the run on the coordinator, `None` elsewhere.
///
/// # Errors
/// Bad parameters, rows missing here, or a failed run (a non-finite objective stops it).
pub fn fit(
    backend: &Backend,
    data: &LabeledData,
    params: LogRegParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &Task, &LogRegCoordinator),
) -> crate::Result<Option<RunOutput<LogReg>>> {
    params.check()?;
    let (place, rows) = (backend.placement(), HeldRows::of(data));
    let app = LogReg { n: rows.total, p: rows.x.ncols, params };
    if place.scheduler && !rows.is_whole() {
        return Err(crate::Error::Shape("the scheduler's dependency filter needs every row".into()));
    }
    let columns = place.scheduler.then(|| Arc::new(rows.x.to_csc()));
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            range
                .map(|k| Ok(LogRegWorker::new(rows.worker_csc(k, place.workers)?)))
                .collect::<Result<Vec<_>, AppError>>()
        },
        scheduler: || {
            let oracle = columns.clone().map(PearsonOracle::with_default_cache);
            let ws = WorkingSetScheduler::new(app.p, app.params.schedule.clone(), oracle)?;
            Ok(LogRegScheduler { ws, cadence: Cadence::by_units(0), line_search_next: false })
        },
        coordinator: || Ok(LogRegCoordinator::new(app.p)),
    };
    Ok(run(&app, config, backend, roles, observer)?)
}

#[cfg(test)]
mod tests;
