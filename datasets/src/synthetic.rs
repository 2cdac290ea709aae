//! A generator of Netflix-shaped synthetic ratings, for scale benchmarks of matrix
//! factorization.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Ratings;

/// The Netflix Prize matrix: users.
pub const NETFLIX_USERS: usize = 480_189;
/// The Netflix Prize matrix: movies.
pub const NETFLIX_ITEMS: usize = 17_770;

/// The shape of a synthetic rating matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticShape {
    /// Users (rows).
    pub users: usize,
    /// Items (columns).
    pub items: usize,
    /// Ratings to draw.
    pub ratings: usize,
    /// Rank of the hidden model.
    pub rank: usize,
    /// Power-law exponent of the user degrees (`p(rank r) ∝ r^−s`, `0 ≤ s < 1`).
    pub user_exponent: f64,
    /// Power-law exponent of the item degrees.
    pub item_exponent: f64,
}

impl SyntheticShape {
    /// Netflix-shaped: 480,189 × 17,770 with `ratings` ratings, hidden rank 10, heavy-tailed
    /// user and item degrees.
    pub fn netflix(ratings: usize) -> Self {
        Self { users: NETFLIX_USERS, items: NETFLIX_ITEMS, ratings, rank: 10, user_exponent: 0.5, item_exponent: 0.8 }
    }
}

/// Index in `0..n` drawn with probability ∝ (rank + 1)^−s (continuous inverse CDF of a
/// truncated power law), for `0 ≤ s < 1`.
fn power_law(rng: &mut ChaCha8Rng, n: usize, s: f64) -> usize {
    let a = 1.0 - s;
    let top = (n as f64 + 1.0).powf(a);
    let x = (1.0 + rng.random::<f64>() * (top - 1.0)).powf(1.0 / a) - 1.0;
    (x as usize).min(n - 1)
}

/// Draws `shape.ratings` ratings on the 1–5 star scale: user and item from power laws (so
/// degrees are heavy-tailed; the popularity order is shuffled so heavy rows are spread), and
/// the value `round(3.6 + w_iᵀh_j + noise)` clamped to 1..5 from a hidden rank-`shape.rank`
/// model. Pairs may repeat (as repeated observations). Ids are `u<index>` and `i<index>`;
/// the same seed gives the same ratings.
///
/// # Panics
/// If `users`, `items` or `rank` is 0 or an exponent is outside `[0, 1)`.
pub fn synthetic_ratings(shape: SyntheticShape, seed: u64) -> Ratings {
    assert!(shape.users > 0 && shape.items > 0 && shape.rank > 0, "synthetic_ratings: empty shape");
    assert!(
        (0.0..1.0).contains(&shape.user_exponent) && (0.0..1.0).contains(&shape.item_exponent),
        "exponents in [0, 1)"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scale = 1.2 / (shape.rank as f64).sqrt();
    let factors = |n: usize, rng: &mut ChaCha8Rng| -> Vec<f32> {
        (0..n * shape.rank).map(|_| ((rng.random::<f64>() * 2.0 - 1.0) * scale) as f32).collect()
    };
    let (w, h) = (factors(shape.users, &mut rng), factors(shape.items, &mut rng));
    let mut user_perm: Vec<u32> = (0..shape.users as u32).collect();
    let mut item_perm: Vec<u32> = (0..shape.items as u32).collect();
    user_perm.shuffle(&mut rng);
    item_perm.shuffle(&mut rng);
    let mut out = Ratings {
        users: Vec::with_capacity(shape.ratings),
        items: Vec::with_capacity(shape.ratings),
        values: Vec::with_capacity(shape.ratings),
        user_ids: (0..shape.users).map(|i| format!("u{i}")).collect(),
        item_ids: (0..shape.items).map(|j| format!("i{j}")).collect(),
    };
    for _ in 0..shape.ratings {
        let i = user_perm[power_law(&mut rng, shape.users, shape.user_exponent)] as usize;
        let j = item_perm[power_law(&mut rng, shape.items, shape.item_exponent)] as usize;
        let dot: f32 = w[i * shape.rank..(i + 1) * shape.rank]
            .iter()
            .zip(&h[j * shape.rank..(j + 1) * shape.rank])
            .map(|(a, b)| a * b)
            .sum();
        let noise = (rng.random::<f64>() - 0.5) * 1.5;
        let v = (3.6 + f64::from(dot) * 4.0 + noise).round().clamp(1.0, 5.0);
        out.users.push(i as u32);
        out.items.push(j as u32);
        out.values.push(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netflix_shape_has_heavy_tailed_degrees_and_stars() {
        let shape = SyntheticShape { ratings: 200_000, ..SyntheticShape::netflix(0) };
        let r = synthetic_ratings(shape, 1);
        assert_eq!((r.len(), r.user_ids.len(), r.item_ids.len()), (200_000, NETFLIX_USERS, NETFLIX_ITEMS));
        assert!(r.values.iter().all(|&v| (1.0..=5.0).contains(&v) && v.fract() == 0.0));
        let mut deg = vec![0u32; NETFLIX_ITEMS];
        for &j in &r.items {
            deg[j as usize] += 1;
        }
        deg.sort_unstable_by(|a, b| b.cmp(a));
        // The top 1 % of items hold far more than 1 % of the ratings.
        let top: u32 = deg[..NETFLIX_ITEMS / 100].iter().sum();
        assert!(top as f64 > 0.2 * 200_000.0, "top items hold {top}");
        assert_eq!(synthetic_ratings(shape, 1), r, "same seed, same ratings");
        let mean = r.values.iter().sum::<f64>() / r.len() as f64;
        assert!((3.0..4.2).contains(&mean), "mean rating {mean}");
    }
}
