//! Engine behaviour with toy apps, for 1, 2 and 3 workers: partial order, limits, failures.

use std::time::Duration;

use strads_engine::{run_threads, App, AppError, Control, Error, Pulled, RunConfig, StopReason};

/// Each worker holds its rank; every round the coordinator records the partials in the order
/// they arrive and broadcasts the round number, which workers accumulate.
struct Echo {
    converge_after: u64,
    panic_at: Option<(usize, u64)>,
}

#[derive(Default)]
struct Worker {
    rank: usize,
    seen: u64,
    rounds: u64,
}

impl App for Echo {
    type Scheduler = u64;
    type Coordinator = Vec<Vec<usize>>;
    type Worker = Worker;
    type Task = u64;
    type Partial = usize;
    type Update = u64;
    type Feedback = ();
    type Private = ();

    fn schedule(&self, s: &mut u64, round: u64) -> u64 {
        *s += 1;
        round
    }
    fn push(&self, w: &mut Worker, task: &u64) -> usize {
        if self.panic_at == Some((w.rank, *task)) {
            panic!("worker {} told to fail", w.rank);
        }
        w.rounds += 1;
        w.rank
    }
    fn pull(&self, c: &mut Vec<Vec<usize>>, task: &u64, parts: Vec<usize>) -> Result<Pulled<u64, ()>, AppError> {
        c.push(parts);
        let control = if task + 1 >= self.converge_after { Control::Converged } else { Control::Continue };
        Ok(Pulled::new(*task, control))
    }
    fn sync(&self, w: &mut Worker, u: &u64) {
        w.seen += u;
    }
    fn final_task(&self, _: &mut u64) -> Option<u64> {
        Some(1_000_000)
    }
    fn updates(&self, _: &u64) -> u64 {
        1
    }
}

fn workers(p: usize) -> Vec<Worker> {
    (0..p).map(|rank| Worker { rank, ..Worker::default() }).collect()
}

#[test]
fn partials_arrive_in_worker_order_and_every_update_is_synced() {
    for p in 1..=3 {
        let app = Echo { converge_after: 10, panic_at: None };
        let mut observed = 0;
        let out = run_threads(&app, &RunConfig::new(p), 0, Vec::new(), workers(p), |info, _, _| {
            assert_eq!(info.round, observed);
            observed += 1;
        })
        .expect("run succeeds");
        assert_eq!(out.stop, StopReason::Converged);
        assert_eq!((out.rounds, out.updates, out.scheduler), (10, 10, Some(10)));
        let order: Vec<usize> = (0..p).collect();
        assert!(out.coordinator.iter().all(|parts| *parts == order));
        for w in &out.workers {
            assert_eq!(w.seen, (0..10).sum::<u64>(), "the last update is synced too");
            assert_eq!(w.rounds, 10);
        }
        assert!(out.total.bytes > 0);
    }
}

#[test]
fn max_rounds_stops_and_runs_the_final_task() {
    let app = Echo { converge_after: u64::MAX, panic_at: None };
    let cfg = RunConfig { max_rounds: Some(5), ..RunConfig::new(2) };
    let out = run_threads(&app, &cfg, 0, Vec::new(), workers(2), |_, _, _| {}).expect("runs");
    assert_eq!(out.stop, StopReason::MaxRounds);
    // Five rounds plus the final task.
    assert_eq!(out.rounds, 6);
    assert_eq!(out.workers[0].seen, (0..5).sum::<u64>() + 1_000_000);
}

#[test]
fn time_limit_stops() {
    let app = Echo { converge_after: u64::MAX, panic_at: None };
    let cfg = RunConfig { time_limit: Some(Duration::from_millis(50)), ..RunConfig::new(2) };
    let out = run_threads(&app, &cfg, 0, Vec::new(), workers(2), |_, _, _| {}).expect("runs");
    assert_eq!(out.stop, StopReason::TimeLimit);
    assert!(out.wall_s >= 0.05);
}

#[test]
fn a_panicking_worker_fails_the_run_with_its_rank_and_message() {
    for p in 2..=3 {
        let app = Echo { converge_after: 100, panic_at: Some((1, 3)) };
        let err = run_threads(&app, &RunConfig::new(p), 0, Vec::new(), workers(p), |_, _, _| {})
            .err()
            .expect("the run fails");
        match &err {
            Error::WorkerFailed { rank: 1, cause } => assert!(cause.contains("told to fail"), "{err}"),
            other => panic!("unexpected error {other}"),
        }
    }
}

#[test]
fn bad_configuration_is_rejected() {
    let app = Echo { converge_after: 1, panic_at: None };
    let err = run_threads(&app, &RunConfig::new(0), 0, Vec::new(), Vec::new(), |_, _, _| {}).err();
    assert!(matches!(err, Some(Error::InvalidParameter(e)) if e.name == "workers"));
    let err = run_threads(&app, &RunConfig::new(2), 0, Vec::new(), workers(3), |_, _, _| {}).err();
    assert!(matches!(err, Some(Error::WorkerCount { given: 3, expected: 2 })));
}

/// An app that does not implement the checkpoint methods is refused before its first round
/// when the run asks for checkpoints or a resume; nothing is written.
#[test]
fn checkpoints_of_an_app_without_them_are_refused_before_the_first_round() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ck = dir.path().join("ck");
    let terminate = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let checkpoint = strads_engine::Checkpointing { dir: ck.clone(), every: Duration::ZERO, terminate };
    let resume_cfg = RunConfig { resume: Some(ck.clone()), ..RunConfig::new(2) };
    for cfg in [RunConfig { checkpoint: Some(checkpoint), ..RunConfig::new(2) }, resume_cfg] {
        let app = Echo { converge_after: 5, panic_at: None };
        let mut rounds = 0;
        let res = run_threads(&app, &cfg, 0, Vec::new(), workers(2), |_, _, _| rounds += 1);
        let err = res.err().expect("refused").to_string();
        assert!(matches!(err.as_str(), e if e.contains("does not support checkpoints")), "{err}");
        assert_eq!(rounds, 0, "no round ran");
        assert!(!ck.exists(), "nothing written");
    }
}
