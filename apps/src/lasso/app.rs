//! The Lasso app: roles, messages and the schedule / push / pull / sync of one round.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use strads_datasets::CscMatrix;
use strads_engine::{App, Control};
use strads_scheduler::{
    filter_block, BlockConfig, BlockScheduler, DependencyOracle, Independent, PearsonOracle, Policy,
};

use super::extrapolation::{DualExtrapolation, ResidualWindow};
use super::model::LassoModel;
use super::params::{LassoParams, Penalty};

/// Pairs of columns whose correlation the dynamic scheduler caches.
const CORRELATION_CACHE: usize = 1 << 21;
/// Inner passes over a block stop once a pass moves the fitted values by at most this
/// fraction of what the first pass moved them.
const INNER_TOL: f64 = 1e-3;
/// Most coordinate-descent passes over a working set at the coordinator.
const WS_PASSES: usize = 1000;
/// A working set's passes stop once `|W| · (largest change)²`, a bound on what another pass
/// could gain, is below this fraction of the last duality gap.
const WS_INNER: f64 = 0.3;
/// Pairs of columns whose Gram entry `x_jᵀx_k` the coordinator keeps (16 bytes each).
const GRAM_CACHE: usize = 1 << 22;

/// Key of an unordered pair of features.
fn pair_key(j: u32, k: u32) -> u64 {
    let (lo, hi) = if j < k { (j, k) } else { (k, j) };
    (u64::from(lo) << 32) | u64::from(hi)
}

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
    params: LassoParams,
    /// Rows `n` over all workers.
    n: usize,
    /// Features `p`.
    p: usize,
    eval_every: u64,
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
    /// After the setup or an evaluation: new scheduling priorities, the support and the
    /// features screened out by this evaluation.
    Evaluated {
        /// The predicted change of every feature if it were updated now, in fitted-value
        /// units `|Δβ_j| ‖x̃_j‖` (0 for screened features; for the scheduler's working sets,
        /// so empty for the `cyclic` and `random` schedules; workers ignore it).
        priorities: Vec<f64>,
        /// Features with `β_j ≠ 0`, increasing.
        support: Vec<u32>,
        /// Features newly proven zero at the optimum by the gap-safe test (they leave the
        /// scheduler and the workers' evaluations), increasing.
        screened: Vec<u32>,
    },
}

/// One evaluation of the objective.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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

/// The coordinator's state: the committed coefficients and per-feature statistics.
#[derive(Debug, Clone)]
pub struct LassoCoordinator {
    beta: Vec<f64>,
    /// Column sums `s_j` (zeros without an intercept, which disables the centering).
    col_sum: Vec<f64>,
    /// `‖x̃_j‖²`, the curvature of coordinate j.
    curvature: Vec<f64>,
    y_sum: f64,
    lambda: f64,
    lambda_max: f64,
    round: u64,
    last: Option<Evaluation>,
    converged: bool,
    /// Features proven zero at the optimum (gap-safe screening).
    screened: Vec<bool>,
    /// `‖r̃‖²` of the committed β: set by the setup and every evaluation, carried through
    /// update rounds with the block's Gram matrix.
    rr: f64,
    /// The last evaluations, for the extrapolated dual point.
    extrapolation: DualExtrapolation,
    /// Features not screened out, increasing (mirrored by every worker).
    active: Vec<u32>,
    /// Scratch: the evaluation's gradient, length `p` (valid at active features).
    eval_grad: Vec<f64>,
    /// Summed (uncentered) Gram entries `x_jᵀx_k` by [`pair_key`].
    gram_cache: FxHashMap<u64, f64>,
    // Scratch for the pull of an update round.
    grad: Vec<f64>,
    gram: Vec<f64>,
}

/// The scheduler's state.
pub struct LassoScheduler {
    block: BlockScheduler,
    oracle: Option<PearsonOracle>,
    /// Update rounds since the last evaluation.
    since_eval: u64,
    /// The pairs whose Gram entry the coordinator holds (mirror of its cache).
    known_pairs: FxHashSet<u64>,
    scratch: Vec<usize>,
    needs_setup: bool,
    /// Working-set rounds (the dynamic schedule): the exact priorities, support and
    /// screened features of the latest evaluation seen.
    priorities: Vec<f64>,
    support: Vec<u32>,
    screened: Vec<bool>,
    /// Working sets alternate with evaluations: the next task is an evaluation.
    eval_next: bool,
}

/// One worker: its shard of rows (as CSC), their targets and residuals.
#[derive(Debug, Clone)]
pub struct LassoWorker {
    x: CscMatrix,
    y: Vec<f64>,
    r: Vec<f64>,
    dense: Vec<f64>,
    /// Features not screened out, whose gradient evaluations compute.
    active: Vec<u32>,
    /// Residuals of the last evaluations (dual extrapolation).
    window: ResidualWindow,
}

impl LassoWorker {
    /// A worker owning rows `x` (shape `n_s × p`, CSC) with targets `y` (length `n_s`).
    ///
    /// # Panics
    /// If `y.len() != x.nrows`.
    pub fn new(x: CscMatrix, y: Vec<f64>) -> Self {
        assert_eq!(y.len(), x.nrows, "one target per row");
        let r = y.clone();
        let dense = vec![0.0; x.nrows];
        let active = (0..x.ncols as u32).collect();
        Self { x, y, r, dense, active, window: ResidualWindow::default() }
    }

    /// The residual `y − Xβ` on this worker's rows (without the intercept).
    pub fn residual(&self) -> &[f64] {
        &self.r
    }
}

impl LassoScheduler {
    /// A scheduler for `p` features. `columns` (the whole `n × p` matrix, CSC) is needed by
    /// the dynamic schedule's correlation check; the other schedules ignore it.
    ///
    /// # Errors
    /// As [`strads_scheduler::BlockConfig::check`].
    pub fn new(params: &LassoParams, p: usize, columns: Option<Arc<CscMatrix>>) -> strads_scheduler::Result<Self> {
        let block = BlockScheduler::new(p, params.schedule.clone())?;
        let oracle = match params.schedule.policy {
            Policy::Dynamic => columns.map(|x| PearsonOracle::new(x, CORRELATION_CACHE)),
            _ => None,
        };
        Ok(Self {
            block,
            oracle,
            since_eval: 0,
            known_pairs: FxHashSet::default(),
            scratch: Vec::new(),
            needs_setup: true,
            priorities: vec![0.0; p],
            support: Vec::new(),
            screened: vec![false; p],
            eval_next: false,
        })
    }
}

/// The duality gap of the Lasso restricted to `block` (the other coefficients fixed), from
/// the coordinator's block state: with `ỹ' = r̃ + X̃_B β_B` the subproblem's target, the dual
/// point `θ = s r̃`, `s = min(1, λ / max_B |g_j|)`, gives
/// `gap = ½(1 − s)²‖r̃‖² + λ‖β_B‖₁ − s β_Bᵀg_B`, where `‖r̃‖² = ‖r̃₀‖² − Δᵀ(g₀ + g)`.
fn block_gap(c: &LassoCoordinator, block: &[u32], start: &[f64], g0: &[f64]) -> f64 {
    let mut rr = c.rr;
    let (mut l1, mut bg, mut norm) = (0.0, 0.0, 0.0f64);
    for (a, &j) in block.iter().enumerate() {
        let beta = c.beta[j as usize];
        let d = beta - start[a];
        rr -= d * (g0[a] + c.grad[a]);
        l1 += beta.abs();
        bg += beta * c.grad[a];
        norm = norm.max(c.grad[a].abs());
    }
    let s = if norm > c.lambda { c.lambda / norm } else { 1.0 };
    (0.5 * (1.0 - s) * (1.0 - s) * rr.max(0.0) + c.lambda * l1 - s * bg).max(0.0)
}

impl LassoScheduler {
    /// Keeps `|priority|` per feature (the predicted change is signed).
    fn set_priorities(&mut self, priorities: &[f64]) {
        self.priorities.clear();
        self.priorities.extend(priorities.iter().map(|v| if v.is_finite() { v.abs() } else { 0.0 }));
    }

    /// The next working set [Massias, Gramfort & Salmon 2018, Sec. 4, with our priorities]:
    /// the support of the latest evaluation, then features in decreasing priority (the
    /// predicted change `|Δβ_j| ‖x̃_j‖`, non-zero only where the KKT conditions fail), each
    /// kept only if its |correlation| with every feature kept before it is below ρ (the
    /// STRADS filter [STRADS-16, Sec. 3.1], greedy in priority order), up to
    /// `max(block size, 2 |support|)` features. Screened features never enter.
    fn working_set(&mut self, cfg: &BlockConfig) -> Vec<u32> {
        let size = (2 * self.support.len()).max(cfg.block_size).min(usize::from(u16::MAX));
        let mut ws: Vec<u32> = self.support.iter().copied().filter(|&j| !self.screened[j as usize]).collect();
        ws.truncate(size);
        let want = size - ws.len();
        let (prio, support, screened) = (&self.priorities, &self.support, &self.screened);
        let mut cand: Vec<usize> = (0..prio.len())
            .filter(|&j| !screened[j] && prio[j] > 0.0 && support.binary_search(&(j as u32)).is_err())
            .collect();
        let by_priority = |a: &usize, b: &usize| prio[*b].total_cmp(&prio[*a]).then(a.cmp(b));
        let keep = (cfg.candidates.max(2 * want)).min(cand.len());
        if keep < cand.len() {
            cand.select_nth_unstable_by(keep, by_priority);
            cand.truncate(keep);
        }
        cand.sort_unstable_by(by_priority);
        let oracle: &mut dyn DependencyOracle = match &mut self.oracle {
            Some(o) => o,
            None => &mut Independent,
        };
        filter_block(&cand, cfg.rho, want, oracle, &mut self.scratch);
        ws.extend(self.scratch.iter().map(|&j| j as u32));
        ws
    }
}

impl LassoCoordinator {
    /// The resolved penalty λ (valid after the setup round).
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// `λ_max`, the smallest λ with solution β = 0 (valid after the setup round).
    pub fn lambda_max(&self) -> f64 {
        self.lambda_max
    }

    /// The latest evaluation, if any.
    pub fn last_evaluation(&self) -> Option<&Evaluation> {
        self.last.as_ref()
    }

    /// True once the duality gap met the tolerance.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The features screened out so far (proven zero at the optimum), increasing.
    pub fn screened_features(&self) -> Vec<u32> {
        (0..self.screened.len() as u32).filter(|&j| self.screened[j as usize]).collect()
    }
}

/// Soft-thresholding `S(z, λ) = sign(z) max(|z| − λ, 0)`.
#[inline]
pub fn soft_threshold(z: f64, lambda: f64) -> f64 {
    if z > lambda {
        z - lambda
    } else if z < -lambda {
        z + lambda
    } else {
        0.0
    }
}

impl Lasso {
    /// The app for `n` rows and `p` features.
    ///
    /// # Errors
    /// As [`LassoParams::check`].
    pub fn new(params: LassoParams, n: usize, p: usize) -> crate::Result<Self> {
        params.check()?;
        let block = params.schedule.block_size as u64;
        let eval_every = params.eval_every.unwrap_or_else(|| (p as u64).div_ceil(8 * block).clamp(1, 1000));
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
    fn predicted_change(&self, c: &LassoCoordinator, j: usize, grad: f64) -> f64 {
        let d = c.curvature[j];
        if d <= 0.0 {
            return 0.0;
        }
        (soft_threshold(grad + d * c.beta[j], c.lambda) / d - c.beta[j]) * d.sqrt()
    }

    fn pull_setup(&self, c: &mut LassoCoordinator, partials: Vec<LassoPartial>) -> LassoUpdate {
        let mut col_sq = vec![0.0; self.p];
        let mut xty = vec![0.0; self.p];
        for part in partials {
            if let LassoPartial::Setup { col_sum, col_sq: sq, xty: xy, y_sum, y_sq } = part {
                c.rr += y_sq;
                for j in 0..self.p {
                    c.col_sum[j] += col_sum[j];
                    col_sq[j] += sq[j];
                    xty[j] += xy[j];
                }
                c.y_sum += y_sum;
            }
        }
        let n = self.n as f64;
        if !self.params.intercept {
            c.col_sum.iter_mut().for_each(|s| *s = 0.0);
        }
        let y_mean = if self.params.intercept { c.y_sum / n } else { 0.0 };
        // ‖ỹ‖², the centered residual's squared norm at β = 0.
        c.rr -= y_mean * c.y_sum;
        let mut grad = vec![0.0; self.p];
        for j in 0..self.p {
            let s = c.col_sum[j];
            c.curvature[j] = (col_sq[j] - s * s / n).max(0.0);
            grad[j] = xty[j] - s * y_mean;
        }
        c.lambda_max = grad.iter().fold(0.0, |m: f64, g| m.max(g.abs()));
        c.lambda = match self.params.penalty {
            Penalty::Lambda(l) => l,
            Penalty::Ratio(r) => r * c.lambda_max,
        };
        let priorities = if self.working_sets() {
            (0..self.p).map(|j| self.predicted_change(c, j, grad[j])).collect()
        } else {
            Vec::new()
        };
        LassoUpdate::Evaluated { priorities, support: Vec::new(), screened: Vec::new() }
    }

    // Block positions index the block, its gradient and its Gram matrix together.
    #[allow(clippy::needless_range_loop)]
    fn pull_update(
        &self,
        c: &mut LassoCoordinator,
        block: &[u32],
        pairs: &[(u16, u16)],
        partials: Vec<LassoPartial>,
    ) -> LassoUpdate {
        let b = block.len();
        c.grad.clear();
        c.grad.resize(b, 0.0);
        // Newly computed Gram entries, summed over workers in worker order.
        let mut fresh = vec![0.0; pairs.len()];
        let mut r_sum = 0.0;
        for part in &partials {
            if let LassoPartial::Update { xtr, gram, r_sum: rs } = part {
                c.grad.iter_mut().zip(xtr).for_each(|(g, x)| *g += x);
                fresh.iter_mut().zip(gram).for_each(|(g, x)| *g += x);
                r_sum += rs;
            }
        }
        for (&(a, bb), &v) in pairs.iter().zip(&fresh) {
            if c.gram_cache.len() < GRAM_CACHE {
                c.gram_cache.insert(pair_key(block[a as usize], block[bb as usize]), v);
            }
        }
        let n = self.n as f64;
        let r_mean = r_sum / n;
        for (a, &j) in block.iter().enumerate() {
            c.grad[a] -= c.col_sum[j as usize] * r_mean;
        }
        // The block's centered Gram matrix, x̃_aᵀx̃_b = x_aᵀx_b − s_a s_b / n, dense b × b
        // (symmetric); fresh entries from the partials, the rest from the cache.
        c.gram.clear();
        c.gram.resize(b * b, 0.0);
        let mut next_fresh = 0;
        for a in 0..b {
            let sa = c.col_sum[block[a] as usize];
            c.gram[a * b + a] = c.curvature[block[a] as usize];
            for bb in a + 1..b {
                let raw = if pairs.get(next_fresh) == Some(&(a as u16, bb as u16)) {
                    next_fresh += 1;
                    fresh[next_fresh - 1]
                } else {
                    match c.gram_cache.get(&pair_key(block[a], block[bb])) {
                        Some(&v) => v,
                        None => unreachable!("the scheduler asks for every pair the coordinator lacks"),
                    }
                };
                let g = raw - sa * c.col_sum[block[bb] as usize] / n;
                c.gram[a * b + bb] = g;
                c.gram[bb * b + a] = g;
            }
        }
        // Coordinate descent over the block, in schedule order, repeated: every change is
        // propagated to the block's other gradients through the Gram matrix, so each pass is
        // exact serial coordinate descent, and repeated passes minimize F over the block.
        let start: Vec<f64> = block.iter().map(|&j| c.beta[j as usize]).collect();
        let mut first_pass_max = 0.0f64;
        // A working set is solved until a pass could lower F by no more than a fraction of
        // the last duality gap (celer's inner tolerance [Massias, Gramfort & Salmon 2018]);
        // other blocks until a pass moves little compared with the first.
        let ws = self.working_sets();
        let max_passes = if ws { WS_PASSES.max(self.params.inner_passes) } else { self.params.inner_passes };
        let g0 = c.grad.clone();
        let mut gap_target = c.last.map(|e| WS_INNER * e.duality_gap);
        for pass in 0..max_passes {
            let mut pass_max = 0.0f64;
            for a in 0..b {
                let j = block[a] as usize;
                let d = c.curvature[j];
                if d <= 0.0 {
                    continue;
                }
                let old = c.beta[j];
                let new = soft_threshold(c.grad[a] + d * old, c.lambda) / d;
                let dj = new - old;
                if dj == 0.0 {
                    continue;
                }
                c.beta[j] = new;
                pass_max = pass_max.max(dj.abs() * d.sqrt());
                let row = &c.gram[a * b..(a + 1) * b];
                for (g, &gab) in c.grad.iter_mut().zip(row) {
                    *g -= gab * dj;
                }
            }
            if pass == 0 {
                first_pass_max = pass_max;
            }
            if pass_max == 0.0 {
                break;
            }
            if ws {
                // The block's own duality gap, with the other features fixed.
                let gap = block_gap(c, block, &start, &g0);
                let target = *gap_target.get_or_insert(WS_INNER * gap);
                if gap <= target {
                    break;
                }
            } else if pass_max <= INNER_TOL * first_pass_max {
                break;
            }
        }
        // ‖r̃‖² after the block's changes Δ: with g = g0 − G̃Δ, ‖r̃ − X̃Δ‖² = ‖r̃‖² − Δᵀ(g0 + g).
        let delta: Vec<f64> = block.iter().zip(&start).map(|(&j, s)| c.beta[j as usize] - s).collect();
        c.rr -= delta.iter().zip(g0.iter().zip(&c.grad)).map(|(d, (a, g))| d * (a + g)).sum::<f64>();
        LassoUpdate::Deltas { block: block.to_vec(), delta }
    }

    // One index runs over the gradient, the coefficients and the column statistics.
    #[allow(clippy::needless_range_loop)]
    fn pull_evaluate(&self, c: &mut LassoCoordinator, partials: Vec<LassoPartial>) -> (LassoUpdate, Control) {
        // Gradients of the active (unscreened) features, in the order of `c.active`, which
        // every worker's `active` list mirrors.
        let mut grad = std::mem::take(&mut c.eval_grad);
        grad.resize(self.p, 0.0);
        for &j in &c.active {
            grad[j as usize] = 0.0;
        }
        let (mut r_sum, mut r_sq, mut y_r) = (0.0, 0.0, 0.0);
        let mut dots: Vec<f64> = Vec::new();
        for part in &partials {
            if let LassoPartial::Evaluate { xtr, r_sum: a, r_sq: b, y_r: d, r_dots } = part {
                for (&j, x) in c.active.iter().zip(xtr) {
                    grad[j as usize] += x;
                }
                r_sum += a;
                r_sq += b;
                y_r += d;
                dots.resize(r_dots.len(), 0.0);
                dots.iter_mut().zip(r_dots).for_each(|(g, x)| *g += x);
            }
        }
        let n = self.n as f64;
        let (rr, yr) =
            if self.params.intercept { (r_sq - r_sum * r_sum / n, y_r - c.y_sum / n * r_sum) } else { (r_sq, y_r) };
        let r_mean = r_sum / n;
        let lambda = c.lambda;
        let mut dual_norm: f64 = 0.0;
        let mut l1 = 0.0;
        let mut kkt: f64 = 0.0;
        let mut nnz = 0;
        // Screened features are 0 in β and left the problem: they take no part.
        for &j in &c.active {
            let j = j as usize;
            grad[j] -= c.col_sum[j] * r_mean;
            dual_norm = dual_norm.max(grad[j].abs());
            l1 += c.beta[j].abs();
            if c.beta[j] == 0.0 {
                kkt = kkt.max(grad[j].abs() - lambda);
            } else {
                nnz += 1;
            }
        }
        c.rr = rr;
        let primal = 0.5 * rr + lambda * l1;
        let mut s = if dual_norm > lambda { lambda / dual_norm } else { 1.0 };
        let mut dual = s * yr - 0.5 * s * s * rr;
        // The extrapolated dual point, when it is better [Massias, Gramfort & Salmon 2018].
        c.extrapolation.push(&grad, &c.active, r_sum, yr, dots);
        let mut best_grad = None;
        if let Some(acc) = c.extrapolation.extrapolate(&c.active, n, self.params.intercept) {
            let norm = c.active.iter().fold(0.0f64, |m, &j| m.max(acc.grad[j as usize].abs()));
            let sa = if norm > lambda { lambda / norm } else { 1.0 };
            let da = sa * acc.yr - 0.5 * sa * sa * acc.rr;
            if da.is_finite() && da > dual {
                dual = da;
                s = sa;
                best_grad = Some(acc.grad);
            }
        }
        let dual_grad = best_grad.as_deref().unwrap_or(&grad);
        // With screened features the dual point is feasible for the reduced problem, whose
        // optimum is the full problem's (screened features are 0 there), so the gap still
        // bounds F(β) − F(β*).
        let gap = (primal - dual).max(0.0);
        let relative_gap = if primal > 0.0 { gap / primal } else { 0.0 };
        // Gap-safe screening [Fercoq, Gramfort & Salmon 2015, Eq. 11]: the optimal dual point
        // θ* lies within √(2·gap)/λ of θ = s r̃ / λ, so |x̃_jᵀθ*| < 1, hence β*_j = 0, when
        // s|x̃_jᵀr̃| + √(2·gap) ‖x̃_j‖ < λ. Only zero coefficients are screened (no residual
        // change is needed).
        let mut screened = Vec::new();
        if self.params.screening {
            let radius = (2.0 * gap).sqrt();
            for &j in &c.active {
                let ju = j as usize;
                if c.beta[ju] == 0.0 && s * dual_grad[ju].abs() + radius * c.curvature[ju].sqrt() < lambda {
                    c.screened[ju] = true;
                    screened.push(j);
                }
            }
        }
        let ws = self.working_sets();
        let mut priorities = if ws { vec![0.0; self.p] } else { Vec::new() };
        let mut support = Vec::new();
        for &j in &c.active {
            let ju = j as usize;
            if ws && !c.screened[ju] {
                priorities[ju] = self.predicted_change(c, ju, grad[ju]);
            }
            if c.beta[ju] != 0.0 {
                support.push(j);
            }
        }
        if !screened.is_empty() {
            let flags = &c.screened;
            c.active.retain(|&j| !flags[j as usize]);
        }
        c.eval_grad = grad;
        let eval = Evaluation {
            round: c.round,
            objective: primal,
            duality_gap: gap,
            relative_gap,
            nnz,
            screened: self.p - c.active.len(),
            max_kkt_violation: if lambda > 0.0 { kkt.max(0.0) / lambda } else { kkt.max(0.0) },
        };
        c.last = Some(eval);
        c.converged = relative_gap <= self.params.tol;
        let control = if c.converged { Control::Converged } else { Control::Continue };
        (LassoUpdate::Evaluated { priorities, support, screened }, control)
    }
}

impl App for Lasso {
    type Scheduler = LassoScheduler;
    type Coordinator = LassoCoordinator;
    type Worker = LassoWorker;
    type Task = LassoTask;
    type Partial = LassoPartial;
    type Update = LassoUpdate;
    type Private = ();

    fn schedule(&self, s: &mut LassoScheduler, _round: u64) -> LassoTask {
        if s.needs_setup {
            s.needs_setup = false;
            return LassoTask::Setup;
        }
        let block: Vec<u32> = if self.working_sets() {
            if s.eval_next {
                s.eval_next = false;
                return LassoTask::Evaluate;
            }
            s.eval_next = true;
            s.working_set(&self.params.schedule)
        } else {
            if s.since_eval >= self.eval_every {
                s.since_eval = 0;
                return LassoTask::Evaluate;
            }
            // Cyclic and random blocks need no dependency check (their coordinate descent at
            // the coordinator is exact for any block).
            s.block.next_block(&mut Independent, &mut s.scratch);
            s.since_eval += 1;
            let screened = &s.screened;
            s.scratch.iter().filter(|&&j| !screened[j]).map(|&j| j as u32).collect()
        };
        // Ask for the Gram entries the coordinator does not hold. It stores every entry it
        // receives while it holds fewer than GRAM_CACHE, exactly as mirrored here.
        let mut pairs = Vec::new();
        for a in 0..block.len() {
            for bb in a + 1..block.len() {
                let key = pair_key(block[a], block[bb]);
                if !s.known_pairs.contains(&key) {
                    if s.known_pairs.len() < GRAM_CACHE {
                        s.known_pairs.insert(key);
                    }
                    pairs.push((a as u16, bb as u16));
                }
            }
        }
        LassoTask::Update { block, pairs }
    }

    fn push(&self, w: &mut LassoWorker, task: &LassoTask) -> LassoPartial {
        match task {
            LassoTask::Setup => {
                let p = w.x.ncols;
                let mut col_sum = vec![0.0; p];
                let mut col_sq = vec![0.0; p];
                let mut xty = vec![0.0; p];
                for j in 0..p {
                    let (_, v) = w.x.col(j);
                    col_sum[j] = v.iter().sum();
                    col_sq[j] = v.iter().map(|a| a * a).sum();
                    xty[j] = w.x.col_dot(j, &w.y);
                }
                LassoPartial::Setup {
                    col_sum,
                    col_sq,
                    xty,
                    y_sum: w.y.iter().sum(),
                    y_sq: w.y.iter().map(|v| v * v).sum(),
                }
            }
            LassoTask::Update { block, pairs } => {
                let xtr = block.iter().map(|&j| w.x.col_dot(j as usize, &w.r)).collect();
                let mut gram = Vec::with_capacity(pairs.len());
                let mut k = 0;
                while k < pairs.len() {
                    // Scatter column a once into the dense buffer, dot its partners with it.
                    let a = pairs[k].0;
                    let ja = block[a as usize] as usize;
                    w.x.col_axpy(ja, 1.0, &mut w.dense);
                    while k < pairs.len() && pairs[k].0 == a {
                        gram.push(w.x.col_dot(block[pairs[k].1 as usize] as usize, &w.dense));
                        k += 1;
                    }
                    let (idx, _) = w.x.col(ja);
                    for &i in idx {
                        w.dense[i as usize] = 0.0;
                    }
                }
                LassoPartial::Update { xtr, gram, r_sum: w.r.iter().sum() }
            }
            LassoTask::Evaluate => {
                let xtr = w.active.iter().map(|&j| w.x.col_dot(j as usize, &w.r)).collect();
                let r_sq = w.r.iter().map(|r| r * r).sum();
                let y_r = w.y.iter().zip(&w.r).map(|(y, r)| y * r).sum();
                let r_dots = w.window.push(&w.r);
                LassoPartial::Evaluate { xtr, r_sum: w.r.iter().sum(), r_sq, y_r, r_dots }
            }
        }
    }

    fn pull(&self, c: &mut LassoCoordinator, task: &LassoTask, partials: Vec<LassoPartial>) -> (LassoUpdate, Control) {
        let out = match task {
            LassoTask::Setup => (self.pull_setup(c, partials), Control::Continue),
            LassoTask::Update { block, pairs } => (self.pull_update(c, block, pairs, partials), Control::Continue),
            LassoTask::Evaluate => self.pull_evaluate(c, partials),
        };
        c.round += 1;
        out
    }

    fn sync(&self, w: &mut LassoWorker, update: &LassoUpdate) {
        match update {
            LassoUpdate::Deltas { block, delta } => {
                for (&j, &d) in block.iter().zip(delta) {
                    if d != 0.0 {
                        w.x.col_axpy(j as usize, -d, &mut w.r);
                    }
                }
            }
            LassoUpdate::Evaluated { screened, .. } if !screened.is_empty() => {
                w.active.retain(|j| screened.binary_search(j).is_err());
            }
            _ => {}
        }
    }

    fn observe(&self, s: &mut LassoScheduler, _task: &LassoTask, update: &LassoUpdate) {
        // Only evaluations (and the setup) inform the working sets; a block's changes do not.
        if let LassoUpdate::Evaluated { priorities, support, screened } = update {
            s.set_priorities(priorities);
            s.support.clone_from(support);
            for &j in screened {
                s.screened[j as usize] = true;
            }
        }
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
}
