//! A logistic-regression worker: its rows (CSC), labels ±1 and margins, and its push and sync.

use strads_core::sparse_dot;
use strads_datasets::CscMatrix;

use super::{LogReg, Partial, Task, Update, TRIALS};

/// `ℓ(z) = log(1 + e^{−z})`, without overflow.
pub fn logistic_loss(z: f64) -> f64 {
    if z > 0.0 {
        (-z).exp().ln_1p()
    } else {
        -z + z.exp().ln_1p()
    }
}

/// `σ(−z) = 1 / (1 + e^{z})`, without overflow.
fn sigmoid_neg(z: f64) -> f64 {
    if z >= 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}

/// One worker's shard (`n_k` rows) and the auxiliary state of its rows.
#[derive(Debug)]
pub struct LogRegWorker {
    x: CscMatrix,
    /// Labels ±1.
    y: Vec<f64>,
    /// Margins `mᵢ = β₀ + xᵢᵀβ`.
    m: Vec<f64>,
    /// `yᵢ uᵢ` with `uᵢ = σ(−yᵢmᵢ)`: the loss gradient is `−Xᵀ(y∘u)`.
    yu: Vec<f64>,
    /// `uᵢ(1 − uᵢ) = σ(mᵢ)σ(−mᵢ)`, the Hessian weights.
    w: Vec<f64>,
    /// The margin change `Xd` of the pending direction `d`.
    dm: Vec<f64>,
}

impl LogRegWorker {
    /// A worker for the rows of `x` (`n_k × p`) with labels `y` (±1, or 0/1 with 0 read as −1).
    pub fn new(x: CscMatrix, y: &[f64]) -> Self {
        let n = x.nrows;
        let y = y.iter().map(|&v| if v > 0.0 { 1.0 } else { -1.0 }).collect();
        let mut w = Self { x, y, m: vec![0.0; n], yu: vec![0.0; n], w: vec![0.0; n], dm: vec![0.0; n] };
        (0..n).for_each(|i| w.refresh(i));
        w
    }

    fn refresh(&mut self, i: usize) {
        let u = sigmoid_neg(self.y[i] * self.m[i]);
        self.yu[i] = self.y[i] * u;
        self.w[i] = u * (1.0 - u);
    }

    pub(super) fn push(&mut self, app: &LogReg, task: &Task) -> Partial {
        let x = &self.x;
        match task {
            Task::Setup => {
                let y01: Vec<f64> = self.y.iter().map(|&v| (v + 1.0) / 2.0).collect();
                let cols = |f: &dyn Fn(&[u32], &[f64]) -> f64| -> Vec<f64> {
                    (0..x.ncols).map(|j| f(x.col(j).0, x.col(j).1)).collect()
                };
                Partial::Setup {
                    col_sum: cols(&|_, v| v.iter().sum()),
                    col_sq: cols(&|_, v| v.iter().map(|a| a * a).sum()),
                    xty01: cols(&|i, v| sparse_dot(i, v, &y01)),
                    y: self.y.clone(),
                }
            }
            Task::Direction(block) => {
                let mut gh = Vec::with_capacity(block.len() + 1);
                for &j in block {
                    let (idx, val) = x.col(j as usize);
                    let (mut g, mut h) = (0.0, 0.0);
                    for (&i, &v) in idx.iter().zip(val) {
                        g -= v * self.yu[i as usize];
                        h += v * v * self.w[i as usize];
                    }
                    gh.push((g, h));
                }
                if app.params.intercept {
                    gh.push((-self.yu.iter().sum::<f64>(), self.w.iter().sum()));
                }
                Partial::Direction(gh)
            }
            Task::LineSearch => {
                // Loss change at the trial steps α = 2^{-k}, row by row as
                // ℓ(z + δ) − ℓ(z) = log(1 + σ(−z)(e^{−δ} − 1)): accurate however small the step.
                let mut delta = [0.0; TRIALS];
                for i in (0..self.m.len()).filter(|&i| self.dm[i] != 0.0) {
                    let (u, step) = (self.y[i] * self.yu[i], self.y[i] * self.dm[i]);
                    let mut alpha = 1.0;
                    for d in &mut delta {
                        *d += (u * (-alpha * step).exp_m1()).ln_1p();
                        alpha *= 0.5;
                    }
                }
                Partial::LineSearch(delta.to_vec())
            }
            Task::Evaluate => Partial::Evaluate {
                grad: (0..x.ncols).map(|j| sparse_dot(x.col(j).0, x.col(j).1, &self.yu)).collect(),
                loss: self.y.iter().zip(&self.m).map(|(&y, &m)| logistic_loss(y * m)).sum(),
                u: self.y.iter().zip(&self.yu).map(|(y, yu)| y * yu).collect(),
            },
        }
    }

    pub(super) fn sync(&mut self, app: &LogReg, update: &Update) {
        match update {
            Update::None => {}
            Update::Intercept(b0) => {
                self.m.iter_mut().for_each(|m| *m = *b0);
                (0..self.m.len()).for_each(|i| self.refresh(i));
            }
            Update::Direction(d) => {
                self.dm.iter_mut().for_each(|v| *v = 0.0);
                for &(j, dj) in d {
                    if j as usize == app.p {
                        self.dm.iter_mut().for_each(|v| *v += dj);
                    } else {
                        self.x.col_axpy(j as usize, dj, &mut self.dm);
                    }
                }
            }
            Update::Step(alpha) if *alpha == 0.0 => {}
            Update::Step(alpha) => {
                for i in 0..self.m.len() {
                    if self.dm[i] != 0.0 {
                        self.m[i] += alpha * self.dm[i];
                        self.refresh(i);
                    }
                }
            }
        }
    }
}
