//! Hyperparameters of the LDA app, checked before anything runs.

use crate::{Error, Result};

/// The per-token sampler of the LDA workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    /// Exact collapsed Gibbs sampling (the default). When the dense table of the largest word
    /// block fits in 256 MB: `Dense` for `K` ≤ 256, and for `K` ≤ 1024 `Dense` for each block
    /// whose rows average at least `K/4` non-zeros a token, else `Sparse` (words with fewer than
    /// `K/4` tokens take `Sparse` always); otherwise `Sparse`.
    Auto,
    /// Exact collapsed Gibbs sampling with SparseLDA's buckets [SparseLDA-09]: the cost of a
    /// token grows with the non-zeros of its word's and document's counts.
    Sparse,
    /// Exact collapsed Gibbs sampling over all `K` topics in SIMD lanes, with the held word
    /// block expanded into a dense table: the cost of a token is `K/16` lane groups.
    Dense,
    /// Metropolis–Hastings with alternating doc and word proposals [WarpLDA-16; LightLDA-15]:
    /// `steps` steps a token in each of the two phases of an iteration, O(1) each.
    Mh {
        /// MH steps per token and phase (≥ 1).
        steps: usize,
    },
}

/// Hyperparameters of [`crate::lda::Lda`].
#[derive(Debug, Clone, PartialEq)]
pub struct LdaParams {
    /// `K`, topics (1 ..= 65,536).
    pub topics: usize,
    /// Symmetric document-topic prior α (> 0), kept fixed.
    pub alpha: f64,
    /// Symmetric topic-word prior β (> 0).
    pub beta: f64,
    /// Iterations: each samples every token once (≥ 1).
    pub iters: u64,
    /// Iterations between evaluations of the log-likelihood (≥ 1); the last iteration is always
    /// evaluated. Each evaluation costs the workers a pass over their doc-topic counts and the
    /// coordinator one over the word-topic table (about 3 % of an iteration on NYT-8447 at
    /// K = 100 when done every iteration).
    pub eval_every: u64,
    /// Sub-rounds a worker may run on stale topic totals `n_k`: the coordinator broadcasts
    /// fresh totals every `totals_staleness + 1` sub-rounds (0 = after every sub-round, STRADS).
    /// This is the workers' view of stale totals inside one iteration; the engine's
    /// `--staleness` (how far the scheduler runs ahead) is a different bound.
    pub totals_staleness: u64,
    /// `U`, vocabulary blocks (≥ workers; `None` = the number of workers).
    pub blocks: Option<usize>,
    /// Seed of the per-worker random streams.
    pub seed: u64,
    /// Check the count invariants after every sub-round (always on in debug builds).
    pub check_invariants: bool,
    /// The per-token sampler.
    pub sampler: Sampler,
}

impl Default for LdaParams {
    fn default() -> Self {
        Self {
            topics: 100,
            alpha: 0.1,
            beta: 0.01,
            iters: 100,
            eval_every: 10,
            totals_staleness: 0,
            blocks: None,
            seed: 0,
            check_invariants: false,
            sampler: Sampler::Auto,
        }
    }
}

impl LdaParams {
    /// Validates every value.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first value out of range.
    pub fn check(&self) -> Result<()> {
        if self.topics == 0 || self.topics > 1 << 16 {
            return Err(Error::invalid("topics", self.topics, "between 1 and 65536"));
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(Error::invalid("alpha", self.alpha, "a positive number"));
        }
        if !(self.beta > 0.0 && self.beta.is_finite()) {
            return Err(Error::invalid("beta", self.beta, "a positive number"));
        }
        if self.iters == 0 {
            return Err(Error::invalid("iters", 0, "at least 1"));
        }
        if self.eval_every == 0 {
            return Err(Error::invalid("eval-every", 0, "at least 1"));
        }
        if self.sampler == (Sampler::Mh { steps: 0 }) {
            return Err(Error::invalid("mh-steps", 0, "at least 1"));
        }
        if self.blocks == Some(0) {
            return Err(Error::invalid("blocks", 0, "at least the number of workers"));
        }
        Ok(())
    }
}
