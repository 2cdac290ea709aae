//! Compressed sparse matrices (CSR and CSC) with `f64` values and `u32` indices.
//!
//! Rows are samples and columns are features. Workers of the engine own a block of rows
//! (a shard) and read it column by column, so the usual flow is: a reader builds a
//! [`CsrMatrix`], the caller splits it into row shards with [`CsrMatrix::row_block_csc`].

use serde::{Deserialize, Serialize};

/// A sparse matrix in compressed sparse row form.
///
/// Shape `nrows × ncols`; row `i` holds the entries `indptr[i]..indptr[i+1]` of
/// `indices` (0-based column numbers, strictly increasing within a row) and `values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsrMatrix {
    /// Number of rows (samples).
    pub nrows: usize,
    /// Number of columns (features).
    pub ncols: usize,
    /// Row pointers, length `nrows + 1`.
    pub indptr: Vec<usize>,
    /// Column indices, 0-based, length `nnz`.
    pub indices: Vec<u32>,
    /// Values, length `nnz`.
    pub values: Vec<f64>,
}

/// A sparse matrix in compressed sparse column form.
///
/// Shape `nrows × ncols`; column `j` holds the entries `indptr[j]..indptr[j+1]` of
/// `indices` (0-based row numbers, strictly increasing within a column) and `values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CscMatrix {
    /// Number of rows (samples).
    pub nrows: usize,
    /// Number of columns (features).
    pub ncols: usize,
    /// Column pointers, length `ncols + 1`.
    pub indptr: Vec<usize>,
    /// Row indices, 0-based, length `nnz`.
    pub indices: Vec<u32>,
    /// Values, length `nnz`.
    pub values: Vec<f64>,
}

impl CsrMatrix {
    /// An empty `0 × ncols` matrix to which rows are appended with [`CsrMatrix::push_row`].
    pub fn with_cols(ncols: usize) -> Self {
        Self { nrows: 0, ncols, indptr: vec![0], indices: Vec::new(), values: Vec::new() }
    }

    /// Appends a row given as `(column, value)` pairs with strictly increasing columns.
    /// Columns at or beyond `ncols` grow the matrix.
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, f64)>) {
        for (j, v) in entries {
            self.ncols = self.ncols.max(j as usize + 1);
            self.indices.push(j);
            self.values.push(v);
        }
        self.indptr.push(self.indices.len());
        self.nrows += 1;
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i` as `(column indices, values)`.
    ///
    /// # Panics
    /// If `i >= nrows`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// Rows `rows.start..rows.end` as a CSC matrix of shape `rows.len() × ncols`, with row
    /// indices relative to `rows.start`. This is how a worker's shard is built.
    ///
    /// # Panics
    /// If the range is out of bounds.
    pub fn row_block_csc(&self, rows: std::ops::Range<usize>) -> CscMatrix {
        let nrows = rows.len();
        let mut counts = vec![0usize; self.ncols + 1];
        for i in rows.clone() {
            for &j in self.row(i).0 {
                counts[j as usize + 1] += 1;
            }
        }
        for j in 0..self.ncols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let nnz = indptr[self.ncols];
        let mut next = counts;
        let mut indices = vec![0u32; nnz];
        let mut values = vec![0f64; nnz];
        for (local, i) in rows.enumerate() {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let slot = &mut next[j as usize];
                indices[*slot] = local as u32;
                values[*slot] = v;
                *slot += 1;
            }
        }
        CscMatrix { nrows, ncols: self.ncols, indptr, indices, values }
    }

    /// The whole matrix in CSC form.
    pub fn to_csc(&self) -> CscMatrix {
        self.row_block_csc(0..self.nrows)
    }
}

impl CscMatrix {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The whole matrix in CSR form (column indices increasing within each row).
    pub fn to_csr(&self) -> CsrMatrix {
        let mut indptr = vec![0usize; self.nrows + 1];
        for &i in &self.indices {
            indptr[i as usize + 1] += 1;
        }
        for i in 0..self.nrows {
            indptr[i + 1] += indptr[i];
        }
        let mut next = indptr.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f64; self.nnz()];
        for j in 0..self.ncols {
            let (idx, val) = self.col(j);
            for (&i, &v) in idx.iter().zip(val) {
                let slot = &mut next[i as usize];
                indices[*slot] = j as u32;
                values[*slot] = v;
                *slot += 1;
            }
        }
        CsrMatrix { nrows: self.nrows, ncols: self.ncols, indptr, indices, values }
    }

    /// Column `j` as `(row indices, values)`.
    ///
    /// # Panics
    /// If `j >= ncols`.
    #[inline]
    pub fn col(&self, j: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[j], self.indptr[j + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// Rows `rows` of this matrix as their own `rows.len() × ncols` CSC matrix (row numbers
    /// renumbered from 0), in one sequential pass over the entries: each column's rows are
    /// increasing, so its part in `rows` is a contiguous run found by binary search.
    ///
    /// # Panics
    /// If `rows` is not within `0..nrows`.
    pub fn row_block(&self, rows: std::ops::Range<usize>) -> CscMatrix {
        assert!(rows.end <= self.nrows && rows.start <= rows.end, "rows {rows:?} of {}", self.nrows);
        let (lo, hi) = (rows.start as u32, rows.end as u32);
        let mut indptr = Vec::with_capacity(self.ncols + 1);
        indptr.push(0);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for j in 0..self.ncols {
            let (idx, val) = self.col(j);
            let a = idx.partition_point(|&i| i < lo);
            let b = a + idx[a..].partition_point(|&i| i < hi);
            indices.extend(idx[a..b].iter().map(|&i| i - lo));
            values.extend_from_slice(&val[a..b]);
            indptr.push(indices.len());
        }
        CscMatrix { nrows: rows.len(), ncols: self.ncols, indptr, indices, values }
    }

    /// `x_jᵀ v` for a dense vector `v` of length `nrows`.
    #[inline]
    pub fn col_dot(&self, j: usize, v: &[f64]) -> f64 {
        let (idx, val) = self.col(j);
        if val.len() == self.nrows && v.len() == self.nrows {
            // A full column: its row indices are 0..n, so the dot product is contiguous.
            return strads_core::dot(val, v);
        }
        let mut s = 0.0;
        for (&i, &x) in idx.iter().zip(val) {
            s += x * v[i as usize];
        }
        s
    }

    /// `v ← v + a · x_j` for a dense vector `v` of length `nrows`.
    #[inline]
    pub fn col_axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        let (idx, val) = self.col(j);
        for (&i, &x) in idx.iter().zip(val) {
            v[i as usize] += a * x;
        }
    }
}

/// Splits `n` items into `parts` contiguous ranges whose lengths differ by at most one,
/// the first `n % parts` ranges being one longer. Used to shard rows over workers.
///
/// # Panics
/// If `parts == 0`.
pub fn even_ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    assert!(parts > 0, "even_ranges: parts must be positive");
    let (q, r) = (n / parts, n % parts);
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 0..parts {
        let len = q + usize::from(p < r);
        out.push(start..start + len);
        start += len;
    }
    out
}

/// Splits items `0..n` with cumulative weights `prefix` (length `n + 1`, non-decreasing,
/// `prefix[0] = 0`; for documents, the token offsets) into `parts` contiguous ranges of nearly
/// equal weight: part `k` ends at the item boundary whose cumulative weight is closest to
/// `(k + 1) / parts` of the total. Parts may be empty when one item outweighs a part.
///
/// # Panics
/// If `parts == 0` or `prefix` is empty.
pub fn weighted_ranges(prefix: &[usize], parts: usize) -> Vec<std::ops::Range<usize>> {
    assert!(parts > 0 && !prefix.is_empty(), "weighted_ranges: parts and prefix must be non-empty");
    let n = prefix.len() - 1;
    let total = prefix[n] as u128;
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 0..parts {
        let end = if k + 1 == parts {
            n
        } else {
            let target = total * (k as u128 + 1) / parts as u128;
            // The boundary closest to the target, not before `start`.
            let i = start + prefix[start..].partition_point(|&c| (c as u128) < target);
            if i > start && i <= n && target - prefix[i - 1] as u128 <= prefix[i] as u128 - target {
                i - 1
            } else {
                i
            }
        }
        .min(n);
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_ranges_balance_and_cover() {
        let prefix = [0, 10, 11, 12, 30, 31, 40];
        let r = weighted_ranges(&prefix, 3);
        assert_eq!(r, vec![0..3, 3..4, 4..6]);
        assert_eq!(weighted_ranges(&[0], 2), vec![0..0, 0..0]);
        let flat: Vec<usize> = (0..=10).collect();
        assert_eq!(weighted_ranges(&flat, 5), even_ranges(10, 5));
    }

    #[test]
    fn csr_to_csc_round_trip_entries() {
        let mut m = CsrMatrix::with_cols(0);
        m.push_row([(0, 1.0), (2, 2.0)]);
        m.push_row([(1, 3.0)]);
        m.push_row([(0, 4.0), (1, 5.0), (2, 6.0)]);
        assert_eq!((m.nrows, m.ncols, m.nnz()), (3, 3, 6));
        let c = m.to_csc();
        assert_eq!(c.col(0), (&[0u32, 2][..], &[1.0, 4.0][..]));
        assert_eq!(c.col(1), (&[1u32, 2][..], &[3.0, 5.0][..]));
        assert_eq!(c.col(2), (&[0u32, 2][..], &[2.0, 6.0][..]));
        let b = m.row_block_csc(1..3);
        assert_eq!(b.nrows, 2);
        assert_eq!(b.col(0), (&[1u32][..], &[4.0][..]));
        assert_eq!(b.col_dot(1, &[1.0, 10.0]), 3.0 + 50.0);
    }

    #[test]
    fn even_ranges_cover_everything() {
        let r = even_ranges(10, 4);
        assert_eq!(r, vec![0..3, 3..6, 6..8, 8..10]);
        assert_eq!(even_ranges(2, 4), vec![0..1, 1..2, 2..2, 2..2]);
    }
}
