//! Unit tests of the MF app: a serial `f64` CCD++ reference, monotone objective, early
//! stopping.

use super::*;
use rand::{Rng, SeedableRng};
use strads_engine::RunConfig;

/// A random 30 × 20 matrix of rank 3 plus noise, about 40 % observed.
#[allow(clippy::needless_range_loop)] // i and j are also the ids written into the ratings
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

/// Plain serial CCD++ [Yu et al. 2012, Alg. 1] in `f64` on dense-indexed triplets, written
/// independently of the app (which keeps `f32` residuals and factors and sums the `H`
/// half-step per worker): the same initial W, H = 0, factors in order 0..K.
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

/// The f32 app against the f64 reference: every factor value within `2e-4 · max |value|`
/// after 5 outer iterations (f32 carries ~7 digits; rounding the residuals and factors at
/// every half-step drifts a few units in the 6th digit over the 40 half-steps here), and the
/// objective reported equal to the one recomputed from the factors.
#[test]
fn matches_a_serial_ccdpp_reference_for_any_worker_count() {
    let r = data();
    for (reg, lambda) in [(Reg::Plain, 0.1), (Reg::Weighted, 0.01)] {
        let p = MfParams { rank: 4, lambda, reg, iters: 5, inner_iters: 2, seed: 4, early_stop: None };
        let (w, h) = serial_ccdpp(&r, &p);
        let scale = w.iter().chain(&h).flatten().fold(0.0f64, |m, x| m.max(x.abs()));
        for workers in [1, 2, 3] {
            let fit =
                fit(&Backend::Threads { workers }, &mut r.clone(), None, p.clone(), &RunConfig::new(workers), |_| {})
                    .expect("fit")
                    .expect("coordinator");
            let diff =
                fit.w.iter().flatten().zip(w.iter().flatten()).chain(fit.h.iter().flatten().zip(h.iter().flatten()));
            let worst = diff.map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(worst < 2e-4 * scale, "{reg:?}, {workers} workers: max difference {worst} (scale {scale})");
            assert!(fit.w.iter().chain(&fit.h).flatten().all(|&x| f64::from(x as f32) == x), "f32 values");
            let last = fit.history.last().expect("history");
            let f = objective(&r, &p, &fit.w, &fit.h);
            assert!((last.objective - f).abs() <= 1e-5 * f, "reported {} vs {f}", last.objective);
            // It learned: far below the objective of W H = 0 (Σ A²), and H is not zero.
            let zero: f64 = r.values.iter().map(|v| v * v).sum();
            assert!(f < 0.2 * zero, "{reg:?}: objective {f} vs {zero} at zero");
            assert!(fit.h.iter().flatten().any(|&x| x != 0.0));
        }
    }
}

/// Early stopping on a held-out third: the fit stops `patience` evaluations after the best
/// test RMSE and returns that iteration's factors (their test RMSE recomputed here).
#[test]
fn early_stopping_keeps_the_best_model() {
    let all = data();
    let is_test = |e: usize| e % 3 == 2;
    let pick = |t: bool| {
        let mut s = Ratings { user_ids: all.user_ids.clone(), item_ids: all.item_ids.clone(), ..Ratings::default() };
        for e in (0..all.len()).filter(|&e| is_test(e) == t) {
            s.users.push(all.users[e]);
            s.items.push(all.items[e]);
            s.values.push(all.values[e]);
        }
        s
    };
    let (train, test) = (pick(false), pick(true));
    // No regularization and a high rank: the test RMSE turns up after a few iterations.
    let p =
        MfParams { rank: 8, lambda: 0.0, reg: Reg::Plain, iters: 200, inner_iters: 3, seed: 1, early_stop: Some(3) };
    let fit =
        fit(&Backend::Threads { workers: 2 }, &mut train.clone(), Some(test.clone()), p, &RunConfig::new(2), |_| {})
            .expect("fit")
            .expect("coordinator");
    let rmses: Vec<f64> = fit.history.iter().map(|i| i.test_rmse.expect("test")).collect();
    let best = fit.best_iter.expect("best") as usize;
    assert!(rmses.len() < 200, "stopped early: {rmses:?}");
    assert_eq!(rmses.len(), best + 3, "three evaluations after the best: {rmses:?}");
    let min = rmses.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(rmses[best - 1], min);
    let lo = train.values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = train.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sse = 0.0;
    for e in 0..test.len() {
        let (i, j) = (test.users[e] as usize, test.items[e] as usize);
        let pred: f64 = (0..8).map(|k| fit.w[k][i] * fit.h[k][j]).sum::<f64>().clamp(lo, hi);
        sse += (test.values[e] - pred).powi(2);
    }
    let rmse = (sse / test.len() as f64).sqrt();
    assert!((rmse - min).abs() < 1e-12, "best model's test RMSE {rmse} vs reported {min}");
    let none = MfParams { early_stop: Some(2), ..MfParams::default() };
    assert!(fit_err(&train, none).contains("early-stop"));
}

fn fit_err(train: &Ratings, p: MfParams) -> String {
    match fit(&Backend::Threads { workers: 1 }, &mut train.clone(), None, p, &RunConfig::new(1), |_| {}) {
        Err(e) => e.to_string(),
        Ok(_) => "no error".into(),
    }
}

#[test]
fn the_objective_never_rises_across_half_steps() {
    let r = data();
    let p = MfParams { rank: 3, lambda: 0.05, reg: Reg::Weighted, iters: 4, inner_iters: 2, seed: 1, early_stop: None };
    let (cu, ci) = counts(&r);
    let app = Mf::new(p.clone(), &cu, &ci, 2).expect("app");
    let workers = app.workers(0..2, r.users.clone(), r.items.clone(), r.values.clone());
    let mut last = f64::INFINITY;
    let mut steps = 0;
    let zero: f64 = r.values.iter().map(|v| v * v).sum();
    let (sched, coord) = (app.scheduler().expect("scheduler"), app.coordinator());
    strads_engine::run_threads(&app, &RunConfig::new(2), sched, coord, workers, |_, _, c| {
        let f = objective(&r, &p, &c.w, &c.h);
        // Exact in real arithmetic; the f32 residuals and factors allow a rise in the 7th digit.
        assert!(f <= last * (1.0 + 1e-6), "half-step {steps}: objective rose from {last} to {f}");
        last = f;
        steps += 1;
    })
    .expect("run");
    assert_eq!(steps, 4 * (3 * 2 * 2 + 1));
    assert!(last < 0.2 * zero, "the objective fell: {last} vs {zero}");
}
