//! The round loop: schedule → push → pull → sync, over a transport.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::app::{App, Control};
use crate::error::{Error, Result};
use crate::launch::Backend;
use crate::pipeline::{Local, SchedulerSide, Step};
use crate::stats::{PhaseTimes, RoundInfo, StopReason};
use crate::transport::{self, wire_bytes, CoordinatorLink, WorkerLink};

/// How many workers, and when to stop regardless of the app's own rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// `P`: the number of workers, each owning one data shard (≥ 1).
    pub workers: usize,
    /// Stop after this many rounds.
    pub max_rounds: Option<u64>,
    /// Stop at the first round boundary after this much wall time.
    pub time_limit: Option<Duration>,
    /// `S`: how many rounds the scheduler may run ahead of the workers. The task of round
    /// `t` is scheduled having observed the updates of rounds `≤ t − S − 1`; `0` (the
    /// default) schedules each round after the previous round's pull. With `S ≥ 1` the
    /// scheduler runs on its own thread (or its own rank) and overlaps the workers; results
    /// are deterministic for each `S` [STRADS-16, Sec. 4.2].
    pub staleness: u64,
}

impl RunConfig {
    /// `workers` workers, no round or time limit.
    pub fn new(workers: usize) -> Self {
        Self { workers, max_rounds: None, time_limit: None, staleness: 0 }
    }

    /// Validates the values.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero workers, zero rounds or a non-positive time
    /// limit.
    pub fn check(&self) -> Result<()> {
        if self.workers == 0 {
            return Err(Error::InvalidParameter { name: "workers", value: "0".into(), expect: "at least 1" });
        }
        if self.max_rounds == Some(0) {
            return Err(Error::InvalidParameter { name: "max-rounds", value: "0".into(), expect: "at least 1" });
        }
        if self.time_limit == Some(Duration::ZERO) {
            return Err(Error::InvalidParameter { name: "time-limit", value: "0".into(), expect: "positive" });
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
/// next (none when the run ends). Carrying both in one message halves the round trips; the
/// coordinator shares the update with the scheduler and the task with the workers without
/// copying them.
#[derive(Serialize, Deserialize)]
struct Down<T, U> {
    update: Option<Arc<U>>,
    task: Option<Arc<T>>,
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
    let s = config.staleness;
    if let Some(coord) = roles.coordinator {
        // Rank 0 runs its own workers beside the coordinator (worker 0 on the coordinator's
        // thread, the others on threads of their own).
        return std::thread::scope(|scope| {
            let ((scheduler, coordinator, stats), states) =
                with_worker_threads(app, roles.workers, 0, |inline, local| {
                    let mut link = transport::mpi_coordinator(comm, local);
                    let obs = &mut observer;
                    match roles.scheduler {
                        Some(st) => {
                            coordinator_loop(app, config, Local::new(scope, app, st, s), coord, inline, &mut link, obs)
                        }
                        None => coordinator_loop(
                            app,
                            config,
                            crate::pipeline::Remote::new(transport::PeerLink::new(comm), s),
                            coord,
                            inline,
                            &mut link,
                            obs,
                        ),
                    }
                })?;
            Ok(Some(stats.output(scheduler, coordinator, states)))
        });
    }
    if let Some(sched) = roles.scheduler {
        crate::pipeline::scheduler_rank_loop(app, sched, s, &mut transport::PeerLink::new(comm))?;
        return Ok(None);
    }
    let link = transport::RankLink::new(comm);
    with_worker_threads(app, roles.workers, place.worker_range.start, |inline, mut local| {
        relay_loop::<A>(app, &link, inline, &mut local)
    })?;
    Ok(None)
}

/// A worker rank: relays each broadcast of the coordinator to the rank's workers (its first
/// worker runs on the relaying thread itself) and their replies back, until the message that
/// ends the run.
#[cfg(feature = "mpi")]
fn relay_loop<A: App>(
    app: &A,
    link: &transport::RankLink<'_>,
    mut inline: Option<&mut A::Worker>,
    local: &mut LinkOf<'_, A>,
) -> Result<()> {
    loop {
        let (down, private): (DownOf<A>, Vec<Option<A::Private>>) = link.recv()?;
        let last = down.task.is_none();
        let private: Vec<A::Private> = private
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| Error::Transport("a private part is missing for a worker of this rank".into()))?;
        let (ups, _) = exchange(app, local, inline.as_deref_mut(), &Arc::new(down), private, false)?;
        link.send(&ups)?;
        if last {
            return Ok(());
        }
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

/// Runs `app` with `P` workers in this process until the app converges or a limit is
/// reached.
///
/// `workers` holds one state per worker (its shard), in worker order. The coordinator runs
/// on the calling thread, and so does worker 0 (so one worker needs no thread and no
/// hand-off); workers `1..P` get a thread each. The scheduler runs on the calling thread with
/// `staleness` 0 and on its own thread otherwise (see [`RunConfig::staleness`]). `observer` is
/// called after every round's pull with the round's statistics and the coordinator state (for
/// traces and progress display).
///
/// # Errors
/// [`Error::InvalidParameter`] from [`RunConfig::check`], [`Error::WorkerCount`] if
/// `workers.len() != config.workers`, [`Error::WorkerFailed`] if a worker thread panicked
/// (with its panic message), [`Error::SchedulerFailed`] if the scheduler thread panicked.
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
    std::thread::scope(|scope| {
        let ((scheduler, coordinator, stats), states) = with_worker_threads(app, workers, 0, |inline, mut link| {
            let side = Local::new(scope, app, scheduler, config.staleness);
            coordinator_loop(app, config, side, coordinator, inline, &mut link, &mut observer)
        })?;
        Ok(stats.output(scheduler, coordinator, states))
    })
}

/// Seconds since `t`.
fn since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".into())
}

/// Runs `workers` (global indices from `first`): the first on the calling thread, handed to
/// `driver`, the others on threads behind a local coordinator link, also handed to `driver`;
/// returns the driver's result and the worker states in worker order. A worker's panic is
/// the root cause of a failure and wins over the driver's view of it.
fn with_worker_threads<'a, A: App, R>(
    app: &A,
    workers: Vec<A::Worker>,
    first: usize,
    driver: impl FnOnce(Option<&mut A::Worker>, LinkOf<'a, A>) -> Result<R>,
) -> Result<(R, Vec<A::Worker>)> {
    let mut workers = workers.into_iter();
    let mut inline = workers.next();
    let threaded: Vec<A::Worker> = workers.collect();
    let (link, ends) = transport::local::<DownOf<A>, A::Private, UpOf<A>>(threaded.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = threaded
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
        let driver_res = driver(inline.as_mut(), link);
        let mut states: Vec<A::Worker> = inline.into_iter().collect();
        // A worker's panic is a root cause; a worker's broken link follows the driver's
        // failure, so the driver's error wins over it.
        let (mut panicked, mut link_err) = (None, None);
        for (k, h) in handles.into_iter().enumerate() {
            let rank = first + 1 + k;
            match h.join() {
                Ok((state, res)) => {
                    if let Err(e) = res {
                        link_err.get_or_insert(Error::WorkerFailed { rank, cause: e.to_string() });
                    }
                    states.push(state);
                }
                Err(payload) => {
                    let cause = panic_message(&*payload);
                    panicked.get_or_insert(Error::WorkerFailed { rank, cause: format!("panicked: {cause}") });
                }
            }
        }
        match (panicked, driver_res, link_err) {
            (Some(e), _, _) | (None, Err(e), _) | (None, Ok(_), Some(e)) => Err(e),
            (None, Ok(v), None) => Ok((v, states)),
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
    fn output<A: App>(
        self,
        scheduler: Option<A::Scheduler>,
        coordinator: A::Coordinator,
        workers: Vec<A::Worker>,
    ) -> RunOutput<A> {
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

/// One worker's part of a round: take its private part, sync the previous update, push the
/// task (none on the message that ends the run).
fn worker_step<A: App>(app: &A, state: &mut A::Worker, msg: &DownOf<A>, private: Option<A::Private>) -> UpOf<A> {
    let t0 = Instant::now();
    if let Some(p) = private {
        app.receive(state, p);
    }
    if let Some(u) = &msg.update {
        app.sync(state, u);
    }
    let sync_s = since(t0);
    match &msg.task {
        Some(task) => {
            let t1 = Instant::now();
            let partial = app.push(state, task);
            Up { partial: Some(partial), push_s: since(t1), sync_s }
        }
        None => Up { partial: None, push_s: 0.0, sync_s },
    }
}

/// The worker role on its own thread: sync the previous update, push the next task, until
/// no task comes.
fn worker_loop<A: App>(
    app: &A,
    state: &mut A::Worker,
    mut link: WorkerLink<DownOf<A>, A::Private, UpOf<A>>,
) -> Result<()> {
    loop {
        let (msg, private) = link.recv()?;
        let up = worker_step(app, state, &msg, private);
        let last = up.partial.is_none();
        link.send(up)?;
        if last {
            return Ok(());
        }
    }
}

/// One exchange with the workers: broadcast `msg` (with the private parts, one per worker or
/// none), run the inline worker (the first) meanwhile, gather every reply in worker order.
/// Returns the replies and the bytes they and the messages cost on a wire (counted only if
/// `count`).
fn exchange<A: App>(
    app: &A,
    link: &mut LinkOf<'_, A>,
    inline: Option<&mut A::Worker>,
    msg: &Arc<DownOf<A>>,
    mut private: Vec<A::Private>,
    count: bool,
) -> Result<(Vec<UpOf<A>>, u64)> {
    let mine = if inline.is_some() && !private.is_empty() { Some(private.remove(0)) } else { None };
    // The other workers first, so that they start while the inline worker computes.
    let (mut bytes, msg_bytes) = link.broadcast(msg, private)?;
    let mut ups = Vec::with_capacity(link.workers() + 1);
    if let Some(w) = inline {
        if count {
            bytes += msg_bytes + mine.as_ref().map_or(0, wire_bytes);
        }
        let up = worker_step(app, w, msg, mine);
        if count {
            bytes += wire_bytes(&up);
        }
        ups.push(up);
    }
    let (rest, b) = link.gather()?;
    ups.extend(rest);
    Ok((ups, bytes + b))
}

/// The coordinator role (with the scheduler wherever `sched` puts it): runs the rounds, then
/// collects the scheduler's final state (also after an error, so that a scheduler thread is
/// always joined; its panic is the root cause and wins).
fn coordinator_loop<A: App, S: SchedulerSide<A>>(
    app: &A,
    config: &RunConfig,
    mut sched: S,
    mut coord: A::Coordinator,
    inline: Option<&mut A::Worker>,
    link: &mut LinkOf<'_, A>,
    observer: &mut impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<(Option<A::Scheduler>, A::Coordinator, LoopStats)> {
    let res = rounds(app, config, &mut sched, &mut coord, inline, link, observer);
    let state = sched.finish();
    match (res, state) {
        (_, Err(e)) | (Err(e), Ok(_)) => Err(e),
        (Ok(stats), Ok(state)) => Ok((state, coord, stats)),
    }
}

/// The round loop at the coordinator.
fn rounds<A: App, S: SchedulerSide<A>>(
    app: &A,
    config: &RunConfig,
    sched: &mut S,
    coord: &mut A::Coordinator,
    mut inline: Option<&mut A::Worker>,
    link: &mut LinkOf<'_, A>,
    observer: &mut impl FnMut(&RoundInfo, &A::Coordinator),
) -> Result<LoopStats> {
    let start = Instant::now();
    let mut total = PhaseTimes::default();
    let mut updates = 0u64;
    let mut round = 0u64;
    // Set once a limit or convergence ends the run; a limit may still run one final task.
    let mut stop: Option<StopReason> = None;
    let missing = || Error::SchedulerFailed("the scheduler answered a running round with no task".into());

    let mut this = PhaseTimes::default();
    let mut round_start = Instant::now();
    let t = Instant::now();
    // Tasks scheduled ahead (rounds t + 1 ..= t + S while round t runs).
    let mut ahead: VecDeque<Arc<A::Task>> = sched.start(app)?.into();
    this.schedule_s = since(t);
    this.bytes += sched.take_bytes();
    let first = ahead.pop_front().ok_or_else(missing)?;
    let mut msg = Arc::new(Down::<A::Task, A::Update> { update: None, task: Some(first) });
    let mut private = Vec::new();
    // Whether a scheduler answer is owed (the next round's task, computed in the background).
    let mut owed = false;

    loop {
        let (ups, bytes) = exchange(app, link, inline.as_deref_mut(), &msg, std::mem::take(&mut private), true)?;
        this.bytes += bytes;
        let mut partials = Vec::with_capacity(ups.len());
        for (rank, up) in ups.into_iter().enumerate() {
            this.push_s = this.push_s.max(up.push_s);
            this.sync_s = this.sync_s.max(up.sync_s);
            partials.push(
                up.partial
                    .ok_or_else(|| Error::WorkerFailed { rank, cause: "replied without a partial result".into() })?,
            );
        }
        let Some(current) = msg.task.as_ref() else {
            return Err(Error::Transport("a round ran without a task".into()));
        };
        let t = Instant::now();
        let (update, control) = app.pull(coord, current, partials);
        this.pull_s = since(t);
        updates += app.updates(current);

        let final_round;
        if stop.is_none() {
            let elapsed = start.elapsed();
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
            None => Step::Continue,
            Some(_) if final_round => Step::Final,
            Some(_) => Step::Stop,
        };

        // The scheduler: collect the answer owed since the last round, hand it this round's
        // update, and take the next task (from the tasks scheduled ahead when S ≥ 1).
        let update = Arc::new(update);
        let t = Instant::now();
        if owed {
            let answer = sched.take()?;
            if step == Step::Continue {
                ahead.push_back(answer.ok_or_else(missing)?);
            }
        }
        sched.submit(app, &update, step)?;
        owed = true;
        let next = if step == Step::Continue {
            if ahead.is_empty() {
                owed = false;
                ahead.push_back(sched.take()?.ok_or_else(missing)?);
            }
            ahead.pop_front()
        } else {
            owed = false;
            ahead.clear();
            sched.take()?
        };
        this.schedule_s += since(t);
        this.bytes += sched.take_bytes();

        let t = Instant::now();
        if let Some(task) = &next {
            private = app.scatter(coord, task);
        }
        this.pull_s += since(t);
        let finished = next.is_none();
        msg = Arc::new(Down { update: Some(update), task: next });

        let busy = this.schedule_s + this.push_s + this.pull_s + this.sync_s;
        this.comm_s = (since(round_start) - busy).max(0.0);
        total += this;
        observer(&RoundInfo { round, elapsed_s: since(start), this_round: this, total, updates }, coord);
        round += 1;
        this = PhaseTimes::default();
        round_start = Instant::now();
        if finished {
            let stop = stop.unwrap_or(StopReason::Converged);
            // Send the last update and collect the acknowledgements, so that the last sync
            // is complete and counted.
            let (acks, bytes) = exchange(app, link, inline.as_deref_mut(), &msg, Vec::new(), true)?;
            let sync_s = acks.iter().map(|a| a.sync_s).fold(0.0, f64::max);
            total.bytes += bytes;
            total.sync_s += sync_s;
            total.comm_s += (since(round_start) - sync_s).max(0.0);
            return Ok(LoopStats { rounds: round, updates, wall_s: since(start), total, stop });
        }
    }
}
