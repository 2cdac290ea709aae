//! Dual extrapolation for the Lasso's stopping rule [Massias, Gramfort & Salmon 2018,
//! "Celer", Sec. 3]: the residuals of successive evaluations converge (coordinate descent is
//! a linear fixed-point iteration near the optimum), so an Anderson combination
//! `r_acc = Σ_k c_k r_k` of the last `K` of them, rescaled into the dual feasible set, is
//! usually a far better dual point than the last residual, and the duality gap certifies
//! convergence many evaluations earlier.
//!
//! Everything is done from per-evaluation statistics, so no residual crosses the network:
//! each worker keeps its last `K + 1` residual snapshots and returns, at every evaluation,
//! the inner products of the new residual with them; the coordinator keeps the last `K + 1`
//! gradients `X̃ᵀr̃_k` and scalars. Since `r_acc` is a linear combination,
//! `X̃ᵀr̃_acc = Σ c_k X̃ᵀr̃_k`, `ỹᵀr̃_acc = Σ c_k ỹᵀr̃_k` and `‖r̃_acc‖² = cᵀ M̃ c` with `M̃` the
//! Gram matrix of the centered snapshots.

use std::collections::VecDeque;

/// Residual snapshots per window: `K` differences need `K + 1` snapshots (celer uses K = 5).
pub(crate) const SNAPSHOTS: usize = 6;

/// A worker's window of residual snapshots.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ResidualWindow {
    snapshots: VecDeque<Vec<f64>>,
}

impl ResidualWindow {
    /// Stores a copy of `r` (dropping the oldest snapshot when full) and returns the inner
    /// products of `r` with every stored snapshot, oldest first (the last is `‖r‖²`).
    pub(crate) fn push(&mut self, r: &[f64]) -> Vec<f64> {
        let mut buf = if self.snapshots.len() == SNAPSHOTS {
            self.snapshots.pop_front().unwrap_or_default()
        } else {
            Vec::with_capacity(r.len())
        };
        buf.clear();
        buf.extend_from_slice(r);
        self.snapshots.push_back(buf);
        self.snapshots.iter().map(|s| strads_core::dot(s, r)).collect()
    }
}

/// One evaluation as the coordinator keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Snapshot {
    /// `X̃ᵀr̃` (0 for screened features), length `p`.
    grad: Vec<f64>,
    /// `Σ r_i`.
    r_sum: f64,
    /// `ỹᵀr̃`.
    yr: f64,
    /// `r_kᵀr_b` (uncentered) for the snapshots `b` of the window, oldest first, this one
    /// last.
    dots: Vec<f64>,
}

/// The coordinator's window of evaluations.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct DualExtrapolation {
    window: VecDeque<Snapshot>,
}

/// An extrapolated dual candidate: `X̃ᵀr̃_acc`, `ỹᵀr̃_acc` and `‖r̃_acc‖²`.
pub(crate) struct Extrapolated {
    pub(crate) grad: Vec<f64>,
    pub(crate) yr: f64,
    pub(crate) rr: f64,
}

impl DualExtrapolation {
    /// Adds an evaluation: `grad` (length `p`, read at the `active` features only), and
    /// `dots` the summed inner products of the workers' windows (same length as the window
    /// after the push).
    pub(crate) fn push(&mut self, grad: &[f64], active: &[u32], r_sum: f64, yr: f64, dots: Vec<f64>) {
        let mut buf = if self.window.len() == SNAPSHOTS {
            let old = self.window.pop_front().map(|s| s.grad).unwrap_or_default();
            for s in &mut self.window {
                s.dots.remove(0);
            }
            old
        } else {
            Vec::new()
        };
        buf.resize(grad.len(), 0.0);
        for &j in active {
            buf[j as usize] = grad[j as usize];
        }
        self.window.push_back(Snapshot { grad: buf, r_sum, yr, dots });
    }

    /// The Anderson-extrapolated candidate, once the window is full and the system is well
    /// posed; `n` rows, `center` with an intercept (snapshots are centered by their means).
    /// Its gradient is valid at the `active` features (which must have been active in every
    /// snapshot of the window: features only ever leave).
    pub(crate) fn extrapolate(&self, active: &[u32], n: f64, center: bool) -> Option<Extrapolated> {
        let m = self.window.len();
        if m < SNAPSHOTS || self.window.iter().enumerate().any(|(a, s)| s.dots.len() != a + 1) {
            return None;
        }
        // Centered Gram of the snapshots, M̃_ab = r_aᵀr_b − (Σr_a)(Σr_b)/n.
        let mut g = vec![0.0; m * m];
        for a in 0..m {
            for b in 0..=a {
                let raw = self.window[a].dots[b];
                let v = if center { raw - self.window[a].r_sum * self.window[b].r_sum / n } else { raw };
                g[a * m + b] = v;
                g[b * m + a] = v;
            }
        }
        // UᵀU with U_k = r̃_{k+1} − r̃_k, k = 0..K.
        let k = m - 1;
        let mut utu = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                utu[i * k + j] = g[(i + 1) * m + j + 1] - g[i * m + j + 1] - g[(i + 1) * m + j] + g[i * m + j];
            }
        }
        let z = solve(&mut utu, vec![1.0; k], k)?;
        let total: f64 = z.iter().sum();
        if total.abs() <= 1e-300 || total.is_nan() {
            return None;
        }
        // Weights on the newest K snapshots.
        let c: Vec<f64> = z.iter().map(|v| v / total).collect();
        if c.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let p = self.window[0].grad.len();
        let mut grad = vec![0.0; p];
        let mut yr = 0.0;
        for (ci, s) in c.iter().zip(self.window.iter().skip(1)) {
            for &j in active {
                grad[j as usize] += ci * s.grad[j as usize];
            }
            yr += ci * s.yr;
        }
        let mut rr = 0.0;
        for i in 0..k {
            for j in 0..k {
                rr += c[i] * c[j] * g[(i + 1) * m + j + 1];
            }
        }
        (rr.is_finite() && rr >= 0.0).then_some(Extrapolated { grad, yr, rr })
    }
}

/// Solves `A x = b` (`A` is `k × k`, row-major, overwritten) by Gaussian elimination with
/// partial pivoting; `None` when `A` is (numerically) singular.
fn solve(a: &mut [f64], mut b: Vec<f64>, k: usize) -> Option<Vec<f64>> {
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale <= 0.0 || scale.is_nan() {
        return None;
    }
    for col in 0..k {
        let piv = (col..k).max_by(|&i, &j| a[i * k + col].abs().total_cmp(&a[j * k + col].abs()))?;
        if a[piv * k + col].abs() <= 1e-14 * scale {
            return None;
        }
        if piv != col {
            for j in 0..k {
                a.swap(piv * k + j, col * k + j);
            }
            b.swap(piv, col);
        }
        for i in col + 1..k {
            let f = a[i * k + col] / a[col * k + col];
            for j in col..k {
                a[i * k + j] -= f * a[col * k + j];
            }
            b[i] -= f * b[col];
        }
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let s: f64 = (i + 1..k).map(|j| a[i * k + j] * x[j]).sum();
        x[i] = (b[i] - s) / a[i * k + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_matches_a_known_system() {
        let mut a = vec![2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0];
        let x = solve(&mut a, vec![3.0, 5.0, 5.0], 3).expect("regular");
        for (got, want) in x.iter().zip([1.0, 1.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        assert!(solve(&mut [1.0, 2.0, 2.0, 4.0], vec![1.0, 1.0], 2).is_none(), "singular");
    }

    /// Residuals of a linear fixed-point iteration r_{t+1} = r* + A (r_t − r*) whose A has
    /// 4 modes and a faint fifth: Anderson with K = 5 differences (weights on the newest 5
    /// snapshots) recovers r* (exactly for 4 modes; the fifth keeps the system regular).
    #[test]
    fn extrapolation_recovers_the_limit_of_a_linear_iteration() {
        let n = 7;
        let limit: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
        let rates = [0.8, -0.5, 0.3, 0.6, 0.01];
        let mut window = ResidualWindow::default();
        let mut ex = DualExtrapolation::default();
        let active: Vec<u32> = (0..n as u32).collect();
        // X = identity (p = n), y = 0 for simplicity: the gradient is the residual itself.
        for t in 0..SNAPSHOTS {
            let mut r = limit.clone();
            for (mode, rate) in rates.iter().enumerate() {
                let amplitude = if mode == 4 { 1e-4 } else { 1.0 };
                r[mode] += amplitude * f64::powi(*rate, t as i32);
            }
            let dots = window.push(&r);
            ex.push(&r, &active, r.iter().sum(), 0.0, dots);
            assert_eq!(ex.extrapolate(&active, n as f64, false).is_some(), t + 1 == SNAPSHOTS, "only a full window");
        }
        let acc = ex.extrapolate(&active, n as f64, false).expect("full window");
        for (g, l) in acc.grad.iter().zip(&limit) {
            assert!((g - l).abs() < 1e-3, "{:?} vs {limit:?}", acc.grad);
        }
        let rr: f64 = limit.iter().map(|v| v * v).sum();
        assert!((acc.rr - rr).abs() < 1e-3, "{} vs {rr}", acc.rr);
    }
}
