//! The MF app: roles, messages and the schedule / push / pull / sync of a half-step.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strads_datasets::Ratings;
use strads_engine::{App, AppError, Control, Pulled};
use strads_scheduler::{BlockConfig, BlockScheduler, Blocks, Independent, Policy};

use super::params::{MfParams, Reg};
use super::Predictor;

/// Matrix factorization `A ≈ W Hᵀ` by CCD++ (rank-one cyclic coordinate descent, Yu, Hsieh,
/// Si & Dhillon 2012), model-parallel as in STRADS [STRADS-16, Sec. 3.3].
///
/// Minimizes `Σ_(i,j)∈Ω (A_ij − w_iᵀh_j)² + Σ_i λ_i ‖w_i‖² + Σ_j λ_j ‖h_j‖²` with `λ_i = λ`
/// (`plain`, the STRADS objective) or `λ |Ω_i|` (`weighted`, as ALS-WR), `W` of shape `m × K`
/// (users), `H` of shape `n × K` (items).
///
/// Rows (users) are split into `P` blocks balanced by rating count ([`Blocks::balanced`]);
/// worker `p` owns row block `p`: its rows' ratings in CSR form with one `f32` residual
/// `R_ij = A_ij − w_iᵀh_j` per rating (each rating's residual is stored once, in the process
/// of its row's worker), its rows of `W` and a copy of `H` (both `f32`). The rank-one updates
/// run in the order of a cyclic schedule over `k` ([`BlockScheduler`] with [`Policy::Cyclic`]).
/// For factor `k`, the residual gets the factor's rank-one term back, `R̂ = R + w_k h_kᵀ`,
/// then `T` inner iterations alternate two half-steps, each a round:
///
/// * `H` half-step: each worker sums `Σ_i R̂_ij w_ik` and `Σ_i w_ik²` over its rows for every
///   item `j` (`f64` partial sums, length `n` each); the coordinator adds the partials in
///   worker order and solves every item exactly,
///   `h_jk = Σ_{i∈Ω_j} R̂_ij w_ik / (λ_j + Σ_{i∈Ω_j} w_ik²)` (eq. 7 of the paper), and
///   broadcasts the new column `h_k` (sync).
/// * `W` half-step: each worker solves its rows exactly with the new `h_k`; the coordinator
///   only assembles the column (the rows' owners already hold it).
///
/// `W` starts random and `H` at zero (as LIBPMF), hence `H` first; `R = R̂ − w_k h_kᵀ` when
/// the factor is left. Each half-step minimizes the objective exactly over its variables, so
/// the objective never rises. An `Evaluate` round after every outer iteration (all `K`
/// factors) gathers the squared residuals and scores the test ratings on the coordinator.
///
/// The `H` half-step by partial sums replaces STRADS's item blocks with their own (second)
/// copy of every residual: the item-side copy would double the memory per rating, the partial
/// sums cost `2n` numbers per worker and half-step. Passes over the ratings are fused: the
/// first `H` half-step of a factor closes the previous factor and opens this one while it
/// sums, and a `W` half-step followed by another `H` half-step of the same factor computes
/// that step's sums with each row's new `w_ik` (so a factor costs `T + 1` passes, not `2T`).
#[derive(Debug, Clone)]
pub struct Mf {
    params: MfParams,
    users: usize,
    items: usize,
    ratings: u64,
    rows: Arc<Blocks>,
    /// Regularization weight per user / item.
    lambda_u: Arc<Vec<f64>>,
    lambda_i: Arc<Vec<f64>>,
    /// Test ratings, scored by the coordinator after every outer iteration (with the training
    /// mean and clamp range of the [`Predictor`]).
    test: Option<Arc<Ratings>>,
    mean: f64,
    range: (f64, f64),
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
    /// New `w_ik` of the worker's rows, in block order.
    Rows(Vec<f32>),
    /// For every item `j` (length `n`): `[Σ R̂_ij w_ik, Σ w_ik²]` over the worker's rows'
    /// ratings of `j` (the numerator and the denominator without `λ_j`).
    ItemSums(Vec<[f64; 2]>),
    /// `Σ R_ij²` over the worker's rows' ratings.
    Sse(f64),
}

/// The coordinator's broadcast: a new column of `H` (nothing after a `W` half-step or an
/// evaluation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfUpdate {
    /// `(k, h_k)`, the full column.
    pub column: Option<(u32, Vec<f32>)>,
}

/// Objective and errors after an outer iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MfEvaluation {
    /// Outer iterations completed.
    pub iter: u64,
    /// The objective.
    pub objective: f64,
    /// Root mean squared training error.
    pub train_rmse: f64,
    /// Root mean squared test error (clamped predictions), if there are test ratings.
    pub test_rmse: Option<f64>,
}

/// The best model by test RMSE (kept with early stopping).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfBest {
    /// The outer iteration it was evaluated after.
    pub iter: u64,
    /// Its test RMSE.
    pub test_rmse: f64,
    /// `W` by column.
    pub w: Vec<Vec<f64>>,
    /// `H` by column.
    pub h: Vec<Vec<f64>>,
}

/// The coordinator's state: the factors, column-major (`w[k][i]`, `h[k][j]`; `f64` holding
/// exactly the workers' `f32` values).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfCoordinator {
    /// `W` by column: `w[k]` has length `m`.
    pub w: Vec<Vec<f64>>,
    /// `H` by column: `h[k]` has length `n`.
    pub h: Vec<Vec<f64>>,
    /// The best model so far by test RMSE (with early stopping only).
    pub best: Option<MfBest>,
    history: Vec<MfEvaluation>,
    evaluations: u64,
    /// Scratch for the `H` half-step's sums.
    sums: Vec<[f64; 2]>,
}

/// The scheduler's state: the cyclic order over factors and the position in the iteration.
#[derive(Serialize, Deserialize)]
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

/// One worker: its rows' ratings (CSR, `f32` residuals), its rows of `W` and a copy of `H`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfWorker {
    /// Global user index of every local row.
    rows: Vec<u32>,
    /// Offsets of the rows' ratings, length `rows + 1`.
    row_ptr: Vec<usize>,
    /// Item of every rating.
    cols: Vec<u32>,
    /// Residual of every rating.
    res: Vec<f32>,
    /// `W` by column, local rows only (`w[k][l]`).
    w: Vec<Vec<f32>>,
    /// `H` by column (`h[k][j]`).
    h: Vec<Vec<f32>>,
    /// The factor whose rank-one term is added back into the residuals.
    open: Option<usize>,
    /// The next `H` half-step's sums for factor `k`, computed with the `W` half-step that
    /// precedes it (`(k, sums)`).
    pending: Option<(usize, Vec<[f64; 2]>)>,
}

/// The initial `W`: uniform in `[0, 1/√K)` from `seed` (the same on every rank), rounded to
/// `f32` (the workers' precision); `H = 0`. Column-major, `K` columns of length `users`.
pub fn initial_w(users: usize, rank: usize, seed: u64) -> Vec<Vec<f64>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let scale = 1.0 / (rank as f64).sqrt();
    (0..rank).map(|_| (0..users).map(|_| f64::from((rng.random::<f64>() * scale) as f32)).collect()).collect()
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
            lambda_u: Arc::new(reg(user_counts)),
            lambda_i: Arc::new(reg(item_counts)),
            params,
            test: None,
            mean: 0.0,
            range: (f64::NEG_INFINITY, f64::INFINITY),
        })
    }

    /// Scores `test` after every outer iteration, predicting unknown users and items by
    /// `mean` and clamping to `range` (see [`Predictor`]).
    pub fn with_test(mut self, test: Option<Ratings>, mean: f64, range: (f64, f64)) -> Self {
        self.test = test.map(Arc::new);
        self.mean = mean;
        self.range = range;
        self
    }

    /// The hyperparameters.
    pub fn params(&self) -> &MfParams {
        &self.params
    }

    /// The row (user) blocks.
    pub fn row_blocks(&self) -> &Blocks {
        &self.rows
    }

    /// The coordinator's initial state.
    pub fn coordinator(&self) -> MfCoordinator {
        MfCoordinator {
            w: initial_w(self.users, self.params.rank, self.params.seed),
            h: vec![vec![0.0; self.items]; self.params.rank],
            best: None,
            history: Vec::new(),
            evaluations: 0,
            sums: vec![[0.0; 2]; self.items],
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

    /// The workers `local` (e.g. `0..P` for threads, a rank's range under MPI), built from the
    /// training triplets (`users[e]`, `items[e]`, `values[e]`, dense indices, one entry per
    /// rating), which are consumed in place: each rating's destination (its position in the
    /// local workers' CSR arrays, concatenated; ratings of rows outside `local` after them)
    /// overwrites its user, each item and `f32` value are packed into the value's 8 bytes (the
    /// items freed), the ratings are permuted there by following the permutation's cycles, the
    /// non-local tail is cut, and each worker's items and `f32` residuals (`H = 0`) are taken
    /// from the end of the packed array while it shrinks. So the build needs no memory beyond
    /// the triplets (and per-user offsets).
    pub fn workers(
        &self,
        local: Range<usize>,
        mut users: Vec<u32>,
        items: Vec<u32>,
        mut values: Vec<f64>,
    ) -> Vec<MfWorker> {
        assert!(users.len() == items.len() && users.len() == values.len(), "triplets of one length");
        assert!(users.len() <= u32::MAX as usize, "at most 2^32 − 1 ratings per process");
        let mut next = vec![0u64; self.users];
        for &u in &users {
            next[u as usize] += 1;
        }
        // Local rows in worker order get offsets 0..; then every other row.
        let mut at = 0u64;
        let mut out: Vec<MfWorker> = local
            .clone()
            .map(|p| {
                let rows = self.rows.members[p].clone();
                let mut row_ptr = Vec::with_capacity(rows.len() + 1);
                let base = at;
                row_ptr.push(0);
                for &i in &rows {
                    let c = next[i as usize];
                    next[i as usize] = at;
                    at += c;
                    row_ptr.push((at - base) as usize);
                }
                MfWorker {
                    rows,
                    row_ptr,
                    cols: Vec::new(),
                    res: Vec::new(),
                    w: Vec::new(),
                    h: Vec::new(),
                    open: None,
                    pending: None,
                }
            })
            .collect();
        let local_nnz = at as usize;
        let block = &self.rows.block_of;
        for (i, c) in next.iter_mut().enumerate() {
            if !local.contains(&(block[i] as usize)) {
                let n = *c;
                *c = at;
                at += n;
            }
        }
        // Each rating's item and f32 value packed into the bits of its f64 slot (moves keep the
        // bits), so the permutation moves two arrays, not three, and the items go now.
        for (v, &j) in values.iter_mut().zip(&items) {
            *v = f64::from_bits(u64::from(j) << 32 | u64::from((*v as f32).to_bits()));
        }
        drop(items);
        // users[e] := the destination of rating e.
        for u in &mut users {
            let d = &mut next[*u as usize];
            *u = *d as u32;
            *d += 1;
        }
        drop(next);
        // Apply the permutation in place: each swap puts one rating at its destination.
        for e in 0..users.len() {
            loop {
                let d = users[e] as usize;
                if d == e {
                    break;
                }
                users.swap(e, d);
                values.swap(e, d);
            }
        }
        drop(users);
        values.truncate(local_nnz);
        for wk in out.iter_mut().rev() {
            let start = values.len() - wk.row_ptr.last().copied().unwrap_or(0);
            wk.cols = values[start..].iter().map(|v| (v.to_bits() >> 32) as u32).collect();
            wk.res = take_tail(&mut values, start, |v| f32::from_bits(v.to_bits() as u32));
        }
        // The factors last, once the triplets are gone.
        let w0 = initial_w(self.users, self.params.rank, self.params.seed);
        for wk in &mut out {
            wk.w = w0.iter().map(|col| wk.rows.iter().map(|&i| col[i as usize] as f32).collect()).collect();
            wk.h = vec![vec![0.0; self.items]; self.params.rank];
        }
        out
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

/// `v[start..]` mapped by `f` into a new vector, copied from the end in chunks while `v` is
/// truncated and shrunk behind them, so the two together never hold much more than `v` did.
fn take_tail<T: Copy, U: Copy + Default>(v: &mut Vec<T>, start: usize, f: impl Fn(T) -> U) -> Vec<U> {
    const CHUNK: usize = 1 << 20;
    let mut out = vec![U::default(); v.len() - start];
    while v.len() > start {
        let from = v.len().saturating_sub(CHUNK).max(start);
        for (o, &x) in out[from - start..].iter_mut().zip(&v[from..]) {
            *o = f(x);
        }
        v.truncate(from);
        v.shrink_to_fit();
    }
    out
}

/// `(Σ_e r_e x_e, Σ_e x_e²)` with `x_e = v[cols[e]]`, in `f64` with four interleaved partial
/// sums (lane `e mod 4`, added as `(l0 + l1) + (l2 + l3)`) so the additions do not wait on
/// each other.
#[inline]
fn dot_and_squares(res: &[f32], cols: &[u32], v: &[f32]) -> (f64, f64) {
    let (mut num, mut sq) = ([0.0f64; 4], [0.0f64; 4]);
    let mut rc = res.chunks_exact(4);
    let mut cc = cols.chunks_exact(4);
    for (r4, c4) in (&mut rc).zip(&mut cc) {
        for t in 0..4 {
            let x = f64::from(v[c4[t] as usize]);
            num[t] += f64::from(r4[t]) * x;
            sq[t] += x * x;
        }
    }
    for (&r, &j) in rc.remainder().iter().zip(cc.remainder()) {
        let x = f64::from(v[j as usize]);
        num[0] += f64::from(r) * x;
        sq[0] += x * x;
    }
    ((num[0] + num[1]) + (num[2] + num[3]), (sq[0] + sq[1]) + (sq[2] + sq[3]))
}

impl MfWorker {
    /// Moves the residuals to factor `k`'s problem in one pass: closes the open factor `o`
    /// (`R = R̂ − w_o h_oᵀ`) and opens `k` (`R̂ = R + w_k h_kᵀ`); `None` only closes.
    fn focus(&mut self, k: Option<usize>) {
        if self.open == k {
            return;
        }
        let zero_w = vec![0.0f32; 0];
        let (wo, ho) = match self.open {
            Some(o) => (&self.w[o], &self.h[o]),
            None => (&zero_w, &zero_w),
        };
        let (wk, hk) = match k {
            Some(k) => (&self.w[k], &self.h[k]),
            None => (&zero_w, &zero_w),
        };
        for l in 0..self.rows.len() {
            let range = self.row_ptr[l]..self.row_ptr[l + 1];
            let (res, cols) = (&mut self.res[range.clone()], &self.cols[range]);
            match (wo.is_empty(), wk.is_empty()) {
                (false, false) => {
                    let (a, b) = (wo[l], wk[l]);
                    for (r, &j) in res.iter_mut().zip(cols) {
                        *r = *r - a * ho[j as usize] + b * hk[j as usize];
                    }
                }
                (false, true) => {
                    let a = wo[l];
                    for (r, &j) in res.iter_mut().zip(cols) {
                        *r -= a * ho[j as usize];
                    }
                }
                (true, false) => {
                    let b = wk[l];
                    for (r, &j) in res.iter_mut().zip(cols) {
                        *r += b * hk[j as usize];
                    }
                }
                (true, true) => {}
            }
        }
        self.open = k;
    }

    /// The `H` half-step's partial sums over the worker's rows for factor `k`:
    /// `[Σ_i R̂_ij w_ik, Σ_i w_ik²]` for every item `j`. Taken from the preceding `W`
    /// half-step if it computed them; otherwise opens `k` ([`Self::focus`]) in the same pass
    /// over the ratings.
    fn item_sums(&mut self, k: usize, items: usize) -> MfPartial {
        if let Some((pk, sums)) = self.pending.take() {
            if pk == k && self.open == Some(k) {
                return MfPartial::ItemSums(sums);
            }
        }
        let mut sums = vec![[0.0f64; 2]; items];
        if self.open == Some(k) {
            for (l, &wl) in self.w[k].iter().enumerate() {
                let x = f64::from(wl);
                let range = self.row_ptr[l]..self.row_ptr[l + 1];
                for (&r, &j) in self.res[range.clone()].iter().zip(&self.cols[range]) {
                    let s = &mut sums[j as usize];
                    s[0] += f64::from(r) * x;
                    s[1] += x * x;
                }
            }
        } else {
            // Close the open factor o (if any) and open k while summing: R̂ = R − w_o h_oᵀ + w_k h_kᵀ.
            let open = self.open;
            let zeros = vec![0.0f32; if open.is_some() { 0 } else { self.rows.len().max(self.h[k].len()) }];
            let (wo, ho) = match open {
                Some(o) => (&self.w[o][..], &self.h[o][..]),
                None => (&zeros[..self.rows.len()], &zeros[..self.h[k].len()]),
            };
            let (wk, hk) = (&self.w[k], &self.h[k]);
            for l in 0..self.rows.len() {
                let (a, b) = (wo[l], wk[l]);
                let x = f64::from(b);
                let range = self.row_ptr[l]..self.row_ptr[l + 1];
                for (r, &j) in self.res[range.clone()].iter_mut().zip(&self.cols[range]) {
                    *r = *r - a * ho[j as usize] + b * hk[j as usize];
                    let s = &mut sums[j as usize];
                    s[0] += f64::from(*r) * x;
                    s[1] += x * x;
                }
            }
            self.open = Some(k);
        }
        MfPartial::ItemSums(sums)
    }

    /// The `W` half-step: the exact minimizers `w_ik` of the worker's rows for factor `k`
    /// (stored and returned in block order). With `then_sums` (another `H` half-step of `k`
    /// follows), also the sums of that step with the new `w_ik`, while each row's ratings are
    /// in cache.
    fn solve_rows(&mut self, k: usize, lambda: &[f64], then_sums: Option<usize>) -> Vec<f32> {
        self.focus(Some(k));
        let h = &self.h[k];
        let mut sums = then_sums.map(|n| vec![[0.0f64; 2]; n]);
        let mut out = Vec::with_capacity(self.rows.len());
        for (l, &i) in self.rows.iter().enumerate() {
            let range = self.row_ptr[l]..self.row_ptr[l + 1];
            let (res, cols) = (&self.res[range.clone()], &self.cols[range]);
            let (num, sq) = dot_and_squares(res, cols, h);
            let den = lambda[i as usize] + sq;
            let wi = if den > 0.0 { (num / den) as f32 } else { 0.0 };
            out.push(wi);
            if let Some(sums) = &mut sums {
                let x = f64::from(wi);
                for (&r, &j) in res.iter().zip(cols) {
                    let s = &mut sums[j as usize];
                    s[0] += f64::from(r) * x;
                    s[1] += x * x;
                }
            }
        }
        self.w[k].copy_from_slice(&out);
        self.pending = sums.map(|s| (k, s));
        out
    }

    /// `Σ R_ij²` over the rows' ratings.
    fn sse(&self) -> f64 {
        self.res.iter().map(|&r| f64::from(r) * f64::from(r)).sum()
    }

    /// Ratings held.
    pub fn ratings(&self) -> usize {
        self.res.len()
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
    type Feedback = ();
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
            MfTask::Half { k, side, inner } => match side {
                Side::W => {
                    let more = (inner as usize + 1 < self.params.inner_iters).then_some(self.items);
                    MfPartial::Rows(w.solve_rows(k as usize, &self.lambda_u, more))
                }
                Side::H => w.item_sums(k as usize, self.items),
            },
            MfTask::Evaluate => {
                w.focus(None);
                MfPartial::Sse(w.sse())
            }
        }
    }

    fn pull(
        &self,
        c: &mut MfCoordinator,
        task: &MfTask,
        partials: Vec<MfPartial>,
    ) -> Result<Pulled<MfUpdate, ()>, AppError> {
        match *task {
            MfTask::Half { k, side: Side::W, .. } => {
                let col = &mut c.w[k as usize];
                for (p, part) in partials.into_iter().enumerate() {
                    if let MfPartial::Rows(seg) = part {
                        for (&i, v) in self.rows.members[p].iter().zip(seg) {
                            col[i as usize] = f64::from(v);
                        }
                    }
                }
                Ok(Pulled::new(MfUpdate { column: None }, Control::Continue))
            }
            MfTask::Half { k, side: Side::H, .. } => {
                for (s, &l) in c.sums.iter_mut().zip(self.lambda_i.iter()) {
                    *s = [0.0, l];
                }
                // In worker order, so that a worker count gives the same bits on any backend.
                for part in &partials {
                    if let MfPartial::ItemSums(sums) = part {
                        for (a, b) in c.sums.iter_mut().zip(sums) {
                            a[0] += b[0];
                            a[1] += b[1];
                        }
                    }
                }
                let col: Vec<f32> = c.sums.iter().map(|&[n, d]| if d > 0.0 { (n / d) as f32 } else { 0.0 }).collect();
                for (x, &v) in c.h[k as usize].iter_mut().zip(&col) {
                    *x = f64::from(v);
                }
                Ok(Pulled::new(MfUpdate { column: Some((k, col)) }, Control::Continue))
            }
            MfTask::Evaluate => {
                let sse: f64 = partials.iter().map(|p| if let MfPartial::Sse(s) = p { *s } else { 0.0 }).sum();
                c.evaluations += 1;
                let objective = self.objective(c, sse);
                let train_rmse = (sse / self.ratings.max(1) as f64).sqrt();
                let test_rmse = self
                    .test
                    .as_ref()
                    .map(|t| Predictor { w: &c.w, h: &c.h, mean: self.mean, range: self.range }.rmse(t));
                c.history.push(MfEvaluation { iter: c.evaluations, objective, train_rmse, test_rmse });
                let budget_spent = c.evaluations >= self.params.iters;
                let mut no_better = false;
                if let (Some(patience), Some(t)) = (self.params.early_stop, test_rmse) {
                    match &mut c.best {
                        // Into the previous best's buffers: no second copy of W at any time.
                        Some(b) if t < b.test_rmse => {
                            (b.iter, b.test_rmse) = (c.evaluations, t);
                            b.w.iter_mut().zip(&c.w).for_each(|(x, y)| x.copy_from_slice(y));
                            b.h.iter_mut().zip(&c.h).for_each(|(x, y)| x.copy_from_slice(y));
                        }
                        Some(_) => {}
                        None => {
                            c.best = Some(MfBest { iter: c.evaluations, test_rmse: t, w: c.w.clone(), h: c.h.clone() })
                        }
                    }
                    no_better = c.best.as_ref().is_some_and(|b| c.evaluations - b.iter >= patience);
                }
                if !objective.is_finite() {
                    return Err(format!("the objective is {objective} after {} outer iterations", c.evaluations).into());
                }
                // Early stopping's rule (no better test RMSE for `patience` iterations) is the
                // app's convergence test; the iteration count is a budget.
                let control = if no_better {
                    Control::Converged
                } else if budget_spent {
                    Control::BudgetSpent
                } else {
                    Control::Continue
                };
                Ok(Pulled::new(MfUpdate { column: None }, control))
            }
        }
    }

    fn sync(&self, w: &mut MfWorker, u: &MfUpdate) {
        if let Some((k, col)) = &u.column {
            w.h[*k as usize].copy_from_slice(col);
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

    // Checkpoints: every role state is saved whole (a worker's ratings with their residuals).
    strads_engine::whole_state_checkpoints!();
}
