//! One MPI rank's part of a run: the coordinator rank, a dedicated scheduler rank, or a
//! worker rank relaying the coordinator's messages to its worker threads.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::pipeline::{SchedulerCore, SchedulerSide, Step};
use crate::rounds::{coordinator_loop, Resumed};
use crate::run::{local_side, RunConfig, RunOutput};
use crate::stats::RoundInfo;
use crate::transport;
use crate::worker::{exchange, with_worker_threads, DownOf, LinkOf};

/// One MPI rank's part of a run (`resume`: where a resumed run picks up, on rank 0).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_mpi<A: App>(
    app: &A,
    config: &RunConfig,
    comm: &crate::transport::mpi::MpiBackend,
    scheduler: Option<A::Scheduler>,
    coordinator: Option<A::Coordinator>,
    workers: Vec<A::Worker>,
    mut observer: impl FnMut(&RoundInfo, &A::Task, &A::Coordinator),
    resume: Option<Resumed<A::Task>>,
) -> Result<Option<RunOutput<A>>> {
    let place = comm.placement();
    let s = config.staleness;
    if let Some(coord) = coordinator {
        // Rank 0 runs its own workers beside the coordinator (worker 0 on the coordinator's
        // thread, the others on threads of their own).
        return std::thread::scope(|scope| {
            let ((scheduler, coordinator, stats), states) = with_worker_threads(app, workers, 0, |inline, local| {
                let mut link = transport::mpi_coordinator(comm, local);
                let obs = &mut observer;
                match scheduler {
                    Some(st) => {
                        let side = local_side(scope, app, st, s, resume.as_ref());
                        coordinator_loop(app, config, side, coord, inline, &mut link, obs, resume)
                    }
                    None => coordinator_loop(
                        app,
                        config,
                        Remote::new(transport::PeerLink::new(comm), s),
                        coord,
                        inline,
                        &mut link,
                        obs,
                        resume,
                    ),
                }
            })?;
            Ok(Some(stats.output(scheduler, coordinator, states)))
        });
    }
    if let Some(sched) = scheduler {
        scheduler_rank_loop(app, sched, s, &mut transport::PeerLink::new(comm))?;
        return Ok(None);
    }
    let link = transport::RankLink::new(comm);
    with_worker_threads(app, workers, place.worker_range.start, |inline, mut local| {
        relay_loop::<A>(app, &link, inline, &mut local)
    })?;
    Ok(None)
}

/// A worker rank: relays each broadcast of the coordinator to the rank's workers (its first
/// worker runs on the relaying thread itself) and their replies back, until the message that
/// ends the run.
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

/// Coordinator → dedicated scheduler rank: the oldest unobserved round's update and
/// feedback, and what to do next.
#[derive(Serialize, Deserialize)]
struct RankRequest<U, F> {
    update: Arc<U>,
    feedback: F,
    step: Step,
}

/// The scheduler on its own MPI rank: the coordinator's end.
pub(crate) struct Remote<'a> {
    peer: transport::PeerLink<'a>,
    staleness: u64,
}

impl<'a> Remote<'a> {
    pub(crate) fn new(peer: transport::PeerLink<'a>, staleness: u64) -> Self {
        Self { peer, staleness }
    }
}

impl<A: App> SchedulerSide<A> for Remote<'_> {
    fn start(&mut self, _: &A) -> Result<Vec<Arc<A::Task>>> {
        (0..=self.staleness)
            .map(|_| {
                let t: Option<Arc<A::Task>> = self.peer.recv()?;
                t.ok_or_else(|| Error::SchedulerFailed("the scheduler rank sent no first task".into()))
            })
            .collect()
    }
    fn submit(&mut self, _: &A, update: &Arc<A::Update>, feedback: A::Feedback, step: Step) -> Result<()> {
        self.peer.send(&RankRequest { update: Arc::clone(update), feedback, step })
    }
    fn take(&mut self) -> Result<Option<Arc<A::Task>>> {
        self.peer.recv()
    }
    fn finish(self) -> Result<Option<A::Scheduler>> {
        Ok(None)
    }
    fn take_bytes(&mut self) -> u64 {
        self.peer.take_bytes()
    }
}

/// A dedicated scheduler rank: sends the tasks of rounds `0 ..= S`, then answers each
/// request with the task it asks for, until the request that stops the run.
pub(crate) fn scheduler_rank_loop<A: App>(
    app: &A,
    state: A::Scheduler,
    staleness: u64,
    peer: &mut transport::PeerLink<'_>,
) -> Result<()> {
    let mut core = SchedulerCore::<A>::new(state, staleness);
    for t in core.start(app) {
        peer.send(&Some(t))?;
    }
    loop {
        let req: RankRequest<A::Update, A::Feedback> = peer.recv()?;
        let next = core.step(app, &req.update, req.feedback, req.step)?;
        let last = next.is_none();
        peer.send(&next)?;
        if last {
            return Ok(());
        }
    }
}
