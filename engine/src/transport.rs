//! The narrow transport between the coordinator and the workers.
//!
//! Two operations carry every round: the coordinator **broadcasts** one message to all
//! workers, and **gathers** one message from each worker, ordered by worker index. Apps and
//! the scheduler never see this module; the engine hands them values, not links.
//!
//! Backends are variants of a private enum inside the two endpoint types, so the engine code
//! is the same for every backend: the in-process backend (threads, crossbeam channels) now,
//! and an MPI backend as one more variant.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::app::Message;
use crate::error::{Error, Result};

/// The encoded size of a message in bytes: what it costs on a wire.
pub fn wire_bytes<T: Message>(msg: &T) -> u64 {
    bincode::serialized_size(msg).unwrap_or(0)
}

/// The coordinator's end: broadcast to all workers, gather from all workers.
pub struct CoordinatorLink<D, U> {
    backend: CoordinatorBackend<D, U>,
}

enum CoordinatorBackend<D, U> {
    Local { down: Vec<Sender<Arc<D>>>, up: Vec<Receiver<U>> },
}

/// A worker's end: receive the coordinator's broadcasts, send one reply each.
pub struct WorkerLink<D, U> {
    rank: usize,
    backend: WorkerBackend<D, U>,
}

enum WorkerBackend<D, U> {
    Local { down: Receiver<Arc<D>>, up: Sender<U> },
}

/// Links for an in-process run with `workers` worker threads.
pub fn local<D, U>(workers: usize) -> (CoordinatorLink<D, U>, Vec<WorkerLink<D, U>>) {
    let mut down = Vec::with_capacity(workers);
    let mut up = Vec::with_capacity(workers);
    let mut ends = Vec::with_capacity(workers);
    for rank in 0..workers {
        let (dtx, drx) = crossbeam_channel::bounded(1);
        let (utx, urx) = crossbeam_channel::bounded(1);
        down.push(dtx);
        up.push(urx);
        ends.push(WorkerLink { rank, backend: WorkerBackend::Local { down: drx, up: utx } });
    }
    (CoordinatorLink { backend: CoordinatorBackend::Local { down, up } }, ends)
}

impl<D: Message, U: Message> CoordinatorLink<D, U> {
    /// Number of workers.
    pub fn workers(&self) -> usize {
        match &self.backend {
            CoordinatorBackend::Local { down, .. } => down.len(),
        }
    }

    /// Sends `msg` to every worker; returns the bytes it would cost on a wire
    /// (its encoded size times the number of workers).
    ///
    /// # Errors
    /// [`Error::WorkerFailed`] if a worker's link is closed.
    pub fn broadcast(&mut self, msg: &Arc<D>) -> Result<u64> {
        match &self.backend {
            CoordinatorBackend::Local { down, .. } => {
                for (rank, tx) in down.iter().enumerate() {
                    tx.send(Arc::clone(msg)).map_err(|_| Error::WorkerFailed {
                        rank,
                        cause: "its link closed (the worker stopped)".into(),
                    })?;
                }
                Ok(wire_bytes(msg.as_ref()) * down.len() as u64)
            }
        }
    }

    /// Receives one message from every worker, in worker order, and their total encoded
    /// size in bytes.
    ///
    /// # Errors
    /// [`Error::WorkerFailed`] naming the first worker whose link closed.
    pub fn gather(&mut self) -> Result<(Vec<U>, u64)> {
        match &self.backend {
            CoordinatorBackend::Local { up, .. } => {
                let mut out = Vec::with_capacity(up.len());
                let mut bytes = 0;
                for (rank, rx) in up.iter().enumerate() {
                    let m = rx.recv().map_err(|_| Error::WorkerFailed {
                        rank,
                        cause: "its link closed before it replied (the worker stopped)".into(),
                    })?;
                    bytes += wire_bytes(&m);
                    out.push(m);
                }
                Ok((out, bytes))
            }
        }
    }
}

impl<D: Message, U: Message> WorkerLink<D, U> {
    /// This worker's index, `0..P`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Waits for the coordinator's next broadcast.
    ///
    /// # Errors
    /// [`Error::Transport`] if the coordinator's link closed.
    pub fn recv(&mut self) -> Result<Arc<D>> {
        match &self.backend {
            WorkerBackend::Local { down, .. } => down
                .recv()
                .map_err(|_| Error::Transport("the coordinator's link closed".into())),
        }
    }

    /// Sends this worker's reply to the coordinator.
    ///
    /// # Errors
    /// [`Error::Transport`] if the coordinator's link closed.
    pub fn send(&mut self, msg: U) -> Result<()> {
        match &self.backend {
            WorkerBackend::Local { up, .. } => up
                .send(msg)
                .map_err(|_| Error::Transport("the coordinator's link closed".into())),
        }
    }
}
