//! The Lasso app: the [`Lasso`] type, its round structure and the [`App`] impl that ties the
//! roles together (scheduler in `scheduler.rs`, workers in `worker.rs`, the coordinator's pulls
//! in `coordinator.rs` and `evaluate.rs`, the messages in `messages.rs`).

use rustc_hash::FxHashMap;
use strads_core::soft_threshold;
use strads_engine::checkpoint::{restore_state, save_state};
use strads_engine::{App, AppError, Control};
use strads_scheduler::Policy;

use super::coordinator::LassoCoordinator;
use super::evaluate::Pulled;
use super::extrapolation::DualExtrapolation;
use super::messages::{LassoFeedback, LassoPartial, LassoTask, LassoUpdate};
use super::model::LassoModel;
use super::params::LassoParams;
use super::scheduler::LassoScheduler;
use super::worker::LassoWorker;

/// The Lasso app on the engine: `F(β) = ½‖y − β₀1 − Xβ‖² + λ‖β‖₁` by coordinate descent
/// with scheduled blocks [SAP-14, Sec. 4.1; STRADS-16, Sec. 3.1].
///
/// The intercept β₀ is unpenalized and handled by implicit centering (glmnet's approach for
/// sparse X): the solver works with centered columns `x̃_j = x_j − μ_j 1` and the centered
/// residual `r̃ = r − mean(r) 1`, where workers keep the plain residual `r = y − Xβ` so that
/// updates stay sparse; then `x̃_jᵀr̃ = x_jᵀr − s_j Σr / n` (`s_j` the column sum) and
/// `β₀ = mean(r)` is optimal for every β.
///
/// One round of each task:
/// * `Update(block)` — **push**: each worker returns, over its rows, `x_jᵀr` for `j` in the
///   block, `Σr`, and the block's Gram entries `x_jᵀx_k`. **pull**: the coordinator sums them
///   in worker order and runs coordinate descent through the block in schedule order,
///   `z_j = x̃_jᵀr̃ + ‖x̃_j‖² β_j`, `β_j ← S(z_j, λ) / ‖x̃_j‖²` with soft-thresholding
///   `S(z, λ) = sign(z) max(|z| − λ, 0)`, correcting the later `x̃_kᵀr̃` of the block with the
///   Gram entries after each change — the exact result of serial coordinate descent over the
///   block, so every schedule converges (a Jacobi update of a correlated block can diverge,
///   [Shotgun-11]). Gram entries never change, so the coordinator keeps them (glmnet's
///   covariance updates) and the task asks workers only for pairs not seen before; the
///   scheduler mirrors which pairs were asked for, with the same capacity rule.
///   **sync**: workers apply `r ← r − Σ_j x_j Δβ_j` on their rows.
/// * `Evaluate` — push: `Xᵀr` over all features, `Σr`, `‖r‖²`, `yᵀr`; pull: the primal
///   objective, the duality gap, and fresh priorities for the scheduler.
/// * `Setup` — push: column sums, squared norms and `Xᵀy`; pull: `‖x̃_j‖²`, `λ_max`, λ.
///
/// Stopping rule: duality gap ≤ `tol × F(β)`. The dual point is the rescaled centered
/// residual `θ = s r̃`, `s = min(1, λ / ‖X̃ᵀr̃‖∞)`, feasible for the dual
/// `D(θ) = ỹᵀθ − ½‖θ‖²` subject to `‖X̃ᵀθ‖∞ ≤ λ` (and `1ᵀθ = 0` with an intercept).
#[derive(Debug, Clone)]
pub struct Lasso {
    pub(super) params: LassoParams,
    /// Rows `n` over all workers.
    pub(super) n: usize,
    /// Features `p`.
    pub(super) p: usize,
    eval_every: u64,
}

impl Lasso {
    /// The app for `n` rows and `p` features.
    ///
    /// # Errors
    /// As [`LassoParams::check`].
    pub fn new(params: LassoParams, n: usize, p: usize) -> crate::Result<Self> {
        params.check()?;
        let eval_every = params.eval_every_for(p);
        Ok(Self { params, n, p, eval_every })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &LassoParams {
        &self.params
    }

    /// The current model of coordinator `c`. The intercept is
    /// `β₀ = (Σy − Σ_j s_j β_j) / n`, the mean residual, which is optimal for every β.
    pub fn model(&self, c: &LassoCoordinator) -> LassoModel {
        let intercept = if self.params.intercept && self.n > 0 {
            let fitted: f64 = c.col_sum.iter().zip(&c.beta).map(|(s, b)| s * b).sum();
            (c.y_sum - fitted) / self.n as f64
        } else {
            0.0
        };
        LassoModel { intercept, coef: c.beta.clone() }
    }

    /// True for the dynamic schedule, which solves working sets: each update round takes the
    /// support and the highest-priority features (correlation-filtered) and the next round
    /// evaluates.
    pub fn working_sets(&self) -> bool {
        self.params.schedule.policy == Policy::Dynamic
    }

    /// Update rounds between evaluations.
    pub fn eval_every(&self) -> u64 {
        self.eval_every
    }

    /// A fresh coordinator (β = 0).
    pub fn coordinator(&self) -> LassoCoordinator {
        LassoCoordinator {
            beta: vec![0.0; self.p],
            col_sum: vec![0.0; self.p],
            curvature: vec![0.0; self.p],
            y_sum: 0.0,
            lambda: 0.0,
            lambda_max: 0.0,
            round: 0,
            last: None,
            converged: false,
            screened: vec![false; self.p],
            rr: 0.0,
            extrapolation: DualExtrapolation::default(),
            active: (0..self.p as u32).collect(),
            eval_grad: Vec::new(),
            gram_cache: FxHashMap::default(),
            grad: Vec::new(),
            gram: Vec::new(),
        }
    }

    /// `(S(z_j, λ) / ‖x̃_j‖² − β_j) ‖x̃_j‖` for the centered gradient `c = x̃_jᵀr̃`: how far
    /// the fitted values would move if feature `j` were updated now.
    pub(super) fn predicted_change(&self, c: &LassoCoordinator, j: usize, grad: f64) -> f64 {
        let d = c.curvature[j];
        if d <= 0.0 {
            return 0.0;
        }
        (soft_threshold(grad + d * c.beta[j], c.lambda) / d - c.beta[j]) * d.sqrt()
    }
}

impl App for Lasso {
    type Scheduler = LassoScheduler;
    type Coordinator = LassoCoordinator;
    type Worker = LassoWorker;
    type Task = LassoTask;
    type Partial = LassoPartial;
    type Update = LassoUpdate;
    type Feedback = Option<LassoFeedback>;
    type Private = ();

    fn schedule(&self, s: &mut LassoScheduler, _round: u64) -> LassoTask {
        s.next_task(&self.params.schedule)
    }

    fn push(&self, w: &mut LassoWorker, task: &LassoTask) -> LassoPartial {
        w.push(task)
    }

    fn pull(
        &self,
        c: &mut LassoCoordinator,
        task: &LassoTask,
        partials: Vec<LassoPartial>,
    ) -> Result<Pulled, AppError> {
        let out = match task {
            LassoTask::Setup => {
                let (update, feedback) = self.pull_setup(c, partials);
                Pulled::with_feedback(update, feedback, Control::Continue)
            }
            LassoTask::Update { block, pairs } => {
                Pulled::with_feedback(self.pull_update(c, block, pairs, partials)?, None, Control::Continue)
            }
            LassoTask::Evaluate => self.pull_evaluate(c, partials)?,
        };
        c.round += 1;
        Ok(out)
    }

    fn sync(&self, w: &mut LassoWorker, update: &LassoUpdate) {
        w.sync(update);
    }

    fn observe(
        &self,
        s: &mut LassoScheduler,
        _task: &LassoTask,
        update: &LassoUpdate,
        feedback: Option<LassoFeedback>,
    ) {
        s.observe(update, feedback);
    }

    fn final_task(&self, _s: &mut LassoScheduler) -> Option<LassoTask> {
        Some(LassoTask::Evaluate)
    }

    fn updates(&self, task: &LassoTask) -> u64 {
        match task {
            LassoTask::Update { block, .. } => block.len() as u64,
            _ => 0,
        }
    }

    // Checkpoints: the coordinator whole; the scheduler and the workers without what is
    // rebuilt from the data (the Pearson oracle; each shard's rows and targets).
    fn checkpoints(&self) -> bool {
        true
    }
    fn save_scheduler(&self, s: &LassoScheduler) -> Result<Vec<u8>, AppError> {
        s.save()
    }
    fn restore_scheduler(&self, s: &mut LassoScheduler, bytes: &[u8]) -> Result<(), AppError> {
        s.restore(bytes)
    }
    fn save_coordinator(&self, c: &LassoCoordinator) -> Result<Vec<u8>, AppError> {
        save_state(c)
    }
    fn restore_coordinator(&self, c: &mut LassoCoordinator, bytes: &[u8]) -> Result<(), AppError> {
        restore_state(c, bytes)
    }
    fn save_worker(&self, w: &LassoWorker) -> Result<Vec<u8>, AppError> {
        w.save()
    }
    fn restore_worker(&self, w: &mut LassoWorker, bytes: &[u8]) -> Result<(), AppError> {
        w.restore(bytes)
    }
}
