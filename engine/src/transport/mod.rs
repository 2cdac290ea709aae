//! The narrow transport between the coordinator and the workers.
//!
//! Two operations carry every round: the coordinator **broadcasts** one message to all
//! workers (with, optionally, a private part for each worker: a scatter), and **gathers** one
//! message from each worker, ordered by worker index. Apps and
//! the scheduler never see this module; the engine hands them values, not links.
//!
//! Backends are variants of a private enum inside the endpoint types, so the engine code
//! is the same for every backend: the in-process backend (threads, crossbeam channels), and
//! with the `mpi` feature the MPI backend ([`mpi`], the only module that calls MPI), where
//! a worker rank relays the coordinator's messages to its own worker threads.

#[cfg(feature = "mpi")]
pub(crate) mod mpi;

use std::marker::PhantomData;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::app::Message;
use crate::error::{Error, Result};

/// How long a waiting thread spins before it parks: a round's hand-off usually comes within
/// a few µs, and waking a parked thread costs about as much again.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// Receives from `rx`, spinning for up to [`SPIN`] (yielding the core now and then) before
/// blocking.
pub(crate) fn recv_spinning<T>(rx: &Receiver<T>) -> std::result::Result<T, crossbeam_channel::RecvError> {
    let start = std::time::Instant::now();
    let mut spins = 0u32;
    loop {
        match rx.try_recv() {
            Ok(m) => return Ok(m),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return Err(crossbeam_channel::RecvError),
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
        spins += 1;
        if spins % 64 == 0 {
            if start.elapsed() >= SPIN {
                return rx.recv();
            }
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// The encoded size of a message in bytes: what it costs on a wire.
///
/// This is what both backends count in [`crate::PhaseTimes::bytes`]: the app's messages
/// (tasks, updates, private parts, replies) at their encoded sizes. MPI's framing is not
/// counted: the lengths sent ahead of each broadcast and gather, the flag byte of a broadcast
/// and the list length and `Option` tags of the messages a worker rank bundles. So a run
/// reports the same bytes on threads and on MPI ranks of one worker each.
pub fn wire_bytes<T: Message>(msg: &T) -> u64 {
    bincode::serialized_size(msg).unwrap_or(0)
}

/// What a worker receives: the message all workers share, and its private part, if any.
pub type Parcel<D, Q> = (Arc<D>, Option<Q>);

/// The coordinator's end: broadcast to all workers (with private parts `Q`), gather from
/// all workers.
pub struct CoordinatorLink<'a, D, Q, U> {
    backend: CoordinatorBackend<'a, D, Q, U>,
}

enum CoordinatorBackend<'a, D, Q, U> {
    Local {
        down: Vec<Sender<Parcel<D, Q>>>,
        up: Vec<Receiver<U>>,
        _mpi: PhantomData<&'a ()>,
    },
    /// Rank 0's own workers behind `local`; the worker ranks each relay to
    /// `threads_per_rank` workers and reply with their messages.
    #[cfg(feature = "mpi")]
    Mpi {
        comm: &'a mpi::MpiBackend,
        buf: Vec<u8>,
        local: Box<CoordinatorLink<'a, D, Q, U>>,
    },
}

/// A worker's end: receive the coordinator's broadcasts, send one reply each.
pub struct WorkerLink<D, Q, U> {
    rank: usize,
    backend: WorkerBackend<D, Q, U>,
}

enum WorkerBackend<D, Q, U> {
    Local { down: Receiver<Parcel<D, Q>>, up: Sender<U> },
}

/// The coordinator's end and the workers' ends of an in-process run.
pub type LocalLinks<'a, D, Q, U> = (CoordinatorLink<'a, D, Q, U>, Vec<WorkerLink<D, Q, U>>);

/// Links for an in-process run with `workers` worker threads.
pub fn local<'a, D, Q, U>(workers: usize) -> LocalLinks<'a, D, Q, U> {
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
    (CoordinatorLink { backend: CoordinatorBackend::Local { down, up, _mpi: PhantomData } }, ends)
}

/// The coordinator's link in an MPI job: to its own worker threads through `local` (workers
/// `0..T`), and to the worker ranks.
#[cfg(feature = "mpi")]
pub(crate) fn mpi_coordinator<'a, D, Q, U>(
    comm: &'a mpi::MpiBackend,
    local: CoordinatorLink<'a, D, Q, U>,
) -> CoordinatorLink<'a, D, Q, U> {
    CoordinatorLink { backend: CoordinatorBackend::Mpi { comm, buf: Vec::new(), local: Box::new(local) } }
}

/// Encodes `msg` into `buf` (cleared first).
#[cfg(feature = "mpi")]
fn encode_into<T: serde::Serialize + ?Sized>(buf: &mut Vec<u8>, msg: &T) -> Result<()> {
    buf.clear();
    bincode::serialize_into(&mut *buf, msg).map_err(|e| Error::Transport(format!("cannot encode a message: {e}")))
}

/// Bytes of the length bincode writes before a list: a worker rank's replies travel as one
/// list (not counted, like the rest of MPI's framing; see [`wire_bytes`]).
#[cfg(feature = "mpi")]
const LIST_PREFIX: u64 = std::mem::size_of::<u64>() as u64;

/// Encodes `msg`.
#[cfg(feature = "mpi")]
pub(crate) fn encode<T: serde::Serialize + ?Sized>(msg: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    encode_into(&mut buf, msg)?;
    Ok(buf)
}

/// Decodes a message sent by `from`.
#[cfg(feature = "mpi")]
pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], from: &str) -> Result<T> {
    bincode::deserialize(bytes).map_err(|e| Error::Transport(format!("undecodable message from {from}: {e}")))
}

impl<D: Message, Q: Message, U: Message> CoordinatorLink<'_, D, Q, U> {
    /// Number of workers.
    pub fn workers(&self) -> usize {
        match &self.backend {
            CoordinatorBackend::Local { down, .. } => down.len(),
            #[cfg(feature = "mpi")]
            CoordinatorBackend::Mpi { comm, local, .. } => {
                local.workers() + comm.worker_ranks() * comm.threads_per_rank()
            }
        }
    }

    /// Sends `msg` to every worker, and `private[k]` to worker `k` only (`private` is empty
    /// or has one entry per worker); returns the bytes it costs on a wire (the encoded size of
    /// `msg` times the receivers, plus the private parts) and the encoded size of `msg`, so
    /// that a caller counting one more receiver need not size it again.
    ///
    /// # Errors
    /// [`Error::WorkerFailed`] if a worker's link is closed; [`Error::Transport`] if
    /// `private` is neither empty nor one per worker.
    pub fn broadcast(&mut self, msg: &Arc<D>, private: Vec<Q>) -> Result<(u64, u64)> {
        let workers = self.workers();
        if !private.is_empty() && private.len() != workers {
            return Err(Error::Transport(format!("{} private parts for {workers} workers", private.len())));
        }
        match &mut self.backend {
            CoordinatorBackend::Local { down, .. } => {
                let size = wire_bytes(msg.as_ref());
                let mut bytes = size * down.len() as u64;
                let mut private = private.into_iter();
                for (rank, tx) in down.iter().enumerate() {
                    let mine = private.next();
                    bytes += mine.as_ref().map_or(0, wire_bytes);
                    tx.send((Arc::clone(msg), mine)).map_err(|_| Error::WorkerFailed {
                        rank,
                        cause: "its link closed (the worker stopped)".into(),
                    })?;
                }
                Ok((bytes, size))
            }
            #[cfg(feature = "mpi")]
            CoordinatorBackend::Mpi { comm, buf, local } => {
                // The worker ranks first, so that they start early; then rank 0's own workers.
                let mut private = private;
                let mine = if private.is_empty() { Vec::new() } else { private.drain(..local.workers()).collect() };
                // One flag byte says whether private parts follow (a scatter).
                buf.clear();
                buf.push(u8::from(!private.is_empty()));
                bincode::serialize_into(&mut *buf, msg.as_ref())
                    .map_err(|e| Error::Transport(format!("cannot encode a message: {e}")))?;
                comm.broadcast(buf)?;
                // The encoded message without the flag byte: the bytes counted are the app's
                // messages, as on threads, not MPI's framing (see `wire_bytes`).
                let size = buf.len() as u64 - 1;
                let mut bytes = size * comm.worker_ranks() as u64;
                if !private.is_empty() && comm.worker_ranks() > 0 {
                    let per_rank = comm.threads_per_rank();
                    let mut parts = private.into_iter().map(Some);
                    let mut blobs = Vec::with_capacity(comm.worker_ranks());
                    for _ in 0..comm.worker_ranks() {
                        let mine: Vec<Option<Q>> = parts.by_ref().take(per_rank).collect();
                        bytes += mine.iter().flatten().map(wire_bytes).sum::<u64>();
                        blobs.push(encode(&mine)?);
                    }
                    comm.scatter(&blobs)?;
                }
                let (local_bytes, _) = local.broadcast(msg, mine)?;
                Ok((bytes + local_bytes, size))
            }
        }
    }

    /// Receives one message from every worker, in worker order, and their total encoded
    /// size in bytes.
    ///
    /// # Errors
    /// [`Error::WorkerFailed`] naming the first worker whose link closed.
    pub fn gather(&mut self) -> Result<(Vec<U>, u64)> {
        match &mut self.backend {
            CoordinatorBackend::Local { up, .. } => {
                let mut out = Vec::with_capacity(up.len());
                let mut bytes = 0;
                for (rank, rx) in up.iter().enumerate() {
                    let m = recv_spinning(rx).map_err(|_| Error::WorkerFailed {
                        rank,
                        cause: "its link closed before it replied (the worker stopped)".into(),
                    })?;
                    bytes += wire_bytes(&m);
                    out.push(m);
                }
                Ok((out, bytes))
            }
            #[cfg(feature = "mpi")]
            CoordinatorBackend::Mpi { comm, local, .. } => {
                // Rank 0's own workers first (they are workers 0..T, and while the main thread
                // waits on them it does not poll MPI, which would take a core from them).
                let (mut out, mut bytes) = local.gather()?;
                let per_rank = comm.threads_per_rank();
                let blobs = comm.gather()?;
                for (k, blob) in blobs.iter().enumerate() {
                    let from = format!("rank {}", comm.first_worker_rank() + k);
                    let msgs: Vec<U> = decode(blob, &from)?;
                    if msgs.len() != per_rank {
                        return Err(Error::Transport(format!(
                            "{from} replied for {} workers instead of {per_rank}",
                            msgs.len()
                        )));
                    }
                    // The replies themselves, without the rank's list length (MPI framing).
                    bytes += blob.len() as u64 - LIST_PREFIX;
                    out.extend(msgs);
                }
                Ok((out, bytes))
            }
        }
    }
}

impl<D: Message, Q: Message, U: Message> WorkerLink<D, Q, U> {
    /// This worker's index, `0..P`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Waits for the coordinator's next broadcast and this worker's private part of it.
    ///
    /// # Errors
    /// [`Error::Transport`] if the coordinator's link closed.
    pub fn recv(&mut self) -> Result<Parcel<D, Q>> {
        match &self.backend {
            WorkerBackend::Local { down, .. } => {
                recv_spinning(down).map_err(|_| Error::Transport("the coordinator's link closed".into()))
            }
        }
    }

    /// Sends this worker's reply to the coordinator.
    ///
    /// # Errors
    /// [`Error::Transport`] if the coordinator's link closed.
    pub fn send(&mut self, msg: U) -> Result<()> {
        match &self.backend {
            WorkerBackend::Local { up, .. } => {
                up.send(msg).map_err(|_| Error::Transport("the coordinator's link closed".into()))
            }
        }
    }
}

/// A worker rank's end of an MPI job: receives the coordinator's broadcasts and replies with
/// the messages of all its worker threads at once.
#[cfg(feature = "mpi")]
pub(crate) struct RankLink<'a> {
    comm: &'a mpi::MpiBackend,
}

#[cfg(feature = "mpi")]
impl<'a> RankLink<'a> {
    pub(crate) fn new(comm: &'a mpi::MpiBackend) -> Self {
        Self { comm }
    }

    /// The coordinator's next broadcast and the private parts of this rank's workers (one per
    /// worker thread, or none).
    pub(crate) fn recv<D: Message, Q: Message>(&self) -> Result<(D, Vec<Option<Q>>)> {
        let bytes = self.comm.receive_broadcast()?;
        let from = "the coordinator (rank 0)";
        let (&flag, rest) =
            bytes.split_first().ok_or_else(|| Error::Transport(format!("empty message from {from}")))?;
        let msg = decode(rest, from)?;
        let private = if flag == 1 { decode(&self.comm.receive_scatter()?, from)? } else { Vec::new() };
        Ok((msg, private))
    }

    /// This rank's replies, one per worker thread in worker order.
    pub(crate) fn send<U: Message>(&self, msgs: &[U]) -> Result<()> {
        self.comm.send_gather(&encode(msgs)?)
    }
}

/// The link between the coordinator (rank 0) and a dedicated scheduler rank (rank 1).
#[cfg(feature = "mpi")]
pub(crate) struct PeerLink<'a> {
    comm: &'a mpi::MpiBackend,
    /// Bytes sent and received since the last [`PeerLink::take_bytes`].
    bytes: u64,
}

#[cfg(feature = "mpi")]
impl<'a> PeerLink<'a> {
    pub(crate) fn new(comm: &'a mpi::MpiBackend) -> Self {
        Self { comm, bytes: 0 }
    }

    /// Sends `msg` to the peer.
    pub(crate) fn send<T: serde::Serialize>(&mut self, msg: &T) -> Result<()> {
        let bytes = encode(msg)?;
        self.comm.send_peer(&bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Receives the peer's next message.
    pub(crate) fn recv<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        let bytes = self.comm.receive_peer();
        self.bytes += bytes.len() as u64;
        decode(&bytes, "the scheduler/coordinator peer rank")
    }

    /// Bytes moved since the last call.
    pub(crate) fn take_bytes(&mut self) -> u64 {
        std::mem::take(&mut self.bytes)
    }
}

#[cfg(all(test, feature = "mpi"))]
mod tests {
    use super::*;

    #[test]
    fn a_list_costs_its_prefix_plus_its_elements() {
        // What the MPI gather leaves out of the count: the list length before a rank's replies.
        let replies = vec![vec![1.0f64, 2.0], vec![3.0]];
        let each: u64 = replies.iter().map(wire_bytes).sum();
        assert_eq!(encode(&replies).expect("encodes").len() as u64, LIST_PREFIX + each);
        assert_eq!(encode(&Vec::<u8>::new()).expect("encodes").len() as u64, LIST_PREFIX);
    }
}
