//! Dependency checks between variables: the filter that keeps a scheduled block nearly
//! independent, and the Pearson-correlation oracle over sparse feature columns.
//!
//! Updating strongly coupled variables in the same round is what makes naive parallel
//! coordinate descent (Shotgun) slow down or diverge [Shotgun-11]. STRADS therefore keeps, from
//! the sampled candidates, a subset whose pairwise dependency is below a threshold ρ
//! [SAP-14, Sec. 3; STRADS-16, Sec. 3.1]; the released code used `|corr(x_j, x_k)| < ρ = 0.1`.

use std::collections::HashMap;
use std::sync::Arc;

use strads_datasets::CscMatrix;

/// A pairwise dependency measure between variables.
///
/// The scheduler is generic over this trait: an app supplies what "dependent" means for its
/// variables (for Lasso, the correlation of two feature columns).
pub trait DependencyOracle {
    /// A symmetric dependency strength between variables `j` and `k` (`j ≠ k`), compared in
    /// absolute value against the threshold ρ. For feature columns this is the Pearson
    /// correlation, in `[-1, 1]`.
    fn dependency(&mut self, j: usize, k: usize) -> f64;

    /// The largest `|dependency(j, k)|` over `k` in `others`, stopping early once it reaches
    /// `limit` (the filter only needs to know whether it is below ρ). Oracles override this
    /// when a batch is cheaper than pairs (e.g. one column scattered once).
    fn max_dependency(&mut self, j: usize, others: &[usize], limit: f64) -> f64 {
        let mut m: f64 = 0.0;
        for &k in others {
            m = m.max(self.dependency(j, k).abs());
            if m >= limit {
                break;
            }
        }
        m
    }
}

/// An oracle under which no two variables depend on each other.
#[derive(Debug, Clone, Copy, Default)]
pub struct Independent;

impl DependencyOracle for Independent {
    fn dependency(&mut self, _j: usize, _k: usize) -> f64 {
        0.0
    }
}

/// Greedy dependency filter: walks `candidates` in the given order (highest priority first)
/// and keeps a candidate if its dependency with every variable kept so far is below `rho` in
/// absolute value, until `max_block` variables are kept. The kept variables are appended to
/// `out` (cleared first) in that order.
///
/// Cost: at most `candidates.len() × max_block` oracle calls, none when `rho ≥ 1` (the
/// filter is off); no matrix of all pairs is formed.
pub fn filter_block(
    candidates: &[usize],
    rho: f64,
    max_block: usize,
    oracle: &mut dyn DependencyOracle,
    out: &mut Vec<usize>,
) {
    out.clear();
    if rho >= 1.0 {
        // ρ ≥ 1 turns the filter off (dependencies lie in [-1, 1]): the oracle is not asked.
        out.extend(candidates.iter().take(max_block));
        return;
    }
    for &c in candidates {
        if out.len() >= max_block {
            break;
        }
        if oracle.max_dependency(c, out, rho) < rho {
            out.push(c);
        }
    }
}

/// Pearson correlation of the columns of a sparse matrix, computed on demand from the
/// sparse columns (a merge of two sorted index lists, `O(nnz_j + nnz_k)`), never forming
/// `XᵀX`. Results are memoized; the cache is cleared when it exceeds its capacity.
///
/// `corr(j, k) = (x_jᵀx_k − n μ_j μ_k) / (n σ_j σ_k)` with column means `μ` and population
/// standard deviations `σ`. A constant column (σ = 0) is uncorrelated with everything.
#[derive(Debug)]
pub struct PearsonOracle {
    x: Arc<CscMatrix>,
    mean: Vec<f64>,
    /// `1 / (sqrt(n) σ_j)`, or 0 for a constant column.
    inv_scale: Vec<f64>,
    cache: HashMap<u64, f32>,
    capacity: usize,
    /// Dense scratch of length n holding one scattered column (zero between uses).
    dense: Vec<f64>,
    /// For mostly dense matrices: standardized columns `(x_j − μ_j) / (√n σ_j)`, column-major,
    /// so a correlation is one contiguous dot product (cheaper than a cache lookup).
    standardized: Option<Vec<f64>>,
}

/// Matrices at least this dense (nnz / (n p)) get standardized dense columns.
const DENSE_FRACTION: f64 = 0.5;
/// ... if they are no larger than this many entries.
const DENSE_MAX_ENTRIES: usize = 1 << 27;

impl PearsonOracle {
    /// Pairs cached by [`PearsonOracle::with_default_cache`]: 2²¹ (about 2M pairs, a few
    /// tens of MB), what the Lasso app uses.
    pub const DEFAULT_CACHE: usize = 1 << 21;

    /// An oracle over the columns of `x` (shape `n × p`) with the default cache
    /// ([`PearsonOracle::DEFAULT_CACHE`] pairs).
    pub fn with_default_cache(x: Arc<CscMatrix>) -> Self {
        Self::new(x, Self::DEFAULT_CACHE)
    }

    /// An oracle over the columns of `x` (shape `n × p`), caching up to `capacity` pairs
    /// (the cache is cleared when full).
    pub fn new(x: Arc<CscMatrix>, capacity: usize) -> Self {
        let n = x.nrows as f64;
        let mut mean = Vec::with_capacity(x.ncols);
        let mut inv_scale = Vec::with_capacity(x.ncols);
        for j in 0..x.ncols {
            let (_, v) = x.col(j);
            let mu = if n > 0.0 { v.iter().sum::<f64>() / n } else { 0.0 };
            // Σ (x_ij − μ)² over stored entries plus (n − nnz) μ² for the implicit zeros.
            let ss: f64 = v.iter().map(|&a| (a - mu) * (a - mu)).sum::<f64>() + (n - v.len() as f64) * mu * mu;
            mean.push(mu);
            inv_scale.push(if ss > 0.0 { 1.0 / ss.sqrt() } else { 0.0 });
        }
        let dense = vec![0.0; x.nrows];
        let entries = x.nrows * x.ncols;
        let standardized = (entries > 0
            && entries <= DENSE_MAX_ENTRIES
            && x.nnz() as f64 >= DENSE_FRACTION * entries as f64)
            .then(|| {
                let mut z = vec![0.0; entries];
                for j in 0..x.ncols {
                    let col = &mut z[j * x.nrows..(j + 1) * x.nrows];
                    col.iter_mut().for_each(|v| *v = -mean[j] * inv_scale[j]);
                    let (idx, val) = x.col(j);
                    for (&i, &v) in idx.iter().zip(val) {
                        col[i as usize] = (v - mean[j]) * inv_scale[j];
                    }
                }
                z
            });
        Self { x, mean, inv_scale, cache: HashMap::new(), capacity, dense, standardized }
    }

    /// The correlation without the cache.
    pub fn compute(&self, j: usize, k: usize) -> f64 {
        if self.inv_scale[j] == 0.0 || self.inv_scale[k] == 0.0 {
            return 0.0;
        }
        let (ij, vj) = self.x.col(j);
        let (ik, vk) = self.x.col(k);
        let (mut a, mut b, mut dot) = (0, 0, 0.0);
        while a < ij.len() && b < ik.len() {
            match ij[a].cmp(&ik[b]) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    dot += vj[a] * vk[b];
                    a += 1;
                    b += 1;
                }
            }
        }
        let cov = dot - self.x.nrows as f64 * self.mean[j] * self.mean[k];
        (cov * self.inv_scale[j] * self.inv_scale[k]).clamp(-1.0, 1.0)
    }
}

fn pair_key(j: usize, k: usize) -> u64 {
    let (lo, hi) = if j < k { (j, k) } else { (k, j) };
    ((lo as u64) << 32) | hi as u64
}

impl PearsonOracle {
    fn remember(&mut self, key: u64, c: f64) {
        if self.cache.len() >= self.capacity {
            self.cache.clear();
        }
        self.cache.insert(key, c as f32);
    }
}

impl DependencyOracle for PearsonOracle {
    fn dependency(&mut self, j: usize, k: usize) -> f64 {
        let key = pair_key(j, k);
        if let Some(&c) = self.cache.get(&key) {
            return f64::from(c);
        }
        let c = self.compute(j, k);
        self.remember(key, c);
        c
    }

    /// Scatters column `j` once into a dense buffer and takes each uncached `x_kᵀx_j` as a
    /// gather over column `k`'s entries: `O(nnz_j + Σ nnz_k)` without branches.
    fn max_dependency(&mut self, j: usize, others: &[usize], limit: f64) -> f64 {
        let mut m: f64 = 0.0;
        if let Some(z) = &self.standardized {
            let n = self.x.nrows;
            let zj = &z[j * n..(j + 1) * n];
            for &k in others {
                let zk = &z[k * n..(k + 1) * n];
                let c = strads_core::dot(zj, zk);
                m = m.max(c.abs().min(1.0));
                if m >= limit {
                    break;
                }
            }
            return m;
        }
        let mut scattered = false;
        for &k in others {
            let key = pair_key(j, k);
            let c = match self.cache.get(&key) {
                Some(&c) => f64::from(c),
                None if self.inv_scale[j] == 0.0 || self.inv_scale[k] == 0.0 => 0.0,
                None => {
                    if !scattered {
                        let (idx, val) = self.x.col(j);
                        for (&i, &v) in idx.iter().zip(val) {
                            self.dense[i as usize] = v;
                        }
                        scattered = true;
                    }
                    let dot = self.x.col_dot(k, &self.dense);
                    let cov = dot - self.x.nrows as f64 * self.mean[j] * self.mean[k];
                    let c = (cov * self.inv_scale[j] * self.inv_scale[k]).clamp(-1.0, 1.0);
                    self.remember(key, c);
                    c
                }
            };
            m = m.max(c.abs());
            if m >= limit {
                break;
            }
        }
        if scattered {
            let (idx, _) = self.x.col(j);
            for &i in idx {
                self.dense[i as usize] = 0.0;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use strads_datasets::CsrMatrix;

    /// A symmetric table of dependencies, the oracle for the property test.
    struct Table(Vec<Vec<f64>>);
    impl DependencyOracle for Table {
        fn dependency(&mut self, j: usize, k: usize) -> f64 {
            self.0[j][k]
        }
    }

    proptest! {
        /// The filtered block is pairwise below ρ, has no duplicates, keeps the first
        /// candidate, and is maximal: every rejected candidate (before the block filled)
        /// conflicts with some kept one.
        #[test]
        fn filtered_block_is_pairwise_below_rho(
            n in 2usize..40,
            seed_vals in proptest::collection::vec(-1.0f64..1.0, 1600),
            rho in 0.05f64..0.9,
            max_block in 1usize..20,
        ) {
            let mut t = vec![vec![0.0; n]; n];
            for j in 0..n { for k in 0..j {
                let v = seed_vals[j * 40 + k];
                t[j][k] = v; t[k][j] = v;
            }}
            let candidates: Vec<usize> = (0..n).rev().collect();
            let mut out = Vec::new();
            let mut oracle = Table(t.clone());
            filter_block(&candidates, rho, max_block, &mut oracle, &mut out);
            prop_assert!(!out.is_empty() && out.len() <= max_block);
            prop_assert_eq!(out[0], candidates[0]);
            for (a, &j) in out.iter().enumerate() {
                for &k in &out[a + 1..] {
                    prop_assert!(j != k);
                    prop_assert!(t[j][k].abs() < rho);
                }
            }
            if out.len() < max_block {
                for &c in &candidates {
                    if !out.contains(&c) {
                        prop_assert!(out.iter().any(|&k| t[c][k].abs() >= rho));
                    }
                }
            }
        }
    }

    #[test]
    fn pearson_matches_dense_formula() {
        // Columns: x0 = (1,2,3,4), x1 = (2,4,6,8) (corr 1), x2 = (4,0,0,1), x3 constant.
        let mut m = CsrMatrix::with_cols(4);
        let rows = [[1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 0.0, 5.0], [3.0, 6.0, 0.0, 5.0], [4.0, 8.0, 1.0, 5.0]];
        for r in rows {
            m.push_row(r.iter().enumerate().filter(|(_, &v)| v != 0.0).map(|(j, &v)| (j as u32, v)));
        }
        let csc = Arc::new(m.to_csc());
        let mut o = PearsonOracle::new(csc, 16);
        assert!((o.dependency(0, 1) - 1.0).abs() < 1e-12);
        assert_eq!(o.dependency(0, 3), 0.0);
        let dense = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
        let (a, b) = (dense(0), dense(2));
        let (ma, mb) = (a.iter().sum::<f64>() / 4.0, b.iter().sum::<f64>() / 4.0);
        let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        let expect = cov / (va * vb).sqrt();
        assert!((o.compute(0, 2) - expect).abs() < 1e-12);
        assert!((o.dependency(2, 0) - expect).abs() < 1e-6, "cached value is an f32");
        // The batched, scattered computation agrees with the pairwise one.
        let mut fresh = PearsonOracle::new(Arc::clone(&o.x), 16);
        fresh.standardized = None; // the sparse path
        let m = fresh.max_dependency(2, &[0, 3], 2.0);
        assert!((m - expect.abs()).abs() < 1e-6, "{m} vs {expect}");
        assert!(fresh.dense.iter().all(|&v| v == 0.0), "scratch is cleared");
        // The dense standardized path (this 4 × 4 matrix is dense enough).
        let mut dense = PearsonOracle::new(Arc::clone(&o.x), 16);
        assert!(dense.standardized.is_some());
        let m = dense.max_dependency(2, &[0, 3], 2.0);
        assert!((m - expect.abs()).abs() < 1e-12, "{m} vs {expect}");
        assert!((dense.max_dependency(0, &[1], 2.0) - 1.0).abs() < 1e-12);
    }
}
