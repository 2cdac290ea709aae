//! The worker side of a round and the hand-off between the coordinator and its workers:
//! the messages, a worker's step, worker threads and one exchange.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::transport::{self, wire_bytes, CoordinatorLink, WorkerLink};

/// Coordinator → workers: the update of the previous round (if any) and the task of the
/// next (none when the run ends). Carrying both in one message halves the round trips; the
/// coordinator shares the update with the scheduler and the task with the workers without
/// copying them.
#[derive(Serialize, Deserialize)]
pub(crate) struct Down<T, U> {
    pub(crate) update: Option<Arc<U>>,
    pub(crate) task: Option<Arc<T>>,
    /// Whether each worker saves its state for a checkpoint after the sync, before the push.
    pub(crate) save: bool,
}

pub(crate) type DownOf<A> = Down<<A as App>::Task, <A as App>::Update>;
pub(crate) type UpOf<A> = Up<<A as App>::Partial>;
pub(crate) type LinkOf<'a, A> = CoordinatorLink<'a, DownOf<A>, <A as App>::Private, UpOf<A>>;

/// Worker → coordinator: the partial (none on the final acknowledgement) and the worker's
/// compute seconds of the sync and push it just ran.
#[derive(Serialize, Deserialize)]
pub(crate) struct Up<P> {
    pub(crate) partial: Option<P>,
    pub(crate) push_s: f64,
    pub(crate) sync_s: f64,
    /// The worker's saved state when the message asked for it (or why it could not save).
    pub(crate) saved: Option<std::result::Result<Vec<u8>, String>>,
}

/// Seconds since `t`.
pub(crate) fn since(t: Instant) -> f64 {
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
pub(crate) fn with_worker_threads<'a, A: App, R>(
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

/// One worker's part of a round: take its private part, sync the previous update, save its
/// state if asked (a checkpoint), push the task (none on the message that ends the run).
fn worker_step<A: App>(app: &A, state: &mut A::Worker, msg: &DownOf<A>, private: Option<A::Private>) -> UpOf<A> {
    let t0 = Instant::now();
    if let Some(p) = private {
        app.receive(state, p);
    }
    if let Some(u) = &msg.update {
        app.sync(state, u);
    }
    let sync_s = since(t0);
    let saved = msg.save.then(|| app.save_worker(state).map_err(|e| e.to_string()));
    match &msg.task {
        Some(task) => {
            let t1 = Instant::now();
            let partial = app.push(state, task);
            Up { partial: Some(partial), push_s: since(t1), sync_s, saved }
        }
        None => Up { partial: None, push_s: 0.0, sync_s, saved },
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
pub(crate) fn exchange<A: App>(
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
