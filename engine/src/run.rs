//! Running an app: the run's configuration and output, and the entry points [`run`] (any
//! backend) and [`run_threads`] (threads, role states given).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::checkpoint::{self, Checkpointing, Fingerprint, Snapshot};
use crate::error::{Error, Result};
use crate::launch::Backend;
use crate::pipeline::Local;
use crate::roles::Roles;
use crate::rounds::{coordinator_loop, Resumed};
use crate::stats::{PhaseTimes, RoundInfo, StopReason};
use crate::worker::with_worker_threads;

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
    /// Write checkpoints ([`crate::checkpoint`]; needs `staleness` 0).
    pub checkpoint: Option<Checkpointing>,
    /// Resume from the checkpoint in this directory (every process reads it).
    pub resume: Option<PathBuf>,
    /// What identifies this run in its checkpoints (the engine adds the worker count); a
    /// checkpoint with another fingerprint is not resumed.
    pub fingerprint: Fingerprint,
}

impl RunConfig {
    /// `workers` workers, no round or time limit.
    pub fn new(workers: usize) -> Self {
        Self {
            workers,
            max_rounds: None,
            time_limit: None,
            staleness: 0,
            checkpoint: None,
            resume: None,
            fingerprint: Vec::new(),
        }
    }

    /// The fingerprint checkpoints carry: the caller's, then the worker count.
    pub(crate) fn fingerprint(&self) -> Fingerprint {
        let mut f = self.fingerprint.clone();
        f.push(("workers".into(), self.workers.to_string()));
        f
    }

    /// Validates the values.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero workers, zero rounds or a non-positive time
    /// limit.
    pub fn check(&self) -> Result<()> {
        if self.workers == 0 {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new("workers", "0", "at least 1")));
        }
        if self.max_rounds == Some(0) {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new("max-rounds", "0", "at least 1")));
        }
        if self.time_limit == Some(Duration::ZERO) {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new("time-limit", "0", "positive")));
        }
        if (self.checkpoint.is_some() || self.resume.is_some()) && self.staleness != 0 {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                "staleness",
                self.staleness.to_string(),
                "0 with --checkpoint or --resume",
            )));
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

/// Runs `app` on `backend` until the app stops it or a limit is reached; every process of
/// the run calls this.
///
/// The engine builds the role states this process holds, as its [`Backend::placement`]
/// asks, from the app's constructors `roles` (see [`Roles`]: every role on threads; under
/// MPI the coordinator, and usually the scheduler, on rank 0, and on every worker rank the
/// states of its workers). Returns the run's output on the coordinator and `None` on other
/// MPI ranks. On threads it is [`run_threads`]. Under MPI, rank 0 runs the coordinator (and
/// the scheduler unless it has its own rank), worker ranks relay each message to their
/// worker threads, and `observer` runs on the coordinator.
///
/// # Errors
/// As [`run_threads`]; [`Error::Roles`] if `config.workers` is not the backend's;
/// [`Error::Build`] if a constructor fails; [`Error::Transport`] for a message that cannot
/// be encoded or decoded. Under MPI, a caller that gets an error must end the job with
/// [`Backend::abort`], since the other ranks wait for this one.
pub fn run<A: App>(
    app: &A,
    config: &RunConfig,
    backend: &Backend,
    mut roles: impl Roles<A>,
    observer: impl FnMut(&RoundInfo, &A::Task, &A::Coordinator),
) -> Result<Option<RunOutput<A>>> {
    config.check()?;
    check_checkpoints(app, config)?;
    let place = backend.placement();
    if config.workers != place.workers {
        return Err(Error::Roles(format!(
            "the run is configured for {} workers but the backend has {}",
            config.workers, place.workers
        )));
    }
    let range = place.worker_range.clone();
    let role = format!("workers {}..{}", range.start, range.end);
    let workers = roles.workers(range).map_err(|source| Error::Build { role, source })?;
    if workers.len() != place.worker_range.len() {
        return Err(Error::WorkerCount { given: workers.len(), expected: place.worker_range.len() });
    }
    let build = |role: &'static str| move |source| Error::Build { role: role.to_string(), source };
    let scheduler = if place.scheduler { Some(roles.scheduler().map_err(build("scheduler"))?) } else { None };
    let coordinator = if place.coordinator { Some(roles.coordinator().map_err(build("coordinator"))?) } else { None };
    let checkpoints = config.checkpoint.is_some() || config.resume.is_some();
    if checkpoints && place.scheduler != place.coordinator {
        return Err(Error::Checkpoint("checkpoints need the scheduler on the coordinator's rank".into()));
    }
    match (backend, scheduler, coordinator) {
        (Backend::Threads { .. }, Some(sched), Some(coord)) => {
            run_threads(app, config, sched, coord, workers, observer).map(Some)
        }
        #[cfg(feature = "mpi")]
        (Backend::Mpi(comm), mut scheduler, mut coordinator) => {
            let mut workers = workers;
            let _sigterm = checkpoint::SigtermGuard::new(config.checkpoint.as_ref())?;
            let resume =
                restore(app, config, scheduler.as_mut(), coordinator.as_mut(), &mut workers, place.worker_range.start)?;
            crate::mpi_run::run_mpi(app, config, comm, scheduler, coordinator, workers, observer, resume)
        }
        _ => Err(Error::Roles(format!("{} holds no scheduler or no coordinator on threads", place.describe()))),
    }
}

/// Runs `app` with `P` workers in this process until the app converges or a limit is
/// reached.
///
/// `workers` holds one state per worker (its shard), in worker order. The coordinator runs
/// on the calling thread, and so does worker 0 (so one worker needs no thread and no
/// hand-off); workers `1..P` get a thread each. The scheduler runs on the calling thread with
/// `staleness` 0 and on its own thread otherwise (see [`RunConfig::staleness`]). `observer` is
/// called after every round's pull with the round's statistics, the round's task and the
/// coordinator state (for traces and progress display).
///
/// # Errors
/// [`Error::InvalidParameter`] from [`RunConfig::check`], [`Error::WorkerCount`] if
/// `workers.len() != config.workers`, [`Error::Pull`] if the app's pull stopped the run,
/// [`Error::WorkerFailed`] if a worker thread panicked (with its panic message),
/// [`Error::SchedulerFailed`] if the scheduler thread panicked.
pub fn run_threads<A: App>(
    app: &A,
    config: &RunConfig,
    scheduler: A::Scheduler,
    coordinator: A::Coordinator,
    workers: Vec<A::Worker>,
    mut observer: impl FnMut(&RoundInfo, &A::Task, &A::Coordinator),
) -> Result<RunOutput<A>> {
    config.check()?;
    check_checkpoints(app, config)?;
    if workers.len() != config.workers {
        return Err(Error::WorkerCount { given: workers.len(), expected: config.workers });
    }
    let _sigterm = checkpoint::SigtermGuard::new(config.checkpoint.as_ref())?;
    let (mut scheduler, mut coordinator, mut workers) = (scheduler, coordinator, workers);
    let resume = restore(app, config, Some(&mut scheduler), Some(&mut coordinator), &mut workers, 0)?;
    std::thread::scope(|scope| {
        let ((scheduler, coordinator, stats), states) = with_worker_threads(app, workers, 0, |inline, mut link| {
            let side = local_side(scope, app, scheduler, config.staleness, resume.as_ref());
            coordinator_loop(app, config, side, coordinator, inline, &mut link, &mut observer, resume)
        })?;
        Ok(stats.output(scheduler, coordinator, states))
    })
}

/// Refuses checkpoints and resumes for an app that does not implement them.
fn check_checkpoints<A: App>(app: &A, config: &RunConfig) -> Result<()> {
    if (config.checkpoint.is_some() || config.resume.is_some()) && !app.checkpoints() {
        return Err(Error::Checkpoint("this app does not support checkpoints (--checkpoint, --resume)".into()));
    }
    Ok(())
}

/// The scheduler in this process: fresh, or resumed at the checkpoint's round.
pub(crate) fn local_side<'scope, 'env, A: App>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    app: &'env A,
    state: A::Scheduler,
    staleness: u64,
    resume: Option<&Resumed<A::Task>>,
) -> Local<'scope, A>
where
    A::Scheduler: 'scope,
{
    match resume {
        Some(r) => Local::resumed(state, Arc::clone(&r.task), r.round),
        None => Local::new(scope, app, state, staleness),
    }
}

/// With [`RunConfig::resume`]: reads the checkpoint, restores the role states this process
/// holds (workers from global index `first`) and returns where the run picks up.
fn restore<A: App>(
    app: &A,
    config: &RunConfig,
    scheduler: Option<&mut A::Scheduler>,
    coordinator: Option<&mut A::Coordinator>,
    workers: &mut [A::Worker],
    first: usize,
) -> Result<Option<Resumed<A::Task>>> {
    let Some(dir) = &config.resume else { return Ok(None) };
    let snap: Snapshot = checkpoint::read(dir, &config.fingerprint())?;
    let fail = |role: String| move |e: crate::AppError| Error::Checkpoint(format!("cannot restore the {role}: {e}"));
    for (k, w) in workers.iter_mut().enumerate() {
        let bytes =
            snap.workers.get(first + k).ok_or_else(|| Error::Checkpoint("a worker's state is missing".into()))?;
        app.restore_worker(w, bytes).map_err(fail(format!("state of worker {}", first + k)))?;
    }
    if let Some(s) = scheduler {
        app.restore_scheduler(s, &snap.scheduler).map_err(fail("scheduler".into()))?;
    }
    if let Some(c) = coordinator {
        app.restore_coordinator(c, &snap.coordinator).map_err(fail("coordinator".into()))?;
    }
    log::info!("resuming at round {} from {}", snap.round, checkpoint::path(dir).display());
    Ok(Some(Resumed {
        round: snap.round,
        updates: snap.updates,
        elapsed_s: snap.elapsed_s,
        task: Arc::new(checkpoint::decode(&snap.next_task)?),
    }))
}
