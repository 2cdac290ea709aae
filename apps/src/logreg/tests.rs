//! Unit tests of the logistic-regression app on small seeded problems.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use strads_datasets::{CsrMatrix, LabeledData};
use strads_engine::{Backend, RunConfig, StopReason};
use strads_scheduler::{BlockConfig, Policy};

use super::*;

/// `n × p` Gaussian features (a third of the entries zero), labels from a sparse linear
/// model with flipped noise, as ±1.
fn problem(n: usize, p: usize, seed: u64) -> LabeledData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = CsrMatrix::with_cols(p);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut row: Vec<(u32, f64)> = Vec::new();
        for j in 0..p as u32 {
            let (keep, v) = (rng.random::<f64>(), rng.random::<f64>());
            if keep < 0.67 {
                row.push((j, v * 2.0 - 1.0));
            }
        }
        let score: f64 = row.iter().filter(|e| e.0 < 3).map(|e| e.1 * 2.0).sum::<f64>() + 0.3;
        y.push(if score + rng.random::<f64>() - 0.5 > 0.0 { 1.0 } else { -1.0 });
        x.push_row(row);
    }
    LabeledData { x, y, feature_names: None, rows_total: n, row_offset: 0 }
}

fn params(policy: Policy, intercept: bool, penalty: Penalty) -> LogRegParams {
    LogRegParams { penalty, intercept, tol: 1e-10, schedule: BlockConfig::new(policy, 4, 3), eval_passes: 10 }
}

fn fit_on(
    data: &LabeledData,
    p: LogRegParams,
    workers: usize,
    mut each: impl FnMut(&Task, &LogRegCoordinator),
) -> RunOutput<LogReg> {
    let backend = Backend::Threads { workers };
    let config = RunConfig { max_rounds: Some(200_000), ..RunConfig::new(workers) };
    fit(&backend, data, p, &config, |_, t, c| each(t, c)).expect("fits").expect("the coordinator's output")
}

#[test]
fn every_schedule_and_worker_count_reaches_the_same_optimum() {
    let data = problem(60, 12, 1);
    let mut objectives = Vec::new();
    for policy in [Policy::Dynamic, Policy::Cyclic, Policy::Random] {
        for intercept in [true, false] {
            for workers in [1, 2, 3] {
                // Weak duality at every evaluation, and evaluations never see a higher objective.
                let mut last = f64::INFINITY;
                let out = fit_on(&data, params(policy, intercept, Penalty::Ratio(0.05)), workers, |t, c| {
                    if let (Task::Evaluate, Some(e)) = (t, c.last) {
                        assert!(e.duality_gap >= -1e-12 * e.objective, "D > F: {e:?}");
                        assert!(e.objective <= last * (1.0 + 1e-14), "the objective rose: {e:?}");
                        last = e.objective;
                    }
                });
                assert_eq!(out.stop, StopReason::Converged, "{policy} {intercept} {workers}");
                let e = out.coordinator.last.expect("evaluated");
                assert!(e.kkt <= 1e-6, "{policy} {intercept} {workers}: KKT {}", e.kkt);
                objectives.push((intercept, e.objective));
            }
        }
    }
    for intercept in [true, false] {
        let f: Vec<f64> = objectives.iter().filter(|o| o.0 == intercept).map(|o| o.1).collect();
        let (lo, hi) = f.iter().fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(hi - lo <= 1e-9 * lo, "intercept {intercept}: objectives {f:?}");
    }
}

#[test]
fn at_lambda_max_the_model_is_zero_with_the_intercept_of_the_label_mean() {
    let data = problem(50, 8, 2);
    let out = fit_on(&data, params(Policy::Cyclic, true, Penalty::Ratio(1.0)), 2, |_, _| {});
    let c = &out.coordinator;
    assert!(c.beta[..8].iter().all(|&b| b == 0.0), "{:?}", c.beta);
    let pos = data.y.iter().filter(|&&y| y > 0.0).count() as f64 / 50.0;
    assert!((c.intercept() - (pos / (1.0 - pos)).ln()).abs() <= 1e-9);
    assert_eq!(out.stop, StopReason::Converged);
}

#[test]
fn same_seed_and_workers_give_the_same_bits() {
    let data = problem(40, 10, 3);
    let run = || fit_on(&data, params(Policy::Random, true, Penalty::Ratio(0.1)), 2, |_, _| {}).coordinator.beta;
    assert_eq!(run(), run());
}

#[test]
fn bad_parameters_are_named() {
    let mut p = params(Policy::Cyclic, true, Penalty::Lambda(-1.0));
    assert_eq!(p.check().expect_err("negative λ").to_string(), "invalid --lambda -1: must be ≥ 0");
    p.penalty = Penalty::Ratio(0.1);
    p.tol = 0.0;
    assert!(p.check().expect_err("tol 0").to_string().starts_with("invalid --tol 0"));
    p.tol = 1e-6;
    p.eval_passes = 0;
    assert!(p.check().expect_err("passes 0").to_string().starts_with("invalid --eval-passes 0"));
}

#[test]
fn the_loss_does_not_overflow() {
    assert_eq!(logistic_loss(1000.0), 0.0);
    assert_eq!(logistic_loss(-1000.0), 1000.0);
    assert!((logistic_loss(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
}
