//! The coordinator: the setup (`λ_max`, β₀) and the logistic dual are this app's; the CDN
//! steps, the line search and the KKT bookkeeping are the kit's `NewtonL1`.

use strads_core::{binary_entropy, dual_scale};
use strads_engine::{AppError, Control, Pulled};
use strads_kit::glm::{Feedback, L1Evaluation, NewtonL1, Partial, Task, Update};

use super::LogReg;

/// The coordinator: the kit's CDN state (`beta`, `lambda`, `lambda_max`, `last`,
/// `intercept()`, `model()`) with what the logistic dual needs.
pub type LogRegCoordinator = NewtonL1<LogisticDual>;

/// What the logistic dual needs at the coordinator.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LogisticDual {
    col_sum: Vec<f64>,
    /// `Xᵀ(y₀₁ − c1)`, the dual's `Xᵀ(y∘u⁰)` at the point `u⁰` of `λ_max`.
    g0: Vec<f64>,
    y: Vec<f64>,
    y01_mean: f64,
    round: u64,
}

pub(super) fn pull(
    app: &LogReg,
    c: &mut LogRegCoordinator,
    task: &Task,
    parts: Vec<Partial>,
) -> Result<Pulled<Update, Feedback>, AppError> {
    let (p, icpt) = (app.p, app.params.intercept);
    let mut out = Pulled::with_feedback(Update::None, Feedback::None, Control::Continue);
    match task {
        Task::Setup => {
            let (stats, y) = Partial::gather_setup(parts);
            let ybar = y.iter().filter(|&&v| v > 0.0).count() as f64 / y.len() as f64;
            let c0 = if icpt { ybar } else { 0.5 };
            if icpt && (ybar == 0.0 || ybar == 1.0) {
                return Err("every label is the same: with an intercept the loss has no minimum".into());
            }
            let g0 = c.start(&stats, c0, app.params.penalty);
            if icpt {
                c.beta[p] = (c0 / (1.0 - c0)).ln();
                out.update = Update::Intercept(c.beta[p]);
            }
            out.feedback = c.feedback(&c.violations(|j| g0[j]), 4.0);
            c.extra = LogisticDual { col_sum: stats.sum, g0, y, y01_mean: ybar, round: 0 };
        }
        Task::Evaluate => {
            let (grad, loss, u) = Partial::gather_evaluation(parts);
            let viol = c.violations(|j| -grad[j]);
            let e = evaluate(app, c, &grad, loss, &u, &viol);
            out.control = e.control(app.params.tol)?;
            out.feedback = c.feedback(&viol, 4.0);
            c.last = Some(e);
        }
        // Direction and line search: the kit's CDN steps; rounding (of the sums, and of
        // |β_j + αd_j| − |β_j|) below 1e-14 n is no evidence against a step.
        _ => (out.update, out.feedback) = c.pull_step(task, parts, icpt, 1e-14 * app.n as f64),
    }
    c.extra.round += 1;
    Ok(out)
}

/// The objective and a dual point [Massias, Gramfort & Salmon 2018, "Celer", Sec. 2 and
/// their logistic dual]: `D(u) = Σᵢ H(uᵢ)` subject to `‖Xᵀ(y∘u)‖∞ ≤ λ`, `0 ≤ u ≤ 1` and,
/// with an intercept, `yᵀu = 0`. From `uᵢ = σ(−yᵢmᵢ)` (optimal at the optimum): with an
/// intercept `ũ = u − (yᵀu/n) y`, mixed as `t ũ + (1 − t) u⁰` with the largest `t ≤ 1`
/// that stays in `[0, 1]` (`u⁰`, the point of `λ_max`, is strictly inside), then
/// rescaled by `s = min(1, λ / ‖Xᵀ(y∘u)‖∞)`.
fn evaluate(app: &LogReg, co: &LogRegCoordinator, grad: &[f64], loss: f64, u: &[f64], viol: &[f64]) -> L1Evaluation {
    let (d, p, lam, icpt) = (&co.extra, app.p, co.lambda, app.params.intercept);
    let (c, mut t) = match icpt {
        true => (d.y.iter().zip(u).map(|(y, u)| y * u).sum::<f64>() / u.len() as f64, 1.0f64),
        false => (0.0, 1.0),
    };
    let u0 = |y: f64| if y > 0.0 { 1.0 - d.y01_mean } else { d.y01_mean };
    for (&y, &ui) in d.y.iter().zip(u) {
        let (a, b) = (ui - c * y, if icpt { u0(y) } else { ui });
        // t a + (1 − t) b ∈ [0, 1] with b ∈ (0, 1).
        if a < 0.0 {
            t = t.min(b / (b - a))
        } else if a > 1.0 {
            t = t.min((1.0 - b) / (a - b))
        }
    }
    let v = (0..p).map(|j| t * (grad[j] - c * d.col_sum[j]) + (1.0 - t) * d.g0[j]);
    let s = dual_scale(v.fold(0.0f64, |m, x| m.max(x.abs())), lam);
    let dual_of = |(&y, &ui): (&f64, &f64)| {
        let b = if icpt { u0(y) } else { ui };
        binary_entropy(s * (t * (ui - c * y) + (1.0 - t) * b))
    };
    let dual: f64 = d.y.iter().zip(u).map(dual_of).sum();
    let kkt_icpt = if icpt { (c * u.len() as f64).abs() } else { 0.0 };
    co.evaluation(d.round, loss, dual, viol, kkt_icpt)
}
