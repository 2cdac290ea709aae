//! Sparse (L1) logistic regression by scheduled coordinate descent with Newton steps, built on
//! the kit's GLM rounds (`strads_kit::glm`: messages, `NewtonScheduler`, `GlmWorker`,
//! `NewtonL1`): this app is the logistic loss ([`Logistic`]), its setup (`λ_max`, β₀) and its
//! dual (the duality gap), see [`LogisticDual`].
//!
//! Minimizes `F(β₀, β) = Σᵢ log(1 + exp(−yᵢ(β₀ + xᵢᵀβ))) + λ‖β‖₁` (labels `yᵢ = ±1`, `X` of
//! shape `n × p`, rows sharded over the workers; `β₀` unpenalized, or 0 without an intercept).

mod coordinator;
mod worker;

use strads_datasets::LabeledData;
use strads_engine::{run, App, AppError, Backend, Pulled, RoundInfo, RunConfig, RunOutput};
use strads_kit::glm::{Feedback, NewtonRoles, NewtonScheduler, Partial, Task, Update};
use strads_kit::HeldRows;

pub use coordinator::{LogRegCoordinator, LogisticDual};
pub use strads_core::logistic_loss;
pub use strads_kit::{glm::L1Evaluation as Evaluation, Penalty};
pub use worker::{LogRegWorker, Logistic};

/// Hyperparameters of [`LogReg`]: the kit's GLM parameters (`penalty` of
/// `λ_max = ‖Xᵀ(y₀₁ − c1)‖∞` with `c = ȳ₀₁` with an intercept, `½` without; `tol` on the
/// relative duality gap; `eval_passes` passes over each working set between evaluations).
pub type LogRegParams = strads_kit::glm::GlmParams;

/// L1 logistic regression on the engine: scheduled coordinate descent with the Newton
/// coordinate steps of CDN [Yuan, Chang, Hsieh & Lin 2010, JMLR, Sec. 4.1.2].
///
/// * `Setup` — column norms, `λ_max`, λ, and β₀ optimal at β = 0.
/// * `Direction(B)` — push: `g_j = −Σᵢ x_ij yᵢ σ(−yᵢmᵢ)`, `h_j = Σᵢ x_ij² σ(mᵢ)σ(−mᵢ)` for
///   `j ∈ B` (and the intercept); pull: CDN's direction; sync: `Δm = Σ_j x_j d_j`.
/// * `LineSearch` — push: loss changes at `α = 2^{−k}`; pull: the largest α with CDN's
///   sufficient decrease; sync: `m ← m + αΔm`.
/// * `Evaluate` — objective, duality gap, KKT violation, and the priorities of the next
///   working set, whose blocks run `eval_passes` passes before the next evaluation.
#[derive(Debug, Clone)]
pub struct LogReg {
    /// The hyperparameters.
    pub params: LogRegParams,
    /// Rows `n`.
    pub n: usize,
    /// Features `p`.
    pub p: usize,
}

impl App for LogReg {
    type Scheduler = NewtonScheduler;
    type Coordinator = LogRegCoordinator;
    type Worker = LogRegWorker;
    type Task = Task;
    type Partial = Partial;
    type Update = Update;
    type Feedback = Feedback;
    type Private = ();
    strads_kit::glm_checkpoints!();

    fn schedule(&self, s: &mut NewtonScheduler, _round: u64) -> Task {
        s.next_task()
    }
    fn push(&self, w: &mut LogRegWorker, task: &Task) -> Partial {
        w.push(task, self.params.intercept)
    }
    fn pull(
        &self,
        c: &mut LogRegCoordinator,
        task: &Task,
        parts: Vec<Partial>,
    ) -> Result<Pulled<Update, Feedback>, AppError> {
        coordinator::pull(self, c, task, parts)
    }
    fn sync(&self, w: &mut LogRegWorker, update: &Update) {
        w.sync(update);
    }
    fn observe(&self, s: &mut NewtonScheduler, _: &Task, _: &Update, feedback: Feedback) {
        s.observe(feedback);
    }
    fn final_task(&self, s: &mut NewtonScheduler) -> Option<Task> {
        Some(s.final_task())
    }
    fn updates(&self, task: &Task) -> u64 {
        task.updates()
    }
}

/// Fits on `backend`: every process calls this with the rows it read (the workers' rows, or
/// every row where the scheduler runs: its correlation filter reads whole columns; see
/// [`strads_kit::rows_needed`] with `whole_on_scheduler`). Labels must be ±1 or 0/1 (checked
/// by the caller). Returns the run on the coordinator, `None` elsewhere.
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
    let roles = NewtonRoles::new(&place, rows, Logistic, &app.params, || {
        Ok(LogRegCoordinator::new(app.p, LogisticDual::default()))
    })?;
    Ok(run(&app, config, backend, roles, observer)?)
}

#[cfg(test)]
mod tests;
