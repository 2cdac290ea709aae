//! Sparse (L1) logistic regression by scheduled coordinate descent with Newton steps.
//!
//! Minimizes `F(β₀, β) = Σᵢ log(1 + exp(−yᵢ(β₀ + xᵢᵀβ))) + λ‖β‖₁` (labels `yᵢ = ±1`, `X` of
//! shape `n × p`, rows sharded over the workers; `β₀` unpenalized, or 0 without an intercept).
//!
//! Rounds (see [`LogReg`]): a setup (column statistics, `λ_max`, the intercept at `β = 0`),
//! then per scheduled block a **direction** round and a **line-search** round, with an
//! **evaluation** (objective, duality gap, priorities, the next active set) after
//! `eval_passes` passes over the active set.

mod coordinator;
mod worker;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strads_datasets::{CscMatrix, LabeledData};
use strads_engine::{run, App, AppError, Backend, Pulled, RoleFns, RoundInfo, RunConfig, RunOutput};
use strads_kit::HeldRows;
use strads_scheduler::{
    filter_block, BlockConfig, BlockScheduler, DependencyOracle, Independent, PearsonOracle, Policy,
};

pub use crate::lasso::Penalty;
pub use coordinator::{Evaluation, LogRegCoordinator};
pub use worker::{logistic_loss, LogRegWorker};

/// Trial steps `α = 1, ½, …, 2^{−(TRIALS−1)}` of one line-search round.
pub const TRIALS: usize = 4;

/// Hyperparameters of [`LogReg`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogRegParams {
    /// λ, or a fraction of `λ_max = ‖Xᵀ(y₀₁ − c1)‖∞` (`c = ȳ₀₁` with an intercept, `½` without).
    pub penalty: Penalty,
    /// Fit an unpenalized intercept β₀.
    pub intercept: bool,
    /// Stop when the relative duality gap `(F − D) / F` is at most this (> 0).
    pub tol: f64,
    /// The block schedule (dynamic: priorities and the correlation filter; cyclic; random).
    pub schedule: BlockConfig,
    /// Coordinate updates between evaluations, in passes over the active set (≥ 1).
    pub eval_passes: u64,
}

impl LogRegParams {
    /// Checks every value.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the parameter and its value.
    pub fn check(&self) -> crate::Result<()> {
        match self.penalty {
            Penalty::Lambda(l) if !(l >= 0.0 && l.is_finite()) => Err(crate::Error::invalid("lambda", l, "≥ 0")),
            Penalty::Ratio(r) if !(r >= 0.0 && r.is_finite()) => Err(crate::Error::invalid("lambda-ratio", r, "≥ 0")),
            _ if !(self.tol > 0.0 && self.tol.is_finite()) => Err(crate::Error::invalid("tol", self.tol, "> 0")),
            _ if self.eval_passes == 0 => Err(crate::Error::invalid("eval-passes", 0, "at least 1")),
            _ => Ok(self.schedule.check()?),
        }
    }
}

/// The work of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// Column sums, squared norms, `Xᵀy₀₁` and the labels.
    Setup,
    /// Gradient and Hessian diagonal of the loss for these features (and the intercept).
    Direction(Vec<u32>),
    /// Loss changes along the pending direction at the trial steps.
    LineSearch,
    /// Loss gradient, loss and dual variables `uᵢ = σ(−yᵢmᵢ)` of every row.
    Evaluate,
}

/// One worker's answer to a [`Task`], over its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Partial {
    /// Per feature (length `p` each), and the labels (±1) of the rows.
    #[allow(missing_docs)]
    Setup { col_sum: Vec<f64>, col_sq: Vec<f64>, xty01: Vec<f64>, y: Vec<f64> },
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
    /// Per feature: predicted change `|Δβ_j| ‖x_j‖` (non-zero where the KKT conditions
    /// fail); and the support (increasing).
    Priorities(Vec<f64>, Vec<u32>),
    /// `(j, Δβ_j ‖x_j‖)` of the features a step moved.
    Moved(Vec<(u32, f64)>),
}

/// The scheduler: the block schedule over the active features (see [`LogReg`]), its
/// dependency oracle and when to evaluate (the kit's `Cadence` counts rounds; here the
/// updates between evaluations follow the active set's size).
pub struct LogRegScheduler {
    cfg: BlockConfig,
    block: BlockScheduler,
    /// The active features (increasing) and each feature's position among them (`u32::MAX`: inactive).
    active: Vec<u32>,
    position: Vec<u32>,
    oracle: Option<PearsonOracle>,
    setup_done: bool,
    /// Coordinate updates since the last evaluation, and how many make the next one.
    since: u64,
    eval_after: u64,
    eval_passes: u64,
    line_search_next: bool,
    evaluations: u64,
    cursor: usize,
    candidates: Vec<usize>,
    scratch: Vec<usize>,
}

/// The dependency oracle on the active features' positions.
struct Active<'a>(&'a mut dyn DependencyOracle, &'a [u32]);

impl DependencyOracle for Active<'_> {
    fn dependency(&mut self, j: usize, k: usize) -> f64 {
        self.0.dependency(self.1[j] as usize, self.1[k] as usize)
    }
}

impl LogRegScheduler {
    /// Restricts the schedule to a working set [as celer, Massias et al. 2018, Sec. 4]: the
    /// support, then the features of highest priority (ties by index) up to
    /// `max(L, 2 |support|)` features; the random stream of the `e`-th set is seeded `seed + e`.
    fn set_active(&mut self, priorities: &[f64], support: &[u32]) {
        let want = (2 * support.len()).max(self.cfg.block_size) - support.len();
        let mut cand: Vec<u32> = (0..priorities.len() as u32)
            .filter(|j| priorities[*j as usize] > 0.0 && support.binary_search(j).is_err())
            .collect();
        let by_priority = |a: &u32, b: &u32| priorities[*b as usize].total_cmp(&priorities[*a as usize]).then(a.cmp(b));
        if want < cand.len() {
            cand.select_nth_unstable_by(want, by_priority);
            cand.truncate(want);
        }
        cand.extend_from_slice(support);
        cand.sort_unstable();
        self.active = cand;
        self.position.iter_mut().for_each(|p| *p = u32::MAX);
        self.active.iter().enumerate().for_each(|(a, &j)| self.position[j as usize] = a as u32);
        let mut cfg = BlockConfig { seed: self.cfg.seed.wrapping_add(self.evaluations), ..self.cfg.clone() };
        if cfg.policy != Policy::Dynamic {
            cfg.block_size = cfg.candidates;
        }
        self.evaluations += 1;
        self.eval_after = self.eval_passes * self.active.len() as u64;
        if let Ok(block) = BlockScheduler::new(self.active.len(), cfg) {
            self.block = block;
            let local: Vec<f64> = self.active.iter().map(|&j| priorities[j as usize]).collect();
            self.block.refresh_progress(&local);
        }
    }
}

/// L1 logistic regression on the engine: scheduled coordinate descent with the Newton
/// coordinate steps of CDN [Yuan, Chang, Hsieh & Lin 2010, "A comparison of optimization
/// methods and software for large-scale L1-regularized linear classification", JMLR, Sec. 4.1.2].
///
/// * `Direction(B)` — push: over its rows, `g_j = −Σᵢ x_ij yᵢ σ(−yᵢmᵢ)` and
///   `h_j = Σᵢ x_ij² σ(mᵢ)σ(−mᵢ)` for `j ∈ B` (and the intercept); pull: the CDN direction
///   (their Eq. 29), `d_j = −(g_j + λ)/h_j` if `g_j + λ ≤ h_j β_j`, `−(g_j − λ)/h_j` if
///   `g_j − λ ≥ h_j β_j`, else `−β_j` (`h_j + 10⁻¹²`); sync: `Δm = Σ_j x_j d_j`.
/// * `LineSearch` — push: loss changes at `α = 2^{−k}`, `k < TRIALS`; pull: the largest α with
///   `F(β + αd) − F(β) ≤ σα(gᵀd + λ‖β + d‖₁ − λ‖β‖₁)`, σ = 0.01 (CDN's rule, their Eq. 30,
///   for a block as in Tseng & Yun's CGD); sync: `m ← m + αΔm`. A coordinate whose search
///   fails keeps its step scale `2^{−TRIALS}` for its next direction (doubled back after full steps).
/// * `Evaluate` — objective, duality gap, KKT violation, priorities (see [`Evaluation`]).
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
        match () {
            _ if !std::mem::replace(&mut s.setup_done, true) => Task::Setup,
            _ if s.since >= s.eval_after => {
                s.since = 0;
                Task::Evaluate
            }
            _ => {
                let oracle: &mut dyn DependencyOracle = match &mut s.oracle {
                    Some(o) => o,
                    None => &mut Independent,
                };
                let mut active = Active(oracle, &s.active);
                if s.cfg.policy == Policy::Dynamic {
                    s.block.next_block(&mut active, &mut s.scratch);
                } else {
                    // The next L' features in cyclic or random order, then the dependency filter.
                    // Cyclic: the cursor passes the kept prefix only, so no feature is skipped.
                    let n = s.active.len();
                    match s.cfg.policy {
                        Policy::Cyclic => {
                            s.candidates.clear();
                            s.candidates.extend((0..s.cfg.candidates.min(n)).map(|a| (s.cursor + a) % n));
                        }
                        _ => s.block.next_block(&mut Independent, &mut s.candidates),
                    }
                    filter_block(&s.candidates, s.cfg.rho, s.cfg.block_size, &mut active, &mut s.scratch);
                    let kept = s.scratch.iter().zip(&s.candidates).take_while(|(a, b)| a == b).count();
                    s.cursor = (s.cursor + kept.max(1)) % n.max(1);
                }
                s.line_search_next = true;
                s.since += s.scratch.len().max(1) as u64;
                Task::Direction(s.scratch.iter().map(|&a| s.active[a]).collect())
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
        w.sync(self, update);
    }

    fn observe(&self, s: &mut LogRegScheduler, _: &Task, _: &Update, feedback: Feedback) {
        match feedback {
            Feedback::Priorities(p, support) => s.set_active(&p, &support),
            Feedback::Moved(moved) => {
                for (j, d) in moved {
                    if let Some(&a) = s.position.get(j as usize).filter(|&&a| a != u32::MAX) {
                        s.block.set_progress(a as usize, d);
                    }
                }
            }
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
                .map(|k| {
                    let (x, y): (CscMatrix, Vec<f64>) = rows.worker_csc(k, place.workers)?;
                    Ok(LogRegWorker::new(x, &y))
                })
                .collect::<Result<Vec<_>, AppError>>()
        },
        scheduler: || {
            Ok(LogRegScheduler {
                cfg: app.params.schedule.clone(),
                block: BlockScheduler::new(0, app.params.schedule.clone())?,
                active: Vec::new(),
                position: vec![u32::MAX; app.p],
                evaluations: 0,
                cursor: 0,
                candidates: Vec::new(),
                oracle: columns.clone().map(PearsonOracle::with_default_cache),
                setup_done: false,
                since: 0,
                eval_after: 0,
                eval_passes: app.params.eval_passes,
                line_search_next: false,
                scratch: Vec::new(),
            })
        },
        coordinator: || Ok(LogRegCoordinator::new(app.p)),
    };
    Ok(run(&app, config, backend, roles, observer)?)
}

#[cfg(test)]
mod tests;
