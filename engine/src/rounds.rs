//! The coordinator's round loop: gather the partials, pull, hand the scheduler the update
//! and feedback, take the next task, scatter, broadcast; with the run's statistics.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::{App, Control, Pulled};
use crate::checkpoint::{self, Snapshot};
use crate::error::{Error, Result};
use crate::pipeline::{SchedulerSide, Step};
use crate::run::{RunConfig, RunOutput};
use crate::stats::{PhaseTimes, RoundInfo, StopReason};
use crate::worker::{exchange, since, Down, LinkOf};

pub(crate) struct LoopStats {
    rounds: u64,
    updates: u64,
    wall_s: f64,
    total: PhaseTimes,
    stop: StopReason,
}

impl LoopStats {
    pub(crate) fn output<A: App>(
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

/// Where a run resumed from a checkpoint picks up: the round to run next, its task, and the
/// counts of the rounds before it.
pub(crate) struct Resumed<T> {
    pub(crate) round: u64,
    pub(crate) updates: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) task: Arc<T>,
}

/// The coordinator role (with the scheduler wherever `sched` puts it): runs the rounds, then
/// collects the scheduler's final state (also after an error, so that a scheduler thread is
/// always joined; its panic is the root cause and wins).
#[allow(clippy::too_many_arguments)]
pub(crate) fn coordinator_loop<A: App, S: SchedulerSide<A>>(
    app: &A,
    config: &RunConfig,
    mut sched: S,
    mut coord: A::Coordinator,
    inline: Option<&mut A::Worker>,
    link: &mut LinkOf<'_, A>,
    observer: &mut impl FnMut(&RoundInfo, &A::Task, &A::Coordinator),
    resume: Option<Resumed<A::Task>>,
) -> Result<(Option<A::Scheduler>, A::Coordinator, LoopStats)> {
    let res = rounds(app, config, &mut sched, &mut coord, inline, link, observer, resume);
    let state = sched.finish();
    match (res, state) {
        (_, Err(e)) | (Err(e), Ok(_)) => Err(e),
        (Ok(stats), Ok(state)) => Ok((state, coord, stats)),
    }
}

/// The round loop at the coordinator.
#[allow(clippy::too_many_arguments)]
fn rounds<A: App, S: SchedulerSide<A>>(
    app: &A,
    config: &RunConfig,
    sched: &mut S,
    coord: &mut A::Coordinator,
    mut inline: Option<&mut A::Worker>,
    link: &mut LinkOf<'_, A>,
    observer: &mut impl FnMut(&RoundInfo, &A::Task, &A::Coordinator),
    resume: Option<Resumed<A::Task>>,
) -> Result<LoopStats> {
    let elapsed_before = resume.as_ref().map_or(0.0, |r| r.elapsed_s);
    let start = Instant::now().checked_sub(Duration::from_secs_f64(elapsed_before)).unwrap_or_else(Instant::now);
    let mut total = PhaseTimes::default();
    let mut updates = resume.as_ref().map_or(0, |r| r.updates);
    let mut round = resume.as_ref().map_or(0, |r| r.round);
    // The checkpoint whose worker states come back with the next replies.
    let mut saving: Option<Snapshot> = None;
    let mut last_checkpoint = Instant::now();
    // Set once a limit or convergence ends the run; a limit may still run one final task.
    let mut stop: Option<StopReason> = None;
    let missing = || Error::SchedulerFailed("the scheduler answered a running round with no task".into());

    let mut this = PhaseTimes::default();
    let mut round_start = Instant::now();
    let t = Instant::now();
    // Tasks scheduled ahead (rounds t + 1 ..= t + S while round t runs).
    let mut ahead: VecDeque<Arc<A::Task>> = match &resume {
        Some(r) => VecDeque::from([Arc::clone(&r.task)]),
        None => sched.start(app)?.into(),
    };
    this.schedule_s = since(t);
    this.bytes += sched.take_bytes();
    let first = ahead.pop_front().ok_or_else(missing)?;
    let mut msg = Arc::new(Down::<A::Task, A::Update> { update: None, task: Some(first), save: false });
    let mut private = Vec::new();
    // Whether a scheduler answer is owed (the next round's task, computed in the background).
    let mut owed = false;

    loop {
        let (mut ups, bytes) = exchange(app, link, inline.as_deref_mut(), &msg, std::mem::take(&mut private), true)?;
        this.bytes += bytes;
        if let (Some(mut snap), Some(ck)) = (saving.take(), &config.checkpoint) {
            let t = Instant::now();
            snap.workers = ups
                .iter_mut()
                .enumerate()
                .map(|(w, up)| match up.saved.take() {
                    Some(Ok(bytes)) => Ok(bytes),
                    Some(Err(e)) => Err(Error::Checkpoint(format!("worker {w}: {e}"))),
                    None => Err(Error::Checkpoint(format!("worker {w} sent no state"))),
                })
                .collect::<Result<_>>()?;
            let path = checkpoint::write(&ck.dir, &snap)?;
            log::info!("checkpoint of round {} written to {} in {:.3} s", snap.round, path.display(), since(t));
            last_checkpoint = Instant::now();
            if ck.terminating() {
                // The workers have pushed the round the checkpoint resumes at; it is dropped.
                let end = Arc::new(Down { update: None, task: None, save: false });
                exchange(app, link, inline.as_deref_mut(), &end, Vec::new(), false)?;
                return Err(Error::Terminated { path, round: snap.round });
            }
        }
        let mut partials = Vec::with_capacity(ups.len());
        for (rank, up) in ups.into_iter().enumerate() {
            this.push_s = this.push_s.max(up.push_s);
            this.sync_s = this.sync_s.max(up.sync_s);
            partials.push(
                up.partial
                    .ok_or_else(|| Error::WorkerFailed { rank, cause: "replied without a partial result".into() })?,
            );
        }
        let Some(current) = msg.task.clone() else {
            return Err(Error::Transport("a round ran without a task".into()));
        };
        let t = Instant::now();
        let Pulled { update, feedback, control } =
            app.pull(coord, &current, partials).map_err(|source| Error::Pull { round, source })?;
        this.pull_s = since(t);
        updates += app.updates(&current);

        let final_round;
        if stop.is_none() {
            let elapsed = start.elapsed();
            stop = match control {
                Control::Converged => Some(StopReason::Converged),
                Control::BudgetSpent => Some(StopReason::BudgetSpent),
                Control::Continue if config.max_rounds.is_some_and(|m| round + 1 >= m) => Some(StopReason::MaxRounds),
                Control::Continue if config.time_limit.is_some_and(|l| elapsed >= l) => Some(StopReason::TimeLimit),
                Control::Continue => None,
            };
            // A limit (not the app) stopped the run: the app's final task runs.
            final_round = matches!(stop, Some(StopReason::MaxRounds | StopReason::TimeLimit));
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
        sched.submit(app, &update, feedback, step)?;
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
        let mut save = false;
        if let (Some(ck), Some(task), Step::Continue) = (&config.checkpoint, &next, step) {
            if ck.terminating() || last_checkpoint.elapsed() >= ck.every {
                let coordinator =
                    app.save_coordinator(coord).map_err(|e| Error::Checkpoint(format!("coordinator: {e}")))?;
                saving = Some(Snapshot {
                    fingerprint: config.fingerprint(),
                    round: round + 1,
                    updates,
                    elapsed_s: since(start),
                    next_task: checkpoint::encode(&**task)?,
                    scheduler: sched.save(app)?,
                    coordinator,
                    workers: Vec::new(),
                });
                save = true;
            }
        }
        msg = Arc::new(Down { update: Some(update), task: next, save });

        let busy = this.schedule_s + this.push_s + this.pull_s + this.sync_s;
        this.comm_s = (since(round_start) - busy).max(0.0);
        total += this;
        observer(&RoundInfo { round, elapsed_s: since(start), this_round: this, total, updates }, &current, coord);
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
