//! Working sets: solve a small subproblem of the most promising variables, then re-evaluate.
//!
//! Working-set solvers (celer [Massias, Gramfort & Salmon 2018, "Celer: a fast solver for the
//! Lasso with dual extrapolation", ICML, Sec. 4]) restrict the problem to the support plus
//! the variables of highest priority, solve it to a tolerance, and grow the set at the next
//! evaluation. [`WorkingSet`] picks the set, with the STRADS dependency filter
//! [STRADS-16, Sec. 3.1]; [`WorkingSetScheduler`] runs a [`BlockScheduler`] inside it.

use crate::block::{BlockConfig, BlockScheduler, Policy};
use crate::dependency::{filter_block, DependencyOracle, Independent, PearsonOracle};

/// How a working set is picked from an evaluation's priorities (see [`WorkingSet::select`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkingSet {
    /// `B`: the smallest set size; the set holds `max(B, 2 |support|)` variables.
    pub min_size: usize,
    /// The largest set size (`usize::MAX`: no cap).
    pub max_size: usize,
    /// `L'`: at least this many candidates (of highest priority) go through the filter.
    pub candidates: usize,
    /// ρ of the dependency filter (`≥ 1`: off).
    pub rho: f64,
}

impl WorkingSet {
    /// The next working set: the support (increasing variable ids, not `excluded`), then
    /// variables outside it in decreasing priority (ties by index), each kept only if its
    /// `|dependency|` with every variable kept before it (outside the support) is below ρ
    /// ([`filter_block`], greedy in priority order), up to
    /// `min(max(B, 2 |support|), max_size)` variables in all. Only variables with a positive
    /// priority (for an L1 problem: those violating the KKT conditions, see
    /// `strads_core::numerics::l1_violation`) and not `excluded` (e.g. screened: `excluded[j]`,
    /// or an empty slice for none) are candidates; of them the
    /// `max(L', 2 × room)` of highest priority are filtered.
    ///
    /// `priorities` has one entry per variable (`p`); `support` is increasing. `scratch` is
    /// reused between calls. Deterministic: no randomness, ties broken by index.
    pub fn select(
        &self,
        priorities: &[f64],
        support: &[u32],
        excluded: &[bool],
        oracle: &mut dyn DependencyOracle,
        scratch: &mut Vec<usize>,
    ) -> Vec<u32> {
        let out = |j: usize| excluded.get(j).copied().unwrap_or(false);
        let size = (2 * support.len()).max(self.min_size).min(self.max_size);
        let mut ws: Vec<u32> = support.iter().copied().filter(|&j| !out(j as usize)).collect();
        ws.truncate(size);
        let want = size - ws.len();
        let mut cand: Vec<usize> = (0..priorities.len())
            .filter(|&j| !out(j) && priorities[j] > 0.0 && support.binary_search(&(j as u32)).is_err())
            .collect();
        let by_priority = |a: &usize, b: &usize| priorities[*b].total_cmp(&priorities[*a]).then(a.cmp(b));
        let keep = (self.candidates.max(2 * want)).min(cand.len());
        if keep < cand.len() {
            cand.select_nth_unstable_by(keep, by_priority);
            cand.truncate(keep);
        }
        cand.sort_unstable_by(by_priority);
        filter_block(&cand, self.rho, want, oracle, scratch);
        ws.extend(scratch.iter().map(|&j| j as u32));
        ws
    }
}

/// A block schedule restricted to a working set (the "active" variables), for solvers that
/// alternate an evaluation with passes of block updates over the set.
///
/// Each [`set_working_set`](Self::set_working_set) picks the set with [`WorkingSet::select`]
/// (the support, then the highest priorities, no dependency filter: the set is solved, not
/// updated at once) and restarts a [`BlockScheduler`] over it, seeded `seed + e` for the
/// `e`-th set, with the priorities as starting progress. [`next_block`](Self::next_block)
/// then gives blocks of at most `B` variables that pass the dependency filter (ρ):
/// * `Dynamic`: priority sampling of `L'` candidates, then the filter (STRADS's schedule);
/// * `Cyclic`: the next `L'` variables of the set in order, then the filter; the cursor
///   passes the kept prefix only, so no variable is skipped;
/// * `Random`: `L'` variables uniformly, then the filter.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct WorkingSetScheduler {
    cfg: BlockConfig,
    block: BlockScheduler,
    /// The active variables (increasing) and each variable's position among them (`u32::MAX`: inactive).
    active: Vec<u32>,
    position: Vec<u32>,
    /// Built from the data, not saved with the state (see [`WorkingSetScheduler::take_oracle`]).
    #[serde(skip)]
    oracle: Option<PearsonOracle>,
    sets: u64,
    cursor: usize,
    candidates: Vec<usize>,
    scratch: Vec<usize>,
}

/// The dependency oracle on the active variables' positions.
struct Active<'a>(&'a mut dyn DependencyOracle, &'a [u32]);

impl DependencyOracle for Active<'_> {
    fn dependency(&mut self, j: usize, k: usize) -> f64 {
        self.0.dependency(self.1[j] as usize, self.1[k] as usize)
    }
}

impl WorkingSetScheduler {
    /// A scheduler over `p` variables with an empty working set; `oracle` the dependency
    /// measure (`None`: all independent; the Pearson correlation needs every row's column).
    ///
    /// # Errors
    /// As [`BlockConfig::check`].
    pub fn new(p: usize, cfg: BlockConfig, oracle: Option<PearsonOracle>) -> crate::Result<Self> {
        let block = BlockScheduler::new(0, cfg.clone())?;
        let (active, position, candidates, scratch) = (Vec::new(), vec![u32::MAX; p], Vec::new(), Vec::new());
        Ok(Self { cfg, block, active, position, oracle, sets: 0, cursor: 0, candidates, scratch })
    }

    /// Takes the dependency oracle out (it is not part of the serialized state: a restored
    /// scheduler gets back the one built from the data with [`WorkingSetScheduler::set_oracle`]).
    pub fn take_oracle(&mut self) -> Option<PearsonOracle> {
        self.oracle.take()
    }

    /// Puts a dependency oracle back (see [`WorkingSetScheduler::take_oracle`]).
    pub fn set_oracle(&mut self, oracle: Option<PearsonOracle>) {
        self.oracle = oracle;
    }

    /// The working set (increasing variable ids).
    pub fn active(&self) -> &[u32] {
        &self.active
    }

    /// Starts a new working set from an evaluation: `priorities` (length `p`, > 0 for
    /// variables worth updating) and the `support` (increasing); the set holds
    /// `max(B, 2 |support|)` variables (see the type's docs).
    pub fn set_working_set(&mut self, priorities: &[f64], support: &[u32]) {
        let pick = WorkingSet { min_size: self.cfg.block_size, max_size: usize::MAX, candidates: 0, rho: 1.0 };
        self.active = pick.select(priorities, support, &[], &mut Independent, &mut self.scratch);
        self.active.sort_unstable();
        self.position.iter_mut().for_each(|p| *p = u32::MAX);
        self.active.iter().enumerate().for_each(|(a, &j)| self.position[j as usize] = a as u32);
        let mut cfg = BlockConfig { seed: self.cfg.seed.wrapping_add(self.sets), ..self.cfg.clone() };
        if cfg.policy != Policy::Dynamic {
            cfg.block_size = cfg.candidates;
        }
        self.sets += 1;
        if let Ok(block) = BlockScheduler::new(self.active.len(), cfg) {
            self.block = block;
            let local: Vec<f64> = self.active.iter().map(|&j| priorities[j as usize]).collect();
            self.block.refresh_progress(&local);
        }
    }

    /// The next block (variable ids, at most `B`, empty only for an empty working set).
    pub fn next_block(&mut self) -> Vec<u32> {
        let oracle: &mut dyn DependencyOracle = match &mut self.oracle {
            Some(o) => o,
            None => &mut Independent,
        };
        let mut active = Active(oracle, &self.active);
        if self.cfg.policy == Policy::Dynamic {
            self.block.next_block(&mut active, &mut self.scratch);
        } else {
            let n = self.active.len();
            match self.cfg.policy {
                Policy::Cyclic => {
                    self.candidates.clear();
                    self.candidates.extend((0..self.cfg.candidates.min(n)).map(|a| (self.cursor + a) % n));
                }
                _ => self.block.next_block(&mut Independent, &mut self.candidates),
            }
            filter_block(&self.candidates, self.cfg.rho, self.cfg.block_size, &mut active, &mut self.scratch);
            let kept = self.scratch.iter().zip(&self.candidates).take_while(|(a, b)| a == b).count();
            self.cursor = (self.cursor + kept.max(1)) % n.max(1);
        }
        self.scratch.iter().map(|&a| self.active[a]).collect()
    }

    /// Records that variable `j` moved by `delta` (in the priorities' units): the dynamic
    /// schedule's weight of `j` (if active) follows it, see [`BlockScheduler::set_progress`].
    pub fn set_progress(&mut self, j: u32, delta: f64) {
        if let Some(&a) = self.position.get(j as usize).filter(|&&a| a != u32::MAX) {
            self.block.set_progress(a as usize, delta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_the_support_then_the_highest_priorities_filtered() {
        // Variables 0..6; 1 and 2 depend on each other.
        struct Pair;
        impl DependencyOracle for Pair {
            fn dependency(&mut self, j: usize, k: usize) -> f64 {
                if (j.min(k), j.max(k)) == (1, 2) {
                    0.9
                } else {
                    0.0
                }
            }
        }
        let prio = [0.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        let pick = WorkingSet { min_size: 4, max_size: usize::MAX, candidates: 0, rho: 0.5 };
        let ws = pick.select(&prio, &[0], &[], &mut Pair, &mut Vec::new());
        assert_eq!(ws, [0, 1, 3, 4]);
        let ws = pick.select(&prio, &[0], &[false, false, false, true], &mut Pair, &mut Vec::new());
        assert_eq!(ws, [0, 1, 4, 5], "an excluded variable never enters");
    }

    #[test]
    fn blocks_stay_in_the_working_set_and_cyclic_skips_nothing() {
        let mut s = WorkingSetScheduler::new(10, BlockConfig::new(Policy::Cyclic, 2, 0), None).expect("valid");
        // Support {1, 3}: a set of max(B, 2 × 2) = 4, the support and the two highest priorities.
        s.set_working_set(&[0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 4.0], &[1, 3]);
        assert_eq!(s.active(), [1, 3, 5, 9]);
        let seen: Vec<u32> = (0..4).flat_map(|_| s.next_block()).collect();
        assert_eq!(seen, [1, 3, 5, 9, 1, 3, 5, 9]);
    }
}
