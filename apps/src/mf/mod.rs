//! Matrix factorization by CCD++ with STRADS row/column partitioning.
//!
//! See [`Mf`] for the rounds; [`fit`] runs a whole fit on a backend (threads or MPI ranks).

mod app;
mod load;
mod params;

pub use app::{
    initial_w, Mf, MfBest, MfCoordinator, MfEvaluation, MfPartial, MfScheduler, MfTask, MfUpdate, MfWorker, Side,
};
pub use load::{load_sharded, MfData, ShardedRatings, TestSplit};
pub use params::{MfParams, Reg};

use strads_datasets::Ratings;
use strads_engine::{run, AppError, Backend, PhaseTimes, RoleFns, RunConfig, StopReason};

/// One outer iteration's report.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MfIteration {
    /// Outer iterations completed.
    pub iter: u64,
    /// Seconds since the run started.
    pub time_s: f64,
    /// The objective.
    pub objective: f64,
    /// Root mean squared error on the training ratings.
    pub train_rmse: f64,
    /// Root mean squared error on the test ratings (if any).
    pub test_rmse: Option<f64>,
}

/// The result of a fit (on the coordinator). The factors are `f32` values held in `f64`.
#[derive(Debug, Clone)]
pub struct MfFit {
    /// `W`, `m × K`, column-major (`w[k][i]`).
    pub w: Vec<Vec<f64>>,
    /// `H`, `n × K`, column-major (`h[k][j]`).
    pub h: Vec<Vec<f64>>,
    /// Every outer iteration.
    pub history: Vec<MfIteration>,
    /// With early stopping: the outer iteration whose factors these are (the best test RMSE).
    pub best_iter: Option<u64>,
    /// Seconds to build the workers' shards from the triplets (before the rounds).
    pub build_s: f64,
    /// Engine rounds (half-steps and evaluations).
    pub rounds: u64,
    /// Wall seconds of the rounds.
    pub wall_s: f64,
    /// Phase times and bytes.
    pub phases: PhaseTimes,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// Predicts ratings from column-major factors: `w_iᵀh_j`, or the training mean `mean` for a
/// user or item without factors, clamped to `range`.
#[derive(Debug, Clone, Copy)]
pub struct Predictor<'a> {
    /// `W` by column.
    pub w: &'a [Vec<f64>],
    /// `H` by column.
    pub h: &'a [Vec<f64>],
    /// Fallback prediction.
    pub mean: f64,
    /// Clamp range (the training ratings' minimum and maximum).
    pub range: (f64, f64),
}

impl Predictor<'_> {
    /// The prediction for user `i`, item `j`.
    pub fn predict(&self, i: usize, j: usize) -> f64 {
        let known = self.w.first().is_some_and(|c| i < c.len()) && self.h.first().is_some_and(|c| j < c.len());
        let p = if known { self.w.iter().zip(self.h).map(|(wk, hk)| wk[i] * hk[j]).sum() } else { self.mean };
        p.clamp(self.range.0, self.range.1)
    }

    /// Root mean squared error on `ratings` (from row-major `f32` copies of the factors, so
    /// each prediction reads two contiguous rows; exact for factors that hold `f32` values,
    /// as the fit's do).
    pub fn rmse(&self, ratings: &Ratings) -> f64 {
        let rank = self.w.len();
        let row_major = |cols: &[Vec<f64>]| -> Vec<f32> {
            let n = cols.first().map_or(0, Vec::len);
            let mut out = vec![0.0f32; n * rank];
            for (k, c) in cols.iter().enumerate() {
                for (i, &x) in c.iter().enumerate() {
                    out[i * rank + k] = x as f32;
                }
            }
            out
        };
        if self.w.iter().chain(self.h).flatten().any(|&x| f64::from(x as f32) != x) {
            return self.rmse_exact(ratings);
        }
        let (w, h) = (row_major(self.w), row_major(self.h));
        let (m, n) = (w.len() / rank.max(1), h.len() / rank.max(1));
        let mut sse = 0.0;
        for r in 0..ratings.len() {
            let (i, j) = (ratings.users[r] as usize, ratings.items[r] as usize);
            let p = if rank > 0 && i < m && j < n {
                let (a, b) = (&w[i * rank..(i + 1) * rank], &h[j * rank..(j + 1) * rank]);
                a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum()
            } else {
                self.mean
            };
            let e = ratings.values[r] - p.clamp(self.range.0, self.range.1);
            sse += e * e;
        }
        (sse / ratings.len().max(1) as f64).sqrt()
    }

    /// [`Self::rmse`] by [`Self::predict`], for any `f64` factors.
    fn rmse_exact(&self, ratings: &Ratings) -> f64 {
        let sse: f64 = (0..ratings.len())
            .map(|r| {
                let e = ratings.values[r] - self.predict(ratings.users[r] as usize, ratings.items[r] as usize);
                e * e
            })
            .sum();
        (sse / ratings.len().max(1) as f64).sqrt()
    }
}

/// Rating counts per user and per item.
pub fn counts(r: &Ratings) -> (Vec<u64>, Vec<u64>) {
    let mut u = vec![0u64; r.user_ids.len()];
    let mut i = vec![0u64; r.item_ids.len()];
    for k in 0..r.len() {
        u[r.users[k] as usize] += 1;
        i[r.items[k] as usize] += 1;
    }
    (u, i)
}

/// Fits `train` on `backend`; every process of the run calls this with the whole training
/// set. The triplets (`users`, `items`, `values`) are taken out of `train` (left empty; the
/// ids stay) and consumed while the local workers' shards are built (see [`Mf::workers`]),
/// so that only the shards stay in memory. `test` (indices from the same id maps) is scored
/// after every outer iteration on the coordinator; `on_iteration` sees each report there.
/// Returns the fit on the coordinator, `None` on other ranks. With
/// [`MfParams::early_stop`] the fit's factors are those of the best evaluation by test RMSE.
///
/// Users or items that appear only in `test` have no factors: they are predicted by the
/// training mean; predictions are clamped to the training ratings' range.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for bad hyperparameters (also early stopping without
/// test ratings); [`crate::Error::Engine`] if the run fails.
pub fn fit(
    backend: &Backend,
    train: &mut Ratings,
    test: Option<Ratings>,
    params: MfParams,
    config: &RunConfig,
    on_iteration: impl FnMut(&MfIteration),
) -> crate::Result<Option<MfFit>> {
    config.check()?;
    params.check()?;
    fit_data(backend, MfData::whole(train, test), params, config, on_iteration)
}

/// Fits `data` on `backend`: as [`fit`], from the training data as this process holds it
/// (the whole set, or its workers' rows from [`load_sharded`]). The triplets are consumed
/// while the local workers' shards are built.
///
/// # Errors
/// As [`fit`].
pub fn fit_data(
    backend: &Backend,
    data: MfData,
    params: MfParams,
    config: &RunConfig,
    mut on_iteration: impl FnMut(&MfIteration),
) -> crate::Result<Option<MfFit>> {
    config.check()?;
    params.check()?;
    if params.early_stop.is_some() && !data.has_test {
        return Err(crate::Error::invalid("early-stop", "without test ratings", "a test split"));
    }
    let place = backend.placement();
    let t0 = std::time::Instant::now();
    let MfData { user_counts, item_counts, mean, range, test, users, items, values, .. } = data;
    let test = if place.coordinator { test } else { None };
    let app = Mf::new(params, &user_counts, &item_counts, config.workers)?.with_test(test, mean, range);
    drop((user_counts, item_counts));
    // The triplets are consumed while the local workers' shards are built (once).
    let mut triplets = Some((users, items, values));
    let mut build_s = 0.0;
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            let (users, items, values) = triplets.take().ok_or("the workers are built once")?;
            let workers = app.workers(range, users, items, values);
            build_s = t0.elapsed().as_secs_f64();
            Ok::<_, AppError>(workers)
        },
        scheduler: || Ok(app.scheduler()?),
        coordinator: || Ok(app.coordinator()),
    };
    let mut history = Vec::new();
    let out = run(&app, config, backend, roles, |info, _, c| {
        for e in &c.history()[history.len()..] {
            let it = MfIteration {
                iter: e.iter,
                time_s: info.elapsed_s,
                objective: e.objective,
                train_rmse: e.train_rmse,
                test_rmse: e.test_rmse,
            };
            on_iteration(&it);
            history.push(it);
        }
    })?;
    let Some(out) = out else { return Ok(None) };
    let c = out.coordinator;
    let (w, h, best_iter) = match c.best {
        Some(b) => (b.w, b.h, Some(b.iter)),
        None => (c.w, c.h, None),
    };
    Ok(Some(MfFit {
        w,
        h,
        history,
        best_iter,
        build_s,
        rounds: out.rounds,
        wall_s: out.wall_s,
        phases: out.total,
        stop: out.stop,
    }))
}

#[cfg(test)]
mod tests;
