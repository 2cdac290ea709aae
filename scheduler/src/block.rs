//! Block schedulers: which variables to update in a round.
//!
//! * [`Policy::Dynamic`]: the STRADS dynamic schedule [SAP-14, Alg. 2; STRADS-16, Sec. 3.1]:
//!   sample `L'` candidates without replacement with probability ∝ `(Δβ_j)² + η`, where
//!   `Δβ_j` is the variable's last change (its distance from convergence) and `η > 0` keeps
//!   every variable reachable, then keep a nearly independent subset of at most `L` of them
//!   with the [dependency filter](crate::filter_block), greedy in draw (priority) order.
//! * [`Policy::Random`]: `L` variables uniformly at random without replacement, no
//!   dependency check (Shotgun [Shotgun-11]).
//! * [`Policy::Cyclic`]: round-robin blocks of `L` consecutive variables.

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dependency::{filter_block, DependencyOracle};
use crate::sum_tree::SumTree;
use crate::{Error, Result};

/// Which block schedule to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Priority sampling with a dependency filter (STRADS).
    Dynamic,
    /// Uniform random blocks (Shotgun-style).
    Random,
    /// Round-robin blocks.
    Cyclic,
}

impl std::str::FromStr for Policy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "dynamic" => Ok(Self::Dynamic),
            "random" => Ok(Self::Random),
            "cyclic" => Ok(Self::Cyclic),
            other => Err(Error::UnknownPolicy(other.to_string())),
        }
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dynamic => "dynamic",
            Self::Random => "random",
            Self::Cyclic => "cyclic",
        })
    }
}

/// Hyperparameters of a [`BlockScheduler`]; checked by [`BlockConfig::check`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockConfig {
    /// The schedule.
    pub policy: Policy,
    /// `L`: the most variables per block (≥ 1).
    pub block_size: usize,
    /// `L'`: candidates sampled per round by the dynamic schedule (≥ `block_size`).
    pub candidates: usize,
    /// ρ: dependency threshold of the filter, in `(0, 1]`; `1` disables the filter for
    /// correlations.
    pub rho: f64,
    /// η: the priority floor, `> 0`.
    pub eta: f64,
    /// Seed of the scheduler's random stream.
    pub seed: u64,
}

impl BlockConfig {
    /// A configuration with STRADS's defaults: `L' = 2L`, ρ = 0.1, η = 1e-4.
    pub fn new(policy: Policy, block_size: usize, seed: u64) -> Self {
        Self { policy, block_size, candidates: 2 * block_size, rho: 0.1, eta: 1e-4, seed }
    }

    /// Validates the values.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its value.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expect: &'static str| {
            Err(Error::InvalidParameter(strads_core::InvalidParameter { name, value, expect }))
        };
        if self.block_size == 0 {
            return bad("block-size", self.block_size.to_string(), "at least 1");
        }
        if self.candidates < self.block_size {
            return bad("candidates", self.candidates.to_string(), "at least the block size");
        }
        if !(self.rho > 0.0 && self.rho <= 1.0) {
            return bad("rho", self.rho.to_string(), "in (0, 1]");
        }
        if !(self.eta > 0.0 && self.eta.is_finite()) {
            return bad("eta", self.eta.to_string(), "positive and finite");
        }
        Ok(())
    }
}

/// Picks a block of variables per round under a [`Policy`], for `n` variables.
///
/// The dynamic schedule keeps a [`SumTree`] of weights `(Δβ_j)² + η` (all start at
/// `1 + η`, so that every variable is seen early); an app reports progress with
/// [`BlockScheduler::set_progress`] in `O(log n)`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BlockScheduler {
    cfg: BlockConfig,
    n: usize,
    tree: SumTree,
    rng: ChaCha8Rng,
    cursor: usize,
    candidates: Vec<usize>,
    saved: Vec<f64>,
    /// Progress values are divided by this before squaring (see `refresh_progress`).
    scale: f64,
}

impl BlockScheduler {
    /// A scheduler over `n` variables.
    ///
    /// # Errors
    /// As [`BlockConfig::check`].
    pub fn new(n: usize, cfg: BlockConfig) -> Result<Self> {
        cfg.check()?;
        let tree = match cfg.policy {
            Policy::Dynamic => SumTree::from_weights(&vec![1.0 + cfg.eta; n]),
            _ => SumTree::new(0),
        };
        let rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        Ok(Self { cfg, n, tree, rng, cursor: 0, candidates: Vec::new(), saved: Vec::new(), scale: 1.0 })
    }

    /// The configuration.
    pub fn config(&self) -> &BlockConfig {
        &self.cfg
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if there are no variables.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Records that variable `j` last moved by `delta`: its weight becomes
    /// `(delta / scale)² + η`, where `scale` is set by the last
    /// [`refresh_progress`](Self::refresh_progress) (1 before any). A no-op for the cyclic
    /// and random schedules.
    pub fn set_progress(&mut self, j: usize, delta: f64) {
        if self.cfg.policy == Policy::Dynamic {
            let w = self.weight_of(delta);
            self.tree.set(j, w);
        }
    }

    /// Sets the progress of every variable at once (`deltas.len() == n`), in `O(n)`, and
    /// makes the largest `|delta|` the unit of progress from now on: weights become
    /// `(delta / max|delta|)² + η`. This keeps η meaningful as the solver converges and all
    /// changes shrink: with an absolute floor, once every `(Δβ)²` falls below η the
    /// schedule degrades to uniform sampling; relative to the current largest change, η is
    /// the share of attention a converged variable gets next to the least converged one.
    ///
    /// # Panics
    /// If `deltas.len() != n`.
    pub fn refresh_progress(&mut self, deltas: &[f64]) {
        assert_eq!(deltas.len(), self.n, "one progress value per variable");
        if self.cfg.policy != Policy::Dynamic {
            return;
        }
        let max = deltas.iter().fold(0.0f64, |m, d| if d.is_finite() { m.max(d.abs()) } else { m });
        if max > 0.0 {
            self.scale = max;
        }
        let w: Vec<f64> = deltas.iter().map(|&d| self.weight_of(d)).collect();
        self.tree = SumTree::from_weights(&w);
    }

    fn weight_of(&self, delta: f64) -> f64 {
        let r = delta / self.scale;
        let w = r * r + self.cfg.eta;
        if w.is_finite() {
            w.min(1e100)
        } else {
            1e100
        }
    }

    /// The current sampling weight of `j` (dynamic schedule), or 1 for the others.
    pub fn weight(&self, j: usize) -> f64 {
        match self.cfg.policy {
            Policy::Dynamic => self.tree.get(j),
            _ => 1.0,
        }
    }

    /// Fills `out` with the next block. The dependency `oracle` is consulted only by the
    /// dynamic schedule. The block is never empty when `n > 0`.
    pub fn next_block(&mut self, oracle: &mut dyn DependencyOracle, out: &mut Vec<usize>) {
        out.clear();
        if self.n == 0 {
            return;
        }
        let l = self.cfg.block_size.min(self.n);
        match self.cfg.policy {
            Policy::Cyclic => {
                for a in 0..l {
                    out.push((self.cursor + a) % self.n);
                }
                self.cursor = (self.cursor + l) % self.n;
            }
            Policy::Random => {
                out.extend(index::sample(&mut self.rng, self.n, l).iter());
            }
            Policy::Dynamic => {
                // The draw order is itself the priority order: each draw is ∝ weight among
                // the variables not drawn yet (a weighted random permutation), so heavy
                // variables tend to come first while light ones keep a chance to lead.
                // Sorting by weight instead would starve light variables when L' ≥ n.
                self.sample_candidates(self.cfg.candidates.min(self.n));
                filter_block(&self.candidates, self.cfg.rho, l, oracle, out);
            }
        }
    }

    /// Samples `m` distinct candidates ∝ weight into `self.candidates` (weights in
    /// `self.saved`): draw one, zero its weight, repeat, then restore the weights.
    fn sample_candidates(&mut self, m: usize) {
        self.candidates.clear();
        self.saved.clear();
        for _ in 0..m {
            let total = self.tree.total();
            if total <= 0.0 {
                break;
            }
            let u = self.rng.random::<f64>() * total;
            let j = self.tree.find(u);
            self.saved.push(self.tree.get(j));
            self.candidates.push(j);
            self.tree.set(j, 0.0);
        }
        for (&j, &w) in self.candidates.iter().zip(&self.saved) {
            self.tree.set(j, w);
        }
    }

    /// Draws one variable with probability ∝ its weight (dynamic schedule). Exposed for
    /// tests of the sampling distribution.
    pub fn sample_one(&mut self) -> Option<usize> {
        let total = self.tree.total();
        (total > 0.0).then(|| self.tree.find(self.rng.random::<f64>() * total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dependency::Independent;
    use proptest::prelude::*;

    fn sched(policy: Policy, n: usize, l: usize, seed: u64) -> BlockScheduler {
        BlockScheduler::new(n, BlockConfig::new(policy, l, seed)).expect("valid config")
    }

    #[test]
    fn cyclic_visits_in_order() {
        let mut s = sched(Policy::Cyclic, 5, 2, 0);
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for _ in 0..5 {
            s.next_block(&mut Independent, &mut out);
            seen.extend_from_slice(&out);
        }
        assert_eq!(seen, vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn random_blocks_are_distinct() {
        let mut s = sched(Policy::Random, 50, 10, 3);
        let mut out = Vec::new();
        for _ in 0..100 {
            s.next_block(&mut Independent, &mut out);
            let mut b = out.clone();
            b.sort_unstable();
            b.dedup();
            assert_eq!(b.len(), 10);
            assert!(b.iter().all(|&j| j < 50));
        }
    }

    #[test]
    fn bad_config_is_rejected() {
        let mut c = BlockConfig::new(Policy::Dynamic, 0, 0);
        assert!(c.check().is_err());
        c.block_size = 4;
        c.candidates = 16;
        c.rho = 0.0;
        assert!(matches!(c.check(), Err(Error::InvalidParameter(e)) if e.name == "rho"));
        c.rho = 0.1;
        c.eta = 0.0;
        assert!(c.check().is_err());
    }

    /// χ²-style test of proportional sampling: with weights w_j, draw many single samples
    /// and compare counts to expectations. The bound is the χ² statistic's mean plus 6
    /// standard deviations (df = n − 1), so a correct sampler fails with negligible
    /// probability while a wrong distribution (e.g. uniform) fails by orders of magnitude.
    #[test]
    fn sampling_frequencies_follow_weights() {
        let n = 20;
        let mut s = sched(Policy::Dynamic, n, 1, 11);
        let weights: Vec<f64> = (0..n).map(|j| ((j % 7) as f64 + 0.5).powi(2)).collect();
        for (j, &w) in weights.iter().enumerate() {
            s.set_progress(j, w.sqrt());
        }
        let total: f64 = (0..n).map(|j| s.weight(j)).sum();
        let draws = 200_000;
        let mut counts = vec![0usize; n];
        for _ in 0..draws {
            counts[s.sample_one().expect("positive total")] += 1;
        }
        let chi2: f64 = (0..n)
            .map(|j| {
                let e = draws as f64 * s.weight(j) / total;
                (counts[j] as f64 - e).powi(2) / e
            })
            .sum();
        let df = (n - 1) as f64;
        assert!(chi2 < df + 6.0 * (2.0 * df).sqrt(), "chi2 = {chi2}");
        // The same test rejects the uniform distribution.
        let chi2_uniform: f64 = (0..n)
            .map(|j| {
                let e = draws as f64 * s.weight(j) / total;
                (draws as f64 / n as f64 - e).powi(2) / e
            })
            .sum();
        assert!(chi2_uniform > 100.0 * (df + 6.0 * (2.0 * df).sqrt()));
    }

    proptest! {
        /// With η > 0 every variable is eventually scheduled by the dynamic schedule,
        /// even when a few variables carry almost all the weight.
        #[test]
        fn every_variable_is_eventually_picked(n in 2usize..60, l in 1usize..6, seed in 0u64..1000) {
            let mut s = sched(Policy::Dynamic, n, l, seed);
            for j in 0..n { s.set_progress(j, 0.0); }
            s.set_progress(0, 1.0);  // one heavy variable: weight 1 + η vs η
            let mut seen = vec![false; n];
            let mut out = Vec::new();
            let mut rounds = 0;
            while seen.iter().any(|s| !s) {
                s.next_block(&mut Independent, &mut out);
                for &j in &out { seen[j] = true; }
                rounds += 1;
                prop_assert!(rounds < 200_000, "not all variables reached");
            }
        }

        /// Dynamic blocks are distinct, at most L long, and respect the dependency filter.
        #[test]
        fn dynamic_blocks_are_valid(n in 1usize..80, l in 1usize..12, seed in 0u64..1000) {
            struct Parity;
            impl DependencyOracle for Parity {
                fn dependency(&mut self, j: usize, k: usize) -> f64 {
                    if j % 3 == k % 3 { 0.9 } else { 0.0 }
                }
            }
            let mut s = sched(Policy::Dynamic, n, l, seed);
            let mut out = Vec::new();
            for _ in 0..20 {
                s.next_block(&mut Parity, &mut out);
                prop_assert!(!out.is_empty() && out.len() <= l.min(3));
                for (a, &j) in out.iter().enumerate() {
                    for &k in &out[a + 1..] {
                        prop_assert!(j % 3 != k % 3);
                    }
                }
            }
        }
    }
}
