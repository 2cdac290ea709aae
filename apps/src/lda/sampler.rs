//! The LDA worker: its documents' tokens grouped by vocabulary block, sparse doc-topic
//! counts, and the SparseLDA collapsed Gibbs sampler [SparseLDA-09].
//!
//! For a token of word `w` in document `d`, with its own assignment removed,
//! `p(z = k) ∝ (α + n_dk)(β + n_wk) / (Vβ + n_k)` splits into three buckets:
//!
//! ```text
//! s = Σ_k αβ / (Vβ + n_k)                 smoothing, all topics   (kept up to date: O(1))
//! r = Σ_{k: n_dk>0} β n_dk / (Vβ + n_k)    document topics         (kept up to date: O(1))
//! q = Σ_{k: n_wk>0} c_k n_wk,  c_k = (α + n_dk) / (Vβ + n_k)        (O(nnz of the word's row))
//! ```
//!
//! A uniform draw picks the bucket, then the topic inside it; `q` is the large bucket and is
//! scanned over the word's non-zero counts only, so the cost per token grows with the
//! non-zeros of the word's and the document's counts, not with `K`. Doc-topic counts are
//! stored sparse per document and expanded into a dense scratch row only while the document
//! is being sampled; word-topic rows are sparse `(topic, count)` lists. Nothing is allocated
//! per token (rows grow by amortized pushes).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use wide::{f32x4, i32x4, CmpLe, CmpNe};

use super::loglik::{self, LgammaTable};
use super::mh::MhWorker;

/// Sparse counts: `(topic, count)` pairs with non-zero counts, in no particular order.
pub type SparseCounts = Vec<(u16, u32)>;

/// A block of the word-topic table: the rows of the block's words, in the block's member
/// order. It is owned by one worker at a time and travels through the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordBlock {
    /// The block's index.
    pub id: u32,
    /// The word-topic row of every member word.
    pub rows: Vec<SparseCounts>,
}

/// One LDA worker with the sampler the run asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LdaWorker {
    /// The exact SparseLDA collapsed Gibbs sampler (the default).
    Sparse(SparseWorker),
    /// The Metropolis–Hastings sampler ([`MhWorker`]).
    Mh(MhWorker),
}

impl LdaWorker {
    /// The global index of the first document.
    pub fn first_doc(&self) -> usize {
        match self {
            Self::Sparse(w) => w.first_doc(),
            Self::Mh(w) => w.first_doc(),
        }
    }

    /// Tokens of this worker.
    pub fn tokens(&self) -> usize {
        match self {
            Self::Sparse(w) => w.tokens(),
            Self::Mh(w) => w.tokens(),
        }
    }

    /// Random initial topics; per block the word-topic rows of this worker's tokens
    /// (`members[b]` rows for block `b`), and the topic totals.
    pub fn initialize(&mut self, members: &[usize]) -> (Vec<Vec<SparseCounts>>, Vec<i64>) {
        match self {
            Self::Sparse(w) => w.initialize(members),
            Self::Mh(w) => w.initialize(members),
        }
    }

    /// Takes the word block this worker owns for the next sub-round.
    pub fn receive(&mut self, block: WordBlock) {
        match self {
            Self::Sparse(w) => w.receive(block),
            Self::Mh(w) => w.receive(block),
        }
    }

    /// Replaces the view of the topic totals with fresh global totals.
    pub fn set_totals(&mut self, totals: &[i64]) {
        match self {
            Self::Sparse(w) => w.set_totals(totals),
            Self::Mh(w) => w.set_totals(totals),
        }
    }

    /// Samples the tokens of the held block (`first_of_iteration`: the sub-round starts an
    /// iteration); returns the block and this worker's changes to `n_k`.
    ///
    /// # Panics
    /// If no block is held (the engine delivers one before every sampling sub-round).
    pub fn sample(&mut self, first_of_iteration: bool) -> (WordBlock, Vec<i64>) {
        match self {
            Self::Sparse(w) => w.sample(),
            Self::Mh(w) => w.sample(first_of_iteration),
        }
    }

    /// The document part of the log-likelihood over this worker's documents.
    pub fn doc_loglik(&self) -> f64 {
        match self {
            Self::Sparse(w) => w.doc_loglik(),
            Self::Mh(w) => w.doc_loglik(),
        }
    }

    /// The doc-topic counts of this worker's documents, sorted by topic.
    pub fn doc_topic(&self) -> Vec<SparseCounts> {
        match self {
            Self::Sparse(w) => w.doc_topic(),
            Self::Mh(w) => w.doc_topic(),
        }
    }

    /// Checks this worker's invariants.
    ///
    /// # Errors
    /// A message naming the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        match self {
            Self::Sparse(w) => w.check_invariants(),
            Self::Mh(w) => w.check_invariants(),
        }
    }
}

/// The tokens of a worker's documents whose words are in one block, grouped by document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BlockTokens {
    /// Offsets per local document, length `docs + 1`.
    doc_ptr: Vec<u32>,
    /// Per local document, the end of its tokens whose words may take the dense path (they
    /// come first: `doc_ptr[d] ≤ split[d] ≤ doc_ptr[d + 1]`; see [`SparseWorker::use_dense`]).
    split: Vec<u32>,
    /// The token's word, as its position in the block.
    word: Vec<u32>,
    /// The token's topic.
    z: Vec<u16>,
}

/// One SparseLDA worker: a contiguous range of documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SparseWorker {
    k: usize,
    alpha: f64,
    /// `lnΓ(c + α) − lnΓ(α)` for counts up to the longest document.
    lg_alpha: LgammaTable,
    beta: f64,
    vbeta: f64,
    first_doc: usize,
    doc_len: Vec<u32>,
    tokens: Vec<BlockTokens>,
    ndk: Vec<SparseCounts>,
    /// This worker's view of the topic totals `n_k` (fresh at each sync, plus its own changes).
    nk: Vec<i64>,
    /// Its own changes to `n_k` since it last reported them.
    delta: Vec<i64>,
    held: Option<WordBlock>,
    rng: ChaCha8Rng,
    // Scratch, length K.
    dense: Vec<u32>,
    listed: Vec<bool>,
    coef: Vec<f64>,
    inv: Vec<f64>,
    doc_topics: Vec<u16>,
    q: Vec<f64>,
    /// Scratch for a document's or a word row's sparse counts before they are copied in.
    #[serde(skip)]
    pairs: SparseCounts,
    /// Dense word-topic rows of the held block for the small-K path (`None`: sparse path).
    table: Option<DenseTable>,
}

/// The dense path's scratch: the held block's word-topic rows as a `members × kp` table of
/// counts `n_wk` stored as `f32` (`kp` = K rounded up to the group width, padding zero; exact
/// integers, since the dense path is used only for words with fewer than 2²⁴ tokens, see
/// [`dense_fits`]), and the per-topic coefficients `(α + n_dk)/(Vβ + n_k)` (padding zero).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DenseTable {
    /// Whether the dense path is taken only for blocks where it pays.
    adaptive: bool,
    kp: usize,
    /// Per block, its leading rows that may take the dense path (the table's rows).
    words: Vec<usize>,
    /// Filled at the start of each sub-round: not saved in checkpoints.
    #[serde(skip)]
    counts: Vec<f32x4>,
    /// The documents in flight (scratch: not saved in checkpoints).
    #[serde(skip)]
    pair: Box<Pair>,
}

impl SparseWorker {
    /// A worker for documents `first_doc..first_doc + docs.len()`, given as token lists of
    /// global word ids, with the vocabulary split into blocks by `block_of` / `position` (the
    /// word's block and its index among the block's members) into `blocks` blocks; `k`
    /// topics, priors α and β, vocabulary size `v`; random stream `worker` of `seed`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        docs: &[&[u32]],
        first_doc: usize,
        block_of: &[u32],
        position: &[u32],
        blocks: usize,
        k: usize,
        alpha: f64,
        beta: f64,
        v: usize,
        seed: u64,
        worker: usize,
    ) -> Self {
        let mut tokens: Vec<BlockTokens> = (0..blocks)
            .map(|_| BlockTokens { doc_ptr: Vec::with_capacity(docs.len() + 1), ..BlockTokens::default() })
            .collect();
        let mut counts = vec![0u32; blocks];
        for t in &mut tokens {
            t.doc_ptr.push(0);
        }
        for doc in docs {
            counts.fill(0);
            for &w in *doc {
                counts[block_of[w as usize] as usize] += 1;
            }
            for (b, t) in tokens.iter_mut().enumerate() {
                let end = t.doc_ptr.last().copied().unwrap_or(0) + counts[b];
                t.doc_ptr.push(end);
            }
        }
        for t in &mut tokens {
            let n = t.doc_ptr.last().copied().unwrap_or(0) as usize;
            t.word = vec![0; n];
            t.z = vec![0; n];
            t.split = t.doc_ptr[1..].to_vec();
        }
        let mut at: Vec<Vec<u32>> = tokens.iter().map(|t| t.doc_ptr[..docs.len()].to_vec()).collect();
        for (d, doc) in docs.iter().enumerate() {
            for &w in *doc {
                let b = block_of[w as usize] as usize;
                let i = at[b][d] as usize;
                tokens[b].word[i] = position[w as usize];
                at[b][d] += 1;
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(worker as u64);
        let longest = docs.iter().map(|d| d.len()).max().unwrap_or(0);
        Self {
            k,
            alpha,
            lg_alpha: LgammaTable::new(alpha, longest + 1),
            beta,
            vbeta: v as f64 * beta,
            first_doc,
            doc_len: docs.iter().map(|d| d.len() as u32).collect(),
            tokens,
            ndk: vec![Vec::new(); docs.len()],
            nk: vec![0; k],
            delta: vec![0; k],
            held: None,
            rng,
            dense: vec![0; k],
            listed: vec![false; k],
            coef: vec![0.0; k],
            inv: vec![0.0; k],
            doc_topics: Vec::new(),
            q: Vec::new(),
            pairs: Vec::new(),
            table: None,
        }
    }

    /// The global index of the first document.
    pub fn first_doc(&self) -> usize {
        self.first_doc
    }

    /// Tokens of this worker.
    pub fn tokens(&self) -> usize {
        self.doc_len.iter().map(|&l| l as usize).sum()
    }

    /// Assigns every token a uniformly random topic; returns, per block, the word-topic rows
    /// of this worker's tokens (`members[b]` rows for block `b`), and the topic totals.
    pub fn initialize(&mut self, members: &[usize]) -> (Vec<Vec<SparseCounts>>, Vec<i64>) {
        let k = self.k;
        for bt in &mut self.tokens {
            for z in &mut bt.z {
                let t = self.rng.random_range(0..k) as u16;
                *z = t;
                self.nk[t as usize] += 1;
            }
        }
        // Doc-topic counts through the dense scratch, topics in the order first drawn.
        let (dense, listed) = (&mut self.dense, &mut self.listed);
        for (d, doc) in self.ndk.iter_mut().enumerate() {
            self.doc_topics.clear();
            for bt in &self.tokens {
                for &t in &bt.z[bt.doc_ptr[d] as usize..bt.doc_ptr[d + 1] as usize] {
                    count_in(t, dense, listed, &mut self.doc_topics);
                }
            }
            fold_doc(doc, &self.doc_topics, dense, listed, &mut self.pairs, |_| ());
        }
        // Word-topic counts per block through a dense table of at most INIT_TABLE counts,
        // a range of the block's words at a time.
        let chunk = (INIT_TABLE / k).max(1);
        let mut table: Vec<u32> = Vec::new();
        let rows = members
            .iter()
            .zip(&self.tokens)
            .map(|(&m, bt)| {
                let mut rows: Vec<SparseCounts> = Vec::with_capacity(m);
                for lo in (0..m).step_by(chunk) {
                    let hi = (lo + chunk).min(m);
                    table.clear();
                    table.resize((hi - lo) * k, 0);
                    for (&w, &t) in bt.word.iter().zip(&bt.z) {
                        let w = w as usize;
                        if (lo..hi).contains(&w) {
                            table[(w - lo) * k + t as usize] += 1;
                        }
                    }
                    rows.extend(table.chunks_exact(k).map(|row| {
                        row.iter().enumerate().filter(|&(_, &c)| c > 0).map(|(t, &c)| (t as u16, c)).collect()
                    }));
                }
                rows
            })
            .collect();
        (rows, self.nk.clone())
    }

    /// Takes the word block this worker owns for the next sub-round.
    pub fn receive(&mut self, block: WordBlock) {
        self.held = Some(block);
    }

    /// Replaces the view of the topic totals with fresh global totals.
    pub fn set_totals(&mut self, totals: &[i64]) {
        self.nk.copy_from_slice(totals);
    }

    /// Samples every token of this worker whose word is in the held block, once; returns the
    /// block (to be passed on) and this worker's changes to `n_k` since the last call.
    ///
    /// # Panics
    /// If no block is held (the engine delivers one before every sampling sub-round).
    pub fn sample(&mut self) -> (WordBlock, Vec<i64>) {
        let mut block = self.held.take().expect("a word block is delivered before each sub-round");
        if let Some(table) = &self.table {
            let (adaptive, words) = (table.adaptive, table.words[block.id as usize]);
            if !adaptive || dense_pays(&block.rows[..words], self.k) {
                self.sample_dense(&mut block);
                if adaptive && !dense_pays(&block.rows[..words], self.k) {
                    // The block's next holder takes the sparse path (the same test on the same
                    // rows), which keeps rows sorted by count; the dense path returns them by
                    // topic.
                    block.rows[..words].iter_mut().for_each(sort_by_count);
                }
                if words < block.rows.len() {
                    self.sample_sparse(&mut block, true);
                }
                return (block, std::mem::replace(&mut self.delta, vec![0; self.k]));
            }
        }
        if let Some(table) = &mut self.table {
            // Rows get sparser as the sampler runs: the dense table's memory is not kept.
            table.counts = Vec::new();
        }
        self.sample_sparse(&mut block, false);
        (block, std::mem::replace(&mut self.delta, vec![0; self.k]))
    }

    /// The SparseLDA path over the held block's tokens: all of them, or (`rare_only`) those
    /// past each document's [`BlockTokens::split`] (the words that never take the dense path).
    fn sample_sparse(&mut self, block: &mut WordBlock, rare_only: bool) {
        let (alpha, beta, vbeta) = (self.alpha, self.beta, self.vbeta);
        let ab = alpha * beta;
        let bt = &mut self.tokens[block.id as usize];
        let (dense, listed, coef, inv, nk, delta) =
            (&mut self.dense, &mut self.listed, &mut self.coef, &mut self.inv, &mut self.nk, &mut self.delta);
        let mut s = 0.0;
        for t in 0..self.k {
            inv[t] = 1.0 / (vbeta + nk[t] as f64);
            coef[t] = alpha * inv[t];
            s += ab * inv[t];
        }
        for (d, doc) in self.ndk.iter_mut().enumerate() {
            let lo = if rare_only { bt.split[d] } else { bt.doc_ptr[d] } as usize;
            let hi = bt.doc_ptr[d + 1] as usize;
            if lo == hi {
                continue;
            }
            // Expand the document's counts.
            let mut r = 0.0;
            self.doc_topics.clear();
            for &(t, c) in doc.iter() {
                let t_ = t as usize;
                dense[t_] = c;
                listed[t_] = true;
                self.doc_topics.push(t);
                coef[t_] = (alpha + f64::from(c)) * inv[t_];
                r += beta * f64::from(c) * inv[t_];
            }
            for i in lo..hi {
                let row = &mut block.rows[bt.word[i] as usize];
                let old = bt.z[i];
                // Remove the token.
                let o = old as usize;
                s -= ab * inv[o];
                r -= beta * f64::from(dense[o]) * inv[o];
                dense[o] -= 1;
                nk[o] -= 1;
                delta[o] -= 1;
                inv[o] = 1.0 / (vbeta + nk[o] as f64);
                s += ab * inv[o];
                r += beta * f64::from(dense[o]) * inv[o];
                coef[o] = (alpha + f64::from(dense[o])) * inv[o];
                // The word bucket over the row's non-zeros, with the token's own count left
                // out: the products into `q`, summed by four independent accumulators.
                let n_row = row.len();
                let at_old = row.iter().position(|e| e.0 == old).unwrap_or(n_row);
                debug_assert!(at_old < n_row, "the token's topic has a count in its word's row");
                if self.q.len() < n_row {
                    self.q.resize(n_row, 0.0);
                }
                let q = &mut self.q[..n_row];
                let qsum = word_bucket(row, coef, at_old, q);
                let mut u = self.rng.random::<f64>() * (s + r + qsum);
                let (new, at_new) = if u < qsum {
                    // Rows are kept sorted by count, largest first, so this scan stops early.
                    let mut j = 0;
                    let mut acc = q[0];
                    while acc <= u && j + 1 < n_row {
                        j += 1;
                        acc += q[j];
                    }
                    (row[j].0, Some(j))
                } else {
                    u -= qsum;
                    let t = if u < r {
                        let mut pick = self.doc_topics.last().copied();
                        for &t in &self.doc_topics {
                            u -= beta * f64::from(dense[t as usize]) * inv[t as usize];
                            if u < 0.0 && dense[t as usize] > 0 {
                                pick = Some(t);
                                break;
                            }
                        }
                        pick.unwrap_or(old)
                    } else {
                        u -= r;
                        let mut pick = (self.k - 1) as u16;
                        for (t, &iv) in inv.iter().enumerate() {
                            u -= ab * iv;
                            if u < 0.0 {
                                pick = t as u16;
                                break;
                            }
                        }
                        pick
                    };
                    (t, row.iter().position(|e| e.0 == t))
                };
                if new != old {
                    move_count(row, at_old, at_new, new);
                }
                // Add it back with its new topic.
                let n = new as usize;
                s -= ab * inv[n];
                r -= beta * f64::from(dense[n]) * inv[n];
                dense[n] += 1;
                nk[n] += 1;
                delta[n] += 1;
                inv[n] = 1.0 / (vbeta + nk[n] as f64);
                s += ab * inv[n];
                r += beta * f64::from(dense[n]) * inv[n];
                coef[n] = (alpha + f64::from(dense[n])) * inv[n];
                if !listed[n] {
                    listed[n] = true;
                    self.doc_topics.push(new);
                }
                bt.z[i] = new;
            }
            // Fold the document's counts back into its sparse list.
            fold_doc(doc, &self.doc_topics, dense, listed, &mut self.pairs, |t| coef[t] = alpha * inv[t]);
        }
    }

    /// Switches to the dense path (see `SparseWorker::sample_dense`) for the leading
    /// `words[b]` rows of every block `b` (the rest always take the sparse path): for every
    /// block, or (`adaptive`) for the blocks whose dense rows are dense enough that it pays
    /// (`dense_pays`: the rows average at least K/4 non-zeros a token). Each document's tokens
    /// of a block are reordered, stably, so that those of the dense rows come first. Called
    /// before [`SparseWorker::initialize`].
    ///
    /// # Panics
    /// If `words` does not have one entry per block.
    pub fn use_dense(&mut self, adaptive: bool, words: &[usize]) {
        assert_eq!(words.len(), self.tokens.len(), "one count of dense rows per block");
        for (bt, &n) in self.tokens.iter_mut().zip(words) {
            let mut rare: Vec<(u32, u16)> = Vec::new();
            for d in 0..bt.split.len() {
                let (lo, hi) = (bt.doc_ptr[d] as usize, bt.doc_ptr[d + 1] as usize);
                rare.clear();
                let mut at = lo;
                for i in lo..hi {
                    if (bt.word[i] as usize) < n {
                        (bt.word[at], bt.z[at]) = (bt.word[i], bt.z[i]);
                        at += 1;
                    } else {
                        rare.push((bt.word[i], bt.z[i]));
                    }
                }
                bt.split[d] = at as u32;
                for (i, &(w, z)) in rare.iter().enumerate() {
                    (bt.word[at + i], bt.z[at + i]) = (w, z);
                }
            }
        }
        let kp = self.k.div_ceil(LANES) * LANES;
        self.table = Some(DenseTable { adaptive, kp, words: words.to_vec(), counts: Vec::new(), pair: Box::default() });
    }

    /// The dense path: the same collapsed Gibbs conditional
    /// `p(k) ∝ (α + n_dk)(β + n_wk)/(Vβ + n_k)`, computed densely over all `K` topics in groups
    /// of 16 with the held block's rows expanded into a dense table for the sub-round (as
    /// dense samplers such as tomotopy's do), summed lane by lane with running sums per group
    /// (see [`lane_sums`], [`locate`]); no SparseLDA bucket bookkeeping per token.
    ///
    /// Two documents are in flight at once, one token of each a step, so that the CPU overlaps
    /// the two draws (each token's draw waits on the previous token's, of its own document):
    /// both tokens are taken out, both draws made, both put back. The two documents share
    /// only the topic totals (a step with both tokens at the same word runs them one after
    /// the other), so each draw is the exact conditional but for the other token missing from
    /// `n_k`; a Metropolis–Hastings step ([`correct`]) makes the chain exact again: it rejects a
    /// draw of the other token's topic with probability `1/(n_k + 1 + Vβ)` (Metropolis within
    /// Gibbs: Tierney, *Markov chains for exploring posterior distributions*, 1994). Each
    /// document keeps its own coefficients `(α + n_dk)/(Vβ + n_k)`, both refreshed where `n_k`
    /// changes. Exact like the sparse path (`f32` weights), with a different use of the random
    /// stream. With 1 worker on NYT-8447 at K = 100, 30 iterations took 1.64–1.97 s (median
    /// 1.76 s) against 1.90–2.31 s (median 1.99 s) one document at a time (six interleaved
    /// runs each).
    ///
    /// On x86-64 CPUs with AVX2 (detected at run time) the whole sub-round is compiled for
    /// AVX2 and the weights are summed 8 lanes at a time ([`Sums`]); the bits are those of the
    /// SSE path, so runs agree across machines.
    fn sample_dense(&mut self, block: &mut WordBlock) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new().filter(|_| self.k >= AVX2_MIN_TOPICS) {
            simd.vectorize(DenseRun { worker: self, block, sums: Sums::Avx2(simd) });
            return;
        }
        self.sample_dense_with(block, Sums::Sse);
    }

    /// [`SparseWorker::sample_dense`] with the weights summed by `sums`.
    #[inline(always)]
    fn sample_dense_with(&mut self, block: &mut WordBlock, sums: Sums) {
        let Some(table) = self.table.as_mut() else { return };
        let (k, kp) = (self.k, table.kp);
        let (alpha, vbeta, beta) = (self.alpha as f32, self.vbeta as f32, self.beta as f32);
        let bt = &mut self.tokens[block.id as usize];
        let (nk, delta) = (&mut self.nk, &mut self.delta);
        let rows = &mut block.rows[..table.words[block.id as usize]];
        table.counts.clear();
        table.counts.resize(rows.len() * kp / 4, f32x4::ZERO);
        // Scalar view of the vectors (f32x4 is four f32s, aligned to 16 bytes).
        let counts: &mut [f32] = bytemuck::cast_slice_mut(&mut table.counts);
        for (j, row) in rows.iter().enumerate() {
            for &(t, c) in row {
                counts[j * kp + t as usize] = c as f32;
            }
        }
        // Two documents in flight, one token of each a step (see `Pair`).
        let pair = &mut table.pair;
        let [a, b] = &mut pair.slots;
        let c = Consts { k, alpha, vbeta, beta };
        a.start(kp, nk, &c);
        b.start(kp, nk, &c);
        // Past the end of the tokens (no prefetch) above PREFETCH_MAX_TOPICS.
        let ahead = if k <= PREFETCH_MAX_TOPICS { AHEAD } else { bt.word.len() };
        let mut next = 0;
        let ndk = &mut self.ndk;
        let scratch = &mut self.pairs;
        let docs = Docs { doc_ptr: &bt.doc_ptr, split: &bt.split };
        let counts4: &mut [f32x4] = bytemuck::cast_slice_mut(counts);
        let mut step = TokenStep { word: &bt.word, z: &mut bt.z, counts: counts4, nk, delta, c: &c, sums, ahead };
        let mut live = [docs.open_next(a, &mut next, ndk, step.nk, &c), docs.open_next(b, &mut next, ndk, step.nk, &c)];
        while live[0] || live[1] {
            match live {
                [true, true] if bt.word[a.i] != bt.word[b.i] => {
                    let (ua, ub) = (self.rng.random::<f32>(), self.rng.random::<f32>());
                    let (wa, oa) = step.take_out(a, b);
                    let (wb, ob) = step.take_out(b, a);
                    let (ta, tb) = (step.total(a, wa), step.total(b, wb));
                    let (na, nb) = (step.pick(a, wa, ua * ta), step.pick(b, wb, ub * tb));
                    // Each draw took the other document's token out of the totals: the
                    // Metropolis–Hastings step puts it back (A's at `ob`, then B's at A's topic).
                    let na = correct(na, oa, ob, step.nk, &c, &mut self.rng);
                    let nb = correct(nb, ob, na, step.nk, &c, &mut self.rng);
                    step.put_back(a, b, wa, na);
                    step.put_back(b, a, wb, nb);
                }
                _ => {
                    // One token at a time: one slot left, or both at the same word (one row).
                    if live[0] {
                        step.step(a, b, self.rng.random::<f32>());
                    }
                    if live[1] {
                        step.step(b, a, self.rng.random::<f32>());
                    }
                }
            }
            for (x, slot) in [(0, &mut *a), (1, &mut *b)] {
                if live[x] && slot.i == slot.hi {
                    slot.close(&mut ndk[slot.doc], step.nk, scratch, &c);
                    live[x] = docs.open_next(slot, &mut next, ndk, step.nk, &c);
                }
            }
        }
        let scratch = &mut self.pairs;
        scratch.resize(k, (0, 0));
        for (j, row) in rows.iter_mut().enumerate() {
            // As in `fold_doc`: written whole to the scratch, the length advanced past non-zero
            // counts only; the row gets the non-zeros (a row's capacity stays its non-zeros).
            let mut len = 0;
            for (t, &c) in counts[j * kp..j * kp + k].iter().enumerate() {
                scratch[len] = (t as u16, c as u32);
                len += usize::from(c > 0.0);
            }
            row.clear();
            row.extend_from_slice(&scratch[..len]);
        }
    }

    /// The document part of the log-likelihood over this worker's documents.
    pub fn doc_loglik(&self) -> f64 {
        loglik::doc_part(self.ndk.iter().map(Vec::as_slice), self.k, &self.lg_alpha)
    }

    /// The doc-topic counts of this worker's documents, sorted by topic.
    pub fn doc_topic(&self) -> Vec<SparseCounts> {
        self.ndk
            .iter()
            .map(|d| {
                let mut d = d.clone();
                d.sort_unstable();
                d
            })
            .collect()
    }

    /// Checks this worker's count invariants: every document's counts are positive and sum
    /// to its length, and every token's topic is below `K`.
    ///
    /// # Errors
    /// A message naming the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (d, doc) in self.ndk.iter().enumerate() {
            let sum: u64 = doc.iter().map(|&(_, c)| u64::from(c)).sum();
            if sum != u64::from(self.doc_len[d]) || doc.iter().any(|&(t, c)| c == 0 || t as usize >= self.k) {
                return Err(format!("document {}: counts {doc:?} for {} tokens", self.first_doc + d, self.doc_len[d]));
            }
        }
        if self.tokens.iter().flat_map(|b| &b.z).any(|&z| z as usize >= self.k) {
            return Err("a topic assignment is out of range".into());
        }
        Ok(())
    }
}

/// The dense path runs compiled for AVX2 (where the CPU has it) from this many topics; below,
/// the per-token chain, not the arithmetic, bounds it, and the SSE build measured faster
/// (NYT-8447 at K = 100: 3.94–4.14 s against 3.76–3.94 s for 100 iterations; at K = 1,000 the
/// AVX2 build took 8–10 % less time on the 10M-token synthetic corpus).
const AVX2_MIN_TOPICS: usize = 256;

/// Topics per group of the dense small-K path (four SSE vectors).
const LANES: usize = 16;

/// The dense path asks for the word row of each document's token this many tokens ahead
/// (1: the next step's, two tokens of work ahead with two documents in flight)...
const AHEAD: usize = 1;

/// ...up to this many topics. With 1 worker on NYT-8447 at K = 100 (one 1.35 MB table, past
/// the 1 MB L2 cache) 30 iterations took 1.85–1.92 s against 1.95–2.02 s without (one
/// document at a time, two tokens ahead; 1, 2 and 4 measured alike); at K = 1,000 (4 KB
/// rows, which the hardware prefetcher streams) it made no difference.
const PREFETCH_MAX_TOPICS: usize = 256;

/// Asks the CPU to bring the row of `len` vectors from `start` into the cache (a hint: no
/// effect on the results; nothing past the table's end).
#[inline(always)]
fn prefetch_row(counts: &[f32x4], start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(row) = counts.get(start..start + len) {
        let mut j = 0;
        while j < row.len() {
            safe_arch::prefetch_t0(&row[j]);
            j += 4;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (counts, start, len);
}

/// The constants of a dense sub-round.
struct Consts {
    k: usize,
    alpha: f32,
    vbeta: f32,
    beta: f32,
}

/// The two documents the dense path samples at once (see [`SparseWorker::sample_dense`]).
#[derive(Debug, Clone, Default)]
struct Pair {
    slots: [DocSlot; 2],
}

/// A document in flight on the dense path: its counts expanded over the topics, the
/// coefficients `(α + n_dk)/(Vβ + n_k)` in vectors of four, the running sums of the last draw
/// and where its tokens are.
#[derive(Debug, Clone, Default)]
struct DocSlot {
    /// `n_dk` per topic (zero outside a document).
    dense: Vec<u32>,
    /// Whether the document lists the topic.
    listed: Vec<bool>,
    /// The listed topics, then each drawn anew (room for K + 1, see [`DocSlot::list`]).
    topics: Vec<u16>,
    listed_n: usize,
    coef: Vec<f32x4>,
    prefix: Vec<f32x4>,
    /// The document, its next token and the end of its tokens.
    doc: usize,
    i: usize,
    hi: usize,
}

impl DocSlot {
    /// Ready for a sub-round: sized for `k` topics (`kp` padded), outside any document, with
    /// every topic's coefficient `α/(Vβ + n_k)` (totals `nk`).
    fn start(&mut self, kp: usize, nk: &[i64], c: &Consts) {
        let k = c.k;
        if self.dense.len() != k || self.coef.len() != kp / 4 {
            *self = DocSlot {
                dense: vec![0; k],
                listed: vec![false; k],
                topics: vec![0; k + 1],
                listed_n: 0,
                coef: vec![f32x4::ZERO; kp / 4],
                prefix: prefix_table(kp),
                doc: 0,
                i: 0,
                hi: 0,
            };
        }
        let coef: &mut [f32] = bytemuck::cast_slice_mut(&mut self.coef);
        for t in 0..k {
            coef[t] = c.alpha * (1.0 / (c.vbeta + nk[t] as f32));
        }
    }

    /// Takes document `d` (sparse counts `counts`, tokens `lo..hi`).
    fn open(&mut self, d: usize, lo: usize, hi: usize, counts: &SparseCounts, nk: &[i64], c: &Consts) {
        (self.doc, self.i, self.hi, self.listed_n) = (d, lo, hi, 0);
        let coef: &mut [f32] = bytemuck::cast_slice_mut(&mut self.coef);
        for &(t, n) in counts {
            let t_ = t as usize;
            self.dense[t_] = n;
            self.listed[t_] = true;
            self.topics[self.listed_n] = t;
            self.listed_n += 1;
            coef[t_] = (c.alpha + n as f32) * (1.0 / (c.vbeta + nk[t_] as f32));
        }
    }

    /// Lists topic `t` after a draw (written at `topics[listed_n]`, the count advanced only
    /// for a topic not listed yet: no branch).
    #[inline(always)]
    fn list(&mut self, t: usize) {
        self.topics[self.listed_n] = t as u16;
        self.listed_n += usize::from(!self.listed[t]);
        self.listed[t] = true;
    }

    /// Folds the document's counts back into `counts` and leaves it.
    fn close(&mut self, counts: &mut SparseCounts, nk: &[i64], scratch: &mut SparseCounts, c: &Consts) {
        let coef: &mut [f32] = bytemuck::cast_slice_mut(&mut self.coef);
        fold_doc(counts, &self.topics[..self.listed_n], &mut self.dense, &mut self.listed, scratch, |t| {
            coef[t] = c.alpha * (1.0 / (c.vbeta + nk[t] as f32));
        });
        self.listed_n = 0;
    }
}

/// The Metropolis–Hastings correction of a paired draw (see [`SparseWorker::sample_dense`]):
/// `new` was drawn with the other document's token out of the topic totals `nk` (the
/// proposal `q`), where the exact conditional `p` counts it at topic `other`. `p/q` is 1 except
/// at `other`, where it is `ρ = (n + Vβ)/(n + 1 + Vβ)` (`n = nk[other]`), so the move from
/// `old` is accepted with probability `min(1, (p/q)(new) / (p/q)(old))`: always, except for
/// `new = other ≠ old`, accepted with probability `ρ` (otherwise the token keeps `old`).
/// A uniform is drawn only in that case.
#[inline(always)]
fn correct(new: usize, old: usize, other: usize, nk: &[i64], c: &Consts, rng: &mut ChaCha8Rng) -> usize {
    if new == other && old != other {
        let n = nk[other] as f64 + f64::from(c.vbeta);
        if rng.random::<f64>() * (n + 1.0) >= n {
            return old;
        }
    }
    new
}

/// Sets topic `t`'s coefficient in both slots after `n_k` or a slot's `n_dk` changed.
#[inline(always)]
fn refresh(a: &mut DocSlot, b: &mut DocSlot, t: usize, nk: &[i64], c: &Consts) {
    let inv = 1.0 / (c.vbeta + nk[t] as f32);
    set_lane(&mut a.coef, t, (c.alpha + a.dense[t] as f32) * inv);
    set_lane(&mut b.coef, t, (c.alpha + b.dense[t] as f32) * inv);
}

/// Where a block's documents' dense tokens are (see [`BlockTokens`]).
struct Docs<'a> {
    doc_ptr: &'a [u32],
    split: &'a [u32],
}

impl Docs<'_> {
    /// Opens the first document from `*next` on with dense tokens in `slot`; false if none is
    /// left.
    fn open_next(&self, slot: &mut DocSlot, next: &mut usize, ndk: &[SparseCounts], nk: &[i64], c: &Consts) -> bool {
        while *next < self.split.len() {
            let d = *next;
            *next += 1;
            let (lo, hi) = (self.doc_ptr[d] as usize, self.split[d] as usize);
            if lo < hi {
                slot.open(d, lo, hi, &ndk[d], nk, c);
                return true;
            }
        }
        false
    }
}

/// The counts a dense sub-round changes per token, and the pieces of a token's step (each
/// keeps the other slot's coefficients current): [`TokenStep::take_out`], the draw
/// ([`TokenStep::total`], then [`TokenStep::pick`]) and [`TokenStep::put_back`].
struct TokenStep<'a> {
    word: &'a [u32],
    z: &'a mut [u16],
    counts: &'a mut [f32x4],
    nk: &'a mut [i64],
    delta: &'a mut [i64],
    c: &'a Consts,
    sums: Sums,
    ahead: usize,
}

impl TokenStep<'_> {
    /// Takes slot `s`'s next token out of the counts (and asks for the row of its token
    /// [`AHEAD`]); returns the start of its word's row and its topic.
    #[inline(always)]
    fn take_out(&mut self, s: &mut DocSlot, other: &mut DocSlot) -> (usize, usize) {
        let q = s.coef.len();
        if let Some(&w) = self.word.get(s.i + self.ahead) {
            prefetch_row(self.counts, w as usize * q, q);
        }
        let w = self.word[s.i] as usize * q;
        let old = self.z[s.i] as usize;
        self.counts[w + old / 4] -= ONE_HOT[old % 4];
        s.dense[old] -= 1;
        self.nk[old] -= 1;
        self.delta[old] -= 1;
        refresh(s, other, old, self.nk, self.c);
        (w, old)
    }

    /// The total of slot `s`'s weights over the row at `w`, its running sums left in the slot.
    #[inline(always)]
    fn total(&self, s: &mut DocSlot, w: usize) -> f32 {
        let row = &self.counts[w..w + s.coef.len()];
        self.sums.lane_sums(&s.coef, row, self.c.beta, &mut s.prefix, self.c.k)
    }

    /// The topic at `u ∈ [0, total)` of those weights.
    #[inline(always)]
    fn pick(&self, s: &DocSlot, w: usize, u: f32) -> usize {
        let row: &[f32] = bytemuck::cast_slice(&self.counts[w..w + s.coef.len()]);
        locate(bytemuck::cast_slice(&s.coef), row, self.c.beta, &s.prefix, u, self.c.k)
    }

    /// Puts slot `s`'s token back at topic `n` and moves the slot to its next token.
    #[inline(always)]
    fn put_back(&mut self, s: &mut DocSlot, other: &mut DocSlot, w: usize, n: usize) {
        self.counts[w + n / 4] += ONE_HOT[n % 4];
        s.dense[n] += 1;
        self.nk[n] += 1;
        self.delta[n] += 1;
        refresh(s, other, n, self.nk, self.c);
        s.list(n);
        self.z[s.i] = n as u16;
        s.i += 1;
    }

    /// One token of slot `s` on its own: the exact collapsed Gibbs draw.
    #[inline(always)]
    fn step(&mut self, s: &mut DocSlot, other: &mut DocSlot, uniform: f32) {
        let (w, _) = self.take_out(s, other);
        let u = uniform * self.total(s, w);
        let n = self.pick(s, w, u);
        self.put_back(s, other, w, n);
    }
}

/// Whether `auto` picks the dense path: `k` ≤ [`DENSE_MAX_TOPICS`], the dense table of a
/// block of `max_members` words (`max_members × k` counts, 4 bytes each) within
/// [`DENSE_MAX_BYTES`], and [`dense_exact`].
pub fn dense_fits(k: usize, max_members: usize, max_word_tokens: u64) -> bool {
    k <= DENSE_MAX_TOPICS
        && max_members * k.div_ceil(LANES) * LANES * 4 <= DENSE_MAX_BYTES
        && dense_exact(max_word_tokens)
}

/// Whether the dense path's `f32` counts stay exact integers: every word has fewer than 2²⁴
/// tokens (`max_word_tokens`), so no word-topic count can exceed `f32`'s integer range.
pub fn dense_exact(max_word_tokens: u64) -> bool {
    max_word_tokens < 1 << 24
}

/// `auto` uses the dense path up to this many topics: for every block up to
/// [`DENSE_ALWAYS_TOPICS`], above it for the blocks where it pays (their rows average at least
/// K/4 non-zeros a token).
pub const DENSE_MAX_TOPICS: usize = 1024;

/// `auto` uses the dense path for every block up to this many topics.
pub const DENSE_ALWAYS_TOPICS: usize = 256;

/// The dense small-K path is used when a block's dense table takes at most this many bytes.
pub const DENSE_MAX_BYTES: usize = 256 << 20;

/// The weights `coef[t] · (word[t] + β)` (`word[t] = n_wk`) summed lane by lane over groups
/// of [`LANES`] topics (lane `l` of group `g`: topics `16g + l + 4i`, `i` = 0..4, the four
/// weights `x_i` of a lane added as `(x_0 + x_2) + (x_1 + x_3)`): `prefix[g + 1]` holds the
/// four lanes' running sums over groups `0..=g` and `prefix[0]` zero; returns the total.
/// Lengths: `coef` and `word` `kp / 4`, `prefix` `kp / 16 + 1`. No fused multiply-add, so
/// every build gives the same bits. A last group only partly below `k` adds only its
/// vectors holding topics (the padding's weights are exact zeros: the same bits, fewer
/// operations; K = 100 sums 25 vectors, not 28).
#[inline(always)]
fn lane_sums(coef: &[f32x4], word: &[f32x4], beta: f32, prefix: &mut [f32x4], k: usize) -> f32 {
    let kv = k.div_ceil(4);
    let (coef, word) = (&coef[..kv], &word[..kv]);
    let b = f32x4::splat(beta);
    let mut all = f32x4::ZERO;
    prefix[0] = all;
    let (cs, ns) = (coef.chunks_exact(4), word.chunks_exact(4));
    let (ct, nt) = (cs.remainder(), ns.remainder());
    let full = kv / 4;
    for ((c, n), p) in cs.zip(ns).zip(&mut prefix[1..]) {
        let (x0, x1, x2, x3) = (c[0] * (n[0] + b), c[1] * (n[1] + b), c[2] * (n[2] + b), c[3] * (n[3] + b));
        all += (x0 + x2) + (x1 + x3);
        *p = all;
    }
    // (x_0 + x_2) + (x_1 + x_3) with the missing x_i zero.
    let x = |i: usize| ct[i] * (nt[i] + b);
    match ct.len() {
        1 => all += x(0),
        2 => all += x(0) + x(1),
        3 => all += (x(0) + x(2)) + x(1),
        _ => {}
    }
    if !ct.is_empty() {
        prefix[full + 1] = all;
    }
    hsum(all)
}

/// [`lane_sums`] 8 lanes at a time (AVX2): a group's four vectors are two 8-lane vectors
/// `[x_0 | x_1]` and `[x_2 | x_3]`; their sum's halves added give `(x_0 + x_2) + (x_1 + x_3)`,
/// lane for lane the same operations, so the same bits.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lane_sums_avx2(simd: pulp::x86::V3, coef: &[f32x4], word: &[f32x4], beta: f32, prefix: &mut [f32x4]) -> f32 {
    let coef: &[pulp::f32x8] = bytemuck::cast_slice(coef);
    let word: &[pulp::f32x8] = bytemuck::cast_slice(word);
    let b = simd.splat_f32x8(beta);
    let mut all = simd.splat_f32x4(0.0);
    prefix[0] = bytemuck::cast(all);
    for ((c, n), p) in coef.chunks_exact(2).zip(word.chunks_exact(2)).zip(&mut prefix[1..]) {
        let x01 = simd.mul_f32x8(c[0], simd.add_f32x8(n[0], b));
        let x23 = simd.mul_f32x8(c[1], simd.add_f32x8(n[1], b));
        let [lo, hi]: [pulp::f32x4; 2] = bytemuck::cast(simd.add_f32x8(x01, x23));
        all = simd.add_f32x4(all, simd.add_f32x4(lo, hi));
        *p = bytemuck::cast(all);
    }
    hsum(bytemuck::cast(all))
}

/// How the dense path sums its weights: [`lane_sums`] (SSE) or, where the CPU has AVX2,
/// [`lane_sums_avx2`]; the same bits either way.
#[derive(Debug, Clone, Copy)]
enum Sums {
    Sse,
    #[cfg(target_arch = "x86_64")]
    Avx2(pulp::x86::V3),
}

impl Sums {
    #[inline(always)]
    fn lane_sums(self, coef: &[f32x4], word: &[f32x4], beta: f32, prefix: &mut [f32x4], k: usize) -> f32 {
        match self {
            Sums::Sse => lane_sums(coef, word, beta, prefix, k),
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2(simd) => lane_sums_avx2(simd, coef, word, beta, prefix),
        }
    }
}

/// A dense sub-round run under [`pulp::x86::V3::vectorize`] (compiled for AVX2).
#[cfg(target_arch = "x86_64")]
struct DenseRun<'a> {
    worker: &'a mut SparseWorker,
    block: &'a mut WordBlock,
    sums: Sums,
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for DenseRun<'_> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        self.worker.sample_dense_with(self.block, self.sums);
    }
}

/// `ONE_HOT[l]`: 1 in lane `l`, 0 in the others (adding it changes one count; the other
/// lanes add an exact zero).
const ONE_HOT: [f32x4; 4] = [
    f32x4::new([1.0, 0.0, 0.0, 0.0]),
    f32x4::new([0.0, 1.0, 0.0, 0.0]),
    f32x4::new([0.0, 0.0, 1.0, 0.0]),
    f32x4::new([0.0, 0.0, 0.0, 1.0]),
];

/// Sets entry `t` of a table of vectors to `x` by a lane blend, so that the vector is
/// written whole.
#[inline]
fn set_lane(v: &mut [f32x4], t: usize, x: f32) {
    let mask = ONE_HOT[t % 4].cmp_ne(f32x4::ZERO);
    v[t / 4] = mask.blend(f32x4::splat(x), v[t / 4]);
}

/// The running sums of [`lane_sums`] for `kp` topics: `kp / 16 + 1` entries, and at least
/// 9, those past the last group +∞ (never written), so that [`locate`] compares a fixed
/// seven of them for up to 128 topics.
fn prefix_table(kp: usize) -> Vec<f32x4> {
    let mut t = vec![f32x4::splat(f32::INFINITY); (kp / LANES + 1).max(9)];
    t[..=kp / LANES].fill(f32x4::ZERO);
    t
}

/// The sum of a vector's lanes, `(x0 + x2) + (x1 + x3)`.
#[inline]
fn hsum(x: f32x4) -> f32 {
    let v = x.to_array();
    (v[0] + v[2]) + (v[1] + v[3])
}

/// The topic at `u ∈ [0, total)` of the weights of [`lane_sums`], found without
/// data-dependent branches: the lane by its total, then the group by the lane's running
/// sums, then the topic among the lane's four in the group (the intervals in that order).
/// When `f32` rounding carries `u` past the end of a lane or group, the last one holding a
/// topic below `k` is taken, so the result is always a topic below `k`.
#[inline]
fn locate(coef: &[f32], word: &[f32], beta: f32, prefix: &[f32x4], u: f32, k: usize) -> usize {
    let groups = k.div_ceil(LANES);
    let run: &[f32] = bytemuck::cast_slice(prefix);
    let tot = &run[4 * groups..4 * groups + 4];
    let (c0, c1) = (tot[0], tot[0] + tot[1]);
    let c2 = c1 + tot[2];
    let lane = (usize::from(u >= c0) + usize::from(u >= c1) + usize::from(u >= c2)).min(k - 1);
    // Groups holding a topic of this lane: 0..=last.
    let last = (k - 1 - lane) / LANES;
    if let (true, Some(&[_, p1, p2, p3, p4, p5, p6, p7, ..])) = (groups <= 8, prefix.get(..9)) {
        // Up to 128 topics: `u` within every lane at once and the running sums of all lanes
        // compared with it together, while the lane is chosen (each true compare is −1); the
        // chosen lane's count is then the same `g` as below. Always the seven sums after the
        // first group: past `groups` the table holds +∞ (see `prefix_table`), and a count that
        // reaches the totals at `groups` (by rounding) is clamped to `last` below.
        let at = f32x4::splat(u) - f32x4::new([0.0, c0, c1, c2]);
        let le = |p: f32x4| bytemuck::cast::<f32x4, i32x4>(p.cmp_le(at));
        let count = -(((le(p1) + le(p2)) + (le(p3) + le(p4))) + ((le(p5) + le(p6)) + le(p7)));
        let g = (count.to_array()[lane] as usize).min(last);
        let u = at.to_array()[lane] - run[4 * g + lane];
        return within_group(coef, word, beta, u, g, lane, k);
    }
    let mut u = u - [0.0, c0, c1, c2][lane];
    // g = #{j < last : run_j ≤ u} (the running sums rise with j), counted by eights, then
    // within the eight: 7 + groups/8 comparisons instead of `groups`. Counted over all groups
    // and clamped to `last`: past `last` the lane holds only padding (zero weights), so its
    // running sums there equal the lane's total, which `u` reaches only by rounding.
    let mut g = 0;
    let mut j = 7;
    while j < groups - 1 {
        g += 8 * usize::from(run[4 * (j + 1) + lane] <= u);
        j += 8;
    }
    let base = g;
    for j in base..(base + 7).min(groups - 1) {
        g += usize::from(run[4 * (j + 1) + lane] <= u);
    }
    let g = g.min(last);
    // The sum before group g (the leading zero for g = 0: no branch on g).
    u -= run[4 * g + lane];
    within_group(coef, word, beta, u, g, lane, k)
}

/// The topic among lane `lane`'s four in group `g` at `u` (measured from the group's start),
/// the last one below `k` when rounding carries `u` past them (see [`locate`]).
#[inline(always)]
fn within_group(coef: &[f32], word: &[f32], beta: f32, u: f32, g: usize, lane: usize, k: usize) -> usize {
    let first = LANES * g + lane;
    let (coef, word) = (&coef[first..first + 9], &word[first..first + 9]);
    // The first weight starts the sum (not 0 + it: the weights are ≥ 0, so the same bits,
    // one add fewer on the per-token chain).
    let mut acc = coef[0] * (word[0] + beta);
    let mut i = usize::from(acc <= u);
    for j in 1..3 {
        acc += coef[4 * j] * (word[4 * j] + beta);
        i += usize::from(acc <= u);
    }
    first + 4 * i.min((k - 1 - first) / 4)
}

/// Folds a document's dense scratch counts at its listed `topics` back into its sparse list
/// `doc`, zeroing the scratch and unlisting them; `reset(t)` puts topic `t`'s coefficient back
/// to its no-document value.
fn fold_doc(
    doc: &mut SparseCounts,
    topics: &[u16],
    dense: &mut [u32],
    listed: &mut [bool],
    scratch: &mut SparseCounts,
    mut reset: impl FnMut(usize),
) {
    // Every listed topic is written to the scratch and the length advances past the non-zero
    // ones only: no branch on the count (whether a listed topic kept its tokens is a coin
    // flip). The document's list then gets only the non-zeros (its capacity stays its most
    // non-zeros, not its most listed topics).
    scratch.clear();
    scratch.resize(topics.len(), (0, 0));
    let mut len = 0;
    for &t in topics {
        let t_ = t as usize;
        scratch[len] = (t, dense[t_]);
        len += usize::from(dense[t_] > 0);
        dense[t_] = 0;
        listed[t_] = false;
        reset(t_);
    }
    doc.clear();
    doc.extend_from_slice(&scratch[..len]);
}

/// The non-zeros of a block's rows, averaged over its tokens: `Σ_w n_w · nnz_w / Σ_w n_w`
/// (`n_w` the word's tokens), what the sparse path's word bucket costs a token on average.
fn mean_row_nonzeros(rows: &[SparseCounts]) -> f64 {
    let (mut weighted, mut tokens) = (0u64, 0u64);
    for row in rows {
        let n: u64 = row.iter().map(|&(_, c)| u64::from(c)).sum();
        weighted += n * row.len() as u64;
        tokens += n;
    }
    weighted as f64 / tokens.max(1) as f64
}

/// Whether the dense path costs less than the sparse path for `block` with `k` topics: the
/// sparse path's word bucket visits [`mean_row_nonzeros`] entries a token (a gather, a multiply
/// and a store each), the dense path all `k` topics four at a time. On NYT-8447 at K = 1,000
/// (1 worker) an iteration took the same time on both paths at 266 non-zeros a token, the
/// sparse path 1.6× longer at 501 and the dense path 1.2× longer at 178.
fn dense_pays(rows: &[SparseCounts], k: usize) -> bool {
    mean_row_nonzeros(rows) * DENSE_RATIO >= k as f64
}

/// Whether a word of `tokens` tokens may take the dense path at `k` topics: its row can reach
/// the K/4 non-zeros a token from which the dense path pays (it has at most `tokens` of them).
/// A rarer word's dense row would be mostly zeros, read from memory for every token.
pub fn dense_word(tokens: u64, k: usize) -> bool {
    tokens as f64 * DENSE_RATIO >= k as f64
}

/// See [`dense_pays`].
const DENSE_RATIO: f64 = 4.0;

/// Counts for the initial word-topic rows: the dense table of one pass over a block's tokens
/// holds at most this many (a range of the block's words × `K`; 16 MB).
const INIT_TABLE: usize = 1 << 22;

/// Adds one to topic `t` of a dense scratch row, listing `t` in `topics` the first time.
pub(super) fn count_in(t: u16, dense: &mut [u32], listed: &mut [bool], topics: &mut Vec<u16>) {
    let t_ = t as usize;
    dense[t_] += 1;
    if !listed[t_] {
        listed[t_] = true;
        topics.push(t);
    }
}

/// `Σ_j coef[t_j] · c_j` over the row's entries `(t_j, c_j)`, with one count taken from the
/// entry at `at_old`; each product is stored in `q[j]`. Four accumulators hide the latency of
/// the adds. Not inlined: on its own it keeps all accumulators in registers.
#[inline(never)]
fn word_bucket(row: &[(u16, u32)], coef: &[f64], at_old: usize, q: &mut [f64]) -> f64 {
    let term = |(t, c): (u16, u32)| coef[t as usize] * f64::from(c);
    let (mut a0, mut a1, mut a2, mut a3) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut rows = row.chunks_exact(4);
    let mut qs = q.chunks_exact_mut(4);
    for (r4, q4) in (&mut rows).zip(&mut qs) {
        let (v0, v1, v2, v3) = (term(r4[0]), term(r4[1]), term(r4[2]), term(r4[3]));
        q4[0] = v0;
        q4[1] = v1;
        q4[2] = v2;
        q4[3] = v3;
        a0 += v0;
        a1 += v1;
        a2 += v2;
        a3 += v3;
    }
    for (&e, qj) in rows.remainder().iter().zip(qs.into_remainder()) {
        let v = term(e);
        *qj = v;
        a0 += v;
    }
    // The token's own count: one `coef` less at its entry.
    let own = coef[row[at_old].0 as usize];
    q[at_old] = coef[row[at_old].0 as usize] * f64::from(row[at_old].1 - 1);
    (a0 + a1) + (a2 + a3) - own
}

/// Moves one count of a word's row from the entry at `at_old` to topic `new` (at `at_new`, or
/// a new entry), keeping the row sorted by count, largest first (a few swaps at most), and
/// dropping a count that reaches zero.
fn move_count(row: &mut SparseCounts, at_old: usize, at_new: Option<usize>, new: u16) {
    // Decrement, and let the entry sink to its place.
    let mut k = at_old;
    let mut at_new = at_new;
    row[k].1 -= 1;
    while k + 1 < row.len() && row[k + 1].1 > row[k].1 {
        row.swap(k, k + 1);
        if at_new == Some(k + 1) {
            at_new = Some(k);
        }
        k += 1;
    }
    if row[k].1 == 0 {
        let last = row.len() - 1;
        row.swap_remove(k);
        if at_new == Some(last) {
            at_new = Some(k);
        }
    }
    // Increment, and let the entry rise to its place.
    let mut j = match at_new {
        Some(j) => {
            row[j].1 += 1;
            j
        }
        None => {
            row.push((new, 1));
            row.len() - 1
        }
    };
    while j > 0 && row[j - 1].1 < row[j].1 {
        row.swap(j - 1, j);
        j -= 1;
    }
}

/// Sorts sparse counts by count, largest first (ties by topic), the order the sampler keeps.
pub fn sort_by_count(row: &mut SparseCounts) {
    row.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Merges sparse counts `add` into `into`; `at` is scratch of length `K` holding `u32::MAX`
/// (and left so), so the merge takes time linear in the two rows.
pub fn merge(into: &mut SparseCounts, add: &[(u16, u32)], at: &mut [u32]) {
    if into.is_empty() {
        into.extend_from_slice(add);
        return;
    }
    for (j, e) in into.iter().enumerate() {
        at[e.0 as usize] = j as u32;
    }
    for &(t, c) in add {
        match at[t as usize] {
            u32::MAX => {
                at[t as usize] = into.len() as u32;
                into.push((t, c));
            }
            j => into[j as usize].1 += c,
        }
    }
    for e in into.iter() {
        at[e.0 as usize] = u32::MAX;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::Rng;

    proptest! {
        /// Moving a count keeps the row a sorted, positive, duplicate-free count list with the
        /// same total, one count moved from `old` to `new`.
        #[test]
        fn move_count_keeps_rows_sorted_and_exact(
            counts in proptest::collection::btree_map(0u16..12, 1u32..6, 1..10),
            pick in any::<proptest::sample::Index>(),
            new in 0u16..14,
        ) {
            let mut row: SparseCounts = counts.iter().map(|(&t, &c)| (t, c)).collect();
            sort_by_count(&mut row);
            let at_old = pick.index(row.len());
            let old = row[at_old].0;
            prop_assume!(new != old);
            let at_new = row.iter().position(|e| e.0 == new);
            move_count(&mut row, at_old, at_new, new);
            let mut want = counts.clone();
            *want.get_mut(&old).expect("old") -= 1;
            if want[&old] == 0 {
                want.remove(&old);
            }
            *want.entry(new).or_insert(0) += 1;
            let got: std::collections::BTreeMap<u16, u32> = row.iter().copied().collect();
            prop_assert_eq!(got.len(), row.len(), "no duplicate topics");
            prop_assert_eq!(got, want);
            prop_assert!(row.windows(2).all(|w| w[0].1 >= w[1].1), "sorted: {:?}", row);
        }
    }

    /// `locate` after `lane_sums` finds the topic whose interval of the cumulative weights
    /// holds `u`, the topics taken lane by lane, group by group (topics `16g + l + 4i`),
    /// checked against a plain cumulative sum in f64 in that order (away from the
    /// boundaries, where f32 rounding may pick a neighbour).
    #[test]
    fn the_dense_draw_finds_the_interval_of_u() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for k in [1usize, 5, 16, 17, 100, 256, 1000] {
            let kp = k.div_ceil(LANES) * LANES;
            let mut coef4 = vec![f32x4::ZERO; kp / 4];
            let coef: &mut [f32] = bytemuck::cast_slice_mut(&mut coef4);
            let mut row = vec![0i32; kp];
            for t in 0..k {
                coef[t] = rng.random::<f32>() * 3.0 + 0.01;
                row[t] = if rng.random::<f32>() < 0.5 { 0 } else { rng.random_range(1..50) };
            }
            let mut lanes = prefix_table(kp);
            let mut word4 = vec![f32x4::ZERO; kp / 4];
            let word: &mut [f32] = bytemuck::cast_slice_mut(&mut word4);
            for t in 0..k {
                word[t] = row[t] as f32;
            }
            let total = lane_sums(bytemuck::cast_slice(coef), bytemuck::cast_slice(word), 0.01, &mut lanes, k);
            let order: Vec<usize> = (0..4)
                .flat_map(|l| (0..kp / LANES).flat_map(move |g| (0..4).map(move |i| 16 * g + l + 4 * i)))
                .filter(|&t| t < k)
                .collect();
            let weights: Vec<f64> = order.iter().map(|&t| f64::from(coef[t]) * (f64::from(row[t]) + 0.01)).collect();
            let exact: f64 = weights.iter().sum();
            assert!((f64::from(total) - exact).abs() < 1e-5 * exact, "k {k}: {total} vs {exact}");
            for i in 0..2000 {
                let u = (i as f64 + 0.5) / 2000.0 * exact;
                let mut acc = 0.0;
                let mut want = *order.last().expect("k > 0");
                let mut margin = f64::INFINITY;
                for (j, &w) in weights.iter().enumerate() {
                    margin = margin.min((u - acc).abs()).min((acc + w - u).abs());
                    if u < acc + w {
                        want = order[j];
                        break;
                    }
                    acc += w;
                }
                let got = locate(coef, word, 0.01, &lanes, u as f32, k);
                if margin > 1e-4 * exact {
                    assert_eq!(got, want, "k {k}, u {u}");
                }
                assert!(got < k);
            }
        }
    }

    /// The AVX2 sums equal the SSE sums bit for bit (running sums and total), on random
    /// weights for several K.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_and_sse_sums_give_the_same_bits() {
        let Some(simd) = pulp::x86::V3::try_new() else {
            panic!("this test needs an x86-64 CPU with AVX2, to compare both sums");
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for k in [16usize, 100, 256, 1000] {
            let kp = k.div_ceil(LANES) * LANES;
            let mut coef = vec![f32x4::ZERO; kp / 4];
            let mut word = vec![f32x4::ZERO; kp / 4];
            for t in 0..k {
                set_lane(&mut coef, t, rng.random::<f32>() * 3.0 + 1e-3);
                set_lane(&mut word, t, f32::from(rng.random_range(0u16..200)));
            }
            let (mut sse, mut avx) = (vec![f32x4::ZERO; kp / LANES + 1], vec![f32x4::ZERO; kp / LANES + 1]);
            let a = lane_sums(&coef, &word, 0.01, &mut sse, k);
            let b = simd.vectorize(|| lane_sums_avx2(simd, &coef, &word, 0.01, &mut avx));
            assert_eq!(a.to_bits(), b.to_bits(), "k {k}");
            let bits = |v: &[f32x4]| v.iter().flat_map(|x| x.to_array()).map(f32::to_bits).collect::<Vec<_>>();
            assert_eq!(bits(&sse), bits(&avx), "k {k}");
        }
    }

    /// A dense sub-round compiled for AVX2 and one on SSE draw the same topics and leave the
    /// same counts (K = 300, where `sample_dense` takes the AVX2 build on a CPU that has it).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_dense_sub_round_gives_the_same_bits_with_and_without_avx2() {
        assert!(pulp::x86::V3::try_new().is_some(), "this test needs an x86-64 CPU with AVX2");
        let (k, v) = (300, 40);
        assert!(k >= AVX2_MIN_TOPICS);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let docs: Vec<Vec<u32>> = (0..30).map(|_| (0..50).map(|_| rng.random_range(0..v)).collect()).collect();
        let docs: Vec<&[u32]> = docs.iter().map(Vec::as_slice).collect();
        let (block_of, position): (Vec<u32>, Vec<u32>) = (0..v).map(|w| (0, w)).unzip();
        let mut w = SparseWorker::new(&docs, 0, &block_of, &position, 1, k, 0.1, 0.01, v as usize, 4, 0);
        w.use_dense(false, &[v as usize]);
        let (mut rows, _) = w.initialize(&[v as usize]);
        let block = WordBlock { id: 0, rows: rows.remove(0) };
        let mut other = w.clone();
        let start = w.tokens[0].z.clone();
        let (mut a, mut b) = (block.clone(), block);
        for _ in 0..3 {
            w.sample_dense(&mut a);
            other.sample_dense_with(&mut b, Sums::Sse);
        }
        assert_eq!(a, b);
        assert_ne!(w.tokens[0].z, start, "the sub-rounds moved topics");
        assert_eq!(w.tokens[0].z, other.tokens[0].z);
        assert_eq!((w.doc_topic(), &w.nk), (other.doc_topic(), &other.nk));
    }

    /// `use_dense` puts each document's tokens of the dense rows first, in their order, then
    /// the others in theirs, with `split` between them.
    #[test]
    fn dense_rows_tokens_come_first_in_each_document() {
        let docs: Vec<Vec<u32>> = vec![vec![3, 0, 4, 1, 3, 2], vec![4, 4], vec![], vec![1, 0]];
        let docs: Vec<&[u32]> = docs.iter().map(Vec::as_slice).collect();
        let (block_of, position): (Vec<u32>, Vec<u32>) = (0..5).map(|w| (0, w)).unzip();
        let mut w = SparseWorker::new(&docs, 0, &block_of, &position, 1, 300, 0.1, 0.01, 5, 4, 0);
        w.use_dense(true, &[2]);
        let bt = &w.tokens[0];
        assert_eq!(bt.doc_ptr, vec![0, 6, 8, 8, 10]);
        assert_eq!(bt.word, vec![0, 1, 3, 4, 3, 2, 4, 4, 1, 0]);
        assert_eq!(bt.split, vec![2, 6, 8, 10]);
    }

    /// Two one-token documents on the dense path, sampled as a pair (different words) or one
    /// after the other (the same word). Their topics interact through the topic totals
    /// (and a shared word's counts): the exact posterior over the K² states weighs "the same
    /// topic" by `Vβ/(Vβ + 1)` (times `(β + 1)/β` for a shared word) against "different
    /// topics"; two independent draws would weigh them alike. A χ² test of the chain's states
    /// against that posterior.
    #[test]
    fn paired_documents_keep_the_exact_posterior() {
        let (k, alpha, beta, v) = (3usize, 0.5, 0.1, 2usize);
        let vbeta = v as f64 * beta;
        for (words, same_weight) in
            [([0u32, 1], vbeta / (vbeta + 1.0)), ([0, 0], vbeta / (vbeta + 1.0) * (beta + 1.0) / beta)]
        {
            let docs: Vec<&[u32]> = vec![&words[..1], &words[1..]];
            let (block_of, position) = (vec![0u32; v], (0..v as u32).collect::<Vec<_>>());
            let mut w = SparseWorker::new(&docs, 0, &block_of, &position, 1, k, alpha, beta, v, 7, 0);
            w.use_dense(false, &[v]);
            let (rows, _) = w.initialize(&[v]);
            let mut block = WordBlock { id: 0, rows: rows.into_iter().next().expect("one block") };
            let mut seen = vec![0.0; k * k];
            let (sweeps, thin) = (60_000, 3);
            for s in 0..sweeps {
                w.receive(block);
                block = w.sample().0;
                if s % thin == 0 {
                    let z = &w.tokens[0].z;
                    seen[z[0] as usize * k + z[1] as usize] += 1.0;
                }
            }
            let weight = |a: usize, b: usize| if a == b { same_weight } else { 1.0 };
            let z: f64 = (0..k * k).map(|s| weight(s / k, s % k)).sum();
            let n: f64 = seen.iter().sum();
            let chi2: f64 = (0..k * k)
                .map(|s| {
                    let want = n * weight(s / k, s % k) / z;
                    (seen[s] - want).powi(2) / want
                })
                .sum();
            // χ²(8) exceeds 26.12 with probability 0.001.
            assert!(chi2 < 26.12, "words {words:?}: χ² = {chi2:.1}, seen {seen:?}");
            w.check_invariants().expect("counts stay consistent");
        }
    }

    /// The mean non-zeros are weighted by the words' tokens, and the dense path pays from one
    /// non-zero per four topics.
    #[test]
    fn dense_pays_from_a_quarter_of_the_topics() {
        // A word with 90 tokens over 30 topics and one with 10 tokens in 1 topic: (90 · 30 +
        // 10 · 1) / 100 = 27.1 on average.
        let dense_row: SparseCounts = (0..30).map(|t| (t, 3)).collect();
        let rows = vec![dense_row, vec![(5, 10)], Vec::new()];
        assert_eq!(mean_row_nonzeros(&rows), 27.1);
        assert!(dense_pays(&rows, 108));
        assert!(!dense_pays(&rows, 109));
    }

    #[test]
    fn the_word_bucket_leaves_the_token_out() {
        let row = vec![(2u16, 3u32), (0, 2), (5, 1), (1, 1), (4, 1)];
        let coef = [1.0, 2.0, 3.0, 0.0, 5.0, 7.0];
        let mut q = vec![0.0; 5];
        let sum = word_bucket(&row, &coef, 1, &mut q);
        assert_eq!(q, vec![9.0, 1.0, 7.0, 2.0, 5.0]);
        assert_eq!(sum, 24.0);
    }
}
