#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Criterion benchmarks of one scheduling round and one push/pull round of the Lasso app on
//! the ALL leukemia set (n = 123, p = 12,625, dense), the wide real design matrix.
//!
//! Run: `cargo bench --bench rounds` (needs ../shared/data or STRADS_DATA).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use strads_apps::lasso::{shard_rows, Lasso, LassoParams, LassoScheduler, LassoTask, Penalty};
use strads_datasets::{load_labeled, shared_data_path, LoadOptions};
use strads_engine::App;
use strads_scheduler::{BlockConfig, BlockScheduler, PearsonOracle, Policy};

fn leukemia() -> strads_datasets::LabeledData {
    let path = shared_data_path("lasso/all_leukemia_age.libsvm.gz").unwrap_or_else(|e| panic!("{e}"));
    load_labeled(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn params(policy: Policy, block: usize) -> LassoParams {
    LassoParams {
        penalty: Penalty::Ratio(0.01),
        intercept: true,
        tol: 1e-6,
        schedule: BlockConfig::new(policy, block, 0),
        eval_every: Some(u64::MAX), // update rounds only
        inner_passes: 10,
        screening: true,
    }
}

fn bench(c: &mut Criterion) {
    let data = leukemia();
    let (n, p) = (data.x.nrows, data.x.ncols);
    let columns = Arc::new(data.x.to_csc());

    let mut g = c.benchmark_group("schedule_round");
    for policy in [Policy::Dynamic, Policy::Random, Policy::Cyclic] {
        let mut sched = BlockScheduler::new(p, BlockConfig::new(policy, 16, 0)).expect("config");
        // Skewed priorities, as after a few rounds: 200 active features.
        for j in 0..200 {
            sched.set_progress(j * 61 % p, 0.5);
        }
        let mut oracle = PearsonOracle::new(Arc::clone(&columns), 1 << 21);
        let mut out = Vec::new();
        g.bench_function(policy.to_string(), |b| b.iter(|| sched.next_block(&mut oracle, &mut out)));
    }
    g.finish();

    let mut g = c.benchmark_group("push_pull_round");
    for workers in [1usize, 2] {
        let app = Lasso::new(params(Policy::Cyclic, 16), n, p).expect("params");
        let mut shards = shard_rows(&data.x, &data.y, workers);
        let mut coord = app.coordinator();
        let parts = shards.iter_mut().map(|w| app.push(w, &LassoTask::Setup)).collect();
        let _ = app.pull(&mut coord, &LassoTask::Setup, parts);
        let mut sched = LassoScheduler::new(app.params(), p, None).expect("scheduler");
        let _ = app.schedule(&mut sched, 0); // the setup task, already run by hand
        g.bench_function(format!("block16_{workers}w"), |b| {
            b.iter_batched(
                || app.schedule(&mut sched, 1),
                |task| {
                    let parts = shards.iter_mut().map(|w| app.push(w, &task)).collect();
                    let update = app.pull(&mut coord, &task, parts).expect("a finite pull").update;
                    for w in shards.iter_mut() {
                        app.sync(w, &update);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
