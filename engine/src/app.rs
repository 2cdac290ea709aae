//! The app trait: what an app supplies to the engine.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value that can cross the transport: owned, thread-safe and serializable (the MPI
/// backend sends it as bytes; the in-process backend shares it and counts its encoded size).
pub trait Message: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Message for T {}

/// What the coordinator decides after a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Run another round.
    Continue,
    /// The app's own convergence test holds (for example the duality gap is below
    /// tolerance); reported as [`crate::StopReason::Converged`].
    Converged,
    /// The app's own work budget is spent (for example its iteration count) without a
    /// convergence test; reported as [`crate::StopReason::BudgetSpent`].
    BudgetSpent,
}

/// The error a [`App::pull`] (or a role constructor, see [`crate::Roles`]) stops the run
/// with: any error type, boxed (a `String` or `&str` converts with `.into()`). The engine
/// reports it as [`crate::Error::Pull`] (or [`crate::Error::Build`]) with the round (or role).
pub type AppError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of the default checkpoint methods of [`App`].
const NO_CHECKPOINTS: &str = "this app does not support checkpoints";

/// What the coordinator's [`App::pull`] returns: the update for every worker (and the
/// scheduler), the feedback for the scheduler only, and whether to go on.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled<U, F> {
    /// Broadcast to every worker's [`App::sync`] and to [`App::observe`].
    pub update: U,
    /// Handed to [`App::observe`] only (never sent to a worker): for example the
    /// scheduling priorities an evaluation computed.
    pub feedback: F,
    /// Whether the run goes on.
    pub control: Control,
}

impl<U> Pulled<U, ()> {
    /// An update without scheduler feedback (for apps with `type Feedback = ()`).
    pub fn new(update: U, control: Control) -> Self {
        Self { update, feedback: (), control }
    }
}

impl<U, F> Pulled<U, F> {
    /// An update with feedback for the scheduler.
    pub fn with_feedback(update: U, feedback: F, control: Control) -> Self {
        Self { update, feedback, control }
    }
}

/// A scheduled model-parallel (SchMP) program: one round is
/// **schedule → push → pull → sync** [STRADS-16, Sec. 2; SAP-14, Sec. 2].
///
/// The engine runs the roles of the papers: a *scheduler* picks the variables of the next
/// round, `P` *workers* each own one data shard and compute partial results on it, and a
/// *coordinator* aggregates the partials, commits the new variable values and decides when
/// to stop. Each role has its own state type; the methods get only their role's state, so an
/// app cannot reach data that another role would hold on another machine.
///
/// Data flow of round `t` (the engine may piggyback the sync of round `t` on the message that
/// carries the task of round `t + 1`):
///
/// ```text
/// scheduler:   task_t   = schedule(sched, t)                   ──broadcast──▶ workers
/// worker p:    part_t,p = push(worker_p, &task_t)               ──gather────▶ coordinator
/// coordinator: (update_t, feedback_t, control) = pull(coord, &task_t, [part_t,0 .. part_t,P-1])
/// scheduler:   observe(sched, &task_t, &update_t, feedback_t)
/// coordinator: private_t = scatter(coord, &task_t+1)           (optional, one per worker)
/// worker p:    receive(worker_p, private_t,p)                   ◀──scatter────
/// worker p:    sync(worker_p, &update_t)                        ◀──broadcast──
/// ```
///
/// With a staleness bound `S ≥ 1` ([`crate::RunConfig::staleness`]) `schedule(sched, t)` runs
/// having observed the updates of rounds `≤ t − S − 1` only (rounds `0 ..= S` before any), so
/// the scheduler can prepare rounds ahead while the workers compute [STRADS-16, Sec. 4.2]; the
/// calls still come in one fixed order for a given `S`, so runs stay deterministic.
///
/// Partials arrive ordered by worker index, so a reduction over them in order is
/// deterministic for a given worker count, on every backend.
pub trait App: Sync {
    /// State of the scheduler role (priorities, schedule cursor, dependency data).
    type Scheduler: Send;
    /// State of the coordinator role (the committed model variables).
    type Coordinator: Send;
    /// State of one worker: its data shard and auxiliary state (e.g. residuals).
    type Worker: Send;
    /// What the scheduler sends to every worker for one round.
    type Task: Message;
    /// What one worker returns for one round.
    type Partial: Message;
    /// What the coordinator sends to every worker (and the scheduler) after the pull.
    type Update: Message;
    /// What the coordinator sends to the scheduler only after the pull (for example new
    /// priorities), so that no worker receives data only the scheduler reads; `()` for
    /// apps that send none.
    type Feedback: Message;
    /// What the coordinator sends to one worker only after the pull (for example the model
    /// block a worker owns next under a rotation schedule); `()` for apps that send none.
    type Private: Message;

    /// Picks the work of round `round` (0-based).
    fn schedule(&self, sched: &mut Self::Scheduler, round: u64) -> Self::Task;

    /// Computes this worker's partial result for `task` from its own shard.
    fn push(&self, worker: &mut Self::Worker, task: &Self::Task) -> Self::Partial;

    /// Aggregates the partials (ordered by worker index), commits variables and returns the
    /// update for the workers, the feedback for the scheduler, and whether the app's
    /// stopping rule holds.
    ///
    /// # Errors
    /// Any [`AppError`] (for example a NaN in an aggregate): the run stops at once and
    /// [`crate::run`] returns [`crate::Error::Pull`] naming the round.
    fn pull(
        &self,
        coord: &mut Self::Coordinator,
        task: &Self::Task,
        partials: Vec<Self::Partial>,
    ) -> Result<Pulled<Self::Update, Self::Feedback>, AppError>;

    /// Brings a worker's auxiliary state up to date with `update`.
    fn sync(&self, worker: &mut Self::Worker, update: &Self::Update);

    /// The private parts that go with the update to the workers before they run `next` (the
    /// next round's task), one per worker in worker order (moved out of the coordinator's
    /// state), or none (empty, the default). Called after [`App::pull`] and the scheduling of
    /// `next`; not called when the run ends.
    fn scatter(&self, coord: &mut Self::Coordinator, next: &Self::Task) -> Vec<Self::Private> {
        let _ = (coord, next);
        Vec::new()
    }

    /// Hands a worker its private part of the update, before [`App::sync`]. The default drops
    /// it.
    fn receive(&self, worker: &mut Self::Worker, private: Self::Private) {
        let _ = (worker, private);
    }

    /// Lets the scheduler learn from the outcome of `task`: the update every worker got and
    /// the feedback only the scheduler gets (e.g. new priorities). The default does nothing.
    fn observe(&self, sched: &mut Self::Scheduler, task: &Self::Task, update: &Self::Update, feedback: Self::Feedback) {
        let _ = (sched, task, update, feedback);
    }

    /// A last task to run when the run stops on a round or time limit (not when the app
    /// stops it with [`Control::Converged`] or [`Control::BudgetSpent`]), so that the coordinator's reported state is current; for example a
    /// final evaluation of the objective. The default runs none.
    fn final_task(&self, sched: &mut Self::Scheduler) -> Option<Self::Task> {
        let _ = sched;
        None
    }

    /// Whether the app implements the six checkpoint methods below; a run with checkpoints
    /// or a resume is refused before its first round when it does not. Default: no.
    fn checkpoints(&self) -> bool {
        false
    }

    /// Checkpoints ([`crate::checkpoint`]): the scheduler's state as bytes. The default says
    /// the app does not support checkpoints. [`crate::checkpoint::save_state`] does it for a
    /// state that is `Serialize`.
    ///
    /// # Errors
    /// Any [`AppError`]; the run stops with [`crate::Error::Checkpoint`].
    fn save_scheduler(&self, sched: &Self::Scheduler) -> Result<Vec<u8>, AppError> {
        let _ = sched;
        Err(NO_CHECKPOINTS.into())
    }

    /// Restores the scheduler's state saved by [`App::save_scheduler`] into a state built as
    /// for a fresh run.
    ///
    /// # Errors
    /// Any [`AppError`] (e.g. bytes that do not decode).
    fn restore_scheduler(&self, sched: &mut Self::Scheduler, bytes: &[u8]) -> Result<(), AppError> {
        let _ = (sched, bytes);
        Err(NO_CHECKPOINTS.into())
    }

    /// The coordinator's state as bytes (see [`App::save_scheduler`]).
    ///
    /// # Errors
    /// Any [`AppError`].
    fn save_coordinator(&self, coord: &Self::Coordinator) -> Result<Vec<u8>, AppError> {
        let _ = coord;
        Err(NO_CHECKPOINTS.into())
    }

    /// Restores the coordinator's state saved by [`App::save_coordinator`].
    ///
    /// # Errors
    /// Any [`AppError`].
    fn restore_coordinator(&self, coord: &mut Self::Coordinator, bytes: &[u8]) -> Result<(), AppError> {
        let _ = (coord, bytes);
        Err(NO_CHECKPOINTS.into())
    }

    /// A worker's state as bytes (see [`App::save_scheduler`]); what it can rebuild from its
    /// shard need not be saved, since [`App::restore_worker`] gets a state built from the data.
    ///
    /// # Errors
    /// Any [`AppError`].
    fn save_worker(&self, worker: &Self::Worker) -> Result<Vec<u8>, AppError> {
        let _ = worker;
        Err(NO_CHECKPOINTS.into())
    }

    /// Restores a worker's state saved by [`App::save_worker`] into a state built from its
    /// shard as for a fresh run.
    ///
    /// # Errors
    /// Any [`AppError`].
    fn restore_worker(&self, worker: &mut Self::Worker, bytes: &[u8]) -> Result<(), AppError> {
        let _ = (worker, bytes);
        Err(NO_CHECKPOINTS.into())
    }

    /// Number of variable updates that `task` performs, for the statistics.
    /// The default counts none.
    fn updates(&self, task: &Self::Task) -> u64 {
        let _ = task;
        0
    }
}
