//! How the process was started, and which roles it plays.
//!
//! Launch detection lives here and nowhere else: a process started by an MPI launcher
//! (`mpirun`, `mpiexec`, `srun` with PMI/PMIx) uses the MPI backend, any other process the
//! threads backend. Roles are fixed by rank order, as in STRADS [STRADS-16, Sec. 4]:
//!
//! | rank | role |
//! |---|---|
//! | 0 | coordinator, the scheduler unless `scheduler_rank`, and workers `0..T` |
//! | 1 (only with `scheduler_rank`) | scheduler |
//! | the others, in rank order | `T = threads_per_rank` worker threads each |
//!
//! so `P = (ranks − [scheduler_rank]) × T` workers (`mpirun -np 3` runs 3 workers, as 3
//! threads do), held in rank order. The coordinator's own workers compute while it waits for
//! their partials, so rank 0 is not idle during the push. Worker `k` owns the same data shard and computes the same
//! partials whatever the layout, so a run with `P` workers gives the same bits on threads and
//! on any rank × thread layout with `P` workers.

use std::ops::Range;

use crate::error::{Error, Result};

/// Environment variables that MPI launchers set in every process they start: Open MPI's
/// `mpirun`, MPICH/Hydra's `mpiexec` (PMI) and PMIx launchers (Slurm `srun --mpi=pmix`).
const LAUNCHER_VARS: [&str; 3] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"];

/// The launcher variable and its value if this process was started by an MPI launcher.
pub fn mpi_launcher() -> Option<(&'static str, String)> {
    LAUNCHER_VARS.iter().find_map(|&v| std::env::var(v).ok().map(|val| (v, val)))
}

/// What the command line asks of the parallel layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Worker threads (threads backend only; under MPI the rank count decides).
    pub workers: Option<usize>,
    /// Worker threads per worker rank (MPI only; default 1).
    pub threads_per_rank: Option<usize>,
    /// Put the scheduler on its own rank, rank 1 (MPI only).
    pub scheduler_rank: bool,
}

/// The fixed role layout of an MPI job (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Ranks in the job.
    pub ranks: usize,
    /// Whether rank 1 is a dedicated scheduler.
    pub scheduler_rank: bool,
    /// Worker threads on each worker rank.
    pub threads_per_rank: usize,
}

impl Layout {
    /// Validates a layout.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if there would be no worker rank or `threads_per_rank` is 0.
    pub fn new(ranks: usize, scheduler_rank: bool, threads_per_rank: usize) -> Result<Self> {
        if threads_per_rank == 0 {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new("threads", "0", "at least 1")));
        }
        if scheduler_rank && ranks < 2 {
            return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                "np",
                ranks,
                "at least 2 ranks with --scheduler-rank (rank 0 coordinates, rank 1 schedules)",
            )));
        }
        Ok(Self { ranks, scheduler_rank, threads_per_rank })
    }

    /// The first worker rank.
    pub fn first_worker_rank(&self) -> usize {
        1 + usize::from(self.scheduler_rank)
    }

    /// Ranks other than rank 0 that hold workers.
    pub fn worker_ranks(&self) -> usize {
        self.ranks - self.first_worker_rank()
    }

    /// `P`, the workers of the job (rank 0's and the worker ranks').
    pub fn workers(&self) -> usize {
        (self.worker_ranks() + 1) * self.threads_per_rank
    }

    /// The roles of `rank`.
    pub fn placement(&self, rank: usize) -> Placement {
        let first = self.first_worker_rank();
        let t = self.threads_per_rank;
        let worker_range = if rank == 0 {
            0..t
        } else if rank >= first {
            let k = (rank - first + 1) * t;
            k..k + t
        } else {
            0..0
        };
        Placement {
            rank,
            ranks: self.ranks,
            workers: self.workers(),
            coordinator: rank == 0,
            scheduler: if self.scheduler_rank { rank == 1 } else { rank == 0 },
            worker_range,
        }
    }
}

/// The roles this process plays in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// This process's rank (0 on the threads backend).
    pub rank: usize,
    /// Processes in the job (1 on the threads backend).
    pub ranks: usize,
    /// `P`, the workers of the whole run.
    pub workers: usize,
    /// Whether this process is the coordinator (and so writes the outputs).
    pub coordinator: bool,
    /// Whether this process runs the scheduler.
    pub scheduler: bool,
    /// The workers this process runs (global worker indices, `⊆ 0..P`).
    pub worker_range: Range<usize>,
}

impl Placement {
    /// A single process that plays every role with `workers` worker threads.
    pub fn single(workers: usize) -> Self {
        Self { rank: 0, ranks: 1, workers, coordinator: true, scheduler: true, worker_range: 0..workers }
    }

    /// A short description for messages: `rank 2 (workers 2..4)`.
    pub fn describe(&self) -> String {
        let mut roles = Vec::new();
        if self.coordinator {
            roles.push("coordinator".to_string());
        }
        if self.scheduler {
            roles.push("scheduler".to_string());
        }
        if !self.worker_range.is_empty() {
            let r = &self.worker_range;
            roles.push(if r.len() == 1 {
                format!("worker {}", r.start)
            } else {
                format!("workers {}..{}", r.start, r.end)
            });
        }
        format!("rank {} ({})", self.rank, roles.join(", "))
    }
}

/// The transport backend of a run: threads in this process, or MPI ranks.
pub enum Backend {
    /// One process; workers are threads.
    Threads {
        /// `P`.
        workers: usize,
    },
    /// Ranks of an MPI job (one `Universe` for the run).
    #[cfg(feature = "mpi")]
    Mpi(crate::transport::mpi::MpiBackend),
}

impl Backend {
    /// Picks the backend: MPI if an MPI launcher started this process, else threads.
    /// Under MPI this initializes MPI (with thread support, checked) and must be called once,
    /// from the main thread.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `workers` under MPI, for `threads_per_rank` or
    /// `scheduler_rank` without MPI, or for too few ranks; [`Error::Transport`] if the binary
    /// was built without the `mpi` feature but started by a launcher, or if MPI cannot be
    /// initialized with the thread level the engine needs.
    pub fn detect(opts: &LaunchOptions) -> Result<Self> {
        match mpi_launcher() {
            None => {
                if opts.threads_per_rank.is_some() || opts.scheduler_rank {
                    return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                        if opts.scheduler_rank { "scheduler-rank" } else { "threads" },
                        "given",
                        "used only under mpirun (without MPI, --workers sets the worker threads)",
                    )));
                }
                let workers = opts.workers.unwrap_or(1);
                if workers == 0 {
                    return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                        "workers",
                        "0",
                        "at least 1",
                    )));
                }
                Ok(Self::Threads { workers })
            }
            Some((var, value)) => {
                if let Some(w) = opts.workers {
                    return Err(Error::InvalidParameter(strads_core::InvalidParameter::new(
                        "workers",
                        w,
                        "left out under mpirun: the rank count decides the workers \
                                 (P = ranks, times --threads per rank)",
                    )));
                }
                Self::mpi(var, &value, opts)
            }
        }
    }

    #[cfg(feature = "mpi")]
    fn mpi(_var: &str, _value: &str, opts: &LaunchOptions) -> Result<Self> {
        crate::transport::mpi::MpiBackend::init(opts.scheduler_rank, opts.threads_per_rank.unwrap_or(1)).map(Self::Mpi)
    }

    #[cfg(not(feature = "mpi"))]
    fn mpi(var: &str, value: &str, _opts: &LaunchOptions) -> Result<Self> {
        Err(Error::Transport(format!(
            "started by an MPI launcher ({var}={value}) but this strads was built without MPI; \
             rebuild with `cargo build --release --features mpi`"
        )))
    }

    /// The roles of this process.
    pub fn placement(&self) -> Placement {
        match self {
            Self::Threads { workers } => Placement::single(*workers),
            #[cfg(feature = "mpi")]
            Self::Mpi(m) => m.placement(),
        }
    }

    /// Whether this is an MPI job.
    pub fn is_mpi(&self) -> bool {
        !matches!(self, Self::Threads { .. })
    }

    /// Processes in the job: 1 on the threads backend, the MPI world size otherwise (a
    /// dedicated scheduler rank included).
    pub fn processes(&self) -> usize {
        self.placement().ranks
    }

    /// Every process's `mine`, in rank order, on every process (for the global facts of an
    /// input that each rank reads a part of: counts, sizes, id sets). Every process of the
    /// job must call it, in the same order as every other collective. On the threads backend
    /// it returns `[mine]`.
    ///
    /// # Errors
    /// [`Error::Transport`] if a message cannot be encoded or decoded (MPI failures abort the
    /// job).
    pub fn all_gather<T: crate::Message + Clone>(&self, mine: &T) -> Result<Vec<T>> {
        match self {
            Self::Threads { .. } => Ok(vec![mine.clone()]),
            #[cfg(feature = "mpi")]
            Self::Mpi(m) => m.all_gather(&encode(mine)?)?.iter().map(|b| decode(b)).collect(),
        }
    }

    /// Sends `out[r]` to process `r` and returns what every process sent to this one, in rank
    /// order (an all-to-all: the shuffle of records that one rank read but another owns).
    /// `out` has one message per process ([`Backend::processes`]); every process of the job
    /// must call it. On the threads backend it returns `out`.
    ///
    /// # Errors
    /// [`Error::Transport`] for a wrong number of messages, or one that cannot be encoded,
    /// decoded, or sent in MPI's 2 GiB count limit.
    pub fn exchange<T: crate::Message>(&self, out: Vec<T>) -> Result<Vec<T>> {
        if out.len() != self.processes() {
            return Err(Error::Transport(format!(
                "an exchange among {} processes got {} messages",
                self.processes(),
                out.len()
            )));
        }
        match self {
            Self::Threads { .. } => Ok(out),
            #[cfg(feature = "mpi")]
            Self::Mpi(m) => {
                // Encoded end to end into one buffer, decoded from slices of the received one:
                // one copy of the payload each way besides MPI's.
                let mut flat = Vec::new();
                let mut lens = Vec::with_capacity(out.len());
                for msg in out {
                    let before = flat.len();
                    encode_into(&mut flat, &msg)?;
                    lens.push((flat.len() - before) as u64);
                }
                let (buf, lens) = m.exchange(&flat, &lens)?;
                drop(flat);
                let mut at = 0usize;
                lens.iter()
                    .map(|&l| {
                        let msg = decode(&buf[at..at + l as usize]);
                        at += l as usize;
                        msg
                    })
                    .collect()
            }
        }
    }

    /// Ends the run normally (under MPI: finalizes MPI once every rank gets here).
    pub fn finish(self) {
        #[cfg(feature = "mpi")]
        if let Self::Mpi(m) = self {
            m.finish();
        }
    }

    /// Ends the whole job at once with `code`: under MPI every rank is killed
    /// (`MPI_Abort`), so that no rank waits forever for one that failed.
    pub fn abort(self, code: i32) -> ! {
        match self {
            Self::Threads { .. } => std::process::exit(code),
            #[cfg(feature = "mpi")]
            Self::Mpi(m) => m.abort(code),
        }
    }
}

#[cfg(feature = "mpi")]
fn encode<T: crate::Message>(msg: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    encode_into(&mut buf, msg)?;
    Ok(buf)
}

/// Appends `msg`'s bincode bytes to `buf`.
#[cfg(feature = "mpi")]
fn encode_into<T: crate::Message>(buf: &mut Vec<u8>, msg: &T) -> Result<()> {
    bincode::serialize_into(buf, msg)
        .map_err(|e| Error::Transport(format!("cannot encode a collective's message: {e}")))
}

#[cfg(feature = "mpi")]
fn decode<T: crate::Message>(bytes: &[u8]) -> Result<T> {
    bincode::deserialize(bytes).map_err(|e| Error::Transport(format!("cannot decode a collective's message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_rank_order() {
        let l = Layout::new(5, false, 2).expect("valid");
        assert_eq!(l.workers(), 10);
        let p: Vec<Placement> = (0..5).map(|r| l.placement(r)).collect();
        assert!(p[0].coordinator && p[0].scheduler);
        assert_eq!(p[0].worker_range, 0..2);
        assert_eq!(p[1].worker_range, 2..4);
        assert_eq!(p[4].worker_range, 8..10);
        assert!(p[1..].iter().all(|q| !q.coordinator && !q.scheduler));
        assert_eq!(p[3].describe(), "rank 3 (workers 6..8)");
        assert_eq!(Layout::new(1, false, 1).expect("one rank").workers(), 1);

        let l = Layout::new(3, true, 1).expect("valid");
        assert_eq!((l.workers(), l.first_worker_rank()), (2, 2));
        assert!(l.placement(1).scheduler && !l.placement(0).scheduler);
        assert!(l.placement(1).worker_range.is_empty());
        assert_eq!(l.placement(2).worker_range, 1..2);
        assert_eq!(l.placement(0).describe(), "rank 0 (coordinator, worker 0)");
    }

    #[test]
    fn too_few_ranks_or_threads_are_rejected() {
        assert!(Layout::new(1, true, 1).is_err());
        assert!(Layout::new(4, false, 0).is_err());
        let e = Layout::new(1, true, 1).expect_err("one rank").to_string();
        assert!(e.contains("at least 2 ranks with --scheduler-rank"), "{e}");
    }

    #[test]
    fn every_worker_is_placed_once() {
        for ranks in 2..8 {
            for s in [false, true] {
                for t in 1..4 {
                    let Ok(l) = Layout::new(ranks, s, t) else { continue };
                    let mut seen = vec![0; l.workers()];
                    for r in 0..ranks {
                        for w in l.placement(r).worker_range {
                            seen[w] += 1;
                        }
                    }
                    assert!(seen.iter().all(|&c| c == 1));
                    assert_eq!((0..ranks).filter(|&r| l.placement(r).scheduler).count(), 1);
                }
            }
        }
    }
}
