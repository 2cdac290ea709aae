//! The Lasso app's messages: tasks, workers' partial results, the coordinator's updates and
//! the scheduler's feedback, and the numbers of one evaluation.

use serde::{Deserialize, Serialize};

/// Pairs of columns whose Gram entry `x_jᵀx_k` the coordinator keeps (16 bytes each); the
/// scheduler mirrors the rule to ask workers only for entries the coordinator lacks.
pub(super) const GRAM_CACHE: usize = 1 << 22;

/// Key of an unordered pair of features.
pub(super) fn pair_key(j: u32, k: u32) -> u64 {
    let (lo, hi) = if j < k { (j, k) } else { (k, j) };
    (u64::from(lo) << 32) | u64::from(hi)
}

/// The task of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LassoTask {
    /// First round: per-column statistics.
    Setup,
    /// Coordinate descent over these features (0-based), in this order.
    Update {
        /// The features.
        block: Vec<u32>,
        /// Block positions `(a, b)`, `a < b`, whose Gram entry the workers must compute
        /// (the coordinator has the others), in increasing order.
        pairs: Vec<(u16, u16)>,
    },
    /// Objective, duality gap and priorities.
    Evaluate,
}

/// One worker's partial result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LassoPartial {
    /// For [`LassoTask::Setup`].
    Setup {
        /// Column sums over the worker's rows, length `p`.
        col_sum: Vec<f64>,
        /// Column squared norms over the worker's rows, length `p`.
        col_sq: Vec<f64>,
        /// `x_jᵀy` over the worker's rows, length `p`.
        xty: Vec<f64>,
        /// `Σ y_i`.
        y_sum: f64,
        /// `Σ y_i²`.
        y_sq: f64,
    },
    /// For [`LassoTask::Update`].
    Update {
        /// `x_jᵀr` for the block, in block order.
        xtr: Vec<f64>,
        /// `x_aᵀx_b` for the task's `pairs`, in order.
        gram: Vec<f64>,
        /// `Σ r_i`.
        r_sum: f64,
    },
    /// For [`LassoTask::Evaluate`].
    Evaluate {
        /// `x_jᵀr` for every active (not screened) feature, in increasing order.
        xtr: Vec<f64>,
        /// `Σ r_i`.
        r_sum: f64,
        /// `Σ r_i²`.
        r_sq: f64,
        /// `Σ y_i r_i`.
        y_r: f64,
        /// `rᵀr_k` with this worker's kept residuals of the last evaluations, oldest first
        /// (the last is this one's `Σ r_i²`), for the dual extrapolation.
        r_dots: Vec<f64>,
    },
}

/// The coordinator's update for the workers and the scheduler.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LassoUpdate {
    /// Changes `Δβ_j` of the block's features (workers update their residuals).
    Deltas {
        /// Features, 0-based.
        block: Vec<u32>,
        /// Their changes.
        delta: Vec<f64>,
    },
    /// After the setup or an evaluation: the features screened out by this evaluation
    /// (what the scheduler alone needs comes as [`LassoFeedback`]).
    Evaluated {
        /// Features newly proven zero at the optimum by the gap-safe test (they leave the
        /// scheduler and the workers' evaluations), increasing.
        screened: Vec<u32>,
    },
}

/// What the setup and every evaluation tell the scheduler only (never sent to a worker).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LassoFeedback {
    /// The predicted change of every feature if it were updated now, in fitted-value units
    /// `|Δβ_j| ‖x̃_j‖` (0 for screened features), length `p`; for the dynamic schedule's
    /// working sets, so empty for the `cyclic` and `random` schedules.
    pub priorities: Vec<f64>,
    /// Features with `β_j ≠ 0`, increasing.
    pub support: Vec<u32>,
}

/// One evaluation of the objective.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Engine round of the evaluation.
    pub round: u64,
    /// Primal objective `F(β) = ½‖r̃‖² + λ‖β‖₁`.
    pub objective: f64,
    /// Duality gap `F(β) − D(θ)` (≥ 0), absolute.
    pub duality_gap: f64,
    /// Duality gap relative to the objective.
    pub relative_gap: f64,
    /// Non-zero coefficients.
    pub nnz: usize,
    /// Features screened out so far (proven zero at the optimum).
    pub screened: usize,
    /// Largest KKT violation `max(|x̃_jᵀr̃| − λ, 0)` over zero coefficients, relative to λ.
    pub max_kkt_violation: f64,
}
