//! Building blocks of L1-penalized generalized linear models `F(β₀, β) = Σᵢ ℓ(yᵢ, mᵢ) + λ‖β‖₁`
//! (`mᵢ = β₀ + xᵢᵀβ`, `X` of shape `n × p` with rows sharded over the workers) fitted by
//! scheduled coordinate descent with Newton coordinate steps (CDN / GLMNET, Yuan, Chang,
//! Hsieh & Lin 2010, "A comparison of optimization methods and software for large-scale
//! L1-regularized linear classification", JMLR, Sec. 4.1.2):
//!
//! * the rounds, generic in the [`Loss`]: the messages [`Task`], [`Partial`], [`Update`],
//!   [`Feedback`]; the scheduler [`NewtonScheduler`] (working sets, blocks in them, a
//!   `Direction` and a `LineSearch` round per block, evaluations every K passes); the worker
//!   [`GlmWorker`]; the coordinator's step pulls [`NewtonL1::pull_step`] (an app writes the
//!   setup and the evaluation, which hold its dual);
//! * the worker's side, [`Margins`]: its rows as columns, its margins `m` and the margin
//!   change `Δm = X d` of the pending direction; the gradient and curvature sums of a block;
//!   the loss changes at the line search's trial steps;
//! * the coordinator's side, [`NewtonL1`]: β, the CDN direction of a block, the line search
//!   (CDN's sufficient decrease, Tseng & Yun's for a block), per-coordinate step scales, KKT
//!   violations, the priorities of working sets, and an [`L1Evaluation`];
//! * [`ColumnStats`] (column sums, squared norms, `Xᵀv`) for a setup round;
//! * the `--trace` rows ([`L1Trace`]) and `--summary` document ([`L1Summary`]) of such a fit.
//!
//! The loss itself (ℓ, its derivatives, the dual) is the app's; `strads_core::l1` has the
//! scalar numerics (`cdn_direction`, `l1_violation`, `dual_scale`, the logistic loss).

use serde::{Deserialize, Serialize};
use strads_core::{add_into, cdn_direction, l1_violation, sparse_dot};
use strads_datasets::CscMatrix;
use strads_engine::RoundInfo;

use crate::{LinearModel, RunReport};

mod rounds;
mod setup;

pub use rounds::{Feedback, GlmWorker, Loss, NewtonScheduler, Partial, Task, Update};
pub use setup::{GlmParams, NewtonRoles};

/// Trial steps `α = 1, ½, …, 2^{−(TRIALS−1)}` of one line-search round.
pub const TRIALS: usize = 4;

/// CDN's sufficient-decrease constant σ [Yuan et al. 2010, Sec. 4.1.2].
pub const SIGMA: f64 = 0.01;

/// Per-column statistics of a worker's rows (each of length `p`), summed over the workers
/// in worker order with [`ColumnStats::add`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// `Σᵢ x_ij`.
    pub sum: Vec<f64>,
    /// `Σᵢ x_ij²`.
    pub sq: Vec<f64>,
    /// `Σᵢ x_ij vᵢ` for the `v` of [`ColumnStats::of`].
    pub xtv: Vec<f64>,
}

impl ColumnStats {
    /// The statistics of `x` (`n_k × p`, CSC) with `v` (length `n_k`).
    pub fn of(x: &CscMatrix, v: &[f64]) -> Self {
        let cols = |f: &dyn Fn(&[u32], &[f64]) -> f64| -> Vec<f64> {
            (0..x.ncols).map(|j| f(x.col(j).0, x.col(j).1)).collect()
        };
        Self {
            sum: cols(&|_, v| v.iter().sum()),
            sq: cols(&|_, v| v.iter().map(|a| a * a).sum()),
            xtv: cols(&|i, val| sparse_dot(i, val, v)),
        }
    }

    /// Adds another worker's statistics (call in worker order).
    pub fn add(&mut self, other: &Self) {
        add_into(&mut self.sum, &other.sum);
        add_into(&mut self.sq, &other.sq);
        add_into(&mut self.xtv, &other.xtv);
    }
}

/// A worker's rows (as columns) and margins, for Newton coordinate steps.
#[derive(Debug, Clone)]
pub struct Margins {
    /// The worker's rows, `n_k × p`, CSC.
    pub x: CscMatrix,
    /// Margins `mᵢ = β₀ + xᵢᵀβ` (length `n_k`), 0 at the start.
    pub m: Vec<f64>,
    /// The margin change `Δm = X d` of the pending direction (`d₀` for the intercept).
    pub dm: Vec<f64>,
}

impl Margins {
    /// Margins 0 for the rows of `x`.
    pub fn new(x: CscMatrix) -> Self {
        let n = x.nrows;
        Self { x, m: vec![0.0; n], dm: vec![0.0; n] }
    }

    /// Per feature `j` of `block` (then the intercept, if `intercept`), over this worker's
    /// rows: `(g_j, h_j) = (−Σᵢ x_ij aᵢ, Σᵢ x_ij² wᵢ)`, the loss gradient and curvature when
    /// `aᵢ = −ℓ'(mᵢ)` and `wᵢ = ℓ''(mᵢ)`.
    pub fn gradient_curvature(&self, block: &[u32], a: &[f64], w: &[f64], intercept: bool) -> Vec<(f64, f64)> {
        let mut gh = Vec::with_capacity(block.len() + 1);
        for &j in block {
            let (idx, val) = self.x.col(j as usize);
            let (mut g, mut h) = (0.0, 0.0);
            for (&i, &v) in idx.iter().zip(val) {
                g -= v * a[i as usize];
                h += v * v * w[i as usize];
            }
            gh.push((g, h));
        }
        if intercept {
            gh.push((-a.iter().sum::<f64>(), w.iter().sum()));
        }
        gh
    }

    /// `Xᵀv` over this worker's rows (length `p`).
    pub fn xt(&self, v: &[f64]) -> Vec<f64> {
        (0..self.x.ncols).map(|j| sparse_dot(self.x.col(j).0, self.x.col(j).1, v)).collect()
    }

    /// Sets every margin to `b0` (an intercept at β = 0) and calls `refresh(i, mᵢ)` per row.
    pub fn set_all(&mut self, b0: f64, mut refresh: impl FnMut(usize, f64)) {
        self.m.iter_mut().for_each(|m| *m = b0);
        self.m.iter().enumerate().for_each(|(i, &m)| refresh(i, m));
    }

    /// The pending direction `(j, d_j)`, `j = p` the intercept: `Δm = Σ_j x_j d_j`.
    pub fn set_direction(&mut self, d: &[(u32, f64)]) {
        self.dm.iter_mut().for_each(|v| *v = 0.0);
        for &(j, dj) in d {
            if j as usize == self.x.ncols {
                self.dm.iter_mut().for_each(|v| *v += dj);
            } else {
                self.x.col_axpy(j as usize, dj, &mut self.dm);
            }
        }
    }

    /// Per trial step `α = 2^{−k}`, `k < TRIALS`: `Σᵢ change(i, α)` over the rows the
    /// direction moves (`Δmᵢ ≠ 0`), `change(i, α) = ℓ(mᵢ + αΔmᵢ) − ℓ(mᵢ)`.
    pub fn trial_changes(&self, change: impl Fn(usize, f64) -> f64) -> Vec<f64> {
        let mut delta = [0.0; TRIALS];
        for i in (0..self.m.len()).filter(|&i| self.dm[i] != 0.0) {
            let mut alpha = 1.0;
            for d in &mut delta {
                *d += change(i, alpha);
                alpha *= 0.5;
            }
        }
        delta.to_vec()
    }

    /// Takes step `α` along the pending direction: `m ← m + αΔm`, calling `refresh(i, mᵢ)`
    /// for each row that moved (none for `α = 0`).
    pub fn step(&mut self, alpha: f64, mut refresh: impl FnMut(usize, f64)) {
        if alpha == 0.0 {
            return;
        }
        for i in 0..self.m.len() {
            if self.dm[i] != 0.0 {
                self.m[i] += alpha * self.dm[i];
                refresh(i, self.m[i]);
            }
        }
    }
}

/// One evaluation of an L1 problem at the coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct L1Evaluation {
    /// Engine round of the evaluation.
    pub round: u64,
    /// `F(β₀, β)`.
    pub objective: f64,
    /// `D` at a dual-feasible point.
    pub dual: f64,
    /// `F − D ≥ F − F*`.
    pub duality_gap: f64,
    /// `(F − D) / F`: the stopping rule's quantity.
    pub relative_gap: f64,
    /// Largest KKT violation over the features and the intercept, relative to λ.
    pub kkt: f64,
    /// Non-zero coefficients.
    pub nnz: usize,
}

/// The coordinator's side of CDN: β, λ, the pending direction of a block and its line
/// search, the latest evaluation, and the app's own coordinator state `extra` (e.g. what its
/// dual needs). An app's coordinator is `NewtonL1<TheAppsData>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewtonL1<X = ()> {
    /// β (length `p`), then β₀.
    pub beta: Vec<f64>,
    /// λ.
    pub lambda: f64,
    /// `λ_max` (set by [`NewtonL1::start`]).
    pub lambda_max: f64,
    /// `‖x_j‖` per feature (set by [`NewtonL1::start`]): the unit of progress.
    pub col_norm: Vec<f64>,
    /// The latest evaluation.
    pub last: Option<L1Evaluation>,
    /// The app's own state.
    pub extra: X,
    /// Step scale per coordinate (line searches that failed shrink it).
    scale: Vec<f64>,
    /// The pending direction and its predicted decrease `gᵀd + λ‖β + d‖₁ − λ‖β‖₁`.
    pending: Vec<(u32, f64)>,
    decrease: f64,
}

impl<X> NewtonL1<X> {
    /// β = 0 and β₀ = 0 for `p` features, λ = 0, with the app's state `extra`.
    pub fn new(p: usize, extra: X) -> Self {
        let (beta, scale, col_norm) = (vec![0.0; p + 1], vec![1.0; p + 1], vec![0.0; p]);
        Self {
            beta,
            lambda: 0.0,
            lambda_max: 0.0,
            col_norm,
            last: None,
            extra,
            scale,
            pending: Vec::new(),
            decrease: 0.0,
        }
    }

    /// `p`.
    pub fn p(&self) -> usize {
        self.beta.len() - 1
    }

    /// The intercept β₀.
    pub fn intercept(&self) -> f64 {
        self.beta[self.p()]
    }

    /// The model (β₀, β).
    pub fn model(&self) -> LinearModel {
        LinearModel { intercept: self.intercept(), coef: self.beta[..self.p()].to_vec() }
    }

    /// The CDN direction [Yuan et al. 2010, Eq. 29] of `block` (then the intercept, if
    /// `intercept`, unpenalized) from the workers' `(g, h)` sums ([`Margins::gradient_curvature`],
    /// added in worker order), each scaled by its coordinate's step scale, `h + 10⁻¹²`;
    /// zero and non-finite steps dropped. Returns it, `(j, d_j)` with `j = p` the intercept,
    /// and keeps it for [`NewtonL1::line_search`].
    pub fn direction(
        &mut self,
        block: &[u32],
        parts: impl IntoIterator<Item = Vec<(f64, f64)>>,
        intercept: bool,
    ) -> Vec<(u32, f64)> {
        let mut gh: Vec<(f64, f64)> = Vec::new();
        for v in parts {
            if gh.is_empty() {
                gh = v
            } else {
                gh.iter_mut().zip(v).for_each(|(a, b)| *a = (a.0 + b.0, a.1 + b.1))
            }
        }
        let p = self.p();
        self.pending.clear();
        self.decrease = 0.0;
        let coords = block.iter().copied().chain(intercept.then_some(p as u32));
        for (j, (g, h)) in coords.zip(gh) {
            let (b, h, pen) = (self.beta[j as usize], h + 1e-12, if j as usize == p { 0.0 } else { self.lambda });
            let d = cdn_direction(g, h, b, pen) * self.scale[j as usize];
            if d != 0.0 && d.is_finite() {
                self.decrease += g * d + pen * ((b + d).abs() - b.abs());
                self.pending.push((j, d));
            }
        }
        self.pending.clone()
    }

    /// The line search along the pending direction from the workers' loss changes at the
    /// trial steps ([`Margins::trial_changes`], added in worker order): the largest
    /// `α = 2^{−k}` with `F(β + αd) − F(β) ≤ σα(gᵀd + λ‖β + d‖₁ − λ‖β‖₁) + slack` (CDN's rule,
    /// their Eq. 30; for a block Tseng & Yun's), or 0. `slack` absorbs rounding (e.g.
    /// `10⁻¹⁴ n`). Moves β; the next direction of each coordinate starts one step above the
    /// accepted one (at most 1), or `2^{−TRIALS}` below the last trial after a failure.
    /// Returns α and the features moved, `(j, αd_j ‖x_j‖)`.
    pub fn line_search(&mut self, delta: &[f64], slack: f64) -> (f64, Vec<(u32, f64)>) {
        let (p, lam) = (self.p(), self.lambda);
        let l1 = |alpha: f64| -> f64 {
            let pen = |&(j, d): &(u32, f64)| {
                if j as usize == p {
                    0.0
                } else {
                    (self.beta[j as usize] + alpha * d).abs() - self.beta[j as usize].abs()
                }
            };
            lam * self.pending.iter().map(pen).sum::<f64>()
        };
        let mut alpha = 1.0;
        let accepted = delta.iter().position(|dk| {
            let ok = dk + l1(alpha) <= SIGMA * alpha * self.decrease + slack;
            if !ok {
                alpha *= 0.5
            }
            ok
        });
        let alpha = if accepted.is_some() { alpha } else { 0.0 };
        let mut moved = Vec::with_capacity(self.pending.len());
        for &(j, d) in &self.pending {
            let j = j as usize;
            self.beta[j] += alpha * d;
            self.scale[j] = match accepted {
                Some(_) => (2.0 * alpha * self.scale[j]).min(1.0),
                None => (self.scale[j] * 0.5f64.powi(TRIALS as i32)).max(1e-30),
            };
            if j < p {
                moved.push((j as u32, alpha * d * self.col_norm[j]));
            }
        }
        self.pending.clear();
        (alpha, moved)
    }

    /// The pull of a `Direction` or `LineSearch` round: the CDN direction, or the line search
    /// with rounding slack `slack`, and what the workers and the scheduler get
    /// (`(Update::None, Feedback::None)` for the other tasks, which are the app's).
    pub fn pull_step(&mut self, task: &Task, parts: Vec<Partial>, intercept: bool, slack: f64) -> (Update, Feedback) {
        match task {
            Task::Direction(block) => {
                let gh = parts.into_iter().filter_map(|q| if let Partial::Direction(v) = q { Some(v) } else { None });
                (Update::Direction(self.direction(block, gh, intercept)), Feedback::None)
            }
            Task::LineSearch => {
                let mut delta = vec![0.0; TRIALS];
                parts.iter().for_each(|q| {
                    if let Partial::LineSearch(v) = q {
                        add_into(&mut delta, v)
                    }
                });
                let (alpha, moved) = self.line_search(&delta, slack);
                (Update::Step(alpha), Feedback::Moved(moved))
            }
            _ => (Update::None, Feedback::None),
        }
    }

    /// The KKT violation of every feature ([`strads_core::l1_violation`]) for loss gradients
    /// `grad(j)`.
    pub fn violations(&self, grad: impl Fn(usize) -> f64) -> Vec<f64> {
        (0..self.p()).map(|j| l1_violation(self.beta[j], grad(j), self.lambda)).collect()
    }

    /// The support `{j : β_j ≠ 0}`, increasing.
    pub fn support(&self) -> Vec<u32> {
        (0..self.p() as u32).filter(|&j| self.beta[j as usize] != 0.0).collect()
    }

    /// Working-set priorities from the violations `v_j`: the predicted change `|Δβ_j| ‖x_j‖`
    /// of a Newton step with the curvature bound `‖x_j‖² / inv_curvature` (logistic loss:
    /// `inv_curvature = 4`, ℓ'' ≤ ¼), computed as `inv_curvature · v_j / ‖x_j‖`; positive
    /// exactly for the features worth updating (violating, or non-zero: `f64::MIN_POSITIVE`).
    pub fn priorities(&self, viol: &[f64], inv_curvature: f64) -> Vec<f64> {
        let prio = |(j, (v, s)): (usize, (&f64, &f64))| match inv_curvature * v / s {
            q if q > 0.0 && q.is_finite() => q,
            _ if self.beta[j] != 0.0 => f64::MIN_POSITIVE,
            _ => 0.0,
        };
        viol.iter().zip(&self.col_norm).enumerate().map(prio).collect()
    }

    /// The evaluation at engine round `round` with loss `Σᵢ ℓ`, a dual value `dual`, the
    /// features' KKT violations `viol` and the intercept's `kkt_intercept` (0 without one):
    /// `F = loss + λ‖β‖₁`, `kkt = max violation / λ`.
    pub fn evaluation(&self, round: u64, loss: f64, dual: f64, viol: &[f64], kkt_intercept: f64) -> L1Evaluation {
        let p = self.p();
        let l1: f64 = self.beta[..p].iter().map(|b| b.abs()).sum();
        let objective = loss + self.lambda * l1;
        let kkt = viol.iter().copied().fold(kkt_intercept, f64::max) / self.lambda.max(f64::MIN_POSITIVE);
        let nnz = self.beta[..p].iter().filter(|b| **b != 0.0).count();
        let (duality_gap, relative_gap) = (objective - dual, (objective - dual) / objective);
        L1Evaluation { round, objective, dual, duality_gap, relative_gap, kkt, nnz }
    }
}

/// One `--trace` row per evaluation of an L1 fit (times and bytes cumulative).
#[derive(Debug, Clone, Serialize)]
pub struct L1TraceRow {
    /// The evaluation's round.
    pub round: u64,
    /// Seconds since the run started.
    pub time_s: f64,
    /// `F`.
    pub objective: f64,
    /// `F − D`.
    pub duality_gap: f64,
    /// `(F − D) / F`.
    pub relative_gap: f64,
    /// Largest KKT violation relative to λ.
    pub kkt: f64,
    /// Non-zero coefficients.
    pub nnz: usize,
    /// Coordinate updates so far.
    pub updates: u64,
    /// Encoded bytes of every message so far.
    pub bytes: u64,
}

/// The `--trace` of an L1 fit: a row per new evaluation, from the run's observer.
#[derive(Debug, Clone, Default)]
pub struct L1Trace {
    /// The rows.
    pub rows: Vec<L1TraceRow>,
}

impl L1Trace {
    /// Records `last` (the coordinator's latest evaluation) if it is new; returns it then.
    pub fn observe(&mut self, info: &RoundInfo, last: Option<L1Evaluation>) -> Option<L1Evaluation> {
        let e = last.filter(|e| !self.rows.last().is_some_and(|t| t.round == e.round))?;
        let (round, time_s, updates, bytes) = (e.round, info.elapsed_s, info.updates, info.total.bytes);
        let (objective, duality_gap, relative_gap, kkt, nnz) =
            (e.objective, e.duality_gap, e.relative_gap, e.kkt, e.nnz);
        self.rows.push(L1TraceRow { round, time_s, objective, duality_gap, relative_gap, kkt, nnz, updates, bytes });
        Some(e)
    }
}

/// The `--summary` document of an L1 fit: the kit's run facts, the last evaluation, and the
/// problem and settings.
#[derive(Debug, Clone, Serialize)]
pub struct L1Summary<'a> {
    /// The kit's run facts (layout, rounds, stop reason, phases, bytes), flattened.
    #[serde(flatten)]
    pub run: RunReport,
    /// The last evaluation (objective, dual, gaps, KKT, nnz), flattened.
    #[serde(flatten)]
    pub eval: L1Evaluation,
    /// The app's name (`logreg`).
    pub app: &'static str,
    /// The data file.
    pub data: String,
    /// Rows `n`.
    pub n: usize,
    /// Features `p`.
    pub p: usize,
    /// λ.
    pub lambda: f64,
    /// `λ_max`.
    pub lambda_max: f64,
    /// β₀ (0 without an intercept).
    pub intercept: f64,
    /// Whether β₀ was fitted.
    pub fit_intercept: bool,
    /// Coordinate updates.
    pub updates: u64,
    /// Seconds of the rounds.
    pub wall_s: f64,
    /// Seconds of loading the data.
    pub load_s: f64,
    /// `--tol`.
    pub tol: f64,
    /// `relative_gap ≤ tol`.
    pub converged: bool,
    /// `--schedule`.
    pub schedule: &'a str,
    /// `--block-size`.
    pub block_size: usize,
    /// `--seed`.
    pub seed: u64,
}

impl L1Summary<'_> {
    /// The one-line report a command prints at the end (unless `--quiet`).
    pub fn line(&self) -> String {
        let e = &self.eval;
        format!(
            "{}: {} after {} rounds ({} updates) in {:.3} s: objective {:.10e}, relative duality gap {:.2e}, KKT {:.1e} λ, {} non-zeros, lambda {:.6e}",
            self.app,
            if self.converged { "converged" } else { "stopped" },
            self.run.rounds, self.updates, self.wall_s, e.objective, e.relative_gap, e.kkt, e.nnz, self.lambda
        )
    }
}

/// The checkpoint methods of `App` for an app built on this module (scheduler
/// [`NewtonScheduler`], coordinator [`NewtonL1`] with a serializable app state, workers
/// [`GlmWorker`]): write `strads_kit::glm_checkpoints!();` inside `impl App for …`.
#[macro_export]
macro_rules! glm_checkpoints {
    () => {
        fn checkpoints(&self) -> bool {
            true
        }
        fn save_scheduler(&self, s: &Self::Scheduler) -> Result<Vec<u8>, ::strads_engine::AppError> {
            s.save()
        }
        fn restore_scheduler(&self, s: &mut Self::Scheduler, b: &[u8]) -> Result<(), ::strads_engine::AppError> {
            s.restore(b)
        }
        fn save_coordinator(&self, c: &Self::Coordinator) -> Result<Vec<u8>, ::strads_engine::AppError> {
            ::strads_engine::checkpoint::save_state(c)
        }
        fn restore_coordinator(&self, c: &mut Self::Coordinator, b: &[u8]) -> Result<(), ::strads_engine::AppError> {
            ::strads_engine::checkpoint::restore_state(c, b)
        }
        fn save_worker(&self, w: &Self::Worker) -> Result<Vec<u8>, ::strads_engine::AppError> {
            w.save()
        }
        fn restore_worker(&self, w: &mut Self::Worker, b: &[u8]) -> Result<(), ::strads_engine::AppError> {
            w.restore(b)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One feature, two rows, least squares `ℓ = ½(m − y)²` through the generic pieces: the
    /// CDN direction of a quadratic is exact, so one step lands on the soft-thresholded optimum.
    #[test]
    fn a_newton_step_on_a_quadratic_is_exact() {
        let mut x = strads_datasets::CsrMatrix::with_cols(1);
        x.push_row([(0, 1.0)]);
        x.push_row([(0, 2.0)]);
        let (y, lambda) = ([1.0, 3.0], 0.5);
        let rows = Margins::new(x.to_csc());
        // a = −ℓ'(0) = y, w = ℓ'' = 1.
        let gh = rows.gradient_curvature(&[0], &y, &[1.0, 1.0], false);
        assert_eq!(gh, [(-7.0, 5.0)]);
        let mut nw = NewtonL1::new(1, ());
        (nw.lambda, nw.col_norm) = (lambda, vec![5f64.sqrt()]);
        let d = nw.direction(&[0], [gh], false);
        let beta = (7.0 - lambda) / 5.0;
        assert!((d[0].1 - beta).abs() < 1e-11, "{d:?}");
        // The loss change at step α is g αd + ½ h (αd)²: α = 1 is accepted.
        let change = |alpha: f64| -7.0 * alpha * d[0].1 + 0.5 * 5.0 * (alpha * d[0].1).powi(2);
        let delta: Vec<f64> = (0..TRIALS).map(|k| change(0.5f64.powi(k as i32))).collect();
        let (alpha, moved) = nw.line_search(&delta, 0.0);
        assert_eq!(alpha, 1.0);
        assert_eq!(moved.len(), 1);
        assert!((nw.beta[0] - beta).abs() < 1e-11);
        // At the optimum the KKT violation is 0: g = −Σ x (y − x β) = −(7 − 5β) = −λ.
        let v = nw.violations(|_| -(7.0 - 5.0 * nw.beta[0]));
        assert!(v[0] < 1e-10, "{v:?}");
        let e = nw.evaluation(3, 1.0, 0.5, &v, 0.0);
        assert_eq!((e.round, e.nnz), (3, 1));
        assert!((e.objective - (1.0 + lambda * beta)).abs() < 1e-11);
    }

    #[test]
    fn column_stats_add_up_in_worker_order() {
        let mut x = strads_datasets::CsrMatrix::with_cols(2);
        x.push_row([(0, 1.0), (1, 2.0)]);
        x.push_row([(1, -1.0)]);
        let mut s = ColumnStats::default();
        s.add(&ColumnStats::of(&x.to_csc(), &[1.0, 3.0]));
        assert_eq!((s.sum, s.sq, s.xtv), (vec![1.0, 1.0], vec![1.0, 5.0], vec![1.0, -1.0]));
    }
}
