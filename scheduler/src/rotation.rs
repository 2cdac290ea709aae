//! The rotation schedule of model-parallel samplers [STRADS-16, Sec. 3.2 (LDA)].
//!
//! Variables (for LDA: the words of the vocabulary, each owning its row of the word-topic
//! table) are split into `U ≥ P` blocks balanced by weight (for LDA: token count). In
//! sub-round `s` worker `p` owns block `(p + s) mod U` exclusively, so no two workers ever
//! touch the same variables at once; after `U` sub-rounds every worker has visited every
//! block once (one iteration). Blocks that no worker owns in a sub-round (when `U > P`) wait.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::{Error, Result};

/// A partition of `n` weighted variables into blocks of nearly equal total weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    /// The block of every variable, length `n`.
    pub block_of: Vec<u32>,
    /// The variables of every block, in increasing order.
    pub members: Vec<Vec<u32>>,
    /// The total weight of every block.
    pub load: Vec<u64>,
}

impl Blocks {
    /// Splits variables with weights `weights` into `blocks` blocks by the longest-processing-
    /// time rule: heaviest first, each to the currently lightest block (ties: lowest index), so
    /// that heavy variables spread over the blocks and `max load − min load ≤ max weight`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `blocks` is 0 or exceeds `u32::MAX`.
    pub fn balanced(weights: &[u64], blocks: usize) -> Result<Self> {
        if blocks == 0 || u32::try_from(blocks).is_err() {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                "blocks",
                blocks,
                "between 1 and 2^32 − 1",
            )));
        }
        let mut order: Vec<u32> = (0..weights.len() as u32).collect();
        order.sort_by_key(|&v| (Reverse(weights[v as usize]), v));
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> = (0..blocks as u32).map(|b| Reverse((0, b))).collect();
        let mut block_of = vec![0u32; weights.len()];
        let mut load = vec![0u64; blocks];
        for v in order {
            let Some(Reverse((l, b))) = heap.pop() else { unreachable!("the heap holds every block") };
            block_of[v as usize] = b;
            let l = l + weights[v as usize];
            load[b as usize] = l;
            heap.push(Reverse((l, b)));
        }
        let mut members = vec![Vec::new(); blocks];
        for (v, &b) in block_of.iter().enumerate() {
            members[b as usize].push(v as u32);
        }
        Ok(Self { block_of, members, load })
    }

    /// Blocks `U`.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no blocks (never, for a value built by [`Blocks::balanced`]).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// Which block each of `P` workers owns in each sub-round (`U ≥ P` blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    workers: usize,
    blocks: usize,
}

impl Rotation {
    /// A rotation of `blocks` blocks over `workers` workers.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `workers` is 0 or `blocks < workers`.
    pub fn new(workers: usize, blocks: usize) -> Result<Self> {
        if workers == 0 {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new("workers", "0", "at least 1")));
        }
        if blocks < workers {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                "blocks",
                blocks,
                "at least the number of workers",
            )));
        }
        Ok(Self { workers, blocks })
    }

    /// Sub-rounds per iteration (`U`).
    pub fn subrounds(&self) -> usize {
        self.blocks
    }

    /// The block worker `worker` owns in sub-round `subround` (counted from the start of the
    /// run): `(worker + subround) mod U`.
    pub fn block(&self, worker: usize, subround: u64) -> usize {
        ((worker as u64 + subround) % self.blocks as u64) as usize
    }

    /// The worker that owns `block` in `subround`, if any.
    pub fn owner(&self, block: usize, subround: u64) -> Option<usize> {
        let u = self.blocks as u64;
        let w = ((block as u64 + u - subround % u) % u) as usize;
        (w < self.workers).then_some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heavy_variables_spread_over_blocks() {
        let w = [100, 90, 80, 1, 1, 1, 1, 1];
        let b = Blocks::balanced(&w, 3).expect("valid");
        let heavy: Vec<u32> = (0..3).map(|v| b.block_of[v]).collect();
        assert_eq!(heavy.len(), 3);
        assert!(heavy[0] != heavy[1] && heavy[1] != heavy[2] && heavy[0] != heavy[2]);
        assert_eq!(b.load.iter().sum::<u64>(), 275);
        assert!(Blocks::balanced(&w, 0).is_err());
        assert!(Rotation::new(3, 2).is_err());
    }

    proptest! {
        #[test]
        fn blocks_partition_and_balance(weights in proptest::collection::vec(0u64..1000, 0..200), u in 1usize..12) {
            let b = Blocks::balanced(&weights, u).expect("valid");
            let mut seen = vec![0; weights.len()];
            for (k, m) in b.members.iter().enumerate() {
                prop_assert_eq!(m.iter().map(|&v| weights[v as usize]).sum::<u64>(), b.load[k]);
                for &v in m {
                    seen[v as usize] += 1;
                    prop_assert_eq!(b.block_of[v as usize] as usize, k);
                }
            }
            prop_assert!(seen.iter().all(|&c| c == 1));
            let max_w = weights.iter().copied().max().unwrap_or(0);
            let (lo, hi) = (b.load.iter().min().copied().unwrap_or(0), b.load.iter().max().copied().unwrap_or(0));
            prop_assert!(hi - lo <= max_w, "loads {:?}", b.load);
        }

        #[test]
        fn rotation_is_exclusive_and_complete(p in 1usize..8, extra in 0usize..5, start in 0u64..100) {
            let u = p + extra;
            let r = Rotation::new(p, u).expect("valid");
            let mut visits = vec![vec![0; u]; p];
            for s in start..start + u as u64 {
                let mut owned = vec![false; u];
                for (w, v) in visits.iter_mut().enumerate() {
                    let b = r.block(w, s);
                    prop_assert!(!owned[b], "block {} owned twice in sub-round {}", b, s);
                    owned[b] = true;
                    prop_assert_eq!(r.owner(b, s), Some(w));
                    v[b] += 1;
                }
                for (b, o) in owned.iter().enumerate() {
                    if !o {
                        prop_assert_eq!(r.owner(b, s), None);
                    }
                }
            }
            prop_assert!(visits.iter().flatten().all(|&c| c == 1));
        }
    }
}
