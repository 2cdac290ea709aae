//! Unit tests of the MF app: a serial CCD++ reference, monotone objective, determinism.

use super::*;
use rand::{Rng, SeedableRng};
use strads_engine::RunConfig;

/// A random 30 × 20 matrix of rank 3 plus noise, about 40 % observed.
fn data() -> Ratings {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let (m, n, k) = (30, 20, 3);
    let u: Vec<Vec<f64>> = (0..m).map(|_| (0..k).map(|_| rng.random::<f64>()).collect()).collect();
    let v: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| rng.random::<f64>()).collect()).collect();
    let mut r = Ratings {
        user_ids: (0..m).map(|i| format!("u{i}")).collect(),
        item_ids: (0..n).map(|j| format!("i{j}")).collect(),
        ..Ratings::default()
    };
    for i in 0..m {
        for j in 0..n {
            if rng.random::<f64>() < 0.4 || j == i % n {
                let x: f64 = (0..k).map(|t| u[i][t] * v[j][t]).sum::<f64>() + 0.1 * (rng.random::<f64>() - 0.5);
                r.users.push(i as u32);
                r.items.push(j as u32);
                r.values.push(x);
            }
        }
    }
    r
}

/// Plain serial CCD++ [Yu et al. 2012, Alg. 1] on dense-indexed triplets, written
/// independently of the app: the same initial W, H = 0, factors in order 0..K.
fn serial_ccdpp(r: &Ratings, p: &MfParams) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (m, n) = (r.user_ids.len(), r.item_ids.len());
    let (cu, ci) = counts(r);
    let lam = |c: u64| match p.reg {
        Reg::Plain => p.lambda,
        Reg::Weighted => p.lambda * c as f64,
    };
    let mut w = initial_w(m, p.rank, p.seed);
    let mut h = vec![vec![0.0; n]; p.rank];
    let mut res = r.values.clone();
    for _ in 0..p.iters {
        for k in 0..p.rank {
            for e in 0..r.len() {
                res[e] += w[k][r.users[e] as usize] * h[k][r.items[e] as usize];
            }
            for _ in 0..p.inner_iters {
                let (mut num, mut den): (Vec<f64>, Vec<f64>) = (vec![0.0; n], ci.iter().map(|&c| lam(c)).collect());
                for e in 0..r.len() {
                    let x = w[k][r.users[e] as usize];
                    num[r.items[e] as usize] += res[e] * x;
                    den[r.items[e] as usize] += x * x;
                }
                for j in 0..n {
                    h[k][j] = if den[j] > 0.0 { num[j] / den[j] } else { 0.0 };
                }
                let (mut num, mut den): (Vec<f64>, Vec<f64>) = (vec![0.0; m], cu.iter().map(|&c| lam(c)).collect());
                for e in 0..r.len() {
                    let x = h[k][r.items[e] as usize];
                    num[r.users[e] as usize] += res[e] * x;
                    den[r.users[e] as usize] += x * x;
                }
                for i in 0..m {
                    w[k][i] = if den[i] > 0.0 { num[i] / den[i] } else { 0.0 };
                }
            }
            for e in 0..r.len() {
                res[e] -= w[k][r.users[e] as usize] * h[k][r.items[e] as usize];
            }
        }
    }
    (w, h)
}

fn objective(r: &Ratings, p: &MfParams, w: &[Vec<f64>], h: &[Vec<f64>]) -> f64 {
    let (cu, ci) = counts(r);
    let lam = |c: u64| match p.reg {
        Reg::Plain => p.lambda,
        Reg::Weighted => p.lambda * c as f64,
    };
    let mut f = 0.0;
    for e in 0..r.len() {
        let (i, j) = (r.users[e] as usize, r.items[e] as usize);
        let pred: f64 = (0..p.rank).map(|k| w[k][i] * h[k][j]).sum();
        f += (r.values[e] - pred).powi(2);
    }
    for k in 0..p.rank {
        f += (0..cu.len()).map(|i| lam(cu[i]) * w[k][i] * w[k][i]).sum::<f64>();
        f += (0..ci.len()).map(|j| lam(ci[j]) * h[k][j] * h[k][j]).sum::<f64>();
    }
    f
}

#[test]
fn matches_a_serial_ccdpp_reference_for_any_worker_count() {
    let r = data();
    for (reg, lambda) in [(Reg::Plain, 0.1), (Reg::Weighted, 0.01)] {
        let p = MfParams { rank: 4, lambda, reg, iters: 5, inner_iters: 2, seed: 4 };
        let (w, h) = serial_ccdpp(&r, &p);
        for workers in [1, 2, 3] {
            let fit = fit(&Backend::Threads { workers }, &r, None, p.clone(), &RunConfig::new(workers), |_| {})
                .expect("fit")
                .expect("coordinator");
            let diff =
                fit.w.iter().flatten().zip(w.iter().flatten()).chain(fit.h.iter().flatten().zip(h.iter().flatten()));
            let worst = diff.map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(worst < 1e-9, "{reg:?}, {workers} workers: max difference {worst}");
            let last = fit.history.last().expect("history");
            let f = objective(&r, &p, &fit.w, &fit.h);
            assert!((last.objective - f).abs() <= 1e-9 * f, "reported {} vs {f}", last.objective);
            // It learned: far below the objective of W H = 0 (Σ A²), and H is not zero.
            let zero: f64 = r.values.iter().map(|v| v * v).sum();
            assert!(f < 0.2 * zero, "{reg:?}: objective {f} vs {zero} at zero");
            assert!(fit.h.iter().flatten().any(|&x| x != 0.0));
        }
    }
}

#[test]
fn the_objective_never_rises_across_half_steps() {
    let r = data();
    let p = MfParams { rank: 3, lambda: 0.05, reg: Reg::Weighted, iters: 4, inner_iters: 2, seed: 1 };
    let (cu, ci) = counts(&r);
    let app = Mf::new(p.clone(), &cu, &ci, 2).expect("app");
    let workers = (0..2).map(|k| app.worker(k, &r.users, &r.items, &r.values)).collect();
    let roles = strads_engine::Roles {
        scheduler: Some(app.scheduler().expect("scheduler")),
        coordinator: Some(app.coordinator()),
        workers,
    };
    let mut last = f64::INFINITY;
    let mut steps = 0;
    let zero: f64 = r.values.iter().map(|v| v * v).sum();
    strads_engine::run(&app, &RunConfig::new(2), &Backend::Threads { workers: 2 }, roles, |_, c| {
        let f = objective(&r, &p, &c.w, &c.h);
        assert!(f <= last * (1.0 + 1e-12), "half-step {steps}: objective rose from {last} to {f}");
        last = f;
        steps += 1;
    })
    .expect("run");
    assert_eq!(steps, 4 * (3 * 2 * 2 + 1));
    assert!(last < 0.2 * zero, "the objective fell: {last} vs {zero}");
}
