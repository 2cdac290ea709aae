#![allow(missing_docs)] // criterion_group! generates undocumented items
//! The engine's fixed cost per round, measured with an empty app (every phase does nothing):
//! what every app pays per round for the hand-offs between the coordinator, the scheduler
//! and the workers, the stop checks and the byte counting.
//!
//! Run: `cargo bench --bench engine_rounds`. Each iteration is one round of a run of as
//! many rounds as criterion asks for (thread start-up amortized over the run).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use strads_engine::{run_threads, App, AppError, Control, Pulled, RunConfig};

/// An app whose rounds do no work.
struct Empty;

impl App for Empty {
    type Scheduler = ();
    type Coordinator = ();
    type Worker = ();
    type Task = ();
    type Partial = ();
    type Update = ();
    type Feedback = ();
    type Private = ();
    fn schedule(&self, _: &mut (), _: u64) {}
    fn push(&self, _: &mut (), _: &()) {}
    fn pull(&self, _: &mut (), _: &(), _: Vec<()>) -> Result<Pulled<(), ()>, AppError> {
        Ok(Pulled::new((), Control::Continue))
    }
    fn sync(&self, _: &mut (), _: &()) {}
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("empty_round");
    g.measurement_time(Duration::from_secs(3));
    for workers in [1usize, 2] {
        for staleness in [0u64, 2] {
            g.bench_function(format!("{workers}w_s{staleness}"), |b| {
                b.iter_custom(|iters| {
                    let cfg = RunConfig { max_rounds: Some(iters.max(1)), staleness, ..RunConfig::new(workers) };
                    let t = Instant::now();
                    run_threads(&Empty, &cfg, (), (), vec![(); workers], |_, _, _| {}).expect("run");
                    t.elapsed()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
