//! Private (per-worker) messages: blocks rotate among workers through the coordinator, as in
//! a rotation schedule. Run on threads here, and under `mpirun` by the MPI test below.

use strads_engine::{run, App, AppError, Backend, Control, Pulled, RoleFns, RunConfig};

/// `U` blocks of `P` visit counters; in round `s` worker `p` owns block `(p + s) mod U`,
/// bumps its own counter in it and hands it back; the coordinator routes it on.
struct Rotate {
    workers: usize,
    blocks: usize,
    rounds: u64,
}

#[derive(Debug, Default)]
struct Held {
    rank: usize,
    block: Option<(usize, Vec<u32>)>,
}

impl App for Rotate {
    type Scheduler = ();
    type Coordinator = Vec<Option<Vec<u32>>>;
    type Worker = Held;
    type Task = u64;
    type Partial = Option<(usize, Vec<u32>)>;
    type Update = ();
    type Feedback = ();
    type Private = (usize, Vec<u32>);

    fn schedule(&self, _: &mut (), round: u64) -> u64 {
        round
    }
    fn push(&self, w: &mut Held, round: &u64) -> Self::Partial {
        let (b, mut counts) = w.block.take().expect("a block every round");
        assert_eq!(b, (w.rank + *round as usize) % self.blocks, "worker {} got the wrong block", w.rank);
        counts[w.rank] += 1;
        Some((b, counts))
    }
    fn pull(
        &self,
        parked: &mut Self::Coordinator,
        round: &u64,
        parts: Vec<Self::Partial>,
    ) -> Result<Pulled<(), ()>, AppError> {
        for (b, counts) in parts.into_iter().flatten() {
            assert!(parked[b].is_none(), "block {b} twice");
            parked[b] = Some(counts);
        }
        Ok(Pulled::new((), if round + 1 >= self.rounds { Control::Converged } else { Control::Continue }))
    }
    fn scatter(&self, parked: &mut Self::Coordinator, next: &u64) -> Vec<Self::Private> {
        (0..self.workers)
            .map(|p| {
                let b = (p + *next as usize) % self.blocks;
                (b, parked[b].take().expect("parked block"))
            })
            .collect()
    }
    fn receive(&self, w: &mut Held, block: Self::Private) {
        w.block = Some(block);
    }
    fn sync(&self, _: &mut Held, _: &()) {}
}

/// Runs the rotation on `backend`; on the coordinator checks that every worker visited every
/// block exactly `rounds / U` times.
fn rotate_on(backend: &Backend) {
    let place = backend.placement();
    let (p, u) = (place.workers, place.workers + 1);
    let app = Rotate { workers: p, blocks: u, rounds: 2 * u as u64 };
    // The engine builds only the roles this process holds.
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            Ok::<_, AppError>(range.map(|rank| Held { rank, block: Some((rank, vec![0; p])) }).collect())
        },
        scheduler: || Ok(()),
        coordinator: || {
            let mut parked = vec![Some(vec![0u32; p]); u];
            for b in parked.iter_mut().take(p) {
                *b = None; // held by the workers for round 0
            }
            Ok(parked)
        },
    };
    let out = run(&app, &RunConfig::new(p), backend, roles, |_, _, _| {}).expect("run succeeds");
    if let Some(out) = out {
        assert_eq!(out.rounds, 2 * u as u64);
        for (b, counts) in out.coordinator.iter().enumerate() {
            assert_eq!(counts.as_deref(), Some(&vec![2u32; p][..]), "block {b}");
        }
        assert!(out.total.bytes > 0);
    }
}

#[test]
fn private_parts_reach_only_their_worker_on_threads() {
    for p in 1..=4 {
        rotate_on(&Backend::Threads { workers: p });
    }
}

/// The same under `mpirun`: this test starts `mpirun` on this test binary, which runs
/// [`mpi_rank`] on every rank.
#[test]
#[cfg(feature = "mpi")]
fn private_parts_reach_only_their_worker_under_mpirun() {
    let exe = std::env::current_exe().expect("test binary");
    // 2 worker ranks of 1 thread, then of 2 threads each.
    for (np, threads) in [(3, 1), (3, 2)] {
        let out = std::process::Command::new("mpirun")
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .env("STRADS_TEST_THREADS", threads.to_string())
            .args(["--oversubscribe", "-np", &np.to_string()])
            .arg(&exe)
            .args(["--exact", "mpi_rank", "--ignored", "--test-threads", "1", "--color", "never"])
            .output()
            .expect("mpirun starts (install Open MPI: scripts/setup)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "np {np}: {text}{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(text.matches("1 passed; 0 failed").count(), np, "every rank ran the test: {text}");
    }
}

/// One rank of [`private_parts_reach_only_their_worker_under_mpirun`]; only meaningful under
/// `mpirun` (ignored otherwise, and it refuses to run outside it).
#[test]
#[ignore = "started by private_parts_reach_only_their_worker_under_mpirun on every MPI rank"]
#[cfg(feature = "mpi")]
fn mpi_rank() {
    assert!(strads_engine::mpi_launcher().is_some(), "run only under mpirun");
    let threads = std::env::var("STRADS_TEST_THREADS").ok().and_then(|v| v.parse().ok());
    let backend = Backend::detect(&strads_engine::LaunchOptions {
        threads_per_rank: threads,
        ..strads_engine::LaunchOptions::default()
    })
    .expect("MPI initializes");
    rotate_on(&backend);
    backend.finish();
}
