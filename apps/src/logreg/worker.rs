//! The logistic loss, row by row, for the kit's `GlmWorker`.

use strads_core::{logistic_loss, sigmoid_neg};
use strads_kit::glm::{GlmWorker, Loss};

/// `ℓ(y, m) = log(1 + e^{−ym})` with labels `y = ±1` (0/1 labels: 0 is read as −1).
#[derive(Debug, Clone, Copy)]
pub struct Logistic;

/// A logistic-regression worker: the kit's GLM worker with the logistic loss.
pub type LogRegWorker = GlmWorker<Logistic>;

impl Loss for Logistic {
    fn label(&self, y: f64) -> f64 {
        if y > 0.0 {
            1.0
        } else {
            -1.0
        }
    }
    /// `(yu, u(1 − u))` with `u = σ(−ym)`: the gradient is `−Xᵀ(y∘u)`.
    fn weights(&self, y: f64, m: f64) -> (f64, f64) {
        let u = sigmoid_neg(y * m);
        (y * u, u * (1.0 - u))
    }
    fn loss(&self, y: f64, m: f64) -> f64 {
        logistic_loss(y * m)
    }
    /// `ℓ(z + δ) − ℓ(z) = log(1 + σ(−z)(e^{−δ} − 1))`: accurate however small the step.
    fn change(&self, y: f64, a: f64, dm: f64, alpha: f64) -> f64 {
        let (u, step) = (y * a, y * dm);
        (u * (-alpha * step).exp_m1()).ln_1p()
    }
    /// `uᵢ = σ(−yᵢmᵢ)`, optimal for the dual at the optimum.
    fn dual_var(&self, y: f64, a: f64) -> f64 {
        y * a
    }
    /// `y₀₁`, for `λ_max = ‖Xᵀ(y₀₁ − c1)‖∞`.
    fn setup_target(&self, y: f64) -> f64 {
        (y + 1.0) / 2.0
    }
}
