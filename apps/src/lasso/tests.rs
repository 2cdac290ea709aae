//! Unit tests of the Lasso app on small synthetic problems: the engine result against a plain
//! serial coordinate-descent reference and the KKT conditions.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use strads_scheduler::BlockConfig;

/// A random `n × p` problem with correlated columns and ~30% zeros, and an offset in y.
fn problem(n: usize, p: usize, seed: u64) -> (CsrMatrix, Vec<f64>, Vec<Vec<f64>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut dense = vec![vec![0.0; p]; n];
    for row in dense.iter_mut() {
        let common: f64 = rng.random_range(-1.0..1.0);
        for (j, v) in row.iter_mut().enumerate() {
            if rng.random::<f64>() < 0.7 {
                *v = rng.random_range(-1.0..1.0) + if j % 3 == 0 { 2.0 * common } else { 0.0 } + 0.5;
            }
        }
    }
    let truth: Vec<f64> = (0..p).map(|j| if j % 4 == 0 { (j as f64 + 1.0).sin() * 3.0 } else { 0.0 }).collect();
    let y: Vec<f64> = dense
        .iter()
        .map(|r| 10.0 + r.iter().zip(&truth).map(|(a, b)| a * b).sum::<f64>() + rng.random_range(-0.5..0.5))
        .collect();
    let mut x = CsrMatrix::with_cols(p);
    for r in &dense {
        x.push_row(r.iter().enumerate().filter(|(_, &v)| v != 0.0).map(|(j, &v)| (j as u32, v)));
    }
    (x, y, dense)
}

/// Plain serial cyclic coordinate descent with an intercept (on explicitly centered data,
/// column-major), for at most `sweeps` sweeps and until a sweep moves no coefficient by more
/// than 1e-13 (1 + |β|).
fn serial_cd(dense: &[Vec<f64>], y: &[f64], lambda: f64, sweeps: usize) -> (f64, Vec<f64>) {
    let (n, p) = (dense.len(), dense[0].len());
    let mean: Vec<f64> = (0..p).map(|j| dense.iter().map(|r| r[j]).sum::<f64>() / n as f64).collect();
    let ymean = y.iter().sum::<f64>() / n as f64;
    let cols: Vec<Vec<f64>> = (0..p).map(|j| dense.iter().map(|r| r[j] - mean[j]).collect()).collect();
    let norms: Vec<f64> = cols.iter().map(|c| c.iter().map(|v| v * v).sum()).collect();
    let mut r: Vec<f64> = y.iter().map(|v| v - ymean).collect();
    let mut beta = vec![0.0; p];
    for _ in 0..sweeps {
        let mut moved: f64 = 0.0;
        for j in 0..p {
            if norms[j] == 0.0 {
                continue;
            }
            let z: f64 = cols[j].iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() + norms[j] * beta[j];
            let new = soft_threshold(z, lambda) / norms[j];
            let d = new - beta[j];
            if d != 0.0 {
                r.iter_mut().zip(&cols[j]).for_each(|(ri, c)| *ri -= c * d);
                beta[j] = new;
                moved = moved.max(d.abs() / (1.0 + new.abs()));
            }
        }
        if moved < 1e-13 {
            break;
        }
    }
    let b0 = ymean - mean.iter().zip(&beta).map(|(m, b)| m * b).sum::<f64>();
    (b0, beta)
}

fn params(policy: Policy, ratio: f64) -> LassoParams {
    LassoParams {
        penalty: Penalty::Ratio(ratio),
        intercept: true,
        tol: 1e-10,
        schedule: BlockConfig::new(policy, 5, 7),
        eval_every: None,
        inner_passes: 10,
        screening: true,
    }
}

#[test]
fn matches_serial_reference_for_every_schedule_and_worker_count() {
    let (x, y, dense) = problem(60, 24, 1);
    for policy in [Policy::Dynamic, Policy::Random, Policy::Cyclic] {
        for workers in [1, 2, 3] {
            let fit =
                fit_threads(&x, &y, params(policy, 0.05), &RunConfig::new(workers), |_, _, _| {}).expect("fit runs");
            assert_eq!(fit.stop, StopReason::Converged, "{policy} P={workers}");
            let (b0, beta) = serial_cd(&dense, &y, fit.lambda, 5000);
            for (j, (a, b)) in fit.model.coef.iter().zip(&beta).enumerate() {
                assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{policy} P={workers} β_{j}: {a} vs {b}");
            }
            assert!((fit.model.intercept - b0).abs() < 1e-5 * (1.0 + b0.abs()));
            assert!(fit.evaluation.max_kkt_violation < 1e-4);
        }
    }
}

#[test]
fn without_intercept_satisfies_kkt() {
    let (x, y, dense) = problem(40, 12, 2);
    let mut prm = params(Policy::Cyclic, 0.2);
    prm.intercept = false;
    let fit = fit_threads(&x, &y, prm, &RunConfig::new(2), |_, _, _| {}).expect("fit runs");
    assert_eq!(fit.model.intercept, 0.0);
    // KKT on the uncentered problem, computed here from the dense rows.
    let r: Vec<f64> = dense
        .iter()
        .zip(&y)
        .map(|(row, yi)| yi - row.iter().zip(&fit.model.coef).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    for j in 0..12 {
        let g: f64 = dense.iter().zip(&r).map(|(row, ri)| row[j] * ri).sum();
        let b = fit.model.coef[j];
        if b == 0.0 {
            assert!(g.abs() <= fit.lambda * (1.0 + 1e-6), "j={j}: |{g}| > {}", fit.lambda);
        } else {
            assert!((g - fit.lambda * b.signum()).abs() <= 1e-4 * fit.lambda, "j={j}: {g}");
        }
    }
}

#[test]
fn lambda_max_gives_zero_model() {
    let (x, y, _) = problem(30, 10, 3);
    let fit = fit_threads(&x, &y, params(Policy::Dynamic, 1.0), &RunConfig::new(2), |_, _, _| {}).expect("fit runs");
    assert_eq!(fit.model.nnz(), 0);
    let ymean = y.iter().sum::<f64>() / y.len() as f64;
    assert!((fit.model.intercept - ymean).abs() < 1e-9);
}

#[test]
fn bad_parameters_are_rejected_before_running() {
    let (x, y, _) = problem(10, 4, 4);
    let mut prm = params(Policy::Dynamic, 0.1);
    prm.penalty = Penalty::Lambda(-1.0);
    let err = fit_threads(&x, &y, prm, &RunConfig::new(1), |_, _, _| {}).expect_err("λ < 0");
    assert!(err.to_string().contains("--lambda -1"), "{err}");
    let err =
        fit_threads(&x, &y, params(Policy::Dynamic, 0.1), &RunConfig::new(0), |_, _, _| {}).expect_err("0 workers");
    assert!(err.to_string().contains("--workers 0"), "{err}");
}

/// Gap-safe screening never removes a feature that is non-zero at the optimum: on every file
/// of ../shared/data/lasso, at 0.1 and 0.01 λ_max, the features a tight dynamic fit (staleness
/// 0 and 2) screened out are zero in a serial coordinate-descent reference run to
/// convergence, and are zero in the fit itself.
#[test]
fn screening_never_removes_a_feature_of_the_optimum() {
    use strads_datasets::{load_labeled, shared_data_path, LoadOptions};
    let files = [
        "lasso/all_leukemia_age.libsvm.gz",
        "lasso/cox2_ic50.libsvm",
        "lasso/bloodbrain.libsvm",
        "lasso/tecator_fat.libsvm",
        "lasso/diabetes_raw.libsvm",
        "lasso/california_housing.csv",
    ];
    for rel in files {
        let path = shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        let data = load_labeled(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let (n, p) = (data.x.nrows, data.x.ncols);
        let mut dense = vec![vec![0.0; p]; n];
        for (i, row) in dense.iter_mut().enumerate() {
            let (idx, val) = data.x.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                row[j as usize] = v;
            }
        }
        for ratio in [0.1, 0.01] {
            let mut screened_any = false;
            for staleness in [0, 2] {
                let mut prm = params(Policy::Dynamic, ratio);
                prm.schedule = BlockConfig::new(Policy::Dynamic, 64, 7);
                prm.tol = 1e-9;
                let cfg = RunConfig { staleness, ..RunConfig::new(2) };
                let fit = fit_threads(&data.x, &data.y, prm, &cfg, |_, _, _| {}).expect("fit runs");
                let ctx = format!("{rel} at {ratio} λ_max, S = {staleness}");
                assert_eq!(fit.stop, StopReason::Converged, "{ctx}");
                let (_, reference) = serial_cd(&dense, &data.y, fit.lambda, 200_000);
                let scale = reference.iter().fold(0.0f64, |m, b| m.max(b.abs()));
                for &j in &fit.screened {
                    let j = j as usize;
                    assert_eq!(fit.model.coef[j], 0.0, "{ctx}: screened feature {j} is non-zero in the fit");
                    assert!(
                        reference[j].abs() <= 1e-9 * scale,
                        "{ctx}: feature {j} was screened but is {} at the optimum",
                        reference[j]
                    );
                }
                screened_any |= !fit.screened.is_empty();
            }
            if p > 100 {
                assert!(screened_any, "{rel} at {ratio} λ_max: screening removed nothing");
            }
        }
    }
}
