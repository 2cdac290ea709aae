//! The Lasso coordinator: the committed coefficients, and the pull of the setup and of an
//! update round (exact coordinate descent through the block with its Gram matrix).

use rustc_hash::FxHashMap;
use strads_core::soft_threshold;
use strads_engine::AppError;

use super::app::Lasso;
use super::extrapolation::DualExtrapolation;
use super::messages::{pair_key, Evaluation, LassoFeedback, LassoPartial, LassoUpdate, GRAM_CACHE};

/// Inner passes over a block stop once a pass moves the fitted values by at most this
/// fraction of what the first pass moved them.
const INNER_TOL: f64 = 1e-3;
/// Most coordinate-descent passes over a working set at the coordinator.
const WS_PASSES: usize = 1000;
/// A working set's passes stop once `|W| · (largest change)²`, a bound on what another pass
/// could gain, is below this fraction of the last duality gap.
const WS_INNER: f64 = 0.3;

/// The coordinator's state: the committed coefficients and per-feature statistics.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LassoCoordinator {
    pub(super) beta: Vec<f64>,
    /// Column sums `s_j` (zeros without an intercept, which disables the centering).
    pub(super) col_sum: Vec<f64>,
    /// `‖x̃_j‖²`, the curvature of coordinate j.
    pub(super) curvature: Vec<f64>,
    pub(super) y_sum: f64,
    pub(super) lambda: f64,
    pub(super) lambda_max: f64,
    pub(super) round: u64,
    pub(super) last: Option<Evaluation>,
    pub(super) converged: bool,
    /// Features proven zero at the optimum (gap-safe screening).
    pub(super) screened: Vec<bool>,
    /// `‖r̃‖²` of the committed β: set by the setup and every evaluation, carried through
    /// update rounds with the block's Gram matrix.
    pub(super) rr: f64,
    /// The last evaluations, for the extrapolated dual point.
    pub(super) extrapolation: DualExtrapolation,
    /// Features not screened out, increasing (mirrored by every worker).
    pub(super) active: Vec<u32>,
    /// Scratch: the evaluation's gradient, length `p` (valid at active features).
    pub(super) eval_grad: Vec<f64>,
    /// Summed (uncentered) Gram entries `x_jᵀx_k` by [`pair_key`].
    pub(super) gram_cache: FxHashMap<u64, f64>,
    // Scratch for the pull of an update round.
    pub(super) grad: Vec<f64>,
    pub(super) gram: Vec<f64>,
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

impl Lasso {
    pub(super) fn pull_setup(
        &self,
        c: &mut LassoCoordinator,
        partials: Vec<LassoPartial>,
    ) -> (LassoUpdate, Option<LassoFeedback>) {
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
        c.lambda = self.params.penalty.resolve(c.lambda_max);
        let priorities = if self.working_sets() {
            (0..self.p).map(|j| self.predicted_change(c, j, grad[j])).collect()
        } else {
            Vec::new()
        };
        (LassoUpdate::Evaluated { screened: Vec::new() }, Some(LassoFeedback { priorities, support: Vec::new() }))
    }

    // Block positions index the block, its gradient and its Gram matrix together.
    #[allow(clippy::needless_range_loop)]
    pub(super) fn pull_update(
        &self,
        c: &mut LassoCoordinator,
        block: &[u32],
        pairs: &[(u16, u16)],
        partials: Vec<LassoPartial>,
    ) -> Result<LassoUpdate, AppError> {
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
                        None => {
                            return Err(format!(
                                "the Gram entry of features {} and {} was neither sent nor cached",
                                block[a], block[bb]
                            )
                            .into())
                        }
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
        Ok(LassoUpdate::Deltas { block: block.to_vec(), delta })
    }
}
