//! Loading a labeled data file on every process of a run, each keeping the rows its workers
//! own, and cutting each worker's shard.
//!
//! Worker `k` of `P` owns rows `even_ranges(n, P)[k]` of an `n`-row file (contiguous, nearly
//! equal), whatever the backend or rank layout, so a run with `P` workers computes the same
//! bits on threads and under MPI.

use std::ops::Range;
use std::path::Path;

use strads_datasets::{even_ranges, load_labeled, CscMatrix, CsrMatrix, LabeledData, LoadOptions, RowShards};
use strads_engine::Placement;

use crate::error::{Error, Result};

/// The row shards `placement`'s process must read: its workers' rows, or every row (`None`)
/// where it runs every worker or where `whole_on_scheduler` and it runs the scheduler (a
/// scheduler that needs whole columns, as a correlation filter does).
pub fn rows_needed(placement: &Placement, whole_on_scheduler: bool) -> Option<RowShards> {
    let whole = placement.scheduler && whole_on_scheduler || placement.worker_range == (0..placement.workers);
    (!whole).then(|| RowShards { shards: placement.worker_range.clone(), of: placement.workers })
}

/// Reads the labeled data `path` (LIBSVM, MatrixMarket or CSV; gzip transparent; see
/// [`strads_datasets::load_labeled`]), keeping the rows [`rows_needed`] says.
///
/// # Errors
/// As [`strads_datasets::load_labeled`] (a missing or malformed file, naming file and line).
pub fn load_rows(
    path: &Path,
    opts: LoadOptions,
    placement: &Placement,
    whole_on_scheduler: bool,
) -> Result<LabeledData> {
    let shards = rows_needed(placement, whole_on_scheduler);
    Ok(load_labeled(path, &LoadOptions { shards, ..opts })?)
}

/// The rows of a labeled data file this process holds: rows `offset..offset + x.nrows` of
/// `total`, with their targets.
#[derive(Debug, Clone, Copy)]
pub struct HeldRows<'a> {
    /// The rows held, CSR (`x.nrows × p`).
    pub x: &'a CsrMatrix,
    /// Their targets, length `x.nrows`.
    pub y: &'a [f64],
    /// File index of the first row held.
    pub offset: usize,
    /// Rows in the whole file (`n`).
    pub total: usize,
}

impl<'a> HeldRows<'a> {
    /// The rows of `data`, as read by [`load_rows`].
    pub fn of(data: &'a LabeledData) -> Self {
        Self { x: &data.x, y: &data.y, offset: data.row_offset, total: data.rows_total }
    }

    /// Every row of `x` (with targets `y`).
    pub fn all(x: &'a CsrMatrix, y: &'a [f64]) -> Self {
        Self { x, y, offset: 0, total: x.nrows }
    }

    /// Whether every row of the file is held.
    pub fn is_whole(&self) -> bool {
        self.offset == 0 && self.x.nrows == self.total
    }

    /// Checks the shapes: one target per row, at least one row per worker.
    ///
    /// # Errors
    /// [`Error::Shape`] for a target count other than the row count;
    /// [`Error::InvalidParameter`] (`workers`) for more workers than rows.
    pub fn check(&self, workers: usize) -> Result<()> {
        if self.y.len() != self.x.nrows {
            return Err(Error::Shape(format!("{} targets for {} rows", self.y.len(), self.x.nrows)));
        }
        if workers > self.total {
            return Err(strads_core::InvalidParameter::new("workers", workers, "at most the number of rows").into());
        }
        Ok(())
    }

    /// The local indices (into `x`) of worker `k`'s rows, of `workers` workers.
    ///
    /// # Errors
    /// [`Error::Shape`] if a row of the worker's is not held here.
    pub fn worker_rows(&self, k: usize, workers: usize) -> Result<Range<usize>> {
        let held = self.offset..self.offset + self.x.nrows;
        let r = even_ranges(self.total, workers.max(1)).get(k).cloned().unwrap_or(0..0);
        if r.start < held.start || r.end > held.end {
            return Err(Error::Shape(format!("worker {k} owns rows {r:?} but this process read rows {held:?}")));
        }
        Ok(r.start - held.start..r.end - held.start)
    }

    /// Worker `k`'s shard as CSC columns (`n_k × p`) and its targets.
    ///
    /// # Errors
    /// As [`HeldRows::worker_rows`].
    pub fn worker_csc(&self, k: usize, workers: usize) -> Result<(CscMatrix, Vec<f64>)> {
        let local = self.worker_rows(k, workers)?;
        Ok((self.x.row_block_csc(local.clone()), self.y[local].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize) -> (CsrMatrix, Vec<f64>) {
        let mut x = CsrMatrix::with_cols(2);
        for i in 0..n {
            x.push_row([(0, i as f64), (1, 1.0)]);
        }
        (x, (0..n).map(|i| i as f64).collect())
    }

    #[test]
    fn worker_shards_are_the_even_ranges_of_the_whole_file() {
        let (x, y) = matrix(10);
        let all = HeldRows::all(&x, &y);
        assert!(all.is_whole());
        assert_eq!(all.worker_rows(0, 3).expect("held"), 0..4);
        assert_eq!(all.worker_rows(2, 3).expect("held"), 7..10);
        let (csc, ys) = all.worker_csc(1, 3).expect("held");
        assert_eq!((csc.nrows, ys), (3, vec![4.0, 5.0, 6.0]));
    }

    #[test]
    fn a_shard_not_read_here_is_an_error_not_a_panic() {
        // Rows 4..7 of a 10-row file: worker 1 of 3 only.
        let (x, y) = matrix(3);
        let held = HeldRows { x: &x, y: &y, offset: 4, total: 10 };
        assert_eq!(held.worker_rows(1, 3).expect("held"), 0..3);
        let e = held.worker_rows(0, 3).expect_err("not held").to_string();
        assert!(e.contains("worker 0 owns rows 0..4 but this process read rows 4..7"), "{e}");
        assert!(held.worker_rows(7, 3).is_err());
        let e = HeldRows::all(&x, &y).check(4).expect_err("4 workers, 3 rows").to_string();
        assert_eq!(e, "invalid --workers 4: must be at most the number of rows");
    }

    #[test]
    fn rows_needed_follows_the_placement() {
        let place = |rank: usize| strads_engine::Layout::new(3, false, 1).expect("layout").placement(rank);
        assert_eq!(rows_needed(&place(1), false), Some(RowShards { shards: 1..2, of: 3 }));
        // Rank 0 runs the scheduler: all rows if the scheduler needs whole columns.
        assert_eq!(rows_needed(&place(0), true), None);
        assert_eq!(rows_needed(&place(0), false), Some(RowShards { shards: 0..1, of: 3 }));
        assert_eq!(rows_needed(&Placement::single(4), false), None);
    }
}
