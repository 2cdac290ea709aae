//! The coordinator's pulls: setup, CDN directions, the line search and the evaluation.

use serde::Serialize;
use strads_engine::{AppError, Control, Pulled};

use super::{Feedback, LogReg, Partial, Penalty, Task, Update, TRIALS};

/// CDN's sufficient-decrease constant σ [Yuan et al. 2010, Sec. 4.1.2].
const SIGMA: f64 = 0.01;

/// One evaluation of the model at the coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// Engine round of the evaluation.
    pub round: u64,
    /// `F(β₀, β)`.
    pub objective: f64,
    /// `D(u) = Σᵢ H(uᵢ)` (binary entropy, nats) at a dual-feasible point.
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

/// The coordinator's state: the model and what its pulls need.
#[derive(Debug, Clone)]
pub struct LogRegCoordinator {
    /// β (length `p`), then β₀.
    pub beta: Vec<f64>,
    /// The resolved λ and `λ_max`.
    pub lambda: f64,
    #[allow(missing_docs)]
    pub lambda_max: f64,
    /// The latest evaluation.
    pub last: Option<Evaluation>,
    col_sum: Vec<f64>,
    col_norm: Vec<f64>,
    /// `Xᵀ(y₀₁ − c1)`, the dual's `Xᵀ(y∘u⁰)` at the point `u⁰` of `λ_max`.
    g0: Vec<f64>,
    y: Vec<f64>,
    y01_mean: f64,
    /// Step scale per coordinate (line searches that failed shrink it).
    scale: Vec<f64>,
    /// The pending direction and its predicted decrease `gᵀd + λ‖β + d‖₁ − λ‖β‖₁`.
    pending: Vec<(u32, f64)>,
    decrease: f64,
    round: u64,
}

/// `H(u) = −u ln u − (1 − u) ln(1 − u)`.
fn entropy(u: f64) -> f64 {
    let a = if u > 0.0 { -u * u.ln() } else { 0.0 };
    a + if u < 1.0 { -(1.0 - u) * (-u).ln_1p() } else { 0.0 }
}

fn sum_vecs(into: &mut Vec<f64>, add: &[f64]) {
    if into.is_empty() {
        into.extend_from_slice(add);
    } else {
        into.iter_mut().zip(add).for_each(|(a, b)| *a += b);
    }
}

impl LogRegCoordinator {
    /// β = 0, before the setup.
    pub fn new(p: usize) -> Self {
        let (z, e) = (vec![0.0; p], Vec::new());
        Self {
            beta: vec![0.0; p + 1],
            lambda: 0.0,
            lambda_max: 0.0,
            last: None,
            col_sum: z.clone(),
            col_norm: z.clone(),
            g0: z,
            y: e.clone(),
            y01_mean: 0.0,
            scale: vec![1.0; p + 1],
            pending: Vec::new(),
            decrease: 0.0,
            round: 0,
        }
    }

    /// The intercept β₀.
    pub fn intercept(&self) -> f64 {
        self.beta[self.beta.len() - 1]
    }

    pub(super) fn pull(
        &mut self,
        app: &LogReg,
        task: &Task,
        parts: Vec<Partial>,
    ) -> Result<Pulled<Update, Feedback>, AppError> {
        let (p, lam) = (app.p, self.lambda);
        let mut out = Pulled::with_feedback(Update::None, Feedback::None, Control::Continue);
        match task {
            Task::Setup => {
                let (mut col_sq, mut xty01) = (Vec::new(), Vec::new());
                self.col_sum.clear();
                for part in parts {
                    if let Partial::Setup { col_sum, col_sq: sq, xty01: xy, y } = part {
                        sum_vecs(&mut self.col_sum, &col_sum);
                        sum_vecs(&mut col_sq, &sq);
                        sum_vecs(&mut xty01, &xy);
                        self.y.extend(y);
                    }
                }
                let n = self.y.len() as f64;
                self.y01_mean = self.y.iter().filter(|&&v| v > 0.0).count() as f64 / n;
                let c = if app.params.intercept { self.y01_mean } else { 0.5 };
                if app.params.intercept && (self.y01_mean == 0.0 || self.y01_mean == 1.0) {
                    return Err("every label is the same: with an intercept the loss has no minimum".into());
                }
                self.g0 = xty01.iter().zip(&self.col_sum).map(|(a, s)| a - c * s).collect();
                self.lambda_max = self.g0.iter().fold(0.0, |m: f64, g| m.max(g.abs()));
                self.lambda = match app.params.penalty {
                    Penalty::Lambda(l) => l,
                    Penalty::Ratio(r) => r * self.lambda_max,
                };
                self.col_norm = col_sq.iter().map(|s| s.sqrt()).collect();
                if app.params.intercept {
                    self.beta[p] = (c / (1.0 - c)).ln();
                    out.update = Update::Intercept(self.beta[p]);
                }
                let viol: Vec<f64> = self.g0.iter().map(|g| (g.abs() - self.lambda).max(0.0)).collect();
                out.feedback = Feedback::Priorities(self.priorities(&viol), self.support(p));
            }
            Task::Direction(block) => {
                let mut gh: Vec<(f64, f64)> = Vec::new();
                for part in parts {
                    if let Partial::Direction(v) = part {
                        if gh.is_empty() {
                            gh = v
                        } else {
                            gh.iter_mut().zip(v).for_each(|(a, b)| *a = (a.0 + b.0, a.1 + b.1))
                        }
                    }
                }
                self.pending.clear();
                self.decrease = 0.0;
                let coords = block.iter().copied().chain(app.params.intercept.then_some(p as u32));
                for (j, (g, h)) in coords.zip(gh) {
                    let (b, h, pen) = (self.beta[j as usize], h + 1e-12, if j as usize == p { 0.0 } else { lam });
                    let d = if g + pen <= h * b {
                        -(g + pen) / h
                    } else if g - pen >= h * b {
                        -(g - pen) / h
                    } else {
                        -b
                    };
                    let d = d * self.scale[j as usize];
                    if d != 0.0 && d.is_finite() {
                        self.decrease += g * d + pen * ((b + d).abs() - b.abs());
                        self.pending.push((j, d));
                    }
                }
                out.update = Update::Direction(self.pending.clone());
            }
            Task::LineSearch => {
                let mut delta = vec![0.0; TRIALS];
                parts.iter().for_each(|part| {
                    if let Partial::LineSearch(v) = part {
                        sum_vecs(&mut delta, v)
                    }
                });
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
                // Rounding (of the sums, and of |β_j + αd_j| − |β_j| for tiny steps): a change
                // below it is no evidence against a step.
                let slack = 1e-14 * app.n as f64;
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
                    // The next search starts one step above the accepted one (or below the last trial).
                    self.scale[j] = match accepted {
                        Some(_) => (2.0 * alpha * self.scale[j]).min(1.0),
                        None => (self.scale[j] * 0.5f64.powi(TRIALS as i32)).max(1e-30),
                    };
                    if j < p {
                        moved.push((j as u32, alpha * d * self.col_norm[j]));
                    }
                }
                self.pending.clear();
                (out.update, out.feedback) = (Update::Step(alpha), Feedback::Moved(moved));
            }
            Task::Evaluate => {
                let (mut grad, mut loss, mut u) = (Vec::new(), 0.0, Vec::new());
                for part in parts {
                    if let Partial::Evaluate { grad: g, loss: l, u: uk } = part {
                        sum_vecs(&mut grad, &g);
                        loss += l;
                        u.extend(uk);
                    }
                }
                let e = self.evaluate(app, &grad, loss, &u);
                if !e.objective.is_finite() {
                    return Err(format!("the objective is {}: the data hold a NaN or an infinity", e.objective).into());
                }
                if e.relative_gap <= app.params.tol {
                    out.control = Control::Converged;
                }
                let viol: Vec<f64> = (0..p).map(|j| self.violation(j, -grad[j])).collect();
                out.feedback = Feedback::Priorities(self.priorities(&viol), self.support(p));
                self.last = Some(e);
            }
        }
        self.round += 1;
        Ok(out)
    }

    /// KKT violation of feature `j` with loss gradient `g`: `|g + λ sign β_j|` if `β_j ≠ 0`,
    /// `max(|g| − λ, 0)` if `β_j = 0`.
    fn violation(&self, j: usize, g: f64) -> f64 {
        match self.beta[j] {
            b if b != 0.0 => (g + self.lambda * b.signum()).abs(),
            _ => (g.abs() - self.lambda).max(0.0),
        }
    }

    fn support(&self, p: usize) -> Vec<u32> {
        (0..p as u32).filter(|&j| self.beta[j as usize] != 0.0).collect()
    }

    /// Predicted change `|Δβ_j| ‖x_j‖` of a Newton step with the curvature bound `‖x_j‖²/4`;
    /// positive exactly for the active features (non-zero, or violating the KKT conditions).
    fn priorities(&self, viol: &[f64]) -> Vec<f64> {
        let prio = |(j, (v, s)): (usize, (&f64, &f64))| match 4.0 * v / s {
            q if q > 0.0 && q.is_finite() => q,
            _ if self.beta[j] != 0.0 => f64::MIN_POSITIVE,
            _ => 0.0,
        };
        viol.iter().zip(&self.col_norm).enumerate().map(prio).collect()
    }

    /// The objective and a dual point [Massias, Gramfort & Salmon 2018, "Celer", Sec. 2 and
    /// their logistic dual]: `D(u) = Σᵢ H(uᵢ)` subject to `‖Xᵀ(y∘u)‖∞ ≤ λ`, `0 ≤ u ≤ 1` and,
    /// with an intercept, `yᵀu = 0`. From `uᵢ = σ(−yᵢmᵢ)` (optimal at the optimum): with an
    /// intercept `ũ = u − (yᵀu/n) y`, mixed as `t ũ + (1 − t) u⁰` with the largest `t ≤ 1`
    /// that stays in `[0, 1]` (`u⁰`, the point of `λ_max`, is strictly inside), then
    /// rescaled by `s = min(1, λ / ‖Xᵀ(y∘u)‖∞)`.
    fn evaluate(&self, app: &LogReg, grad: &[f64], loss: f64, u: &[f64]) -> Evaluation {
        let (p, lam, ybar) = (app.p, self.lambda, self.y01_mean);
        let l1: f64 = self.beta[..p].iter().map(|b| b.abs()).sum();
        let (c, mut t) = match app.params.intercept {
            true => (self.y.iter().zip(u).map(|(y, u)| y * u).sum::<f64>() / u.len() as f64, 1.0f64),
            false => (0.0, 1.0),
        };
        let u0 = |y: f64| if y > 0.0 { 1.0 - ybar } else { ybar };
        for (&y, &ui) in self.y.iter().zip(u) {
            let (a, b) = (ui - c * y, if app.params.intercept { u0(y) } else { ui });
            // t a + (1 − t) b ∈ [0, 1] with b ∈ (0, 1).
            if a < 0.0 {
                t = t.min(b / (b - a))
            } else if a > 1.0 {
                t = t.min((1.0 - b) / (a - b))
            }
        }
        let v = (0..p).map(|j| t * (grad[j] - c * self.col_sum[j]) + (1.0 - t) * self.g0[j]);
        let vmax = v.fold(0.0f64, |m, x| m.max(x.abs()));
        let s = if vmax > lam { lam / vmax } else { 1.0 };
        let dual: f64 = self
            .y
            .iter()
            .zip(u)
            .map(|(&y, &ui)| {
                let b = if app.params.intercept { u0(y) } else { ui };
                entropy(s * (t * (ui - c * y) + (1.0 - t) * b))
            })
            .sum();
        let objective = loss + lam * l1;
        let kkt_icpt = if app.params.intercept { (c * u.len() as f64).abs() } else { 0.0 };
        let kkt = (0..p).map(|j| self.violation(j, -grad[j])).fold(kkt_icpt, f64::max) / lam.max(f64::MIN_POSITIVE);
        let nnz = self.beta[..p].iter().filter(|b| **b != 0.0).count();
        Evaluation {
            round: self.round,
            objective,
            dual,
            duality_gap: objective - dual,
            relative_gap: (objective - dual) / objective,
            kkt,
            nnz,
        }
    }
}
