//! The staleness bound of the pipelined scheduler: what the scheduler has seen when it
//! schedules each round, determinism for each `S`, and stopping with tasks scheduled ahead.

use std::time::Duration;

use strads_engine::{run_threads, App, AppError, Control, Pulled, RunConfig, StopReason};

/// The scheduler records, for each round it schedules, how many updates it had observed;
/// the task carries that count, and the coordinator records the tasks it ran and the
/// update sequence the workers saw.
struct Probe {
    converge_after: Option<u64>,
}

#[derive(Default)]
struct Sched {
    observed: u64,
    /// Sum of observed updates (so the next task depends on what was seen).
    seen_sum: u64,
    /// `(round, observed)` for every scheduled round, in order.
    log: Vec<(u64, u64)>,
}

impl App for Probe {
    type Scheduler = Sched;
    type Coordinator = Vec<(u64, u64, u64)>;
    type Worker = u64;
    type Task = (u64, u64, u64);
    type Partial = u64;
    type Update = u64;
    type Feedback = ();
    type Private = ();

    fn schedule(&self, s: &mut Sched, round: u64) -> (u64, u64, u64) {
        s.log.push((round, s.observed));
        (round, s.observed, s.seen_sum)
    }
    fn push(&self, w: &mut u64, task: &(u64, u64, u64)) -> u64 {
        *w + task.2
    }
    fn pull(
        &self,
        c: &mut Vec<(u64, u64, u64)>,
        task: &(u64, u64, u64),
        parts: Vec<u64>,
    ) -> Result<Pulled<u64, ()>, AppError> {
        c.push(*task);
        let done = self.converge_after.is_some_and(|n| c.len() as u64 >= n);
        Ok(Pulled::new(parts.iter().sum::<u64>() % 1000 + 1, if done { Control::Converged } else { Control::Continue }))
    }
    fn sync(&self, w: &mut u64, u: &u64) {
        *w = (*w * 31 + u) % 1_000_003;
    }
    fn observe(&self, s: &mut Sched, _: &(u64, u64, u64), u: &u64, _: ()) {
        s.observed += 1;
        s.seen_sum += u;
    }
    fn final_task(&self, s: &mut Sched) -> Option<(u64, u64, u64)> {
        Some((u64::MAX, s.observed, s.seen_sum))
    }
}

fn run(p: usize, s: u64, converge_after: Option<u64>, max_rounds: Option<u64>) -> strads_engine::RunOutput<Probe> {
    let cfg = RunConfig { staleness: s, max_rounds, ..RunConfig::new(p) };
    let workers = (0..p as u64).collect();
    run_threads(&Probe { converge_after }, &cfg, Sched::default(), Vec::new(), workers, |_, _, _| {})
        .expect("run succeeds")
}

#[test]
fn round_t_is_scheduled_having_seen_exactly_rounds_before_t_minus_s() {
    for s in [0u64, 1, 2, 5] {
        for p in [1, 2, 3] {
            let out = run(p, s, Some(40), None);
            assert_eq!(out.stop, StopReason::Converged);
            assert_eq!(out.rounds, 40);
            // Every round that ran was scheduled having seen max(0, t − S) updates.
            for (t, &(round, observed, _)) in out.coordinator.iter().enumerate() {
                assert_eq!(round, t as u64, "S = {s}: rounds run in order");
                assert_eq!(observed, (t as u64).saturating_sub(s), "S = {s}, P = {p}, round {t}");
            }
            let sched = out.scheduler.expect("the scheduler state comes back");
            // Rounds 40 ..= 40 + S − 1 were scheduled ahead and dropped unrun.
            assert_eq!(sched.log.len() as u64, 40 + s, "S = {s}");
            assert_eq!(sched.observed, 40, "every round's update is observed");
        }
    }
}

#[test]
fn each_staleness_is_deterministic_and_workers_see_every_update() {
    for s in [0u64, 2] {
        let a = run(2, s, Some(30), None);
        for _ in 0..3 {
            let b = run(2, s, Some(30), None);
            assert_eq!(a.coordinator, b.coordinator, "S = {s}");
            assert_eq!(a.workers, b.workers, "S = {s}");
        }
    }
    // With S > 0 the scheduler sees less, so the schedule (and here the result) differs.
    assert_ne!(run(2, 0, Some(30), None).coordinator, run(2, 3, Some(30), None).coordinator);
}

#[test]
fn a_limit_drops_the_rounds_scheduled_ahead_and_runs_the_final_task() {
    for s in [0u64, 1, 3] {
        // max_rounds 2 < S + 1 for S = 3: the stop comes before the pipeline is drained.
        for max in [2u64, 7] {
            let out = run(2, s, None, Some(max));
            assert_eq!(out.stop, StopReason::MaxRounds);
            assert_eq!(out.rounds, max + 1, "the final task runs as one more round");
            let last = *out.coordinator.last().expect("rounds ran");
            assert_eq!(last.0, u64::MAX, "the last round is the final task");
            assert_eq!(last.1, max, "the final task is scheduled after every update is observed");
        }
    }
}

#[test]
fn a_time_limit_stops_a_pipelined_run() {
    let cfg = RunConfig { staleness: 2, time_limit: Some(Duration::from_millis(30)), ..RunConfig::new(2) };
    let out =
        run_threads(&Probe { converge_after: None }, &cfg, Sched::default(), Vec::new(), vec![0, 1], |_, _, _| {})
            .expect("run succeeds");
    assert_eq!(out.stop, StopReason::TimeLimit);
    assert!(out.rounds > 1);
}

/// A scheduler that panics: the run fails with the scheduler's message, for every `S`.
struct Faulty;

impl App for Faulty {
    type Scheduler = ();
    type Coordinator = ();
    type Worker = ();
    type Task = u64;
    type Partial = ();
    type Update = ();
    type Feedback = ();
    type Private = ();
    fn schedule(&self, _: &mut (), round: u64) -> u64 {
        if round == 5 {
            panic!("scheduler told to fail");
        }
        round
    }
    fn push(&self, _: &mut (), _: &u64) {}
    fn pull(&self, _: &mut (), _: &u64, _: Vec<()>) -> Result<Pulled<(), ()>, AppError> {
        Ok(Pulled::new((), Control::Continue))
    }
    fn sync(&self, _: &mut (), _: &()) {}
}

#[test]
fn a_failing_scheduler_thread_is_reported() {
    let cfg = RunConfig { staleness: 2, ..RunConfig::new(2) };
    let err = match run_threads(&Faulty, &cfg, (), (), vec![(), ()], |_, _, _| {}) {
        Ok(_) => panic!("the run must fail"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("scheduler") && err.contains("told to fail"), "{err}");
}
