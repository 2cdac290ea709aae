//! The MF app: roles, messages and the schedule / push / pull / sync of a half-step.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strads_engine::{App, Control};
use strads_scheduler::{BlockConfig, BlockScheduler, Blocks, Independent, Policy};

use super::params::{MfParams, Reg};

/// Matrix factorization `A ≈ W Hᵀ` by CCD++ (rank-one cyclic coordinate descent, Yu, Hsieh,
/// Si & Dhillon 2012), model-parallel as in STRADS [STRADS-16, Sec. 3.3].
///
/// Minimizes `Σ_(i,j)∈Ω (A_ij − w_iᵀh_j)² + Σ_i λ_i ‖w_i‖² + Σ_j λ_j ‖h_j‖²` with `λ_i = λ`
/// (`plain`, the STRADS objective) or `λ |Ω_i|` (`weighted`, as ALS-WR), `W` of shape `m × K`
/// (users), `H` of shape `n × K` (items).
///
/// Rows (users) and columns (items) are split into `P` blocks balanced by rating count
/// ([`Blocks::balanced`]); worker `p` owns row block `p` with its ratings (CSR) and column block
/// `p` with its ratings (CSC), and keeps the residuals `R = A − W Hᵀ` of both. The rank-one
/// updates run in the order of a cyclic schedule over `k` ([`BlockScheduler`] with
/// [`Policy::Cyclic`]). For factor `k`, the residual gets the factor's rank-one term back,
/// `R̂ = R + w_k h_kᵀ`, then `T` inner iterations alternate two half-steps, each a round:
///
/// * `H` half-step: each worker solves its columns exactly,
///   `h_jk = Σ_{i∈Ω_j} R̂_ij w_ik / (λ_j + Σ_{i∈Ω_j} w_ik²)` (eq. 7 of the paper); the
///   coordinator assembles the new column `h_k` and broadcasts it (sync).
/// * `W` half-step: the same for the worker's rows with the new `h_k`.
///
/// `W` starts random and `H` at zero (as LIBPMF), hence `H` first.
///
/// and `R = R̂ − w_k h_kᵀ` when the factor is left. Each half-step minimizes the objective
/// exactly over its variables, so the objective never rises. An `Evaluate` round after every
/// outer iteration (all `K` factors) gathers the squared residuals.
#[derive(Debug, Clone)]
pub struct Mf {
    params: MfParams,
    users: usize,
    items: usize,
    ratings: u64,
    rows: Arc<Blocks>,
    cols: Arc<Blocks>,
    /// Regularization weight per user / item.
    lambda_u: Arc<Vec<f64>>,
    lambda_i: Arc<Vec<f64>>,
}

/// Which factor a half-step updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// Users (`W`).
    W,
    /// Items (`H`).
    H,
}

/// The task of one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfTask {
    /// Update factor `k` of one side, inner iteration `inner`.
    Half {
        /// The factor (column of `W` and `H`).
        k: u32,
        /// The side.
        side: Side,
        /// Inner iteration (0-based).
        inner: u32,
    },
    /// Sum of squared residuals over all ratings (ends an outer iteration).
    Evaluate,
}

/// One worker's partial result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum MfPartial {
    /// New values of the factor for the worker's rows (or columns), in block order.
    Segment(Vec<f64>),
    /// `Σ R_ij²` over the worker's rows' ratings.
    Sse(f64),
}

/// The coordinator's broadcast: a new column of `W` or `H`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfUpdate {
    /// `(side, k, column)`, the full column.
    pub column: Option<(Side, u32, Vec<f64>)>,
}

/// Objective and errors after an outer iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MfEvaluation {
    /// Outer iterations completed.
    pub iter: u64,
    /// The objective.
    pub objective: f64,
    /// Root mean squared training error.
    pub train_rmse: f64,
}

/// The coordinator's state: the factors, column-major (`w[k][i]`, `h[k][j]`).
#[derive(Debug, Clone)]
pub struct MfCoordinator {
    /// `W` by column: `w[k]` has length `m`.
    pub w: Vec<Vec<f64>>,
    /// `H` by column: `h[k]` has length `n`.
    pub h: Vec<Vec<f64>>,
    history: Vec<MfEvaluation>,
    evaluations: u64,
}

/// The scheduler's state: the cyclic order over factors and the position in the iteration.
pub struct MfScheduler {
    order: BlockScheduler,
    k: usize,
    inner: usize,
    side: Side,
    /// Factors finished in the current outer iteration.
    factors_done: usize,
    scratch: Vec<usize>,
}

impl MfScheduler {
    /// Advances the cyclic order to the next factor.
    fn next_factor(&mut self) {
        self.order.next_block(&mut Independent, &mut self.scratch);
        self.k = self.scratch.first().copied().unwrap_or(0);
    }
}

/// One worker: its rows' ratings (CSR) and its columns' ratings (CSC) with residuals, and a
/// copy of the factors (column-major).
#[derive(Debug, Clone)]
pub struct MfWorker {
    rows: Vec<u32>,
    row_ptr: Vec<usize>,
    row_cols: Vec<u32>,
    row_res: Vec<f64>,
    cols: Vec<u32>,
    col_ptr: Vec<usize>,
    col_rows: Vec<u32>,
    col_res: Vec<f64>,
    w: Vec<Vec<f64>>,
    h: Vec<Vec<f64>>,
    /// The factor whose rank-one term is added back into the residuals.
    open: Option<usize>,
}

/// The initial `W`: uniform in `[0, 1/√K)` from `seed` (the same on every rank); `H = 0`.
pub fn initial_w(users: usize, rank: usize, seed: u64) -> Vec<Vec<f64>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let scale = 1.0 / (rank as f64).sqrt();
    (0..rank).map(|_| (0..users).map(|_| rng.random::<f64>() * scale).collect()).collect()
}

impl Mf {
    /// The app for `users × items` ratings with per-user and per-item rating counts, on
    /// `workers` workers.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for bad hyperparameters.
    pub fn new(params: MfParams, user_counts: &[u64], item_counts: &[u64], workers: usize) -> crate::Result<Self> {
        params.check()?;
        let reg = |counts: &[u64]| -> Vec<f64> {
            counts
                .iter()
                .map(|&c| match params.reg {
                    Reg::Plain => params.lambda,
                    Reg::Weighted => params.lambda * c as f64,
                })
                .collect()
        };
        Ok(Self {
            users: user_counts.len(),
            items: item_counts.len(),
            ratings: user_counts.iter().sum(),
            rows: Arc::new(Blocks::balanced(user_counts, workers)?),
            cols: Arc::new(Blocks::balanced(item_counts, workers)?),
            lambda_u: Arc::new(reg(user_counts)),
            lambda_i: Arc::new(reg(item_counts)),
            params,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &MfParams {
        &self.params
    }

    /// The row (user) blocks.
    pub fn row_blocks(&self) -> &Blocks {
        &self.rows
    }

    /// The column (item) blocks.
    pub fn col_blocks(&self) -> &Blocks {
        &self.cols
    }

    /// The coordinator's initial state.
    pub fn coordinator(&self) -> MfCoordinator {
        MfCoordinator {
            w: initial_w(self.users, self.params.rank, self.params.seed),
            h: vec![vec![0.0; self.items]; self.params.rank],
            history: Vec::new(),
            evaluations: 0,
        }
    }

    /// The scheduler's initial state.
    ///
    /// # Errors
    /// [`crate::Error::Scheduler`] if the cyclic schedule cannot be built.
    pub fn scheduler(&self) -> crate::Result<MfScheduler> {
        let order = BlockScheduler::new(self.params.rank, BlockConfig::new(Policy::Cyclic, 1, self.params.seed))?;
        // H first: it starts at 0 (W is random), and a W step against h = 0 would zero W too.
        let mut s = MfScheduler { order, k: 0, inner: 0, side: Side::H, factors_done: 0, scratch: Vec::new() };
        s.next_factor();
        Ok(s)
    }

    /// Worker `p`: the ratings `(user, item, value)` of its row block and of its column block.
    pub fn worker(&self, p: usize, users: &[u32], items: &[u32], values: &[f64]) -> MfWorker {
        let rows = self.rows.members[p].clone();
        let cols = self.cols.members[p].clone();
        let mut row_pos = vec![u32::MAX; self.users];
        for (l, &i) in rows.iter().enumerate() {
            row_pos[i as usize] = l as u32;
        }
        let mut col_pos = vec![u32::MAX; self.items];
        for (l, &j) in cols.iter().enumerate() {
            col_pos[j as usize] = l as u32;
        }
        let (row_ptr, row_cols, row_res) = compress(rows.len(), users, items, values, &row_pos);
        let (col_ptr, col_rows, col_res) = compress(cols.len(), items, users, values, &col_pos);
        MfWorker {
            rows,
            row_ptr,
            row_cols,
            row_res,
            cols,
            col_ptr,
            col_rows,
            col_res,
            w: initial_w(self.users, self.params.rank, self.params.seed),
            h: vec![vec![0.0; self.items]; self.params.rank],
            open: None,
        }
    }

    /// The objective from the factors and the sum of squared residuals.
    pub fn objective(&self, c: &MfCoordinator, sse: f64) -> f64 {
        let mut reg = 0.0;
        for k in 0..self.params.rank {
            reg += c.w[k].iter().zip(self.lambda_u.iter()).map(|(&x, &l)| l * x * x).sum::<f64>();
            reg += c.h[k].iter().zip(self.lambda_i.iter()).map(|(&x, &l)| l * x * x).sum::<f64>();
        }
        sse + reg
    }
}

/// Groups ratings by `major` (keeping those with `pos[major] != MAX`) into CSR form over the
/// local majors: offsets, minor indices and values (the initial residuals, `H = 0`).
fn compress(
    n_local: usize,
    major: &[u32],
    minor: &[u32],
    values: &[f64],
    pos: &[u32],
) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut ptr = vec![0usize; n_local + 1];
    for &a in major {
        let l = pos[a as usize];
        if l != u32::MAX {
            ptr[l as usize + 1] += 1;
        }
    }
    for l in 0..n_local {
        ptr[l + 1] += ptr[l];
    }
    let mut at = ptr.clone();
    let mut idx = vec![0u32; ptr[n_local]];
    let mut val = vec![0.0f64; ptr[n_local]];
    for ((&a, &b), &v) in major.iter().zip(minor).zip(values) {
        let l = pos[a as usize];
        if l != u32::MAX {
            let e = &mut at[l as usize];
            idx[*e] = b;
            val[*e] = v;
            *e += 1;
        }
    }
    (ptr, idx, val)
}

impl MfWorker {
    /// Moves the residuals to factor `k`'s problem: closes the open factor
    /// (`R = R̂ − w hᵀ`) and opens `k` (`R̂ = R + w_k h_kᵀ`); `None` only closes.
    fn focus(&mut self, k: Option<usize>) {
        if self.open == k {
            return;
        }
        if let Some(o) = self.open {
            self.add_rank_one(o, -1.0);
        }
        if let Some(k) = k {
            self.add_rank_one(k, 1.0);
        }
        self.open = k;
    }

    /// `R += sign · w_k h_kᵀ` on both residual copies.
    fn add_rank_one(&mut self, k: usize, sign: f64) {
        let (w, h) = (&self.w[k], &self.h[k]);
        for (l, &i) in self.rows.iter().enumerate() {
            let wi = sign * w[i as usize];
            for e in self.row_ptr[l]..self.row_ptr[l + 1] {
                self.row_res[e] += wi * h[self.row_cols[e] as usize];
            }
        }
        for (l, &j) in self.cols.iter().enumerate() {
            let hj = sign * h[j as usize];
            for e in self.col_ptr[l]..self.col_ptr[l + 1] {
                self.col_res[e] += hj * w[self.col_rows[e] as usize];
            }
        }
    }

    /// The exact coordinate minimizers of the worker's rows (or columns) for factor `k`.
    fn solve(&self, k: usize, side: Side, lambda: &[f64]) -> Vec<f64> {
        let (own, ptr, other, res, v) = match side {
            Side::W => (&self.rows, &self.row_ptr, &self.row_cols, &self.row_res, &self.h[k]),
            Side::H => (&self.cols, &self.col_ptr, &self.col_rows, &self.col_res, &self.w[k]),
        };
        own.iter()
            .enumerate()
            .map(|(l, &a)| {
                let (mut num, mut den) = (0.0, lambda[a as usize]);
                for e in ptr[l]..ptr[l + 1] {
                    let x = v[other[e] as usize];
                    num += res[e] * x;
                    den += x * x;
                }
                if den > 0.0 {
                    num / den
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// `Σ R_ij²` over the rows' ratings.
    fn sse(&self) -> f64 {
        self.row_res.iter().map(|r| r * r).sum()
    }
}

impl MfCoordinator {
    /// The evaluations so far.
    pub fn history(&self) -> &[MfEvaluation] {
        &self.history
    }
}

impl App for Mf {
    type Scheduler = MfScheduler;
    type Coordinator = MfCoordinator;
    type Worker = MfWorker;
    type Task = MfTask;
    type Partial = MfPartial;
    type Update = MfUpdate;
    type Private = ();

    fn schedule(&self, s: &mut MfScheduler, _round: u64) -> MfTask {
        if s.factors_done == self.params.rank {
            // An outer iteration is complete.
            s.factors_done = 0;
            return MfTask::Evaluate;
        }
        let task = MfTask::Half { k: s.k as u32, side: s.side, inner: s.inner as u32 };
        match s.side {
            Side::H => s.side = Side::W,
            Side::W => {
                s.side = Side::H;
                s.inner += 1;
                if s.inner == self.params.inner_iters {
                    s.inner = 0;
                    s.factors_done += 1;
                    s.next_factor();
                }
            }
        }
        task
    }

    fn push(&self, w: &mut MfWorker, task: &MfTask) -> MfPartial {
        match *task {
            MfTask::Half { k, side, .. } => {
                w.focus(Some(k as usize));
                let lambda = match side {
                    Side::W => &self.lambda_u,
                    Side::H => &self.lambda_i,
                };
                MfPartial::Segment(w.solve(k as usize, side, lambda))
            }
            MfTask::Evaluate => {
                w.focus(None);
                MfPartial::Sse(w.sse())
            }
        }
    }

    fn pull(&self, c: &mut MfCoordinator, task: &MfTask, partials: Vec<MfPartial>) -> (MfUpdate, Control) {
        match *task {
            MfTask::Half { k, side, .. } => {
                let (col, blocks) = match side {
                    Side::W => (&mut c.w[k as usize], &self.rows),
                    Side::H => (&mut c.h[k as usize], &self.cols),
                };
                for (p, part) in partials.into_iter().enumerate() {
                    if let MfPartial::Segment(seg) = part {
                        for (&a, v) in blocks.members[p].iter().zip(seg) {
                            col[a as usize] = v;
                        }
                    }
                }
                (MfUpdate { column: Some((side, k, col.clone())) }, Control::Continue)
            }
            MfTask::Evaluate => {
                let sse: f64 = partials.iter().map(|p| if let MfPartial::Sse(s) = p { *s } else { 0.0 }).sum();
                c.evaluations += 1;
                let objective = self.objective(c, sse);
                let train_rmse = (sse / self.ratings.max(1) as f64).sqrt();
                c.history.push(MfEvaluation { iter: c.evaluations, objective, train_rmse });
                let done = c.evaluations >= self.params.iters;
                (MfUpdate { column: None }, if done { Control::Converged } else { Control::Continue })
            }
        }
    }

    fn sync(&self, w: &mut MfWorker, u: &MfUpdate) {
        if let Some((side, k, col)) = &u.column {
            match side {
                Side::W => w.w[*k as usize].copy_from_slice(col),
                Side::H => w.h[*k as usize].copy_from_slice(col),
            }
        }
    }

    fn final_task(&self, _: &mut MfScheduler) -> Option<MfTask> {
        Some(MfTask::Evaluate)
    }

    fn updates(&self, task: &MfTask) -> u64 {
        match task {
            MfTask::Half { side: Side::W, .. } => self.users as u64,
            MfTask::Half { side: Side::H, .. } => self.items as u64,
            MfTask::Evaluate => 0,
        }
    }
}
