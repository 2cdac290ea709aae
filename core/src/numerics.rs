//! Numerics shared by the apps: soft-thresholding and dot products, dense and sparse.
//!
//! Every function here is deterministic: the same inputs give the same bits on every run and
//! backend (summation orders are fixed), which the engine's "same seed and worker count,
//! same bits" rule relies on.

/// Soft-thresholding `S(z, λ) = sign(z) max(|z| − λ, 0)`: the proximal operator of `λ|·|`,
/// the closed-form minimizer of `½(b − z)² + λ|b|` over `b`. Coordinate descent for an
/// L1-penalized objective with curvature `d > 0` along a coordinate sets
/// `β_j ← S(z_j, λ) / d` [Friedman, Hastie & Tibshirani 2010, Eq. 5].
///
/// `lambda` should be ≥ 0; a NaN `z` gives 0.
///
/// # Examples
/// ```
/// use strads_core::soft_threshold;
/// assert_eq!(soft_threshold(3.0, 1.0), 2.0);
/// assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
/// assert_eq!(soft_threshold(0.5, 1.0), 0.0);
/// ```
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

/// `aᵀb` of two slices of equal length, with eight independent accumulators (so that the
/// compiler vectorizes it); the summation order is fixed, so the result is deterministic.
///
/// # Panics
/// Never; if the lengths differ, the extra entries of the longer slice are ignored.
///
/// # Examples
/// ```
/// assert_eq!(strads_core::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// `xᵀv` for a sparse vector `x` (row indices `idx`, values `val`, equal lengths; for
/// example one column of a CSC matrix) and a dense `v`, summed in index order.
///
/// # Panics
/// If an index is `≥ v.len()`.
///
/// # Examples
/// ```
/// assert_eq!(strads_core::sparse_dot(&[0, 2], &[2.0, 3.0], &[1.0, 10.0, 100.0]), 302.0);
/// ```
#[inline]
pub fn sparse_dot(idx: &[u32], val: &[f64], v: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&i, &x) in idx.iter().zip(val) {
        s += x * v[i as usize];
    }
    s
}

/// `v ← v + a·x` for a sparse `x` (indices `idx`, values `val`) and a dense `v`: how a
/// worker moves its residual after a coordinate's change (`a = −Δβ_j`).
///
/// # Panics
/// If an index is `≥ v.len()`.
///
/// # Examples
/// ```
/// let mut r = vec![1.0, 1.0, 1.0];
/// strads_core::sparse_axpy(-2.0, &[1], &[0.5], &mut r);
/// assert_eq!(r, [1.0, 0.0, 1.0]);
/// ```
#[inline]
pub fn sparse_axpy(a: f64, idx: &[u32], val: &[f64], v: &mut [f64]) {
    for (&i, &x) in idx.iter().zip(val) {
        v[i as usize] += a * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_a_plain_sum_on_integers() {
        let a: Vec<f64> = (0..37).map(f64::from).collect();
        let b: Vec<f64> = (0..37).map(|i| f64::from(i % 5)).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), plain);
    }

    #[test]
    fn soft_threshold_is_the_prox_of_the_l1_norm() {
        for z in [-3.0, -1.0, -0.2, 0.0, 0.7, 2.5] {
            let s = soft_threshold(z, 1.0);
            // S(z, λ) minimizes ½(b − z)² + λ|b|: no nearby b does better.
            let f = |b: f64| 0.5 * (b - z) * (b - z) + b.abs();
            assert!(f(s) <= f(s + 1e-6) && f(s) <= f(s - 1e-6), "z = {z}");
        }
    }
}
