//! The scheduler role and its pipeline: the scheduler may run up to `S` rounds ahead of the
//! workers (STRADS's pipelined scheduling [STRADS-16, Sec. 4.2]).
//!
//! **Staleness.** With staleness `S`, the task of round `t` is scheduled after the scheduler
//! has observed the updates of rounds `0 ..= t − S − 1` and no later ones: rounds `0 ..= S`
//! are scheduled before any update, then after the update of round `k` the scheduler schedules
//! round `k + S + 1`. `S = 0` is the unpipelined loop: round `t + 1` is scheduled right after
//! the pull of round `t`. The sequence of [`App::observe`] and [`App::schedule`] calls depends
//! only on `S` and the updates, never on timing, so a run is deterministic for each `S`, on
//! every backend (threads, a scheduler thread beside the coordinator, or a scheduler rank).
//!
//! When the run stops, the tasks scheduled ahead are dropped unrun; a stop on a limit asks
//! for [`App::final_task`] after the last update is observed.
//!
//! Where the scheduler runs:
//! * [`Inline`]: on the coordinator's thread (always for `S = 0` in one process: there is
//!   nothing to overlap, and a hand-off would only add latency);
//! * [`Threaded`]: on its own thread beside the coordinator (`S ≥ 1`), computing round
//!   `k + S + 1` while the workers run round `k + 1`;
//! * `Remote` (MPI, `--scheduler-rank`; in `mpi_run.rs`): on its own rank, same protocol
//!   over point-to-point messages.

use std::collections::VecDeque;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};

/// What the scheduler does after observing a round's update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Step {
    /// The run goes on: schedule the next round not yet scheduled.
    Continue,
    /// The run stops on a limit: drop the rounds scheduled ahead, return the app's final
    /// task, if any.
    Final,
    /// The run stops: no task.
    Stop,
}

/// The scheduler's state and its queue of tasks scheduled but not yet observed.
pub(crate) struct SchedulerCore<A: App> {
    state: A::Scheduler,
    staleness: u64,
    /// Tasks handed out whose update has not been observed yet, oldest first.
    pending: VecDeque<Arc<A::Task>>,
    /// The next round to schedule.
    next_round: u64,
}

impl<A: App> SchedulerCore<A> {
    pub(crate) fn new(state: A::Scheduler, staleness: u64) -> Self {
        Self { state, staleness, pending: VecDeque::new(), next_round: 0 }
    }

    /// The unpipelined scheduler of a resumed run: `task` (round `round`) handed out, not yet
    /// observed.
    fn resumed(state: A::Scheduler, task: Arc<A::Task>, round: u64) -> Self {
        Self { state, staleness: 0, pending: VecDeque::from([task]), next_round: round + 1 }
    }

    fn schedule(&mut self, app: &A) -> Arc<A::Task> {
        let t = Arc::new(app.schedule(&mut self.state, self.next_round));
        self.next_round += 1;
        self.pending.push_back(Arc::clone(&t));
        t
    }

    /// The tasks of rounds `0 ..= S`, scheduled before any update.
    pub(crate) fn start(&mut self, app: &A) -> Vec<Arc<A::Task>> {
        (0..=self.staleness).map(|_| self.schedule(app)).collect()
    }

    /// Observes the update and feedback of the oldest pending task, then the task `step`
    /// asks for.
    pub(crate) fn step(
        &mut self,
        app: &A,
        update: &A::Update,
        feedback: A::Feedback,
        step: Step,
    ) -> Result<Option<Arc<A::Task>>> {
        let task = self
            .pending
            .pop_front()
            .ok_or_else(|| Error::Transport("the scheduler got an update for a round it did not schedule".into()))?;
        app.observe(&mut self.state, &task, update, feedback);
        Ok(match step {
            Step::Continue => Some(self.schedule(app)),
            Step::Final => {
                self.pending.clear();
                let t = app.final_task(&mut self.state).map(Arc::new);
                if let Some(t) = &t {
                    self.pending.push_back(Arc::clone(t));
                }
                t
            }
            Step::Stop => {
                self.pending.clear();
                None
            }
        })
    }

    pub(crate) fn into_state(self) -> A::Scheduler {
        self.state
    }
}

/// The scheduler as the coordinator sees it. The coordinator keeps at most one request
/// outstanding: it [`SchedulerSide::take`]s the answer to the previous update before it
/// [`SchedulerSide::submit`]s the next one.
pub(crate) trait SchedulerSide<A: App> {
    /// The tasks of rounds `0 ..= S`.
    fn start(&mut self, app: &A) -> Result<Vec<Arc<A::Task>>>;
    /// Hands the scheduler the update and feedback of the oldest round it has not observed,
    /// and what to do next.
    fn submit(&mut self, app: &A, update: &Arc<A::Update>, feedback: A::Feedback, step: Step) -> Result<()>;
    /// The answer to the last [`SchedulerSide::submit`] (waits for it).
    fn take(&mut self) -> Result<Option<Arc<A::Task>>>;
    /// The scheduler's final state, if it is in this process.
    fn finish(self) -> Result<Option<A::Scheduler>>;
    /// Bytes exchanged with the scheduler since the last call (0 in the same process).
    fn take_bytes(&mut self) -> u64 {
        0
    }
    /// The scheduler's state for a checkpoint (only an unpipelined scheduler in this
    /// process can be saved between rounds).
    fn save(&self, app: &A) -> Result<Vec<u8>> {
        let _ = app;
        Err(Error::Checkpoint("checkpoints need staleness 0 and the scheduler on the coordinator's process".into()))
    }
}

/// The scheduler on the coordinator's thread.
pub(crate) struct Inline<A: App> {
    core: SchedulerCore<A>,
    answer: Option<Option<Arc<A::Task>>>,
}

impl<A: App> Inline<A> {
    /// The scheduler of an unpipelined run (`S = 0`).
    pub(crate) fn new(state: A::Scheduler) -> Self {
        Self { core: SchedulerCore::new(state, 0), answer: None }
    }
}

impl<A: App> SchedulerSide<A> for Inline<A> {
    fn start(&mut self, app: &A) -> Result<Vec<Arc<A::Task>>> {
        Ok(self.core.start(app))
    }
    fn submit(&mut self, app: &A, update: &Arc<A::Update>, feedback: A::Feedback, step: Step) -> Result<()> {
        self.answer = Some(self.core.step(app, update, feedback, step)?);
        Ok(())
    }
    fn take(&mut self) -> Result<Option<Arc<A::Task>>> {
        self.answer.take().ok_or_else(|| Error::Transport("no scheduler request is outstanding".into()))
    }
    fn finish(self) -> Result<Option<A::Scheduler>> {
        Ok(Some(self.core.into_state()))
    }
    fn save(&self, app: &A) -> Result<Vec<u8>> {
        app.save_scheduler(&self.core.state).map_err(|e| Error::Checkpoint(format!("scheduler: {e}")))
    }
}

type Request<A> = (Arc<<A as App>::Update>, <A as App>::Feedback, Step);

/// The scheduler on its own thread: the coordinator's end of the channels.
pub(crate) struct Threaded<'scope, A: App> {
    requests: Option<Sender<Request<A>>>,
    answers: Receiver<Option<Arc<A::Task>>>,
    handle: std::thread::ScopedJoinHandle<'scope, Result<A::Scheduler>>,
    staleness: u64,
}

impl<'scope, A: App> Threaded<'scope, A> {
    /// Spawns the scheduler thread in `scope`.
    pub(crate) fn spawn<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        app: &'env A,
        state: A::Scheduler,
        staleness: u64,
    ) -> Self
    where
        A::Scheduler: 'scope,
    {
        let (req_tx, req_rx) = crossbeam_channel::unbounded::<Request<A>>();
        let (ans_tx, ans_rx) = crossbeam_channel::unbounded();
        let handle = scope.spawn(move || {
            let mut core = SchedulerCore::<A>::new(state, staleness);
            for t in core.start(app) {
                if ans_tx.send(Some(t)).is_err() {
                    return Ok(core.into_state());
                }
            }
            // Ends when the coordinator stops the run or drops its end (on an error).
            while let Ok((update, feedback, step)) = crate::transport::recv_spinning(&req_rx) {
                let next = core.step(app, &update, feedback, step)?;
                let last = next.is_none();
                if ans_tx.send(next).is_err() || last {
                    break;
                }
            }
            Ok(core.into_state())
        });
        Self { requests: Some(req_tx), answers: ans_rx, handle, staleness }
    }

    fn recv(&mut self) -> Result<Option<Arc<A::Task>>> {
        crate::transport::recv_spinning(&self.answers)
            .map_err(|_| Error::SchedulerFailed("the scheduler thread stopped".into()))
    }
}

impl<A: App> SchedulerSide<A> for Threaded<'_, A> {
    fn start(&mut self, _: &A) -> Result<Vec<Arc<A::Task>>> {
        (0..=self.staleness)
            .map(|_| self.recv()?.ok_or_else(|| Error::SchedulerFailed("no first tasks".into())))
            .collect()
    }
    fn submit(&mut self, _: &A, update: &Arc<A::Update>, feedback: A::Feedback, step: Step) -> Result<()> {
        let tx = self.requests.as_ref().ok_or_else(|| Error::SchedulerFailed("the run has ended".into()))?;
        tx.send((Arc::clone(update), feedback, step))
            .map_err(|_| Error::SchedulerFailed("the scheduler thread stopped".into()))
    }
    fn take(&mut self) -> Result<Option<Arc<A::Task>>> {
        self.recv()
    }
    fn finish(mut self) -> Result<Option<A::Scheduler>> {
        self.requests = None;
        match self.handle.join() {
            Ok(res) => res.map(Some),
            Err(payload) => {
                Err(Error::SchedulerFailed(format!("panicked: {}", crate::worker::panic_message(&*payload))))
            }
        }
    }
}

/// The scheduler in the coordinator's process: [`Inline`] for `S = 0` (nothing to overlap, a
/// hand-off would only add latency), [`Threaded`] for `S ≥ 1`.
pub(crate) enum Local<'scope, A: App> {
    Inline(Inline<A>),
    Threaded(Threaded<'scope, A>),
}

impl<'scope, A: App> Local<'scope, A> {
    /// The scheduler for staleness `staleness`, its thread (if any) spawned in `scope`.
    pub(crate) fn new<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        app: &'env A,
        state: A::Scheduler,
        staleness: u64,
    ) -> Self
    where
        A::Scheduler: 'scope,
    {
        if staleness == 0 {
            Self::Inline(Inline::new(state))
        } else {
            Self::Threaded(Threaded::spawn(scope, app, state, staleness))
        }
    }

    /// The scheduler of a run resumed from a checkpoint at `round`, whose `task` is handed out
    /// (checkpoints are taken with staleness 0 only).
    pub(crate) fn resumed(state: A::Scheduler, task: Arc<A::Task>, round: u64) -> Self {
        Self::Inline(Inline { core: SchedulerCore::resumed(state, task, round), answer: None })
    }
}

impl<A: App> SchedulerSide<A> for Local<'_, A> {
    fn start(&mut self, app: &A) -> Result<Vec<Arc<A::Task>>> {
        match self {
            Self::Inline(s) => s.start(app),
            Self::Threaded(s) => s.start(app),
        }
    }
    fn submit(&mut self, app: &A, update: &Arc<A::Update>, feedback: A::Feedback, step: Step) -> Result<()> {
        match self {
            Self::Inline(s) => s.submit(app, update, feedback, step),
            Self::Threaded(s) => s.submit(app, update, feedback, step),
        }
    }
    fn take(&mut self) -> Result<Option<Arc<A::Task>>> {
        match self {
            Self::Inline(s) => s.take(),
            Self::Threaded(s) => s.take(),
        }
    }
    fn finish(self) -> Result<Option<A::Scheduler>> {
        match self {
            Self::Inline(s) => s.finish(),
            Self::Threaded(s) => s.finish(),
        }
    }
    fn save(&self, app: &A) -> Result<Vec<u8>> {
        match self {
            Self::Inline(s) => s.save(app),
            Self::Threaded(s) => s.save(app),
        }
    }
}
