//! The pull of an evaluation round: the objective, the duality gap (with dual extrapolation),
//! gap-safe screening and the working sets' priorities.

use strads_engine::{AppError, Control};

use super::app::Lasso;
use super::coordinator::LassoCoordinator;
use super::messages::{Evaluation, LassoFeedback, LassoPartial, LassoUpdate};

/// What a Lasso pull returns.
pub(super) type Pulled = strads_engine::Pulled<LassoUpdate, Option<LassoFeedback>>;

impl Lasso {
    // One index runs over the gradient, the coefficients and the column statistics.
    #[allow(clippy::needless_range_loop)]
    pub(super) fn pull_evaluate(
        &self,
        c: &mut LassoCoordinator,
        partials: Vec<LassoPartial>,
    ) -> Result<Pulled, AppError> {
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
        if !primal.is_finite() {
            return Err(
                format!("the objective is {primal} (the data or λ = {lambda} hold a NaN or an infinity)").into()
            );
        }
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
        let feedback = LassoFeedback { priorities, support };
        Ok(Pulled::with_feedback(LassoUpdate::Evaluated { screened }, Some(feedback), control))
    }
}
