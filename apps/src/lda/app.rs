//! The LDA app: roles, messages and the schedule / push / pull / sync of a sub-round.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strads_engine::{App, AppError, Control, Pulled};
use strads_scheduler::{Blocks, Rotation};

use super::loglik::{self, LgammaTable};
use super::mh::MhWorker;
use super::params::{LdaParams, Sampler};
use super::sampler::{
    dense_exact, dense_fits, dense_word, merge, sort_by_count, LdaWorker, SparseCounts, SparseWorker, WordBlock,
    DENSE_ALWAYS_TOPICS, DENSE_MAX_TOPICS,
};

/// LDA by model-parallel collapsed Gibbs sampling with word-block rotation [GS-04; STRADS-16,
/// Sec. 3.2].
///
/// Documents are sharded over the `P` workers (their doc-topic counts never move); the
/// vocabulary is split into `U ≥ P` blocks balanced by token count ([`Blocks::balanced`]); in
/// sub-round `s` worker `p` owns block `(p + s) mod U` ([`Rotation`]) and samples its tokens
/// of that block's words with exclusive word-topic rows. One iteration is `U` sub-rounds.
///
/// Rounds:
/// * `Setup` — push: random initial topics; the worker's word-topic counts per block and its
///   topic totals. pull: the word-topic table (as blocks) and `n_k`.
/// * `Sample(s)` — before it, the coordinator scatters block `(p + s) mod U` to worker `p`
///   (a private message; under MPI the blocks travel through rank 0). push: SparseLDA
///   sampling; the block goes back in the partial with the worker's changes of `n_k`.
///   pull: blocks parked, `n_k` summed; at the end of an iteration the log-likelihood.
///   sync: fresh `n_k` every `totals_staleness + 1` sub-rounds.
/// * `Collect` — the doc-topic counts and the final log-likelihood; ends the run.
#[derive(Debug, Clone)]
pub struct Lda {
    params: LdaParams,
    workers: usize,
    vocab: usize,
    tokens: u64,
    /// The largest number of tokens of one word (the dense path needs it below 2²⁴).
    max_word_tokens: u64,
    /// `lnΓ(c + β) − lnΓ(β)` for word-topic counts up to the most frequent word's.
    lg_beta: LgammaTable,
    blocks: Arc<Blocks>,
    /// The words of every block's rows, in row order: the words that may take the dense path
    /// first ([`Lda::dense_words`]), then the rest, each part in increasing word order.
    rows: Arc<Vec<Vec<u32>>>,
    /// Per block, how many of its leading rows may take the dense path.
    dense_words: Vec<usize>,
    /// The position of every word among its block's rows.
    positions: Arc<Vec<u32>>,
    rotation: Rotation,
}

/// The task of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LdaTask {
    /// Random initialization.
    Setup,
    /// Sub-round `subround` (counted from 0 over the run).
    Sample {
        /// The sub-round.
        subround: u64,
        /// Whether it completes an iteration.
        last_of_iteration: bool,
        /// Whether the log-likelihood is evaluated after it (workers then report their part):
        /// the last sub-round of every `eval_every`-th iteration and of the last one.
        evaluate: bool,
    },
    /// Gather the doc-topic counts and the final log-likelihood.
    Collect,
}

/// One worker's partial result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LdaPartial {
    /// Word-topic rows of the worker's tokens per block, and its topic totals.
    Setup {
        /// `rows[b][j]`: counts of block `b`'s `j`-th word.
        rows: Vec<Vec<SparseCounts>>,
        /// Topic totals of the worker's tokens.
        totals: Vec<i64>,
    },
    /// The sampled block, the change of `n_k`, and at the end of an iteration the document
    /// part of the log-likelihood.
    Sample {
        /// The block, handed back.
        block: WordBlock,
        /// Changes of `n_k`.
        delta: Vec<i64>,
        /// Document part of the log-likelihood (last sub-round of an iteration).
        doc_loglik: Option<f64>,
    },
    /// Doc-topic counts and the document part of the log-likelihood.
    Collect {
        /// Per document, sorted by topic.
        doc_topic: Vec<SparseCounts>,
        /// Document part of the log-likelihood.
        doc_loglik: f64,
    },
}

/// What the coordinator broadcasts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LdaUpdate {
    /// Fresh topic totals `n_k`, when the totals-staleness bound asks for them.
    pub totals: Option<Vec<i64>>,
}

/// The log-likelihood after one iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IterationStat {
    /// Iterations completed (1-based).
    pub iter: u64,
    /// `log p(w, z)`.
    pub loglik: f64,
    /// Per token.
    pub loglik_per_token: f64,
}

/// The coordinator's state: the parked word blocks and the topic totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LdaCoordinator {
    parked: Vec<Option<WordBlock>>,
    totals: Vec<i64>,
    /// Iterations completed.
    iters: u64,
    /// One entry per evaluation.
    history: Vec<IterationStat>,
    doc_loglik: f64,
    doc_topic: Vec<SparseCounts>,
    collected: bool,
}

/// The scheduler's state: the iteration budget.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LdaScheduler {
    subrounds: u64,
    per_iteration: u64,
    eval_every: u64,
}

/// The budget of a held block's dense table (`members × K` counts rounded up to 16 topics,
/// 4 bytes each) by which the default block count is chosen: about an L3 cache, so that the
/// word rows a token reads stay in cache (a fixed number, not the machine's cache, so that the
/// blocks, and the bits, depend only on the corpus, `K` and `P`).
pub const BLOCK_TABLE_BYTES: usize = 32 << 20;

/// The most words a vocabulary block has on average by default (see [`default_blocks`]).
pub const BLOCK_WORDS: usize = 8192;

/// The default number of vocabulary blocks `U`: the workers `P`, or, for the dense sampler
/// (`auto` or `dense`, `K` ≤ [`DENSE_MAX_TOPICS`]), the fewest blocks (at least `P`, and at
/// least `V / `[`BLOCK_WORDS`] so that a block has at most 8,192 words on average) whose
/// largest block's dense table (its rows that may take the dense path, [`Lda::dense_words`])
/// fits in [`BLOCK_TABLE_BYTES`]. On a 10M-token corpus with
/// `V = 50,000` on 2 workers that is 7 blocks instead of 2, at `K = 1,000` (measured when
/// every word was a dense row: a block's table within 32 MiB instead of up to 200 MB,
/// 5.7–5.9M tokens/s instead of 4.5–4.6M; with the rare words on the sparse path the
/// `V / 8,192` floor still gives 7, and 2, 4 and 12 blocks measured slower) and at `K = 100`
/// (2.0–2.4e7 tokens/s instead of 1.7–2.0e7, three interleaved runs); a small vocabulary
/// (NYT-8447, 3,012 words) keeps `U = P`.
///
/// # Errors
/// [`crate::Error::Scheduler`] if the blocks cannot be formed.
pub fn default_blocks(params: &LdaParams, workers: usize, word_counts: &[u64]) -> crate::Result<usize> {
    let dense = matches!(params.sampler, Sampler::Auto | Sampler::Dense) && params.topics <= DENSE_MAX_TOPICS;
    if !dense || word_counts.is_empty() {
        return Ok(workers);
    }
    let row = params.topics.div_ceil(16) * 16 * 4;
    let fits = |u: usize| -> crate::Result<bool> {
        let blocks = Blocks::balanced(word_counts, u)?;
        let (_, dense_words) = row_order(params, &blocks, word_counts);
        Ok(dense_words.iter().copied().max().unwrap_or(0) * row <= BLOCK_TABLE_BYTES)
    };
    // From the estimate by the vocabulary size up, while the largest block does not fit.
    let mut u =
        workers.max((word_counts.len() * row).div_ceil(BLOCK_TABLE_BYTES)).max(word_counts.len().div_ceil(BLOCK_WORDS));
    let most = word_counts.len().max(workers);
    while u < most && !fits(u)? {
        u += 1;
    }
    Ok(u.min(most))
}

/// The words of every block's rows in row order, and per block how many leading rows may take
/// the dense path (see [`Lda::dense_words`]).
fn row_order(params: &LdaParams, blocks: &Blocks, word_counts: &[u64]) -> (Vec<Vec<u32>>, Vec<usize>) {
    let split = params.sampler == Sampler::Auto && params.topics > DENSE_ALWAYS_TOPICS;
    blocks
        .members
        .iter()
        .map(|m| {
            let (mut dense, rare): (Vec<u32>, Vec<u32>) =
                m.iter().partition(|&&w| !split || dense_word(word_counts[w as usize], params.topics));
            let n = dense.len();
            dense.extend(rare);
            (dense, n)
        })
        .unzip()
}

impl Lda {
    /// The app for a corpus of `tokens` tokens over `vocab` words whose word token counts are
    /// `word_counts`, on `workers` workers.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for bad hyperparameters or fewer blocks than workers.
    pub fn new(params: LdaParams, workers: usize, word_counts: &[u64]) -> crate::Result<Self> {
        params.check()?;
        let max_word_tokens = word_counts.iter().copied().max().unwrap_or(0);
        if params.sampler == Sampler::Dense && !dense_exact(max_word_tokens) {
            return Err(crate::Error::invalid(
                "sampler",
                "dense",
                "a corpus whose words each have fewer than 2^24 tokens (use sparse or auto)",
            ));
        }
        let u = match params.blocks {
            Some(u) => u,
            None => default_blocks(&params, workers, word_counts)?,
        };
        let rotation = Rotation::new(workers, u)
            .map_err(|_| crate::Error::invalid("blocks", u, "at least the number of workers"))?;
        let blocks = Blocks::balanced(word_counts, u)?;
        let (rows, dense_words) = row_order(&params, &blocks, word_counts);
        let mut positions = vec![0u32; word_counts.len()];
        for m in &rows {
            for (j, &w) in m.iter().enumerate() {
                positions[w as usize] = j as u32;
            }
        }
        let lg_beta = LgammaTable::new(params.beta, max_word_tokens as usize + 1);
        Ok(Self {
            params,
            workers,
            vocab: word_counts.len(),
            tokens: word_counts.iter().sum(),
            max_word_tokens,
            lg_beta,
            blocks: Arc::new(blocks),
            rows: Arc::new(rows),
            dense_words,
            positions: Arc::new(positions),
            rotation,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &LdaParams {
        &self.params
    }

    /// The vocabulary blocks.
    pub fn blocks(&self) -> &Blocks {
        &self.blocks
    }

    /// The position of every word among its block's rows (the dense-path words first, see
    /// [`Lda::dense_words`]).
    pub fn positions(&self) -> &[u32] {
        &self.positions
    }

    /// Per block, how many of its leading rows may take the dense path: all of them, except
    /// with the `auto` sampler at `K` > [`DENSE_ALWAYS_TOPICS`], where a word with fewer than
    /// `K / 4` tokens always takes the sparse path ([`dense_word`]).
    pub fn dense_words(&self) -> &[usize] {
        &self.dense_words
    }

    /// Whether the count invariants are checked after every round (`check_invariants`, and
    /// always in debug builds).
    fn checking(&self) -> bool {
        self.params.check_invariants || cfg!(debug_assertions)
    }

    /// A worker for documents `first_doc..` given as token lists (global word ids).
    pub fn worker(&self, docs: &[&[u32]], first_doc: usize, worker: usize) -> LdaWorker {
        let p = &self.params;
        match p.sampler {
            Sampler::Auto | Sampler::Sparse | Sampler::Dense => {
                let mut w = SparseWorker::new(
                    docs,
                    first_doc,
                    &self.blocks.block_of,
                    &self.positions,
                    self.blocks.len(),
                    p.topics,
                    p.alpha,
                    p.beta,
                    self.vocab,
                    p.seed,
                    worker,
                );
                let max_dense = self.dense_words.iter().copied().max().unwrap_or(0);
                if p.sampler == Sampler::Dense {
                    w.use_dense(false, &self.dense_words);
                } else if p.sampler == Sampler::Auto && dense_fits(p.topics, max_dense, self.max_word_tokens) {
                    w.use_dense(p.topics > DENSE_ALWAYS_TOPICS, &self.dense_words);
                }
                LdaWorker::Sparse(w)
            }
            Sampler::Mh { steps } => LdaWorker::Mh(MhWorker::new(
                docs,
                first_doc,
                &self.blocks.block_of,
                &self.positions,
                self.blocks.len(),
                p.topics,
                (p.alpha, p.beta),
                steps,
                p.seed,
                worker,
            )),
        }
    }

    /// The coordinator's initial state.
    pub fn coordinator(&self) -> LdaCoordinator {
        LdaCoordinator {
            parked: vec![None; self.blocks.len()],
            totals: vec![0; self.params.topics],
            iters: 0,
            history: Vec::new(),
            doc_loglik: 0.0,
            doc_topic: Vec::new(),
            collected: false,
        }
    }

    /// The scheduler's initial state.
    pub fn scheduler(&self) -> LdaScheduler {
        let per_iteration = self.blocks.len() as u64;
        LdaScheduler { subrounds: self.params.iters * per_iteration, per_iteration, eval_every: self.params.eval_every }
    }

    /// Tokens in the corpus.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }

    /// The word part of the log-likelihood, from the parked blocks.
    fn word_loglik(&self, c: &LdaCoordinator) -> f64 {
        let rows = c.parked.iter().flatten().flat_map(|b| b.rows.iter().map(Vec::as_slice));
        loglik::word_part(rows, &c.totals, self.vocab, &self.lg_beta)
    }

    /// Checks the coordinator's invariants: every block is home, the word-topic counts sum to
    /// the token count, their column sums are `n_k`, and no count is zero or negative.
    fn check(&self, c: &LdaCoordinator) {
        let mut col = vec![0i64; self.params.topics];
        for (b, block) in c.parked.iter().enumerate() {
            let block = block.as_ref().unwrap_or_else(|| panic!("invariant: block {b} is not back at the coordinator"));
            assert_eq!(block.rows.len(), self.blocks.members[b].len(), "invariant: block {b} rows");
            for row in &block.rows {
                for &(t, n) in row {
                    assert!(n > 0, "invariant: a zero count is stored");
                    col[t as usize] += i64::from(n);
                }
            }
        }
        assert_eq!(col, c.totals, "invariant: n_k = Σ_w n_wk");
        assert_eq!(col.iter().sum::<i64>(), self.tokens as i64, "invariant: Σ n_wk = tokens");
        assert!(c.totals.iter().all(|&n| n >= 0), "invariant: n_k ≥ 0");
    }

    /// The word-topic rows by word (sorted by topic), from the coordinator's parked blocks.
    pub fn word_topic(&self, c: &LdaCoordinator) -> Vec<SparseCounts> {
        let mut out = vec![Vec::new(); self.vocab];
        for (b, block) in c.parked.iter().enumerate() {
            if let Some(block) = block {
                for (j, row) in block.rows.iter().enumerate() {
                    let mut r = row.clone();
                    r.sort_unstable();
                    out[self.rows[b][j] as usize] = r;
                }
            }
        }
        out
    }
}

impl LdaCoordinator {
    /// The iterations completed.
    pub fn iters_done(&self) -> u64 {
        self.iters
    }

    /// The log-likelihood at each evaluation (every `eval_every` iterations and the last).
    pub fn history(&self) -> &[IterationStat] {
        &self.history
    }

    /// The doc-topic counts gathered by the final round (by document, sorted by topic).
    pub fn doc_topic(&self) -> &[SparseCounts] {
        &self.doc_topic
    }

    /// The topic totals `n_k`.
    pub fn totals(&self) -> &[i64] {
        &self.totals
    }

    /// The document part of the log-likelihood at the final round.
    pub fn final_doc_loglik(&self) -> Option<f64> {
        self.collected.then_some(self.doc_loglik)
    }
}

impl App for Lda {
    type Scheduler = LdaScheduler;
    type Coordinator = LdaCoordinator;
    type Worker = LdaWorker;
    type Task = LdaTask;
    type Partial = LdaPartial;
    type Update = LdaUpdate;
    type Feedback = ();
    type Private = WordBlock;

    fn schedule(&self, s: &mut LdaScheduler, round: u64) -> LdaTask {
        match round {
            0 => LdaTask::Setup,
            r if r - 1 < s.subrounds => {
                let subround = r - 1;
                let last_of_iteration = (subround + 1) % s.per_iteration == 0;
                let iter = (subround + 1) / s.per_iteration;
                let evaluate = last_of_iteration && (iter % s.eval_every == 0 || subround + 1 == s.subrounds);
                LdaTask::Sample { subround, last_of_iteration, evaluate }
            }
            _ => LdaTask::Collect,
        }
    }

    fn push(&self, w: &mut LdaWorker, task: &LdaTask) -> LdaPartial {
        let partial = match task {
            LdaTask::Setup => {
                let members: Vec<usize> = self.blocks.members.iter().map(Vec::len).collect();
                let (rows, totals) = w.initialize(&members);
                LdaPartial::Setup { rows, totals }
            }
            LdaTask::Sample { subround, evaluate, .. } => {
                let (block, delta) = w.sample(subround % self.blocks.len() as u64 == 0);
                LdaPartial::Sample { block, delta, doc_loglik: evaluate.then(|| w.doc_loglik()) }
            }
            LdaTask::Collect => LdaPartial::Collect { doc_topic: w.doc_topic(), doc_loglik: w.doc_loglik() },
        };
        if self.checking() {
            if let Err(e) = w.check_invariants() {
                panic!("invariant broken after {task:?}: {e}");
            }
        }
        partial
    }

    fn pull(
        &self,
        c: &mut LdaCoordinator,
        task: &LdaTask,
        partials: Vec<LdaPartial>,
    ) -> Result<Pulled<LdaUpdate, ()>, AppError> {
        let mut control = Control::Continue;
        let mut send_totals = false;
        let mut doc_ll = 0.0;
        for part in partials {
            match part {
                LdaPartial::Setup { rows, totals } => {
                    let mut at = vec![u32::MAX; self.params.topics];
                    for (b, block_rows) in rows.into_iter().enumerate() {
                        let home = c.parked[b].get_or_insert_with(|| WordBlock {
                            id: b as u32,
                            rows: vec![Vec::new(); block_rows.len()],
                        });
                        for (into, add) in home.rows.iter_mut().zip(&block_rows) {
                            merge(into, add, &mut at);
                        }
                    }
                    for (t, n) in c.totals.iter_mut().zip(totals) {
                        *t += n;
                    }
                    send_totals = true;
                }
                LdaPartial::Sample { block, delta, doc_loglik } => {
                    let b = block.id as usize;
                    c.parked[b] = Some(block);
                    for (t, n) in c.totals.iter_mut().zip(delta) {
                        *t += n;
                    }
                    doc_ll += doc_loglik.unwrap_or(0.0);
                }
                LdaPartial::Collect { doc_topic, doc_loglik } => {
                    c.doc_topic.extend(doc_topic);
                    doc_ll += doc_loglik;
                }
            }
        }
        match task {
            LdaTask::Setup => {
                // The sampler keeps rows sorted by count, largest first.
                for block in c.parked.iter_mut().flatten() {
                    block.rows.iter_mut().for_each(sort_by_count);
                }
            }
            LdaTask::Sample { subround, last_of_iteration, evaluate } => {
                send_totals = (subround + 1) % (self.params.totals_staleness + 1) == 0;
                if *last_of_iteration {
                    c.iters = (subround + 1) / self.blocks.len() as u64;
                }
                if *evaluate {
                    let ll = doc_ll + self.word_loglik(c);
                    c.history.push(IterationStat {
                        iter: c.iters,
                        loglik: ll,
                        loglik_per_token: ll / self.tokens as f64,
                    });
                }
            }
            LdaTask::Collect => {
                c.doc_loglik = doc_ll;
                c.collected = true;
                // The iterations asked for are done: a budget, not a convergence test.
                control = Control::BudgetSpent;
            }
        }
        if self.checking() {
            self.check(c);
        }
        Ok(Pulled::new(LdaUpdate { totals: send_totals.then(|| c.totals.clone()) }, control))
    }

    fn scatter(&self, c: &mut LdaCoordinator, next: &LdaTask) -> Vec<WordBlock> {
        let LdaTask::Sample { subround, .. } = next else { return Vec::new() };
        (0..self.workers)
            .map(|p| {
                let b = self.rotation.block(p, *subround);
                c.parked[b].take().unwrap_or_else(|| panic!("block {b} is not at the coordinator"))
            })
            .collect()
    }

    fn receive(&self, w: &mut LdaWorker, block: WordBlock) {
        w.receive(block);
    }

    fn sync(&self, w: &mut LdaWorker, u: &LdaUpdate) {
        if let Some(t) = &u.totals {
            w.set_totals(t);
        }
    }

    fn final_task(&self, _: &mut LdaScheduler) -> Option<LdaTask> {
        Some(LdaTask::Collect)
    }

    // Checkpoints: every role state is saved whole (a worker's tokens with their topics, its
    // document counts and random stream), except the dense path's scratch table.
    strads_engine::whole_state_checkpoints!();

    fn updates(&self, task: &LdaTask) -> u64 {
        match task {
            // Tokens sampled, on average (the exact count is the block's).
            LdaTask::Sample { .. } => self.tokens / self.blocks.len() as u64 * self.workers as u64,
            _ => 0,
        }
    }
}

impl Lda {
    /// Final log-likelihood from the coordinator after the `Collect` round.
    pub fn final_loglik(&self, c: &LdaCoordinator) -> Option<f64> {
        c.final_doc_loglik().map(|d| d + self.word_loglik(c))
    }
}
