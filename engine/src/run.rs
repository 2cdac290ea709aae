//! The round loop: schedule → push → pull → sync, over a transport.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::app::{App, Control};
use crate::error::{Error, Result};
use crate::launch::Backend;
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

/// What a run leaves on the coordinator: the role states held there and the run's statistics.
pub struct RunOutput<A: App> {
    /// The scheduler's final state (`None` if the scheduler ran on its own MPI rank).
    pub scheduler: Option<A::Scheduler>,
    /// The coordinator's final state (the model).
    pub coordinator: A::Coordinator,
    /// The final states of the workers run in this process, in worker order (all `P` on
    /// threads; none on an MPI coordinator rank).
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

/// The role states this process holds, as its [`crate::Placement`] asks: every role on
/// threads; under MPI the coordinator (and usually the scheduler) on rank 0, and on a worker
/// rank the states of its workers `worker_range`, in worker order.
pub struct Roles<A: App> {
    /// The scheduler's state, where the placement has the scheduler.
    pub scheduler: Option<A::Scheduler>,
    /// The coordinator's state, where the placement has the coordinator.
    pub coordinator: Option<A::Coordinator>,
    /// The states of the placement's workers, in worker order.
    pub workers: Vec<A::Worker>,
}

/// Runs `app` on `backend` until the app converges or a limit is reached; every process of
/// the run calls this with the role states of its [`Backend::placement`].
///
/// Returns the run's output on the coordinator and `None` on other MPI ranks. On threads it
/// is [`run_threads`]. Under MPI, rank 0 runs the coordinator (and the scheduler unless it
/// has its own rank), worker ranks relay each message to their worker threads, and
/// `observer` runs on the coordinator.
///
/// # Errors
/// As [`run_threads`]; [`Error::Roles`] if `roles` does not match the placement;
/// [`Error::Transport`] for a message that cannot be encoded or decoded. Under MPI, a caller
/// that gets an error must end the job with [`Backend::abort`], since the other ranks wait
/// for this one.
pub fn run<A: App>(
    app: &A,
    config: &RunConfig,
    backend: &Backend,
    roles: Roles<A>,
    observer: impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<Option<RunOutput<A>>> {
    config.check()?;
    let place = backend.placement();
    if config.workers != place.workers {
        return Err(Error::Roles(format!(
            "the run is configured for {} workers but the backend has {}",
            config.workers, place.workers
        )));
    }
    if place.scheduler != roles.scheduler.is_some() || place.coordinator != roles.coordinator.is_some() {
        let takes = |yes: bool| if yes { "a" } else { "no" };
        return Err(Error::Roles(format!(
            "{} takes {} scheduler state and {} coordinator state",
            place.describe(),
            takes(place.scheduler),
            takes(place.coordinator)
        )));
    }
    if roles.workers.len() != place.worker_range.len() {
        return Err(Error::WorkerCount { given: roles.workers.len(), expected: place.worker_range.len() });
    }
    match backend {
        Backend::Threads { .. } => {
            let (Some(sched), Some(coord)) = (roles.scheduler, roles.coordinator) else {
                unreachable!("one process plays every role, and the states were checked above")
            };
            run_threads(app, config, sched, coord, roles.workers, observer).map(Some)
        }
        #[cfg(feature = "mpi")]
        Backend::Mpi(comm) => run_mpi(app, config, comm, roles, observer),
    }
}

/// One MPI rank's part of a run.
#[cfg(feature = "mpi")]
fn run_mpi<A: App>(
    app: &A,
    config: &RunConfig,
    comm: &crate::transport::mpi::MpiBackend,
    roles: Roles<A>,
    mut observer: impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<Option<RunOutput<A>>> {
    let place = comm.placement();
    if let Some(coord) = roles.coordinator {
        // Rank 0 runs its own workers on threads beside the coordinator.
        let ((scheduler, coordinator, stats), states) = with_worker_threads(app, roles.workers, 0, |local| {
            let mut link = transport::mpi_coordinator(comm, local);
            match roles.scheduler {
                Some(s) => coordinator_loop(app, config, LocalScheduler::<A>(s), coord, &mut link, &mut observer),
                None => coordinator_loop(
                    app,
                    config,
                    RemoteScheduler(transport::PeerLink::new(comm)),
                    coord,
                    &mut link,
                    &mut observer,
                ),
            }
        })?;
        return Ok(Some(stats.output(scheduler, coordinator, states)));
    }
    if let Some(sched) = roles.scheduler {
        scheduler_rank_loop(app, sched, &mut transport::PeerLink::new(comm))?;
        return Ok(None);
    }
    let link = transport::RankLink::new(comm);
    with_worker_threads(app, roles.workers, place.worker_range.start, |mut local| relay_loop::<A>(&link, &mut local))?;
    Ok(None)
}

/// A worker rank: relays each broadcast of the coordinator to the rank's worker threads and
/// their replies back, until the message that ends the run.
#[cfg(feature = "mpi")]
fn relay_loop<A: App>(link: &transport::RankLink<'_>, local: &mut LinkOf<'_, A>) -> Result<()> {
    loop {
        let (down, private): (DownOf<A>, Vec<Option<A::Private>>) = link.recv()?;
        let last = down.task.is_none();
        let private: Vec<A::Private> = private
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| Error::Transport("a private part is missing for a worker of this rank".into()))?;
        local.broadcast(&Arc::new(down), private)?;
        let (ups, _) = local.gather()?;
        link.send(&ups)?;
        if last {
            return Ok(());
        }
    }
}

/// A dedicated scheduler rank: sends the first task, then for each request observes the
/// round's update and answers with the next task, until it answers none.
#[cfg(feature = "mpi")]
fn scheduler_rank_loop<A: App>(app: &A, mut sched: A::Scheduler, peer: &mut transport::PeerLink<'_>) -> Result<()> {
    let mut task = app.schedule(&mut sched, 0);
    peer.send(&Some(&task))?;
    loop {
        let req: SchedulerRequest<A::Update> = peer.recv()?;
        let next = scheduler_step(app, &mut sched, &task, &req.update, req.step);
        peer.send(&next)?;
        match next {
            Some(t) => task = t,
            None => return Ok(()),
        }
    }
}

/// What the scheduler does after a round's pull.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Step {
    /// Schedule this round.
    Schedule(u64),
    /// The run stops on a limit: the app's final task, if any.
    Final,
    /// The run stops: no task.
    Stop,
}

/// Coordinator → dedicated scheduler rank: the round's update and what to do next.
#[cfg(feature = "mpi")]
#[derive(Serialize, Deserialize)]
struct SchedulerRequest<U> {
    update: U,
    step: Step,
}

/// The scheduler's part after a pull: observe the update, then the task of `step`.
fn scheduler_step<A: App>(app: &A, sched: &mut A::Scheduler, task: &A::Task, update: &A::Update, step: Step) -> Option<A::Task> {
    app.observe(sched, task, update);
    match step {
        Step::Schedule(round) => Some(app.schedule(sched, round)),
        Step::Final => app.final_task(sched),
        Step::Stop => None,
    }
}

/// The scheduler as the coordinator sees it: in the same process or on its own rank.
trait SchedulerSide<A: App> {
    /// The task of round 0.
    fn first(&mut self, app: &A) -> Result<A::Task>;
    /// [`scheduler_step`] wherever the scheduler is.
    fn next(&mut self, app: &A, task: &A::Task, update: A::Update, step: Step) -> Result<(A::Update, Option<A::Task>)>;
    /// The final scheduler state, if it is in this process.
    fn into_state(self) -> Option<A::Scheduler>;
    /// Bytes exchanged with the scheduler since the last call (0 in the same process).
    fn take_bytes(&mut self) -> u64 {
        0
    }
}

struct LocalScheduler<A: App>(A::Scheduler);

impl<A: App> SchedulerSide<A> for LocalScheduler<A> {
    fn first(&mut self, app: &A) -> Result<A::Task> {
        Ok(app.schedule(&mut self.0, 0))
    }
    fn next(&mut self, app: &A, task: &A::Task, update: A::Update, step: Step) -> Result<(A::Update, Option<A::Task>)> {
        let next = scheduler_step(app, &mut self.0, task, &update, step);
        Ok((update, next))
    }
    fn into_state(self) -> Option<A::Scheduler> {
        Some(self.0)
    }
}

#[cfg(feature = "mpi")]
struct RemoteScheduler<'a>(transport::PeerLink<'a>);

#[cfg(feature = "mpi")]
impl<A: App> SchedulerSide<A> for RemoteScheduler<'_> {
    fn first(&mut self, _: &A) -> Result<A::Task> {
        let t: Option<A::Task> = self.0.recv()?;
        t.ok_or_else(|| Error::Transport("the scheduler rank sent no first task".into()))
    }
    fn next(&mut self, _: &A, _: &A::Task, update: A::Update, step: Step) -> Result<(A::Update, Option<A::Task>)> {
        let req = SchedulerRequest { update, step };
        self.0.send(&req)?;
        let next = self.0.recv()?;
        Ok((req.update, next))
    }
    fn into_state(self) -> Option<A::Scheduler> {
        None
    }
    fn take_bytes(&mut self) -> u64 {
        self.0.take_bytes()
    }
}

type DownOf<A> = Down<<A as App>::Task, <A as App>::Update>;
type UpOf<A> = Up<<A as App>::Partial>;
type LinkOf<'a, A> = CoordinatorLink<'a, DownOf<A>, <A as App>::Private, UpOf<A>>;

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
    let ((scheduler, coordinator, stats), states) = with_worker_threads(app, workers, 0, |mut link| {
        coordinator_loop(app, config, LocalScheduler::<A>(scheduler), coordinator, &mut link, &mut observer)
    })?;
    Ok(stats.output(scheduler, coordinator, states))
}

/// Runs `workers` (global indices from `first`) on threads while `driver` talks to them
/// through a local coordinator link on the calling thread; returns the driver's result and
/// the worker states. A worker's panic is the root cause of a failure and wins over the
/// driver's view of it.
fn with_worker_threads<'a, A: App, R>(
    app: &A,
    workers: Vec<A::Worker>,
    first: usize,
    driver: impl FnOnce(LinkOf<'a, A>) -> Result<R>,
) -> Result<(R, Vec<A::Worker>)> {
    let (link, ends) = transport::local::<DownOf<A>, A::Private, UpOf<A>>(workers.len());
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
        // The driver owns the link and drops it when it returns, which unblocks workers
        // waiting on a broken run.
        let driver_res = driver(link);
        let mut states = Vec::with_capacity(handles.len());
        let mut first_err = None;
        for (k, h) in handles.into_iter().enumerate() {
            let rank = first + k;
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
                    first_err = Some(Error::WorkerFailed { rank, cause: format!("panicked: {cause}") });
                }
            }
        }
        match (driver_res, first_err) {
            (_, Some(e)) | (Err(e), None) => Err(e),
            (Ok(v), None) => Ok((v, states)),
        }
    })
}

struct LoopStats {
    rounds: u64,
    updates: u64,
    wall_s: f64,
    total: PhaseTimes,
    stop: StopReason,
}

impl LoopStats {
    fn output<A: App>(self, scheduler: Option<A::Scheduler>, coordinator: A::Coordinator, workers: Vec<A::Worker>) -> RunOutput<A> {
        RunOutput {
            scheduler,
            coordinator,
            workers,
            rounds: self.rounds,
            updates: self.updates,
            wall_s: self.wall_s,
            total: self.total,
            stop: self.stop,
        }
    }
}

/// The worker role: sync the previous update, push the next task, until no task comes.
fn worker_loop<A: App>(
    app: &A,
    state: &mut A::Worker,
    mut link: WorkerLink<DownOf<A>, A::Private, UpOf<A>>,
) -> Result<()> {
    loop {
        let (msg, private) = link.recv()?;
        let t0 = Instant::now();
        if let Some(p) = private {
            app.receive(state, p);
        }
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
    mut sched: impl SchedulerSide<A>,
    mut coord: A::Coordinator,
    link: &mut LinkOf<'_, A>,
    observer: &mut impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<(Option<A::Scheduler>, A::Coordinator, LoopStats)> {
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
    let mut task = Arc::new(Down::<A::Task, A::Update> { update: None, task: Some(sched.first(app)?) });
    this.schedule_s = t.elapsed().as_secs_f64();
    this.bytes += sched.take_bytes() + link.broadcast(&task, Vec::new())?;

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
        let step = match stop {
            None => Step::Schedule(round + 1),
            Some(_) if final_round => Step::Final,
            Some(_) => Step::Stop,
        };
        let (update, next) = sched.next(app, current, update, step)?;
        this.bytes += sched.take_bytes();
        let t_scatter = Instant::now();
        let private = match &next {
            Some(task) => app.scatter(&mut coord, task),
            None => Vec::new(),
        };
        this.pull_s += t_scatter.elapsed().as_secs_f64();
        let finished = next.is_none();
        this.schedule_s += t.elapsed().as_secs_f64();

        let msg = Arc::new(Down::<A::Task, A::Update> { update: Some(update), task: next });
        let sent = link.broadcast(&msg, private)?;
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
            return Ok((sched.into_state(), coord, LoopStats { rounds: round, updates, wall_s, total, stop }));
        }
    }
}
