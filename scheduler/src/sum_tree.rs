//! A sum tree (complete binary tree of partial sums) over non-negative weights.
//!
//! Supports `O(log n)` weight updates and `O(log n)` sampling of an index with probability
//! proportional to its weight. Internal nodes are recomputed from their children on every
//! update (never adjusted by differences), so rounding errors do not accumulate.

/// Non-negative weights `w[0..n]` with `O(log n)` update and proportional sampling.
///
/// # Examples
/// ```
/// use strads_scheduler::SumTree;
/// let mut t = SumTree::new(4);
/// t.set(1, 3.0);
/// t.set(3, 1.0);
/// assert_eq!(t.total(), 4.0);
/// assert_eq!(t.find(0.5), 1);   // prefix sums: [0, 3, 3, 4]
/// assert_eq!(t.find(3.5), 3);
/// ```
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SumTree {
    n: usize,
    /// Number of leaves (power of two, ≥ n).
    cap: usize,
    /// Heap layout: node 1 is the root, leaves at `cap..cap + n`.
    nodes: Vec<f64>,
}

impl SumTree {
    /// A tree of `n` zero weights.
    pub fn new(n: usize) -> Self {
        let cap = n.max(1).next_power_of_two();
        Self { n, cap, nodes: vec![0.0; 2 * cap] }
    }

    /// A tree holding `weights`.
    ///
    /// # Panics
    /// If a weight is negative or not finite.
    pub fn from_weights(weights: &[f64]) -> Self {
        let mut t = Self::new(weights.len());
        for (i, &w) in weights.iter().enumerate() {
            assert!(w >= 0.0 && w.is_finite(), "SumTree weight {i} is {w}");
            t.nodes[t.cap + i] = w;
        }
        for v in (1..t.cap).rev() {
            t.nodes[v] = t.nodes[2 * v] + t.nodes[2 * v + 1];
        }
        t
    }

    /// Number of weights.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if the tree holds no weights.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Weight of index `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn get(&self, i: usize) -> f64 {
        assert!(i < self.n);
        self.nodes[self.cap + i]
    }

    /// Sum of all weights.
    pub fn total(&self) -> f64 {
        self.nodes[1]
    }

    /// Sets weight `i` to `w` in `O(log n)`.
    ///
    /// # Panics
    /// If `i >= len()` or `w` is negative or not finite.
    pub fn set(&mut self, i: usize, w: f64) {
        assert!(i < self.n, "SumTree index {i} out of range {}", self.n);
        assert!(w >= 0.0 && w.is_finite(), "SumTree weight {w} for index {i}");
        let mut v = self.cap + i;
        self.nodes[v] = w;
        while v > 1 {
            v /= 2;
            self.nodes[v] = self.nodes[2 * v] + self.nodes[2 * v + 1];
        }
    }

    /// The index `i` whose cumulative interval `[Σ_{k<i} w_k, Σ_{k≤i} w_k)` contains `u`,
    /// for `0 ≤ u < total()`. Zero-weight indices are never returned while the total is
    /// positive (values of `u` at or past the total, from rounding, return the last
    /// positive-weight index).
    pub fn find(&self, mut u: f64) -> usize {
        let mut v = 1;
        while v < self.cap {
            let left = self.nodes[2 * v];
            let right = self.nodes[2 * v + 1];
            if u < left || right <= 0.0 {
                v *= 2;
            } else {
                u -= left;
                v = 2 * v + 1;
            }
        }
        v - self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// After any sequence of updates every internal node equals the sum of its leaves
        /// and the total equals the plain sum of the weights.
        #[test]
        fn consistent_under_random_updates(
            n in 1usize..70,
            ops in proptest::collection::vec((0usize..1000, 0.0f64..10.0), 0..200),
        ) {
            let mut t = SumTree::new(n);
            let mut naive = vec![0.0; n];
            for (i, w) in ops {
                let i = i % n;
                t.set(i, w);
                naive[i] = w;
            }
            let sum: f64 = naive.iter().sum();
            prop_assert!((t.total() - sum).abs() <= 1e-9 * (1.0 + sum));
            for v in 1..t.cap {
                let (lo, hi) = leaf_range(v, t.cap);
                let s: f64 = (lo..hi).filter(|&i| i < n).map(|i| naive[i]).sum();
                prop_assert!((t.nodes[v] - s).abs() <= 1e-9 * (1.0 + s));
            }
            for (i, &w) in naive.iter().enumerate() {
                prop_assert_eq!(t.get(i), w);
            }
            // find() agrees with a linear scan of prefix sums.
            if sum > 0.0 {
                for k in 0..20 {
                    let u = sum * (k as f64 + 0.5) / 20.0;
                    let mut acc = 0.0;
                    let mut expect = n - 1;
                    for (i, &w) in naive.iter().enumerate() {
                        if u < acc + w { expect = i; break; }
                        acc += w;
                    }
                    let got = t.find(u);
                    prop_assert!(naive[got] > 0.0);
                    // Rounding may move a boundary point by one positive-weight neighbour.
                    if got != expect {
                        let lo: f64 = naive[..got].iter().sum();
                        prop_assert!(u >= lo - 1e-9 && u < lo + naive[got] + 1e-9);
                    }
                }
            }
        }
    }

    fn leaf_range(v: usize, cap: usize) -> (usize, usize) {
        let (mut lo, mut hi) = (v, v + 1);
        while lo < cap {
            lo *= 2;
            hi *= 2;
        }
        (lo - cap, hi - cap)
    }

    #[test]
    fn zero_weights_never_found() {
        let mut t = SumTree::new(5);
        t.set(2, 1.0);
        for k in 0..10 {
            assert_eq!(t.find(k as f64 / 10.0), 2);
        }
        assert_eq!(t.find(5.0), 2);
    }
}
