//! The Metropolis–Hastings LDA worker: O(1) work per token and step, whatever `K`, after
//! WarpLDA [WarpLDA-16] (Chen, Li, Zhu & Chen, VLDB 2016), with the word proposal drawn from
//! an alias table as in LightLDA [LightLDA-15] (Yuan et al., WWW 2015).
//!
//! The target for a token of word `w` in document `d`, with its own assignment removed, is
//! `π(k) ∝ (α + n_dk)(β + n_wk) / (Vβ + n_k)`. Two proposals alternate, each of which cancels
//! one factor of `π` so that its acceptance needs only the counts at hand:
//!
//! ```text
//! doc proposal   q_d(k) ∝ n_dk + α     accept min(1, (n_wt + β)(n_s + Vβ) / ((n_ws + β)(n_t + Vβ)))
//! word proposal  q_w(k) ∝ n_wk + β     accept min(1, (n_dt + α)(n_s + Vβ) / ((n_ds + α)(n_t + Vβ)))
//! ```
//!
//! (`s` the token's topic, `t` the proposal, every count without the token itself.) Tokens are
//! visited twice per iteration, as in WarpLDA:
//!
//! * the **doc phase** (once per iteration, before the first sub-round; no word block needed)
//!   walks the worker's documents, accepts or rejects each token's stored word proposals with
//!   the document's counts (rebuilt densely from the tokens' topics), then draws the token's
//!   next doc proposals by picking a random *other* token of the document (`n_dk` without the
//!   token) or, with weight `Kα`, a uniform topic;
//! * the **word phase** (each sub-round, on the held word block) walks the block's words, each
//!   word's row expanded into a dense scratch row: it first folds in the topic changes the doc
//!   phase made to this worker's tokens of the word (the block's counts see them one phase
//!   late, WarpLDA's delayed update), accepts or rejects each token's doc proposals, builds a
//!   Walker/Vose alias table over the row's non-zeros, and draws the token's next word proposals
//!   (`n_wk` without the token: a draw of the token's own topic is kept with probability
//!   `1 − 1/n_ws`; with weight `Kβ` a uniform topic).
//!
//! With the rest of the corpus fixed, each step is an exact Metropolis–Hastings step for the
//! collapsed conditional (checked by a χ² test); across tokens, the proposals are one phase
//! stale, WarpLDA's approximation. Memory is `2 + steps` topics (`u16`) and one `u32` index a
//! token, plus sparse rows: nothing grows with `K × V` or `K × D`, and nothing is allocated per
//! token.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::loglik;
use super::loglik::LgammaTable;
use super::sampler::{count_in, SparseCounts, WordBlock};

/// One MH worker: a contiguous range of documents, their tokens stored word-major by block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MhWorker {
    k: usize,
    alpha: f64,
    /// `lnΓ(c + α) − lnΓ(α)` for counts up to the longest document.
    lg_alpha: LgammaTable,
    beta: f64,
    vbeta: f64,
    steps: usize,
    first_doc: usize,
    /// Per block, the index into `word_start` of its first member word.
    block_base: Vec<usize>,
    /// Token ranges by (block, member word): `word_start[block_base[b] + j]..[.. + 1]`.
    word_start: Vec<u32>,
    /// Per token (word-major), `2 + steps` topics: the topic `z`, the topic the word block
    /// counts for it (`z` once the word phase has seen the change), and the pending proposals.
    state: Vec<u16>,
    /// Offsets of each local document's tokens in `doc_tok`, length `docs + 1`.
    doc_ptr: Vec<u32>,
    /// The word-major index of each token, by document.
    doc_tok: Vec<u32>,
    /// This worker's view of the topic totals `n_k` (fresh at each sync, plus its own changes).
    nk: Vec<i64>,
    /// Its own changes to `n_k` since it last reported them: the moves its word blocks have
    /// seen, so that the coordinator's `n_k` always equals the blocks' column sums.
    delta: Vec<i64>,
    /// Whether the view `nk` has the doc phase's moves that the blocks have not seen yet (true
    /// from a doc phase to the next fresh totals).
    view_has_pending: bool,
    held: Option<WordBlock>,
    rng: ChaCha8Rng,
    // Scratch.
    counts: Vec<u32>,
    marked: Vec<bool>,
    touched: Vec<u16>,
    topics: Vec<u16>,
    alias: Alias,
    /// Tests: only this token (word-major index) is resampled, every other one stays fixed.
    #[cfg(test)]
    only: Option<usize>,
}

impl MhWorker {
    /// A worker for documents `first_doc..first_doc + docs.len()`, given as token lists of
    /// global word ids, with the vocabulary split into `blocks` blocks by `block_of` /
    /// `position`; `k` topics, priors α and β, vocabulary size `v`, `steps` MH steps per token
    /// and phase; random stream `worker` of `seed`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        docs: &[&[u32]],
        first_doc: usize,
        block_of: &[u32],
        position: &[u32],
        blocks: usize,
        k: usize,
        (alpha, beta): (f64, f64),
        steps: usize,
        seed: u64,
        worker: usize,
    ) -> Self {
        let mut members = vec![0usize; blocks];
        for (&b, &j) in block_of.iter().zip(position) {
            members[b as usize] = members[b as usize].max(j as usize + 1);
        }
        let mut block_base = Vec::with_capacity(blocks);
        let mut slots = 0;
        for &m in &members {
            block_base.push(slots);
            slots += m;
        }
        let slot = |w: u32| block_base[block_of[w as usize] as usize] + position[w as usize] as usize;
        let mut word_start = vec![0u32; slots + 1];
        for &w in docs.iter().flat_map(|d| d.iter()) {
            word_start[slot(w) + 1] += 1;
        }
        for s in 0..slots {
            word_start[s + 1] += word_start[s];
        }
        let mut fill = word_start.clone();
        let mut doc_ptr = Vec::with_capacity(docs.len() + 1);
        let mut doc_tok = Vec::with_capacity(word_start[slots] as usize);
        doc_ptr.push(0);
        for doc in docs {
            for &w in *doc {
                let s = slot(w);
                doc_tok.push(fill[s]);
                fill[s] += 1;
            }
            doc_ptr.push(doc_tok.len() as u32);
        }
        let stride = 2 + steps;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(worker as u64);
        let longest = doc_ptr.windows(2).map(|w| (w[1] - w[0]) as usize).max().unwrap_or(0);
        Self {
            k,
            alpha,
            lg_alpha: LgammaTable::new(alpha, longest + 1),
            beta,
            vbeta: block_of.len() as f64 * beta,
            steps,
            first_doc,
            block_base,
            word_start,
            state: vec![0; doc_tok.len() * stride],
            doc_ptr,
            doc_tok,
            nk: vec![0; k],
            delta: vec![0; k],
            view_has_pending: false,
            held: None,
            rng,
            counts: vec![0; k],
            marked: vec![false; k],
            touched: Vec::new(),
            topics: Vec::new(),
            alias: Alias::default(),
            #[cfg(test)]
            only: None,
        }
    }

    fn stride(&self) -> usize {
        2 + self.steps
    }

    /// The global index of the first document.
    pub fn first_doc(&self) -> usize {
        self.first_doc
    }

    /// Tokens of this worker.
    pub fn tokens(&self) -> usize {
        self.doc_tok.len()
    }

    /// Assigns every token a uniformly random topic (its proposals start equal to it, so the
    /// first doc phase changes nothing); returns, per block, the word-topic rows of this
    /// worker's tokens (`members[b]` rows for block `b`), and the topic totals.
    pub fn initialize(&mut self, members: &[usize]) -> (Vec<Vec<SparseCounts>>, Vec<i64>) {
        let (k, stride) = (self.k, self.stride());
        for &i in &self.doc_tok {
            let t = self.rng.random_range(0..k) as u16;
            self.state[i as usize * stride..(i as usize + 1) * stride].fill(t);
            self.nk[t as usize] += 1;
        }
        let mut rows: Vec<Vec<SparseCounts>> = members.iter().map(|&m| vec![Vec::new(); m]).collect();
        for (b, block_rows) in rows.iter_mut().enumerate() {
            for (j, row) in block_rows.iter_mut().enumerate() {
                let slot = self.block_base[b] + j;
                let (lo, hi) = (self.word_start[slot] as usize, self.word_start[slot + 1] as usize);
                for i in lo..hi {
                    self.count_in(self.state[i * stride]);
                }
                row.extend(self.touched.iter().map(|&t| (t, self.counts[t as usize])));
                self.clear_counts();
            }
        }
        (rows, self.nk.clone())
    }

    /// Takes the word block this worker owns for the next sub-round.
    pub fn receive(&mut self, block: WordBlock) {
        self.held = Some(block);
    }

    /// Replaces the view of the topic totals with fresh global totals (which count every
    /// token at the topic its word block counts).
    pub fn set_totals(&mut self, totals: &[i64]) {
        self.nk.copy_from_slice(totals);
        self.view_has_pending = false;
    }

    /// One sub-round: the doc phase first when `first_of_iteration`, then the word phase on
    /// the held block; returns the block (to be passed on) and this worker's changes to `n_k`
    /// since the last call.
    ///
    /// # Panics
    /// If no block is held (the engine delivers one before every sampling sub-round).
    pub fn sample(&mut self, first_of_iteration: bool) -> (WordBlock, Vec<i64>) {
        let mut block = self.held.take().expect("a word block is delivered before each sub-round");
        if first_of_iteration {
            self.doc_phase();
        }
        self.word_phase(&mut block);
        (block, std::mem::replace(&mut self.delta, vec![0; self.k]))
    }

    /// Moves a token's topic from `s` to `t` in the dense `counts` and in the view of `n_k`
    /// (`report`: also in the changes reported to the coordinator).
    fn move_topic(&mut self, s: u16, t: u16, report: bool) {
        self.counts[s as usize] -= 1;
        self.count_in(t);
        let (s, t) = (s as usize, t as usize);
        self.nk[s] -= 1;
        self.nk[t] += 1;
        if report {
            self.delta[s] -= 1;
            self.delta[t] += 1;
        }
    }

    /// Adds one to topic `t` of the dense scratch `counts`, listing it in `touched`.
    fn count_in(&mut self, t: u16) {
        count_in(t, &mut self.counts, &mut self.marked, &mut self.touched);
    }

    /// Zeroes the dense scratch `counts` at the topics listed in `touched`.
    fn clear_counts(&mut self) {
        for &t in &self.touched {
            self.counts[t as usize] = 0;
            self.marked[t as usize] = false;
        }
        self.touched.clear();
    }

    /// The MH steps of the token whose state starts at `at`, with its pending proposals
    /// against the dense `counts` (the document's in the doc phase, the word's row in the word
    /// phase) and prior `prior` (α or β): `t` replaces `s` with probability
    /// `min(1, (c_t + prior)(n_s − 1 + Vβ) / ((c_s − 1 + prior)(n_t + Vβ)))`, the counts without
    /// the token. Moves go into `counts` and the view of `n_k` (`report`: also into the
    /// reported changes). Returns the token's topic.
    fn mh_steps(&mut self, at: usize, prior: f64, report: bool) -> u16 {
        let mut s = self.state[at];
        #[cfg(test)]
        if self.only.is_some_and(|o| o * self.stride() != at) {
            return s;
        }
        for m in 0..self.steps {
            let t = self.state[at + 2 + m];
            if t == s {
                continue;
            }
            let (cs, ct) = (f64::from(self.counts[s as usize]) - 1.0, f64::from(self.counts[t as usize]));
            let num = (ct + prior) * (self.nk[s as usize] as f64 - 1.0 + self.vbeta);
            let den = (cs + prior) * (self.nk[t as usize] as f64 + self.vbeta);
            if self.rng.random::<f64>() * den < num {
                self.move_topic(s, t, report);
                s = t;
            }
        }
        s
    }

    /// Accepts or rejects the word proposals of every token document by document, and draws
    /// the doc proposals.
    fn doc_phase(&mut self) {
        self.view_has_pending = true;
        let (stride, steps, k) = (self.stride(), self.steps, self.k);
        let alpha = self.alpha;
        let k_alpha = k as f64 * alpha;
        for d in 0..self.doc_ptr.len() - 1 {
            let (lo, hi) = (self.doc_ptr[d] as usize, self.doc_ptr[d + 1] as usize);
            if lo == hi {
                continue;
            }
            self.topics.clear();
            for j in lo..hi {
                let t = self.state[self.doc_tok[j] as usize * stride];
                self.topics.push(t);
                self.count_in(t);
            }
            for j in lo..hi {
                let at = self.doc_tok[j] as usize * stride;
                // Moves are reported when the word phase folds them into the word's row.
                let s = self.mh_steps(at, alpha, false);
                self.state[at] = s;
                self.topics[j - lo] = s;
            }
            // Doc proposals: a random other token's topic, or (weight Kα) a uniform topic.
            let others = (hi - lo - 1) as f64;
            let mass = others + k_alpha;
            for j in lo..hi {
                let at = self.doc_tok[j] as usize * stride;
                for m in 0..steps {
                    let u = self.rng.random::<f64>() * mass;
                    let t = if u < others {
                        let mut o = u as usize;
                        if o >= j - lo {
                            o += 1;
                        }
                        self.topics[o]
                    } else {
                        (((u - others) / k_alpha * k as f64) as usize).min(k - 1) as u16
                    };
                    self.state[at + 2 + m] = t;
                }
            }
            self.clear_counts();
        }
    }

    /// Folds in the doc phase's changes, accepts or rejects the doc proposals of every token
    /// word by word, and draws the word proposals.
    fn word_phase(&mut self, block: &mut WordBlock) {
        let (stride, steps, k) = (self.stride(), self.steps, self.k);
        let beta = self.beta;
        let k_beta = k as f64 * beta;
        let base = self.block_base[block.id as usize];
        for (j, row) in block.rows.iter_mut().enumerate() {
            let (lo, hi) = (self.word_start[base + j] as usize, self.word_start[base + j + 1] as usize);
            if lo == hi {
                continue;
            }
            for &(t, c) in row.iter() {
                self.counts[t as usize] = c;
                self.marked[t as usize] = true;
                self.touched.push(t);
            }
            // The doc phase's moves, one phase late: into the row and the reported changes of
            // n_k (and into the view of n_k, unless it still has them from the doc phase).
            for i in lo..hi {
                let (z, zw) = (self.state[i * stride], self.state[i * stride + 1]);
                if z != zw {
                    self.counts[zw as usize] -= 1;
                    self.count_in(z);
                    self.delta[zw as usize] -= 1;
                    self.delta[z as usize] += 1;
                    if !self.view_has_pending {
                        self.nk[zw as usize] -= 1;
                        self.nk[z as usize] += 1;
                    }
                    self.state[i * stride + 1] = z;
                }
            }
            // Accept or reject the doc proposals; the document's factor cancels.
            for i in lo..hi {
                let at = i * stride;
                let s = self.mh_steps(at, beta, true);
                self.state[at] = s;
                self.state[at + 1] = s;
            }
            // The row back in sparse form, and the alias table over it.
            row.clear();
            for &t in &self.touched {
                let c = self.counts[t as usize];
                if c > 0 {
                    row.push((t, c));
                }
            }
            self.alias.build(row);
            let others_all = self.alias.total;
            // Word proposals: the topic of a random other token of the word, or (weight Kβ) a
            // uniform topic.
            for i in lo..hi {
                let at = i * stride;
                let s = self.state[at];
                let cs = f64::from(self.counts[s as usize]);
                let others = others_all - 1.0;
                let mass = others + k_beta;
                for m in 0..steps {
                    let u = self.rng.random::<f64>() * mass;
                    let t = if u < others {
                        loop {
                            let t = self.alias.sample(&mut self.rng);
                            // Leave the token itself out: its own topic loses one count.
                            if t != s || self.rng.random::<f64>() * cs >= 1.0 {
                                break t;
                            }
                        }
                    } else {
                        (((u - others) / k_beta * k as f64) as usize).min(k - 1) as u16
                    };
                    self.state[at + 2 + m] = t;
                }
            }
            self.clear_counts();
        }
    }

    /// Per local document, its doc-topic counts (sparse, sorted by topic), from the topics the
    /// word blocks count (a doc phase's moves count once the word phase has seen them, so the
    /// doc-topic, word-topic and total counts agree after every sub-round).
    fn doc_counts(&self, mut each: impl FnMut(&[(u16, u32)])) {
        let stride = self.stride();
        let mut counts = vec![0u32; self.k];
        let mut doc: SparseCounts = Vec::new();
        for d in 0..self.doc_ptr.len() - 1 {
            doc.clear();
            for j in self.doc_ptr[d] as usize..self.doc_ptr[d + 1] as usize {
                counts[self.state[self.doc_tok[j] as usize * stride + 1] as usize] += 1;
            }
            for j in self.doc_ptr[d] as usize..self.doc_ptr[d + 1] as usize {
                let t = self.state[self.doc_tok[j] as usize * stride + 1];
                if counts[t as usize] > 0 {
                    doc.push((t, counts[t as usize]));
                    counts[t as usize] = 0;
                }
            }
            doc.sort_unstable();
            each(&doc);
        }
    }

    /// The document part of the log-likelihood over this worker's documents.
    pub fn doc_loglik(&self) -> f64 {
        let mut sum = 0.0;
        self.doc_counts(|doc| sum += loglik::doc_part([doc], self.k, &self.lg_alpha));
        sum
    }

    /// The doc-topic counts of this worker's documents, sorted by topic.
    pub fn doc_topic(&self) -> Vec<SparseCounts> {
        let mut out = Vec::with_capacity(self.doc_ptr.len() - 1);
        self.doc_counts(|doc| out.push(doc.to_vec()));
        out
    }

    /// Checks this worker's invariants: every topic and proposal is below `K`, and at the end
    /// of an iteration the word blocks count every token at its topic.
    ///
    /// # Errors
    /// A message naming the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        if let Some(at) = self.state.iter().position(|&t| t as usize >= self.k) {
            return Err(format!("token {}: a topic or proposal is out of range", at / self.stride()));
        }
        Ok(())
    }

    /// Tests: resamples only token `i` (word-major index), everything else fixed, for
    /// `cycles` doc-phase + word-phase cycles on a worker holding `block`; returns the token's
    /// topic after every `thin`-th cycle.
    #[cfg(test)]
    pub(crate) fn chain_of_one(&mut self, i: usize, block: &mut WordBlock, cycles: usize, thin: usize) -> Vec<u16> {
        self.only = Some(i);
        let mut seen = Vec::with_capacity(cycles / thin);
        for c in 0..cycles {
            self.doc_phase();
            self.word_phase(block);
            if c % thin == thin - 1 {
                seen.push(self.state[i * self.stride()]);
            }
        }
        self.only = None;
        seen
    }

    /// Tests: the topic of every token, by document.
    #[cfg(test)]
    pub(crate) fn topics_by_doc(&self) -> Vec<Vec<u16>> {
        (0..self.doc_ptr.len() - 1)
            .map(|d| {
                (self.doc_ptr[d]..self.doc_ptr[d + 1])
                    .map(|j| self.state[self.doc_tok[j as usize] as usize * self.stride()])
                    .collect()
            })
            .collect()
    }

    /// Tests: the word-major index of local document `d`'s `j`-th token.
    #[cfg(test)]
    pub(crate) fn token_index(&self, d: usize, j: usize) -> usize {
        self.doc_tok[self.doc_ptr[d] as usize + j] as usize
    }
}

/// A Walker alias table [Walker 1977; Vose 1991] over sparse counts: O(n) to build, O(1) a
/// draw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Alias {
    /// Per cell: the probability of keeping the cell's own topic.
    keep: Vec<f64>,
    /// Per cell: its own topic and the alias topic.
    topic: Vec<(u16, u16)>,
    /// The sum of the counts.
    total: f64,
    small: Vec<u32>,
    large: Vec<u32>,
}

impl Alias {
    /// Builds the table for `row` (non-zero counts).
    fn build(&mut self, row: &[(u16, u32)]) {
        let n = row.len();
        self.keep.clear();
        self.topic.clear();
        self.small.clear();
        self.large.clear();
        self.total = row.iter().map(|&(_, c)| f64::from(c)).sum();
        if n == 0 {
            return;
        }
        let scale = n as f64 / self.total;
        for (i, &(t, c)) in row.iter().enumerate() {
            let p = f64::from(c) * scale;
            self.keep.push(p);
            self.topic.push((t, t));
            if p < 1.0 {
                self.small.push(i as u32);
            } else {
                self.large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (self.small.last(), self.large.last()) {
            self.small.pop();
            let (s, l) = (s as usize, l as usize);
            self.topic[s].1 = self.topic[l].0;
            self.keep[l] -= 1.0 - self.keep[s];
            if self.keep[l] < 1.0 {
                self.large.pop();
                self.small.push(l as u32);
            }
        }
        // Left-overs are 1 up to rounding.
        for &i in self.small.iter().chain(&self.large) {
            self.keep[i as usize] = 1.0;
        }
    }

    /// One draw, with probability proportional to the counts.
    fn sample(&self, rng: &mut ChaCha8Rng) -> u16 {
        let x = rng.random::<f64>() * self.keep.len() as f64;
        let i = (x as usize).min(self.keep.len() - 1);
        let (own, alias) = self.topic[i];
        if x - (i as f64) < self.keep[i] {
            own
        } else {
            alias
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_draws_follow_the_counts() {
        let row = vec![(3u16, 5u32), (0, 1), (7, 12), (2, 2)];
        let mut a = Alias::default();
        a.build(&row);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 200_000;
        let mut seen = [0u32; 8];
        for _ in 0..n {
            seen[a.sample(&mut rng) as usize] += 1;
        }
        let total = 20.0;
        for &(t, c) in &row {
            let want = f64::from(c) / total;
            let got = f64::from(seen[t as usize]) / n as f64;
            assert!((got - want).abs() < 0.005, "topic {t}: {got} vs {want}");
        }
        assert_eq!(seen[1] + seen[4] + seen[5] + seen[6], 0);
    }

    /// With every other token fixed, the MH chain of one token has the collapsed Gibbs
    /// conditional `p(z = k) ∝ (α + n_dk)(β + n_wk)/(Vβ + n_k)` (counts without the token) as
    /// its stationary distribution: a χ² test over thinned draws, for several tokens.
    #[test]
    fn one_token_chain_has_the_exact_conditional() {
        // 3 documents over 4 words; K = 4, α = 0.4, β = 0.3.
        let docs: Vec<Vec<u32>> = vec![vec![0, 1, 1, 2, 0, 3], vec![2, 2, 3, 1], vec![0, 3, 3, 3, 1, 2, 2]];
        let refs: Vec<&[u32]> = docs.iter().map(Vec::as_slice).collect();
        let (k, alpha, beta, v) = (4usize, 0.4, 0.3, 4usize);
        let block_of = vec![0u32; v];
        let position: Vec<u32> = (0..v as u32).collect();
        for (steps, d, j) in [(1usize, 0usize, 1usize), (2, 1, 0), (3, 2, 4)] {
            let mut w = MhWorker::new(&refs, 0, &block_of, &position, 1, k, (alpha, beta), steps, 11, 0);
            let (rows, totals) = w.initialize(&[v]);
            w.set_totals(&totals);
            let mut block = WordBlock { id: 0, rows: rows.into_iter().next().expect("one block") };
            let i = w.token_index(d, j);
            // The exact conditional from the counts of the other tokens.
            let topics = w.topics_by_doc();
            let own = topics[d][j] as usize;
            let word = docs[d][j] as usize;
            let mut n_dk = vec![0.0; k];
            let mut n_wk = vec![0.0; k];
            let mut n_k = vec![0.0; k];
            for (dd, doc) in docs.iter().enumerate() {
                for (jj, &ww) in doc.iter().enumerate() {
                    let t = topics[dd][jj] as usize;
                    n_k[t] += 1.0;
                    if dd == d {
                        n_dk[t] += 1.0;
                    }
                    if ww as usize == word {
                        n_wk[t] += 1.0;
                    }
                }
            }
            n_dk[own] -= 1.0;
            n_wk[own] -= 1.0;
            n_k[own] -= 1.0;
            let p: Vec<f64> =
                (0..k).map(|t| (alpha + n_dk[t]) * (beta + n_wk[t]) / (v as f64 * beta + n_k[t])).collect();
            let z: f64 = p.iter().sum();
            let draws = w.chain_of_one(i, &mut block, 120_000, 6);
            let mut seen = vec![0.0; k];
            for &t in &draws {
                seen[t as usize] += 1.0;
            }
            let n = draws.len() as f64;
            let chi2: f64 = (0..k).map(|t| (seen[t] - n * p[t] / z).powi(2) / (n * p[t] / z)).sum();
            // χ²(3) exceeds 16.27 with probability 0.001.
            assert!(chi2 < 16.27, "steps {steps}, token ({d}, {j}): χ² = {chi2:.2}, seen {seen:?}, want {p:?}");
            // The block still counts every token at its topic.
            let total: u32 = block.rows.iter().flatten().map(|&(_, c)| c).sum();
            assert_eq!(total, 17);
        }
    }
}
