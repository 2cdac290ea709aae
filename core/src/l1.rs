//! Numerics of L1-penalized generalized linear models `F(β) = Σᵢ ℓ(yᵢ, mᵢ) + λ‖β‖₁`
//! (`mᵢ = β₀ + xᵢᵀβ` the margins): the coordinate Newton step, KKT violations, dual scaling,
//! and the logistic loss. All deterministic (no summation whose order could vary).

/// The CDN coordinate direction [Yuan, Chang, Hsieh & Lin 2010, "A comparison of optimization
/// methods and software for large-scale L1-regularized linear classification", JMLR, Eq. 29]:
/// the minimizer `d` of the quadratic model `g d + ½ h d² + λ|β + d| − λ|β|` of coordinate
/// `β` with loss gradient `g` and curvature `h > 0`:
/// `−(g + λ)/h` if `g + λ ≤ h β`, `−(g − λ)/h` if `g − λ ≥ h β`, else `−β`.
///
/// # Examples
/// ```
/// use strads_core::cdn_direction;
/// assert_eq!(cdn_direction(-3.0, 1.0, 0.0, 1.0), 2.0);
/// assert_eq!(cdn_direction(0.5, 1.0, 0.0, 1.0), 0.0); // |g| ≤ λ at β = 0: stay
/// assert_eq!(cdn_direction(0.0, 1.0, 0.25, 1.0), -0.25); // to zero
/// ```
#[inline]
pub fn cdn_direction(g: f64, h: f64, beta: f64, lambda: f64) -> f64 {
    if g + lambda <= h * beta {
        -(g + lambda) / h
    } else if g - lambda >= h * beta {
        -(g - lambda) / h
    } else {
        -beta
    }
}

/// KKT violation of a coordinate of an L1 problem (0 at the optimum): `|g + λ sign β|` if
/// `β ≠ 0`, `max(|g| − λ, 0)` if `β = 0`, with `g` the loss gradient along the coordinate
/// (same units as λ).
///
/// # Examples
/// ```
/// use strads_core::l1_violation;
/// assert_eq!(l1_violation(0.0, 0.5, 1.0), 0.0);
/// assert_eq!(l1_violation(0.0, -1.5, 1.0), 0.5);
/// assert_eq!(l1_violation(2.0, -1.0, 1.0), 0.0);
/// ```
#[inline]
pub fn l1_violation(beta: f64, g: f64, lambda: f64) -> f64 {
    match beta {
        b if b != 0.0 => (g + lambda * b.signum()).abs(),
        _ => (g.abs() - lambda).max(0.0),
    }
}

/// The factor `s = min(1, λ / ‖Xᵀθ‖∞)` that rescales a dual point `θ` into the dual feasible
/// set `‖Xᵀθ‖∞ ≤ λ` of an L1 problem [Fercoq, Gramfort & Salmon 2015, Sec. 2;
/// Massias, Gramfort & Salmon 2018, Sec. 2]; `dual_norm` is `‖Xᵀθ‖∞`.
///
/// # Examples
/// ```
/// assert_eq!(strads_core::dual_scale(4.0, 1.0), 0.25);
/// assert_eq!(strads_core::dual_scale(0.5, 1.0), 1.0);
/// ```
#[inline]
pub fn dual_scale(dual_norm: f64, lambda: f64) -> f64 {
    if dual_norm > lambda {
        lambda / dual_norm
    } else {
        1.0
    }
}

/// Adds `add` to `into` entry by entry (`into` empty: becomes a copy): for summing workers'
/// partial vectors in worker order.
pub fn add_into(into: &mut Vec<f64>, add: &[f64]) {
    if into.is_empty() {
        into.extend_from_slice(add);
    } else {
        into.iter_mut().zip(add).for_each(|(a, b)| *a += b);
    }
}

/// Binary entropy in nats, `H(u) = −u ln u − (1 − u) ln(1 − u)` (0 at `u` = 0 and 1): the
/// conjugate of the logistic loss, whose dual is `Σᵢ H(uᵢ)`.
///
/// # Examples
/// ```
/// assert!((strads_core::binary_entropy(0.5) - std::f64::consts::LN_2).abs() < 1e-16);
/// assert_eq!(strads_core::binary_entropy(1.0), 0.0);
/// ```
pub fn binary_entropy(u: f64) -> f64 {
    let a = if u > 0.0 { -u * u.ln() } else { 0.0 };
    a + if u < 1.0 { -(1.0 - u) * (-u).ln_1p() } else { 0.0 }
}

/// The logistic loss `ℓ(z) = log(1 + e^{−z})` of a margin `z = y m`, without overflow.
///
/// # Examples
/// ```
/// assert_eq!(strads_core::logistic_loss(1000.0), 0.0);
/// assert_eq!(strads_core::logistic_loss(-1000.0), 1000.0);
/// ```
pub fn logistic_loss(z: f64) -> f64 {
    if z > 0.0 {
        (-z).exp().ln_1p()
    } else {
        -z + z.exp().ln_1p()
    }
}

/// `σ(−z) = 1 / (1 + e^{z})` (σ the logistic function), without overflow: `−ℓ'(z)` of the
/// logistic loss.
///
/// # Examples
/// ```
/// assert_eq!(strads_core::sigmoid_neg(0.0), 0.5);
/// assert_eq!(strads_core::sigmoid_neg(1000.0), 0.0);
/// ```
pub fn sigmoid_neg(z: f64) -> f64 {
    if z >= 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}
