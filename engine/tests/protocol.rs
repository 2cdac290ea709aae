//! The App protocol: scheduler-only feedback, the observer's task, a pull that fails, a
//! budget spent vs convergence, and what each phase's time counts.

use std::time::Duration;

use strads_engine::{run_threads, App, AppError, Control, Error, Pulled, RunConfig, StopReason};

/// Round `t`'s task is `t`; the coordinator's feedback is `10 t`, its update `t`. Workers
/// record every update they sync; the scheduler records every (task, update, feedback).
struct Probe {
    /// Stop with this control after this many rounds.
    stop_after: (u64, Control),
    /// Fail the pull of this round.
    fail_at: Option<u64>,
    /// Sleep this long in `scatter` (and nothing in `schedule`).
    scatter_sleep: Duration,
}

impl App for Probe {
    type Scheduler = Vec<(u64, u64, u64)>;
    type Coordinator = ();
    type Worker = Vec<u64>;
    type Task = u64;
    type Partial = ();
    type Update = u64;
    type Feedback = u64;
    type Private = ();

    fn schedule(&self, _: &mut Self::Scheduler, round: u64) -> u64 {
        round
    }
    fn push(&self, _: &mut Vec<u64>, _: &u64) {}
    fn pull(&self, _: &mut (), task: &u64, _: Vec<()>) -> Result<Pulled<u64, u64>, AppError> {
        if self.fail_at == Some(*task) {
            return Err(format!("a NaN in round {task}").into());
        }
        let control = if task + 1 >= self.stop_after.0 { self.stop_after.1 } else { Control::Continue };
        Ok(Pulled::with_feedback(*task, 10 * task, control))
    }
    fn sync(&self, w: &mut Vec<u64>, u: &u64) {
        w.push(*u);
    }
    fn scatter(&self, _: &mut (), _: &u64) -> Vec<()> {
        std::thread::sleep(self.scatter_sleep);
        Vec::new()
    }
    fn observe(&self, s: &mut Self::Scheduler, task: &u64, update: &u64, feedback: u64) {
        s.push((*task, *update, feedback));
    }
    fn final_task(&self, _: &mut Self::Scheduler) -> Option<u64> {
        Some(u64::MAX)
    }
}

fn probe(stop_after: (u64, Control)) -> Probe {
    Probe { stop_after, fail_at: None, scatter_sleep: Duration::ZERO }
}

#[test]
fn feedback_reaches_the_scheduler_only_and_the_observer_sees_each_task() {
    for (p, s) in [(1, 0), (2, 0), (3, 2)] {
        let cfg = RunConfig { staleness: s, ..RunConfig::new(p) };
        let mut tasks = Vec::new();
        let out = run_threads(&probe((5, Control::Converged)), &cfg, Vec::new(), (), vec![Vec::new(); p], |i, t, _| {
            tasks.push((i.round, *t));
        })
        .expect("runs");
        assert_eq!(tasks, (0..5).map(|t| (t, t)).collect::<Vec<_>>());
        let sched = out.scheduler.expect("the scheduler ran here");
        assert_eq!(sched, (0..5).map(|t| (t, t, 10 * t)).collect::<Vec<_>>(), "P = {p}, S = {s}");
        // Workers got the updates, never the feedback.
        assert!(out.workers.iter().all(|w| *w == (0..5).collect::<Vec<_>>()));
        assert_eq!(out.stop, StopReason::Converged);
    }
}

#[test]
fn a_spent_budget_is_not_convergence_and_runs_no_final_task() {
    let out = run_threads(
        &probe((3, Control::BudgetSpent)),
        &RunConfig::new(2),
        Vec::new(),
        (),
        vec![Vec::new(); 2],
        |_, _, _| {},
    )
    .expect("runs");
    assert_eq!((out.stop, out.rounds), (StopReason::BudgetSpent, 3));
    // A round limit is a third reason, and runs the final task.
    let cfg = RunConfig { max_rounds: Some(2), ..RunConfig::new(2) };
    let out = run_threads(&probe((9, Control::Converged)), &cfg, Vec::new(), (), vec![Vec::new(); 2], |_, _, _| {})
        .expect("runs");
    assert_eq!((out.stop, out.rounds), (StopReason::MaxRounds, 3));
}

#[test]
fn a_failing_pull_stops_the_run_with_its_error() {
    for (p, s) in [(1, 0), (3, 0), (2, 2)] {
        let app = Probe { fail_at: Some(4), ..probe((50, Control::Converged)) };
        let cfg = RunConfig { staleness: s, ..RunConfig::new(p) };
        let err = run_threads(&app, &cfg, Vec::new(), (), vec![Vec::new(); p], |_, _, _| {}).err().expect("fails");
        assert!(matches!(err, Error::Pull { round: 4, .. }), "{err}");
        assert_eq!(err.to_string(), "round 4: a NaN in round 4");
    }
}

#[test]
fn scatter_time_counts_in_pull_not_in_schedule() {
    let app = Probe { scatter_sleep: Duration::from_millis(20), ..probe((4, Control::Converged)) };
    let out = run_threads(&app, &RunConfig::new(1), Vec::new(), (), vec![Vec::new()], |_, _, _| {}).expect("runs");
    // Three scatters (none after the last round) of 20 ms each.
    assert!(out.total.pull_s >= 0.06, "{:?}", out.total);
    assert!(out.total.schedule_s < 0.02, "scatter time leaked into schedule_s: {:?}", out.total);
}
