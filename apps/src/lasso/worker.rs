//! A Lasso worker: its shard of rows (CSC), targets and residuals, and what it computes
//! (push) and applies (sync) each round.

use strads_datasets::CscMatrix;
use strads_engine::checkpoint::{decode_state, save_state};

use super::extrapolation::ResidualWindow;
use super::messages::{LassoPartial, LassoTask, LassoUpdate};

/// One worker: its shard of rows (as CSC), their targets and residuals.
#[derive(Debug, Clone)]
pub struct LassoWorker {
    x: CscMatrix,
    y: Vec<f64>,
    r: Vec<f64>,
    dense: Vec<f64>,
    /// Features not screened out, whose gradient evaluations compute.
    active: Vec<u32>,
    /// Residuals of the last evaluations (dual extrapolation).
    window: ResidualWindow,
}

impl LassoWorker {
    /// The state a checkpoint keeps: the residuals, the active features and the residual
    /// window (the shard `x`, `y` is rebuilt from the data).
    pub(super) fn save(&self) -> Result<Vec<u8>, strads_engine::AppError> {
        save_state(&(&self.r, &self.dense, &self.active, &self.window))
    }

    /// Restores what [`LassoWorker::save`] kept into a worker built from its shard.
    pub(super) fn restore(&mut self, bytes: &[u8]) -> Result<(), strads_engine::AppError> {
        (self.r, self.dense, self.active, self.window) = decode_state(bytes)?;
        Ok(())
    }

    /// A worker owning rows `x` (shape `n_s × p`, CSC) with targets `y` (length `n_s`).
    ///
    /// # Panics
    /// If `y.len() != x.nrows`.
    pub fn new(x: CscMatrix, y: Vec<f64>) -> Self {
        assert_eq!(y.len(), x.nrows, "one target per row");
        let r = y.clone();
        let dense = vec![0.0; x.nrows];
        let active = (0..x.ncols as u32).collect();
        Self { x, y, r, dense, active, window: ResidualWindow::default() }
    }

    /// The residual `y − Xβ` on this worker's rows (without the intercept).
    pub fn residual(&self) -> &[f64] {
        &self.r
    }

    /// This worker's partial result for `task`, over its rows.
    pub(super) fn push(&mut self, task: &LassoTask) -> LassoPartial {
        let w = self;
        match task {
            LassoTask::Setup => {
                let p = w.x.ncols;
                let mut col_sum = vec![0.0; p];
                let mut col_sq = vec![0.0; p];
                let mut xty = vec![0.0; p];
                for j in 0..p {
                    let (_, v) = w.x.col(j);
                    col_sum[j] = v.iter().sum();
                    col_sq[j] = v.iter().map(|a| a * a).sum();
                    xty[j] = w.x.col_dot(j, &w.y);
                }
                LassoPartial::Setup {
                    col_sum,
                    col_sq,
                    xty,
                    y_sum: w.y.iter().sum(),
                    y_sq: w.y.iter().map(|v| v * v).sum(),
                }
            }
            LassoTask::Update { block, pairs } => {
                let xtr = block.iter().map(|&j| w.x.col_dot(j as usize, &w.r)).collect();
                let mut gram = Vec::with_capacity(pairs.len());
                let mut k = 0;
                while k < pairs.len() {
                    // Scatter column a once into the dense buffer, dot its partners with it.
                    let a = pairs[k].0;
                    let ja = block[a as usize] as usize;
                    w.x.col_axpy(ja, 1.0, &mut w.dense);
                    while k < pairs.len() && pairs[k].0 == a {
                        gram.push(w.x.col_dot(block[pairs[k].1 as usize] as usize, &w.dense));
                        k += 1;
                    }
                    let (idx, _) = w.x.col(ja);
                    for &i in idx {
                        w.dense[i as usize] = 0.0;
                    }
                }
                LassoPartial::Update { xtr, gram, r_sum: w.r.iter().sum() }
            }
            LassoTask::Evaluate => {
                let xtr = w.active.iter().map(|&j| w.x.col_dot(j as usize, &w.r)).collect();
                let r_sq = w.r.iter().map(|r| r * r).sum();
                let y_r = w.y.iter().zip(&w.r).map(|(y, r)| y * r).sum();
                let r_dots = w.window.push(&w.r);
                LassoPartial::Evaluate { xtr, r_sum: w.r.iter().sum(), r_sq, y_r, r_dots }
            }
        }
    }

    /// Applies `update`: the residual moves by the block's changes; screened features leave.
    pub(super) fn sync(&mut self, update: &LassoUpdate) {
        let w = self;
        match update {
            LassoUpdate::Deltas { block, delta } => {
                for (&j, &d) in block.iter().zip(delta) {
                    if d != 0.0 {
                        w.x.col_axpy(j as usize, -d, &mut w.r);
                    }
                }
            }
            LassoUpdate::Evaluated { screened, .. } if !screened.is_empty() => {
                w.active.retain(|j| screened.binary_search(j).is_err());
            }
            _ => {}
        }
    }
}
