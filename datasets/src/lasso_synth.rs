//! A seeded generator of sparse Lasso problems whose columns come in correlated groups.
//!
//! Coordinate descent run in parallel (Shotgun: J. K. Bradley, A. Kyrola, D. Bickson,
//! C. Guestrin, *Parallel Coordinate Descent for L1-Regularized Loss Minimization*, ICML 2011)
//! converges while the number of coordinates updated at once stays below about `p / ρ(XᵀX)`,
//! `ρ` the spectral radius: updates of strongly correlated columns, computed from the same
//! residual, overshoot together and can make the objective rise or diverge. A group of `G`
//! columns with pairwise correlation `R` adds an eigenvalue of about `1 + (G − 1)R` to
//! `XᵀX`, so these problems are where a schedule that keeps correlated columns apart (STRADS's
//! dynamic schedule) matters, and where one that ignores correlation (Shotgun-style `random`)
//! needs its serial safeguards. On sparse data, columns of different groups rarely share a
//! row, which is the structure that lets many of them be updated at once.

use std::io::Write;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::CscMatrix;

/// The settings of [`lasso_synth`]. The defaults give a 500 × 1000 problem with 20,000
/// non-zeros that `strads lasso` solves in well under a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LassoSynthParams {
    /// Rows (samples) `n`, at least 1 and at most `u32::MAX`. Default 500.
    pub rows: usize,
    /// Columns (features) `p`, at least 1 and at most `u32::MAX`. Default 1000.
    pub cols: usize,
    /// Non-zeros per column `K`, at least 1; `K ≥ rows` gives a dense design. Default 20.
    pub nnz_per_col: usize,
    /// Columns per group `G` (consecutive columns; the last group may be smaller), at least 1.
    /// Default 10.
    pub group_size: usize,
    /// Correlation `R` of two columns of one group, in `[0, 1)`. Default 0.9.
    pub group_corr: f64,
    /// Non-zeros `S` of the true coefficient vector, in `1..=cols`. Default 20.
    pub nonzeros: usize,
    /// Relative noise level `σ ≥ 0` (see [`lasso_synth`]). Default 0.1.
    pub noise: f64,
    /// Seed of the random streams. Default 0.
    pub seed: u64,
}

impl Default for LassoSynthParams {
    fn default() -> Self {
        Self {
            rows: 500,
            cols: 1000,
            nnz_per_col: 20,
            group_size: 10,
            group_corr: 0.9,
            nonzeros: 20,
            noise: 0.1,
            seed: 0,
        }
    }
}

impl LassoSynthParams {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad setting: `rows` or `cols` 0 or above
    /// `u32::MAX`, `nnz-per-col` or `group-size` 0, `group-corr` outside `[0, 1)`,
    /// `nonzeros` 0 or above `cols`, `noise` negative or not finite, or a design whose
    /// non-zero count `cols × min(K, rows)` overflows.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expect: &'static str| {
            Err(Error::InvalidParameter(strads_core::InvalidParameter { name, value, expect }))
        };
        let max = u32::MAX as usize;
        if self.rows == 0 || self.rows > max {
            return bad("rows", self.rows.to_string(), "in 1..=4294967295");
        }
        if self.cols == 0 || self.cols > max {
            return bad("cols", self.cols.to_string(), "in 1..=4294967295");
        }
        if self.nnz_per_col == 0 {
            return bad("nnz-per-col", "0".into(), "at least 1");
        }
        if self.group_size == 0 {
            return bad("group-size", "0".into(), "at least 1");
        }
        if !(0.0..1.0).contains(&self.group_corr) {
            return bad("group-corr", self.group_corr.to_string(), "in [0, 1)");
        }
        if self.nonzeros == 0 || self.nonzeros > self.cols {
            return bad("nonzeros", self.nonzeros.to_string(), "in 1..=cols (the number of columns)");
        }
        if !(self.noise >= 0.0 && self.noise.is_finite()) {
            return bad("noise", self.noise.to_string(), "a finite number >= 0");
        }
        if self.cols.checked_mul(self.support_size()).map_or(true, |t| t > isize::MAX as usize / 16) {
            return bad("nnz-per-col", self.nnz_per_col.to_string(), "such that cols × nnz-per-col fits in memory");
        }
        Ok(())
    }

    /// Rows of each column's support: `min(K, rows)`.
    pub fn support_size(&self) -> usize {
        self.nnz_per_col.min(self.rows)
    }

    /// Non-zeros of the design: `cols × min(K, rows)`.
    pub fn nnz(&self) -> usize {
        self.cols.saturating_mul(self.support_size())
    }
}

/// A generated Lasso problem `y = Xβ + noise`.
#[derive(Debug, Clone, PartialEq)]
pub struct LassoProblem {
    /// The design, `rows × cols`, CSC; every column has `min(K, rows)` non-zeros and unit
    /// Euclidean norm.
    pub x: CscMatrix,
    /// The targets, length `rows`.
    pub y: Vec<f64>,
    /// The true coefficients, length `cols`, with exactly `nonzeros` non-zero entries.
    pub beta: Vec<f64>,
}

/// Standard normal draws by the Box–Muller transform on open-interval uniforms (so a draw is
/// never exactly 0); the second value of each pair is kept for the next call.
struct Normal {
    spare: Option<f64>,
}

impl Normal {
    fn new() -> Self {
        Self { spare: None }
    }

    /// A uniform in the open interval (0, 1).
    fn open01(rng: &mut ChaCha8Rng) -> f64 {
        ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    fn sample(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        let r = (-2.0 * Self::open01(rng).ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * Self::open01(rng)).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

/// The random stream of `seed` numbered `stream`: the design, the coefficients and the noise
/// each have their own, so changing `noise` leaves X and β as they were, and changing
/// `nonzeros` leaves X.
fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Generates a seeded sparse Lasso problem with correlated column groups.
///
/// * Design `X` (`n × p` = `rows × cols`): columns come in consecutive groups of `G`. Each
///   group draws one support of `K` rows (uniformly without replacement; all rows when
///   `K ≥ n`) and one vector `z_g` of `K` standard normals; column `j` of the group gets
///   `x_j = √R z_g + √(1−R) e_j` on that support (`e_j` its own standard normals), then is
///   scaled to unit Euclidean norm. So two columns of one group have correlation (cosine)
///   about `R`, and two columns of different groups share about `K²/n` rows when sparse.
/// * Coefficients `β` (length `p`): `S` non-zeros at uniformly drawn columns, each
///   `±(1 + |N(0,1)|)` with a random sign.
/// * Targets `y = Xβ + σ ‖Xβ‖/√n · ε`, `ε` standard normal per row: `σ` is the noise level
///   relative to the root mean square of the signal.
///
/// The same parameters give the same problem (ChaCha8 streams seeded from `seed`; X, β and
/// the noise each have their own stream).
///
/// # Errors
/// As [`LassoSynthParams::check`]; nothing is drawn for bad settings.
///
/// # Examples
/// ```
/// use strads_datasets::{lasso_synth, LassoSynthParams};
/// let params = LassoSynthParams { rows: 50, cols: 40, nnz_per_col: 5, nonzeros: 4, ..LassoSynthParams::default() };
/// let prob = lasso_synth(&params)?;
/// assert_eq!((prob.x.nrows, prob.x.ncols, prob.x.nnz()), (50, 40, 200));
/// assert_eq!(prob.beta.iter().filter(|b| **b != 0.0).count(), 4);
/// assert_eq!(lasso_synth(&params)?, prob);
/// # Ok::<(), strads_datasets::Error>(())
/// ```
pub fn lasso_synth(params: &LassoSynthParams) -> Result<LassoProblem> {
    params.check()?;
    let (n, p, k) = (params.rows, params.cols, params.support_size());
    let (a, b) = (params.group_corr.sqrt(), (1.0 - params.group_corr).sqrt());

    let mut rng = stream(params.seed, 0);
    let mut normal = Normal::new();
    let mut indptr = Vec::with_capacity(p + 1);
    indptr.push(0);
    let mut indices: Vec<u32> = Vec::with_capacity(p * k);
    let mut values: Vec<f64> = Vec::with_capacity(p * k);
    let mut support: Vec<u32> = Vec::with_capacity(k);
    let mut z = vec![0.0; k];
    let mut start = 0;
    while start < p {
        let end = (start + params.group_size).min(p);
        support.clear();
        if k == n {
            support.extend(0..n as u32);
        } else {
            support.extend(rand::seq::index::sample(&mut rng, n, k).iter().map(|i| i as u32));
            support.sort_unstable();
        }
        z.iter_mut().for_each(|v| *v = a * normal.sample(&mut rng));
        for _ in start..end {
            let col = values.len();
            values.extend(z.iter().map(|zi| zi + b * normal.sample(&mut rng)));
            let norm = values[col..].iter().map(|v| v * v).sum::<f64>().sqrt();
            values[col..].iter_mut().for_each(|v| *v /= norm);
            indices.extend_from_slice(&support);
            indptr.push(values.len());
        }
        start = end;
    }
    let x = CscMatrix { nrows: n, ncols: p, indptr, indices, values };

    let mut rng = stream(params.seed, 1);
    let mut normal = Normal::new();
    let mut beta = vec![0.0; p];
    let mut chosen: Vec<usize> = rand::seq::index::sample(&mut rng, p, params.nonzeros).into_vec();
    chosen.sort_unstable();
    for j in chosen {
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        beta[j] = sign * (1.0 + normal.sample(&mut rng).abs());
    }

    let mut y = vec![0.0; n];
    for (j, &bj) in beta.iter().enumerate() {
        if bj != 0.0 {
            x.col_axpy(j, bj, &mut y);
        }
    }
    let scale = params.noise * y.iter().map(|v| v * v).sum::<f64>().sqrt() / (n as f64).sqrt();
    let mut rng = stream(params.seed, 2);
    let mut normal = Normal::new();
    for yi in &mut y {
        *yi += scale * normal.sample(&mut rng);
    }
    Ok(LassoProblem { x, y, beta })
}

/// The settings of [`logreg_synth`]: the design and true coefficients of [`LassoSynthParams`]
/// (its `noise` is not used: the labels' randomness is the logistic model's), the strength of
/// the signal and an intercept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRegSynthParams {
    /// The design X and the support and signs of β (`noise` ignored).
    pub design: LassoSynthParams,
    /// Root mean square `s > 0` of the margins `Xβ` over the rows (β is scaled to it).
    /// Default 2.
    pub signal: f64,
    /// The intercept `b₀` added to every margin (0: balanced labels). Default 0.
    pub intercept: f64,
}

impl Default for LogRegSynthParams {
    fn default() -> Self {
        Self { design: LassoSynthParams::default(), signal: 2.0, intercept: 0.0 }
    }
}

impl LogRegSynthParams {
    /// Checks every setting.
    ///
    /// # Errors
    /// As [`LassoSynthParams::check`] for the design, and [`Error::InvalidParameter`] for a
    /// `signal` that is not a positive finite number or an `intercept` that is not finite.
    pub fn check(&self) -> Result<()> {
        self.design.check()?;
        let bad = |name: &'static str, value: f64, expect: &'static str| {
            Err(Error::InvalidParameter(strads_core::InvalidParameter { name, value: value.to_string(), expect }))
        };
        if !(self.signal > 0.0 && self.signal.is_finite()) {
            return bad("signal", self.signal, "a finite number > 0");
        }
        if !self.intercept.is_finite() {
            return bad("intercept", self.intercept, "a finite number");
        }
        Ok(())
    }
}

/// Generates a seeded sparse logistic-regression problem with correlated column groups:
/// the design X and the support and signs of β exactly as [`lasso_synth`] draws them (same
/// seed, same X), β scaled by `c` so that the margins `m = c Xβ` have root mean square
/// `signal` over the rows, and labels `y_i = +1` with probability `σ(m_i + b₀)`
/// (`σ(t) = 1 / (1 + e^(−t))`), else `−1`, from their own random stream.
///
/// The returned problem's `y` holds the labels ±1 and `beta` the scaled true coefficients
/// (the intercept is not in it). Rows outside every support of β's columns have margin b₀,
/// so with a sparse design their labels are coin flips (at b₀ = 0).
///
/// # Errors
/// As [`LogRegSynthParams::check`]; nothing is drawn for bad settings.
///
/// # Examples
/// ```
/// use strads_datasets::{logreg_synth, LassoSynthParams, LogRegSynthParams};
/// let design = LassoSynthParams { rows: 60, cols: 40, nnz_per_col: 60, nonzeros: 4, ..LassoSynthParams::default() };
/// let prob = logreg_synth(&LogRegSynthParams { design, ..LogRegSynthParams::default() })?;
/// assert!(prob.y.iter().all(|&y| y == 1.0 || y == -1.0));
/// assert_eq!(prob.beta.iter().filter(|b| **b != 0.0).count(), 4);
/// # Ok::<(), strads_datasets::Error>(())
/// ```
pub fn logreg_synth(params: &LogRegSynthParams) -> Result<LassoProblem> {
    params.check()?;
    let design = LassoSynthParams { noise: 0.0, ..params.design };
    let LassoProblem { x, y: margin, mut beta } = lasso_synth(&design)?;
    let n = margin.len() as f64;
    let rms = (margin.iter().map(|m| m * m).sum::<f64>() / n).sqrt();
    let c = if rms > 0.0 { params.signal / rms } else { 0.0 };
    beta.iter_mut().for_each(|b| *b *= c);
    let mut rng = stream(params.design.seed, 3);
    let y = margin
        .iter()
        .map(|m| {
            let p = 1.0 / (1.0 + (-(c * m + params.intercept)).exp());
            if Normal::open01(&mut rng) < p {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    Ok(LassoProblem { x, y, beta })
}

/// Bytes gathered before each write to the output.
const CHUNK: usize = 1 << 16;

impl LassoProblem {
    /// Writes the problem in LIBSVM format: one line `y j:x_ij ...` per row, 1-based
    /// increasing column numbers, every number in the shortest form that reads back to the
    /// same `f64`.
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_libsvm<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        let csr = self.x.to_csr();
        let (mut num, mut int) = (ryu::Buffer::new(), itoa::Buffer::new());
        let mut buf = Vec::with_capacity(2 * CHUNK);
        for (i, &yi) in self.y.iter().enumerate() {
            buf.extend_from_slice(num.format_finite(yi).as_bytes());
            for e in csr.indptr[i]..csr.indptr[i + 1] {
                buf.push(b' ');
                buf.extend_from_slice(int.format(csr.indices[e] + 1).as_bytes());
                buf.push(b':');
                buf.extend_from_slice(num.format_finite(csr.values[e]).as_bytes());
            }
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    }

    /// Writes the design `X` as a MatrixMarket `coordinate real general` matrix, entries in
    /// column order (1-based `row col value`).
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_mtx_x<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        let x = &self.x;
        writeln!(w, "%%MatrixMarket matrix coordinate real general")?;
        writeln!(w, "{} {} {}", x.nrows, x.ncols, x.nnz())?;
        let (mut num, mut int) = (ryu::Buffer::new(), itoa::Buffer::new());
        let mut buf = Vec::with_capacity(2 * CHUNK);
        for j in 0..x.ncols {
            let (rows, vals) = x.col(j);
            for (&i, &v) in rows.iter().zip(vals) {
                buf.extend_from_slice(int.format(i + 1).as_bytes());
                buf.push(b' ');
                buf.extend_from_slice(int.format(j + 1).as_bytes());
                buf.push(b' ');
                buf.extend_from_slice(num.format_finite(v).as_bytes());
                buf.push(b'\n');
            }
            if buf.len() >= CHUNK {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    }

    /// Writes the targets `y` as a MatrixMarket `array real general` `n × 1` vector (the
    /// layout [`crate::read_mtx_vector`] and STRADS's `*.Y.mmt` files use).
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_mtx_y<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        writeln!(w, "%%MatrixMarket matrix array real general")?;
        writeln!(w, "{} 1", self.y.len())?;
        let mut num = ryu::Buffer::new();
        let mut buf = Vec::with_capacity(2 * CHUNK);
        for &v in &self.y {
            buf.extend_from_slice(num.format_finite(v).as_bytes());
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load_labeled, read_libsvm, read_mtx_matrix, read_mtx_vector, LoadOptions};
    use std::path::Path;

    #[test]
    fn logistic_labels_follow_the_margins() {
        let design = LassoSynthParams { rows: 2000, cols: 200, nnz_per_col: 2000, nonzeros: 10, ..small() };
        let params = LogRegSynthParams { design, ..LogRegSynthParams::default() };
        let prob = logreg_synth(&params).expect("valid");
        let lasso = gen(&LassoSynthParams { noise: 0.0, ..design });
        assert_eq!(prob.x, lasso.x, "the same design as the Lasso generator");
        let mut m = vec![0.0; 2000];
        for (j, &b) in prob.beta.iter().enumerate() {
            prob.x.col_axpy(j, b, &mut m);
        }
        let rms = (m.iter().map(|v| v * v).sum::<f64>() / 2000.0).sqrt();
        assert!((rms - 2.0).abs() < 1e-9, "margins scaled to the signal: {rms}");
        let pos = prob.y.iter().filter(|&&y| y == 1.0).count();
        assert!((800..=1200).contains(&pos), "balanced at b0 = 0: {pos} of 2000");
        // E[y m] = E[m (2σ(m) − 1)] > 0: labels agree with the margins' signs far above chance.
        let agree = prob.y.iter().zip(&m).filter(|(y, m)| **y * **m > 0.0).count();
        assert!(agree > 1400, "{agree} of 2000 labels agree with the sign of the margin");
        let shifted = logreg_synth(&LogRegSynthParams { intercept: 3.0, ..params }).expect("valid");
        assert!(shifted.y.iter().filter(|&&y| y == 1.0).count() > 1600, "b0 = 3 gives mostly +1");
        assert_eq!(logreg_synth(&params).expect("valid"), prob, "seeded");
        for bad in [LogRegSynthParams { signal: 0.0, ..params }, LogRegSynthParams { intercept: f64::NAN, ..params }] {
            assert!(logreg_synth(&bad).is_err());
        }
    }

    fn small() -> LassoSynthParams {
        LassoSynthParams { rows: 300, cols: 200, nnz_per_col: 15, group_size: 8, ..LassoSynthParams::default() }
    }

    fn gen(p: &LassoSynthParams) -> LassoProblem {
        lasso_synth(p).unwrap_or_else(|e| panic!("{e}"))
    }

    fn libsvm_bytes(prob: &LassoProblem) -> Vec<u8> {
        let mut out = Vec::new();
        prob.write_libsvm(&mut out).expect("write to memory");
        out
    }

    /// Cosine of columns `i` and `j` (both unit norm, so the dot product).
    fn cosine(x: &CscMatrix, i: usize, j: usize) -> f64 {
        let (ri, vi) = x.col(i);
        let (rj, vj) = x.col(j);
        let (mut a, mut b, mut dot) = (0, 0, 0.0);
        while a < ri.len() && b < rj.len() {
            match ri[a].cmp(&rj[b]) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    dot += vi[a] * vj[b];
                    a += 1;
                    b += 1;
                }
            }
        }
        dot
    }

    fn shares_a_row(x: &CscMatrix, i: usize, j: usize) -> bool {
        let ri = x.col(i).0;
        x.col(j).0.iter().any(|r| ri.binary_search(r).is_ok())
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let p = small();
        let a = libsvm_bytes(&gen(&p));
        assert_eq!(a, libsvm_bytes(&gen(&p)));
        assert_ne!(a, libsvm_bytes(&gen(&LassoSynthParams { seed: 1, ..p })));
        // The noise has its own stream: X and β stay, y changes.
        let (q, r) = (gen(&p), gen(&LassoSynthParams { noise: 0.5, ..p }));
        assert_eq!((&q.x, &q.beta), (&r.x, &r.beta));
        assert_ne!(q.y, r.y);
    }

    #[test]
    fn shape_unit_columns_and_true_coefficients() {
        let p = small();
        let prob = gen(&p);
        assert_eq!((prob.x.nrows, prob.x.ncols, prob.x.nnz(), prob.y.len()), (300, 200, 200 * 15, 300));
        for j in 0..p.cols {
            let (rows, vals) = prob.x.col(j);
            assert_eq!(rows.len(), 15);
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "column {j} rows increase");
            assert!(vals.iter().all(|v| *v != 0.0 && v.is_finite()));
            let norm: f64 = vals.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-12, "column {j} norm² {norm}");
        }
        let nz: Vec<f64> = prob.beta.iter().copied().filter(|b| *b != 0.0).collect();
        assert_eq!(nz.len(), p.nonzeros);
        assert!(nz.iter().all(|b| b.abs() >= 1.0));
        assert!(nz.iter().any(|b| *b > 0.0) && nz.iter().any(|b| *b < 0.0), "both signs: {nz:?}");
        // Relative noise: ‖y − Xβ‖ ≈ σ ‖Xβ‖.
        let mut signal = vec![0.0; p.rows];
        for (j, &b) in prob.beta.iter().enumerate() {
            prob.x.col_axpy(j, b, &mut signal);
        }
        let s: f64 = signal.iter().map(|v| v * v).sum::<f64>().sqrt();
        let e: f64 = prob.y.iter().zip(&signal).map(|(y, s)| (y - s) * (y - s)).sum::<f64>().sqrt();
        assert!((e / s - p.noise).abs() < 0.3 * p.noise, "noise ratio {} vs {}", e / s, p.noise);
    }

    #[test]
    fn groups_are_correlated_and_sparse_groups_mostly_disjoint() {
        for r in [0.0, 0.5, 0.9] {
            let p = LassoSynthParams {
                rows: 5000,
                cols: 400,
                nnz_per_col: 200,
                group_size: 10,
                group_corr: r,
                ..LassoSynthParams::default()
            };
            let prob = gen(&p);
            let (mut within, mut count) = (0.0, 0);
            for g in (0..p.cols).step_by(p.group_size) {
                assert_eq!(prob.x.col(g).0, prob.x.col(g + 9).0, "one support per group");
                for i in g..g + 10 {
                    for j in i + 1..g + 10 {
                        within += cosine(&prob.x, i, j);
                        count += 1;
                    }
                }
            }
            let within = within / count as f64;
            assert!((within - r).abs() < 0.03, "mean within-group correlation {within} vs R = {r}");
            // Different groups: supports of 200 of 5000 rows overlap by 8 rows on average,
            // with values nearly uncorrelated.
            let across = cosine(&prob.x, 0, 10).abs().max(cosine(&prob.x, 5, 395).abs());
            assert!(across < 0.4, "cross-group cosine {across}");
        }
        // Sparse data: most cross-group pairs share no row.
        let p = LassoSynthParams { rows: 20_000, cols: 2000, nnz_per_col: 10, ..LassoSynthParams::default() };
        let prob = gen(&p);
        let (mut shared, mut pairs) = (0, 0);
        for i in (0..p.cols).step_by(7) {
            for j in (i + p.group_size - i % p.group_size..p.cols).step_by(13) {
                pairs += 1;
                shared += usize::from(shares_a_row(&prob.x, i, j));
            }
        }
        assert!(pairs > 10_000);
        assert!((shared as f64) < 0.02 * pairs as f64, "{shared} of {pairs} cross-group pairs share a row");
    }

    #[test]
    fn dense_when_k_reaches_rows() {
        let p = LassoSynthParams {
            rows: 30,
            cols: 25,
            nnz_per_col: 100,
            group_size: 4,
            nonzeros: 3,
            ..LassoSynthParams::default()
        };
        let prob = gen(&p);
        assert_eq!(prob.x.nnz(), 30 * 25);
        assert_eq!(p.nnz(), 30 * 25);
    }

    #[test]
    fn files_read_back_exactly() {
        let prob = gen(&small());
        let bytes = libsvm_bytes(&prob);
        let d = read_libsvm(&bytes[..], Path::new("g.libsvm")).expect("libsvm reads back");
        assert_eq!(d.y, prob.y, "labels round-trip exactly");
        assert_eq!(d.x.to_csc(), prob.x, "values round-trip exactly");

        let mut xb = Vec::new();
        prob.write_mtx_x(&mut xb).expect("x");
        let mut yb = Vec::new();
        prob.write_mtx_y(&mut yb).expect("y");
        assert_eq!(read_mtx_matrix(&xb[..], Path::new("g.X.mtx")).expect("x reads back"), d.x);
        assert_eq!(read_mtx_vector(&yb[..], Path::new("g.Y.mtx")).expect("y reads back"), prob.y);

        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("g.X.mtx"), &xb).expect("write x");
        std::fs::write(dir.path().join("g.Y.mtx"), &yb).expect("write y");
        std::fs::write(dir.path().join("g.libsvm"), &bytes).expect("write libsvm");
        for f in ["g.X.mtx", "g.libsvm"] {
            let l = load_labeled(&dir.path().join(f), &LoadOptions::default()).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!((l.x.nrows, l.x.ncols, l.x.nnz(), l.rows_total), (300, 200, 3000, 300), "{f}");
            assert_eq!(l.y, prob.y, "{f}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let d = LassoSynthParams::default();
        let cases = [
            (LassoSynthParams { rows: 0, ..d }, "rows"),
            (LassoSynthParams { cols: 0, ..d }, "cols"),
            (LassoSynthParams { nnz_per_col: 0, ..d }, "nnz-per-col"),
            (LassoSynthParams { group_size: 0, ..d }, "group-size"),
            (LassoSynthParams { group_corr: 1.0, ..d }, "group-corr"),
            (LassoSynthParams { group_corr: -0.1, ..d }, "group-corr"),
            (LassoSynthParams { group_corr: f64::NAN, ..d }, "group-corr"),
            (LassoSynthParams { nonzeros: 1001, ..d }, "nonzeros"),
            (LassoSynthParams { nonzeros: 0, ..d }, "nonzeros"),
            (LassoSynthParams { noise: -1.0, ..d }, "noise"),
            (LassoSynthParams { noise: f64::INFINITY, ..d }, "noise"),
        ];
        for (p, name) in cases {
            let e = lasso_synth(&p).expect_err(name).to_string();
            assert!(e.starts_with(&format!("invalid {name} ")), "{name}: {e}");
        }
        let e = lasso_synth(&LassoSynthParams { nonzeros: 1001, ..d }).expect_err("S > P").to_string();
        assert_eq!(e, "invalid nonzeros 1001: must be in 1..=cols (the number of columns)");
        assert!(d.check().is_ok());
    }
}
