//! A logistic-regression worker: its rows and margins (the kit's `Margins`), labels ±1 and
//! the loss's derivative weights.

use strads_core::{logistic_loss, sigmoid_neg};
use strads_datasets::CscMatrix;
use strads_kit::glm::{ColumnStats, Margins};

use super::{LogReg, Partial, Task, Update};

/// One worker's shard (`n_k` rows) and the auxiliary state of its rows.
#[derive(Debug)]
pub struct LogRegWorker {
    rows: Margins,
    /// Labels ±1.
    y: Vec<f64>,
    /// `yᵢ uᵢ` with `uᵢ = σ(−yᵢmᵢ)`: the loss gradient is `−Xᵀ(y∘u)`.
    yu: Vec<f64>,
    /// `uᵢ(1 − uᵢ) = σ(mᵢ)σ(−mᵢ)`, the curvature weights.
    w: Vec<f64>,
}

/// `(yᵢuᵢ, uᵢ(1 − uᵢ))` at margin `m` with label `y`.
fn weights(y: f64, m: f64) -> (f64, f64) {
    let u = sigmoid_neg(y * m);
    (y * u, u * (1.0 - u))
}

impl LogRegWorker {
    /// A worker for the rows `x` (`n_k × p`, CSC) with labels `y` (±1, or 0/1 with 0 read as −1).
    pub fn new((x, y): (CscMatrix, Vec<f64>)) -> Self {
        let y: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { -1.0 }).collect();
        let (yu, w) = y.iter().map(|&y| weights(y, 0.0)).unzip();
        Self { rows: Margins::new(x), y, yu, w }
    }

    pub(super) fn push(&mut self, app: &LogReg, task: &Task) -> Partial {
        let (y, m) = (&self.y, &self.rows.m);
        match task {
            Task::Setup => {
                let y01: Vec<f64> = y.iter().map(|&v| (v + 1.0) / 2.0).collect();
                Partial::Setup(ColumnStats::of(&self.rows.x, &y01), y.clone())
            }
            Task::Direction(block) => {
                Partial::Direction(self.rows.gradient_curvature(block, &self.yu, &self.w, app.params.intercept))
            }
            // ℓ(z + δ) − ℓ(z) = log(1 + σ(−z)(e^{−δ} − 1)): accurate however small the step.
            Task::LineSearch => Partial::LineSearch(self.rows.trial_changes(|i, alpha| {
                let (u, step) = (y[i] * self.yu[i], y[i] * self.rows.dm[i]);
                (u * (-alpha * step).exp_m1()).ln_1p()
            })),
            Task::Evaluate => Partial::Evaluate {
                grad: self.rows.xt(&self.yu),
                loss: y.iter().zip(m).map(|(&y, &m)| logistic_loss(y * m)).sum(),
                u: y.iter().zip(&self.yu).map(|(y, yu)| y * yu).collect(),
            },
        }
    }

    pub(super) fn sync(&mut self, update: &Update) {
        let (y, yu, w) = (&self.y, &mut self.yu, &mut self.w);
        let mut refresh = |i: usize, m: f64| (yu[i], w[i]) = weights(y[i], m);
        match update {
            Update::None => {}
            Update::Intercept(b0) => self.rows.set_all(*b0, refresh),
            Update::Direction(d) => self.rows.set_direction(d),
            Update::Step(alpha) => self.rows.step(*alpha, &mut refresh),
        }
    }
}
