//! The round loop: schedule → push → pull → sync, over a transport.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::app::{App, Control};
use crate::error::{Error, Result};
use crate::stats::{PhaseTimes, RoundInfo, StopReason};
use crate::transport::{self, CoordinatorLink, WorkerLink};

/// How many workers, and when to stop regardless of the app's own rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// `P`: the number of workers, each owning one data shard (≥ 1).
    pub workers: usize,
    /// Stop after this many rounds.
    pub max_rounds: Option<u64>,
    /// Stop at the first round boundary after this much wall time.
    pub time_limit: Option<Duration>,
}

impl RunConfig {
    /// `workers` workers, no round or time limit.
    pub fn new(workers: usize) -> Self {
        Self { workers, max_rounds: None, time_limit: None }
    }

    /// Validates the values.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero workers, zero rounds or a non-positive time
    /// limit.
    pub fn check(&self) -> Result<()> {
        if self.workers == 0 {
            return Err(Error::InvalidParameter {
                name: "workers",
                value: "0".into(),
                expect: "at least 1",
            });
        }
        if self.max_rounds == Some(0) {
            return Err(Error::InvalidParameter {
                name: "max-rounds",
                value: "0".into(),
                expect: "at least 1",
            });
        }
        if self.time_limit == Some(Duration::ZERO) {
            return Err(Error::InvalidParameter {
                name: "time-limit",
                value: "0".into(),
                expect: "positive",
            });
        }
        Ok(())
    }
}

/// What a run leaves: the role states and the run's statistics.
pub struct RunOutput<A: App> {
    /// The scheduler's final state.
    pub scheduler: A::Scheduler,
    /// The coordinator's final state (the model).
    pub coordinator: A::Coordinator,
    /// The workers' final states, in worker order.
    pub workers: Vec<A::Worker>,
    /// Rounds run.
    pub rounds: u64,
    /// Variable updates run.
    pub updates: u64,
    /// Wall seconds of the round loop.
    pub wall_s: f64,
    /// Phase times and bytes of the whole run.
    pub total: PhaseTimes,
    /// Why the run ended.
    pub stop: StopReason,
}

/// Coordinator → workers: the update of the previous round (if any) and the task of the
/// next (none when the run ends). Carrying both in one message halves the round trips.
#[derive(Serialize, Deserialize)]
struct Down<T, U> {
    update: Option<U>,
    task: Option<T>,
}

/// Worker → coordinator: the partial (none on the final acknowledgement) and the worker's
/// compute seconds of the sync and push it just ran.
#[derive(Serialize, Deserialize)]
struct Up<P> {
    partial: Option<P>,
    push_s: f64,
    sync_s: f64,
}

/// Runs `app` with one thread per worker until the app converges or a limit is reached.
///
/// `workers` holds one state per worker (its shard), in worker order. The coordinator and
/// scheduler run on the calling thread. `observer` is called after every round's pull with
/// the round's statistics and the coordinator state (for traces and progress display).
///
/// # Errors
/// [`Error::InvalidParameter`] from [`RunConfig::check`], [`Error::WorkerCount`] if
/// `workers.len() != config.workers`, [`Error::WorkerFailed`] if a worker thread panicked
/// (with its panic message).
pub fn run_threads<A: App>(
    app: &A,
    config: &RunConfig,
    scheduler: A::Scheduler,
    coordinator: A::Coordinator,
    workers: Vec<A::Worker>,
    mut observer: impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<RunOutput<A>> {
    config.check()?;
    if workers.len() != config.workers {
        return Err(Error::WorkerCount { given: workers.len(), expected: config.workers });
    }
    let (link, ends) = transport::local::<Down<A::Task, A::Update>, Up<A::Partial>>(config.workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .zip(ends)
            .map(|(mut state, end)| {
                scope.spawn(move || {
                    let res = worker_loop(app, &mut state, end);
                    (state, res)
                })
            })
            .collect();
        let mut link = link;
        let coord_res =
            coordinator_loop(app, config, scheduler, coordinator, &mut link, &mut observer);
        drop(link); // unblocks workers waiting on a broken run
        let mut states = Vec::with_capacity(handles.len());
        let mut first_err = None;
        for (rank, h) in handles.into_iter().enumerate() {
            match h.join() {
                Ok((state, res)) => {
                    if let Err(e) = res {
                        first_err.get_or_insert(Error::WorkerFailed { rank, cause: e.to_string() });
                    }
                    states.push(state);
                }
                Err(payload) => {
                    let cause = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "panicked".into());
                    // A panic is the root cause; it wins over the coordinator's view of it.
                    first_err = Some(Error::WorkerFailed { rank, cause: format!("panicked: {cause}") });
                }
            }
        }
        let (scheduler, coordinator, stats) = match (coord_res, first_err) {
            (_, Some(e)) => return Err(e),
            (Err(e), None) => return Err(e),
            (Ok(v), None) => v,
        };
        Ok(RunOutput {
            scheduler,
            coordinator,
            workers: states,
            rounds: stats.rounds,
            updates: stats.updates,
            wall_s: stats.wall_s,
            total: stats.total,
            stop: stats.stop,
        })
    })
}

struct LoopStats {
    rounds: u64,
    updates: u64,
    wall_s: f64,
    total: PhaseTimes,
    stop: StopReason,
}

/// The worker role: sync the previous update, push the next task, until no task comes.
fn worker_loop<A: App>(
    app: &A,
    state: &mut A::Worker,
    mut link: WorkerLink<Down<A::Task, A::Update>, Up<A::Partial>>,
) -> Result<()> {
    loop {
        let msg = link.recv()?;
        let t0 = Instant::now();
        if let Some(u) = &msg.update {
            app.sync(state, u);
        }
        let sync_s = t0.elapsed().as_secs_f64();
        match &msg.task {
            Some(task) => {
                let t1 = Instant::now();
                let partial = app.push(state, task);
                let push_s = t1.elapsed().as_secs_f64();
                link.send(Up { partial: Some(partial), push_s, sync_s })?;
            }
            None => {
                link.send(Up { partial: None, push_s: 0.0, sync_s })?;
                return Ok(());
            }
        }
    }
}

/// The coordinator and scheduler roles.
fn coordinator_loop<A: App>(
    app: &A,
    config: &RunConfig,
    mut sched: A::Scheduler,
    mut coord: A::Coordinator,
    link: &mut CoordinatorLink<Down<A::Task, A::Update>, Up<A::Partial>>,
    observer: &mut impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<(A::Scheduler, A::Coordinator, LoopStats)> {
    let start = Instant::now();
    let mut total = PhaseTimes::default();
    let mut updates = 0u64;
    let mut round = 0u64;
    // Set once a limit or convergence ends the run; a limit may still run one final task.
    let mut stop: Option<StopReason> = None;
    let mut final_round;

    let mut this = PhaseTimes::default();
    let mut round_start = Instant::now();
    let t = Instant::now();
    let mut task = Arc::new(Down::<A::Task, A::Update> { update: None, task: Some(app.schedule(&mut sched, 0)) });
    this.schedule_s = t.elapsed().as_secs_f64();
    this.bytes += link.broadcast(&task)?;

    loop {
        let (ups, bytes) = link.gather()?;
        this.bytes += bytes;
        let mut partials = Vec::with_capacity(ups.len());
        for (rank, up) in ups.into_iter().enumerate() {
            this.push_s = this.push_s.max(up.push_s);
            this.sync_s = this.sync_s.max(up.sync_s);
            partials.push(up.partial.ok_or_else(|| Error::WorkerFailed {
                rank,
                cause: "replied without a partial result".into(),
            })?);
        }
        let current = match &task.task {
            Some(t) => t,
            None => unreachable!("a task is always sent before a gather of partials"),
        };
        let t = Instant::now();
        let (update, control) = app.pull(&mut coord, current, partials);
        this.pull_s = t.elapsed().as_secs_f64();
        updates += app.updates(current);

        let t = Instant::now();
        app.observe(&mut sched, current, &update);
        let elapsed = start.elapsed();
        if stop.is_none() {
            stop = if control == Control::Converged {
                Some(StopReason::Converged)
            } else if config.max_rounds.is_some_and(|m| round + 1 >= m) {
                Some(StopReason::MaxRounds)
            } else if config.time_limit.is_some_and(|l| elapsed >= l) {
                Some(StopReason::TimeLimit)
            } else {
                None
            };
            final_round = stop.is_some_and(|s| s != StopReason::Converged);
        } else {
            final_round = false;
        }
        let next = match stop {
            None => Some(app.schedule(&mut sched, round + 1)),
            Some(_) if final_round => app.final_task(&mut sched),
            Some(_) => None,
        };
        let finished = next.is_none();
        this.schedule_s += t.elapsed().as_secs_f64();

        let msg = Arc::new(Down::<A::Task, A::Update> { update: Some(update), task: next });
        let sent = link.broadcast(&msg)?;
        let busy = this.schedule_s + this.push_s + this.pull_s + this.sync_s;
        this.comm_s = (round_start.elapsed().as_secs_f64() - busy).max(0.0);
        total += this;
        observer(
            &RoundInfo { round, elapsed_s: start.elapsed().as_secs_f64(), this_round: this, total, updates },
            &coord,
        );
        round += 1;
        // The next round's accounting starts with the broadcast that opens it.
        this = PhaseTimes { bytes: sent, ..PhaseTimes::default() };
        round_start = Instant::now();
        task = msg;
        if finished {
            let stop = stop.unwrap_or(StopReason::Converged);
            // Collect the final acknowledgements so the last sync is complete and counted.
            let (acks, bytes) = link.gather()?;
            total.bytes += sent + bytes;
            total.sync_s += acks.iter().map(|a| a.sync_s).fold(0.0, f64::max);
            let wall_s = start.elapsed().as_secs_f64();
            return Ok((sched, coord, LoopStats { rounds: round, updates, wall_s, total, stop }));
        }
    }
}
