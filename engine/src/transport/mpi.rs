//! The MPI backend: every MPI call of strads is in this module.
//!
//! Messages travel as bincode bytes. Two communicators are used:
//! * `group` — the coordinator (its rank 0) and the worker ranks, in world rank order. A
//!   broadcast is two `MPI_Bcast`s (length, then bytes) from the coordinator; a gather is an
//!   `MPI_Gather` of the lengths and an `MPI_Gatherv` of the bytes, so the coordinator receives
//!   the worker ranks' replies in rank order.
//! * `world` — point-to-point messages between the coordinator (rank 0) and a dedicated
//!   scheduler (rank 1), with `--scheduler-rank`.
//!
//! MPI is initialized with `MPI_THREAD_FUNNELED` (worker threads never call MPI; only the
//! main thread does) and the level the library grants is checked. Any failure ends the job
//! through `MPI_Abort`, so that no rank blocks in a collective waiting for a dead peer: the
//! engine returns errors, the caller reports them and calls [`crate::Backend::abort`], and a
//! backend dropped without [`MpiBackend::finish`] (a panic unwinding) aborts too. A rank killed
//! by a signal is detected by the launcher (Open MPI's `mpirun` then kills the job and names
//! the rank and the signal).

use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::topology::{Color, SimpleCommunicator};
use mpi::traits::*;
use mpi::{Count, Threading};

use crate::error::{Error, Result};
use crate::launch::{Layout, Placement};

/// Tag of coordinator ↔ scheduler messages.
const SCHEDULER_TAG: i32 = 7;

/// An initialized MPI job: the universe, the communicators and this rank's roles.
pub struct MpiBackend {
    layout: Layout,
    rank: usize,
    /// Coordinator and worker ranks (`None` on a dedicated scheduler rank).
    group: Option<SimpleCommunicator>,
    world: SimpleCommunicator,
    finished: bool,
    // Dropped last: finalizes MPI.
    _universe: Universe,
}

impl MpiBackend {
    /// Initializes MPI and the role layout.
    ///
    /// # Errors
    /// [`Error::Transport`] if MPI is already initialized or grants less than
    /// `MPI_THREAD_FUNNELED`; [`Error::InvalidParameter`] for a bad layout (reported on every
    /// rank; MPI is finalized before returning).
    pub(crate) fn init(scheduler_rank: bool, threads_per_rank: usize) -> Result<Self> {
        let (universe, granted) = mpi::initialize_with_threading(Threading::Funneled)
            .ok_or_else(|| Error::Transport("MPI was already initialized".into()))?;
        if granted < Threading::Funneled {
            return Err(Error::Transport(format!(
                "the MPI library grants thread level {granted:?}; strads needs Funneled (worker \
                 threads beside the rank's main thread)"
            )));
        }
        let world = universe.world();
        let ranks = usize::try_from(world.size()).unwrap_or(0);
        let rank = usize::try_from(world.rank()).unwrap_or(0);
        let layout = Layout::new(ranks, scheduler_rank, threads_per_rank)?;
        let in_group = !(scheduler_rank && rank == 1);
        let color = if in_group { Color::with_value(0) } else { Color::undefined() };
        let group = world.split_by_color(color);
        if in_group && group.is_none() {
            return Err(Error::Transport("MPI_Comm_split gave no communicator".into()));
        }
        Ok(Self { layout, rank, group, world, finished: false, _universe: universe })
    }

    /// The roles of this rank.
    pub(crate) fn placement(&self) -> Placement {
        self.layout.placement(self.rank)
    }

    /// Worker ranks in the job.
    pub(crate) fn worker_ranks(&self) -> usize {
        self.layout.worker_ranks()
    }

    /// The world rank of the first worker rank.
    pub(crate) fn first_worker_rank(&self) -> usize {
        self.layout.first_worker_rank()
    }

    /// Worker threads per worker rank.
    pub(crate) fn threads_per_rank(&self) -> usize {
        self.layout.threads_per_rank
    }

    fn group(&self) -> Result<&SimpleCommunicator> {
        self.group.as_ref().ok_or_else(|| Error::Transport("the scheduler rank is not in the worker group".into()))
    }

    /// Whether the coordinator has no worker ranks to talk to (a one-rank group): collectives
    /// are then skipped (MPI rejects some of them with empty buffers).
    fn alone(&self) -> Result<bool> {
        Ok(self.group()?.size() == 1)
    }

    /// Coordinator: sends `bytes` to every worker rank.
    pub(crate) fn broadcast(&self, bytes: &mut [u8]) -> Result<()> {
        if self.alone()? {
            return Ok(());
        }
        let root = self.group()?.process_at_rank(0);
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        root.broadcast_into(bytes);
        Ok(())
    }

    /// Worker rank: receives the coordinator's broadcast.
    pub(crate) fn receive_broadcast(&self) -> Result<Vec<u8>> {
        let root = self.group()?.process_at_rank(0);
        let mut len = 0u64;
        root.broadcast_into(&mut len);
        let len = usize::try_from(len).map_err(|_| Error::Transport("broadcast too large".into()))?;
        let mut buf = vec![0u8; len];
        root.broadcast_into(&mut buf[..]);
        Ok(buf)
    }

    /// Coordinator: sends `blobs[k]` to worker rank `k` only (`MPI_Scatter` of the lengths,
    /// `MPI_Scatterv` of the bytes).
    pub(crate) fn scatter(&self, blobs: &[Vec<u8>]) -> Result<()> {
        if self.alone()? {
            return Ok(());
        }
        let root = self.group()?.process_at_rank(0);
        let mut lens = vec![0u64];
        lens.extend(blobs.iter().map(|b| b.len() as u64));
        let mut mine = 0u64;
        root.scatter_into_root(&lens[..], &mut mine);
        let (counts, displs, _) = partition(&lens)?;
        let flat: Vec<u8> = blobs.concat();
        let part = Partition::new(&flat[..], &counts[..], &displs[..]);
        let mut none: [u8; 0] = [];
        root.scatter_varcount_into_root(&part, &mut none[..]);
        Ok(())
    }

    /// Worker rank: receives its part of the coordinator's scatter.
    pub(crate) fn receive_scatter(&self) -> Result<Vec<u8>> {
        let root = self.group()?.process_at_rank(0);
        let mut len = 0u64;
        root.scatter_into(&mut len);
        let len = usize::try_from(len).map_err(|_| Error::Transport("scatter too large".into()))?;
        let mut buf = vec![0u8; len];
        root.scatter_varcount_into(&mut buf[..]);
        Ok(buf)
    }

    /// Coordinator: one byte message from every worker rank, in rank order.
    pub(crate) fn gather(&self) -> Result<Vec<Vec<u8>>> {
        if self.alone()? {
            return Ok(Vec::new());
        }
        let group = self.group()?;
        let root = group.process_at_rank(0);
        let size = usize::try_from(group.size()).unwrap_or(0);
        let mut lens = vec![0u64; size];
        root.gather_into_root(&0u64, &mut lens[..]);
        let (counts, displs, total) = partition(&lens)?;
        let mut buf = vec![0u8; total];
        {
            let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            root.gather_varcount_into_root(&[0u8; 0][..], &mut part);
        }
        // Group rank 0 is the coordinator (empty); the workers follow in rank order.
        let mut out = Vec::with_capacity(size.saturating_sub(1));
        let mut at = 0;
        for (k, &l) in lens.iter().enumerate() {
            let l = l as usize;
            if k > 0 {
                out.push(buf[at..at + l].to_vec());
            }
            at += l;
        }
        Ok(out)
    }

    /// Worker rank: sends `bytes` to the coordinator's gather.
    pub(crate) fn send_gather(&self, bytes: &[u8]) -> Result<()> {
        let root = self.group()?.process_at_rank(0);
        root.gather_into(&(bytes.len() as u64));
        root.gather_varcount_into(bytes);
        Ok(())
    }

    /// Every rank of the job: the byte messages of all ranks, in world rank order
    /// (`MPI_Allgather` of the lengths, `MPI_Allgatherv` of the bytes).
    pub(crate) fn all_gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
        let size = usize::try_from(self.world.size()).unwrap_or(0);
        let mut lens = vec![0u64; size];
        self.world.all_gather_into(&(bytes.len() as u64), &mut lens[..]);
        let (counts, displs, total) = partition(&lens)?;
        let mut buf = vec![0u8; total];
        {
            let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            self.world.all_gather_varcount_into(bytes, &mut part);
        }
        Ok(split(&buf, &lens))
    }

    /// Every rank of the job: sends the `r`-th of the messages laid end to end in `flat`
    /// (`lens[r]` bytes each) to world rank `r`; returns what every rank sent here, laid end
    /// to end, with their lengths in rank order (`MPI_Alltoall` of the lengths,
    /// `MPI_Alltoallv` of the bytes).
    pub(crate) fn exchange(&self, flat: &[u8], lens: &[u64]) -> Result<(Vec<u8>, Vec<u64>)> {
        let size = usize::try_from(self.world.size()).unwrap_or(0);
        if lens.len() != size {
            return Err(Error::Transport(format!("an exchange among {size} ranks got {} messages", lens.len())));
        }
        let mut lens_in = vec![0u64; size];
        self.world.all_to_all_into(lens, &mut lens_in[..]);
        let (counts_out, displs_out, _) = partition(lens)?;
        let (counts_in, displs_in, total) = partition(&lens_in)?;
        let mut buf = vec![0u8; total];
        {
            let send = Partition::new(flat, &counts_out[..], &displs_out[..]);
            let mut recv = PartitionMut::new(&mut buf[..], &counts_in[..], &displs_in[..]);
            self.world.all_to_all_varcount_into(&send, &mut recv);
        }
        Ok((buf, lens_in))
    }

    /// Sends `bytes` to the coordinator / dedicated scheduler peer (world rank 0 ↔ 1).
    pub(crate) fn send_peer(&self, bytes: &[u8]) {
        let peer = if self.rank == 0 { 1 } else { 0 };
        self.world.process_at_rank(peer).send_with_tag(bytes, SCHEDULER_TAG);
    }

    /// Receives a message from the coordinator / dedicated scheduler peer.
    pub(crate) fn receive_peer(&self) -> Vec<u8> {
        let peer = if self.rank == 0 { 1 } else { 0 };
        self.world.process_at_rank(peer).receive_vec_with_tag::<u8>(SCHEDULER_TAG).0
    }

    /// Normal end: MPI is finalized when every rank has called this.
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }

    /// Kills every rank of the job with `code` (`MPI_Abort`).
    pub(crate) fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

/// MPI counts and displacements of messages of `lens` bytes laid end to end, and their total.
fn partition(lens: &[u64]) -> Result<(Vec<Count>, Vec<Count>, usize)> {
    let too_big =
        || Error::Transport(format!("messages of {} bytes exceed MPI's 2 GiB count limit", lens.iter().sum::<u64>()));
    let mut counts = Vec::with_capacity(lens.len());
    let mut displs = Vec::with_capacity(lens.len());
    let mut total: usize = 0;
    for &l in lens {
        counts.push(Count::try_from(l).map_err(|_| too_big())?);
        displs.push(Count::try_from(total).map_err(|_| too_big())?);
        total += usize::try_from(l).map_err(|_| too_big())?;
    }
    Ok((counts, displs, total))
}

/// Messages of `lens` bytes laid end to end in `buf`, split apart.
fn split(buf: &[u8], lens: &[u64]) -> Vec<Vec<u8>> {
    let mut at = 0;
    lens.iter()
        .map(|&l| {
            let part = buf[at..at + l as usize].to_vec();
            at += l as usize;
            part
        })
        .collect()
}

impl Drop for MpiBackend {
    fn drop(&mut self) {
        if !self.finished {
            // A rank that leaves without finishing (an error not reported through
            // `Backend::abort`, or a panic) must not leave the others blocked.
            eprintln!("strads: rank {} ended without finishing the run; aborting the MPI job", self.rank);
            self.world.abort(1);
        }
    }
}
