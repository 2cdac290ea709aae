//! k-means as a strads app, written against the public API only (`strads-engine`,
//! `strads-kit`, `strads-datasets`), the way an author outside the workspace would write one;
//! `docs/writing-an-app.md` walks through it.
//!
//! Minimizes the within-cluster sum of squares `W(μ) = Σᵢ min_c ‖xᵢ − μ_c‖²` over `k`
//! centroids by **scheduled block Lloyd steps**: each update round the scheduler picks the
//! `--block` centroids that moved most in their last update (all of them at first); every
//! worker assigns its rows to their nearest centroid and returns, for the block's centroids
//! only, the sums and counts of the rows assigned to them (push); the coordinator moves those
//! centroids to their means (pull) and tells the scheduler how far each moved (feedback, never
//! sent to a worker); workers take the new centroids (sync). Neither step can raise `W`, so `W`
//! never rises. With `--block k` it is Lloyd's algorithm. An evaluation round (the kit's
//! cadence: after every ⌈k / block⌉ update rounds) computes `W` and stops the run once it fell
//! by at most `--tol` relative.
//!
//! ```sh
//! cargo run --release --example kmeans -- --data ../shared/data/lasso/diabetes_raw.libsvm --k 4 --workers 2 --out centroids.txt
//! mpirun -np 3 target/release/examples/kmeans --data ... --k 4 --out centroids.txt   # same bits as --workers 3
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serde::{Deserialize, Serialize};
use strads_datasets::{CsrMatrix, LoadOptions};
use strads_engine::{run, App, AppError, Cadence, Control, Phase, Pulled, RoleFns};
use strads_kit::numerics::sparse_dot;
use strads_kit::{
    drive, load_rows, write_atomic, write_json, HeldRows, InvalidParameter, RunArgs, RunFacts, RunReport,
};

/// `kmeans`: k-means on the rows of a LIBSVM, MatrixMarket or CSV file (the labels are ignored).
#[derive(Debug, Parser)]
struct Args {
    /// Input data (LIBSVM, MatrixMarket or CSV with a header; `.gz` read transparently).
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Clusters k.
    #[arg(long, default_value_t = 3)]
    k: usize,
    /// Centroids recomputed per update round [default: k, Lloyd's algorithm].
    #[arg(long)]
    block: Option<usize>,
    /// Stop once an evaluation lowers W by at most this fraction.
    #[arg(long, default_value_t = 1e-9)]
    tol: f64,
    /// Stop after this many rounds.
    #[arg(long, default_value_t = 10_000)]
    max_rounds: u64,
    /// The flags every app shares. `--seed` picks the initial centroids (k distinct rows);
    /// `--out FILE`: one centroid a line, d values.
    #[command(flatten)]
    run: RunArgs,
}

/// The app: its sizes and settings (shared, read-only, by every role).
struct KMeans {
    k: usize,
    d: usize,
    block: usize,
    tol: f64,
    /// The file rows whose values start the centroids, one per centroid.
    seeds: Vec<usize>,
}

#[derive(Debug, Serialize, Deserialize)]
enum Task {
    /// Collect the seed rows.
    Setup,
    /// Recompute these centroids (increasing).
    Step(Vec<u32>),
    /// Compute W.
    Evaluate,
}

#[derive(Debug, Serialize, Deserialize)]
enum Partial {
    /// `(centroid, its seed row)` for the seeds this worker holds.
    Seeds(Vec<(u32, Vec<f64>)>),
    /// Per block centroid: the sum (length d) and count of the rows assigned to it.
    Sums(Vec<(Vec<f64>, u64)>),
    /// This worker's part of W.
    Sse(f64),
}

/// New values of some centroids.
#[derive(Debug, Serialize, Deserialize)]
struct Update(Vec<(u32, Vec<f64>)>);

/// A worker: its rows and its copy of the centroids (with their squared norms).
struct Worker {
    x: CsrMatrix,
    first_row: usize,
    centroids: Vec<Vec<f64>>,
    norms: Vec<f64>,
}

/// The scheduler: each centroid's last shift (its priority) and the cadence.
struct Scheduler {
    shift: Vec<f64>,
    cadence: Cadence,
}

/// The coordinator: the centroids and the last W.
struct Coordinator {
    centroids: Vec<Vec<f64>>,
    sse: Option<f64>,
}

impl Worker {
    /// The nearest centroid of local row `i` (the lowest index on ties) and `‖xᵢ − μ‖²`.
    fn nearest(&self, i: usize) -> (usize, f64) {
        let (idx, val) = self.x.row(i);
        let xx: f64 = val.iter().map(|v| v * v).sum();
        let mut best = (0, f64::INFINITY);
        for (c, mu) in self.centroids.iter().enumerate() {
            let dist = xx - 2.0 * sparse_dot(idx, val, mu) + self.norms[c];
            if dist < best.1 {
                best = (c, dist);
            }
        }
        (best.0, best.1.max(0.0))
    }
}

impl App for KMeans {
    type Scheduler = Scheduler;
    type Coordinator = Coordinator;
    type Worker = Worker;
    type Task = Task;
    type Partial = Partial;
    type Update = Update;
    type Feedback = Vec<(u32, f64)>;
    type Private = ();

    fn schedule(&self, s: &mut Scheduler, _round: u64) -> Task {
        match s.cadence.next_phase() {
            Phase::Setup => Task::Setup,
            Phase::Evaluate => Task::Evaluate,
            Phase::Update => {
                // The centroids that moved most; ties by index, so the schedule is deterministic.
                let mut order: Vec<u32> = (0..self.k as u32).collect();
                order.sort_by(|&a, &b| s.shift[b as usize].total_cmp(&s.shift[a as usize]).then(a.cmp(&b)));
                order.truncate(self.block);
                order.sort_unstable();
                Task::Step(order)
            }
        }
    }

    fn push(&self, w: &mut Worker, task: &Task) -> Partial {
        match task {
            Task::Setup => Partial::Seeds(
                (self.seeds.iter().enumerate())
                    .filter(|&(_, &r)| r >= w.first_row && r < w.first_row + w.x.nrows)
                    .map(|(c, &r)| {
                        let mut row = vec![0.0; self.d];
                        let (idx, val) = w.x.row(r - w.first_row);
                        idx.iter().zip(val).for_each(|(&j, &v)| row[j as usize] = v);
                        (c as u32, row)
                    })
                    .collect(),
            ),
            Task::Step(block) => {
                let mut sums = vec![(vec![0.0; self.d], 0u64); block.len()];
                for i in 0..w.x.nrows {
                    let (c, _) = w.nearest(i);
                    if let Ok(pos) = block.binary_search(&(c as u32)) {
                        let (idx, val) = w.x.row(i);
                        idx.iter().zip(val).for_each(|(&j, &v)| sums[pos].0[j as usize] += v);
                        sums[pos].1 += 1;
                    }
                }
                Partial::Sums(sums)
            }
            Task::Evaluate => Partial::Sse((0..w.x.nrows).map(|i| w.nearest(i).1).sum()),
        }
    }

    fn pull(
        &self,
        c: &mut Coordinator,
        task: &Task,
        partials: Vec<Partial>,
    ) -> Result<Pulled<Update, Vec<(u32, f64)>>, AppError> {
        let mut update = Vec::new();
        let mut shifts = Vec::new();
        let mut control = Control::Continue;
        match task {
            Task::Setup => {
                for p in partials {
                    if let Partial::Seeds(rows) = p {
                        update.extend(rows);
                    }
                }
                update.sort_by_key(|(c, _)| *c);
                if update.len() != self.k {
                    return Err(format!("{} of {} seed rows arrived", update.len(), self.k).into());
                }
            }
            Task::Step(block) => {
                // Summed in worker order: the same bits for a worker count on every backend.
                let mut sums = vec![(vec![0.0; self.d], 0u64); block.len()];
                for p in partials {
                    if let Partial::Sums(s) = p {
                        for (into, (add, n)) in sums.iter_mut().zip(s) {
                            into.0.iter_mut().zip(&add).for_each(|(a, b)| *a += b);
                            into.1 += n;
                        }
                    }
                }
                for (&j, (sum, n)) in block.iter().zip(sums) {
                    // An empty cluster keeps its centroid.
                    let new: Vec<f64> = if n == 0 {
                        c.centroids[j as usize].clone()
                    } else {
                        sum.iter().map(|s| s / n as f64).collect()
                    };
                    let old = &c.centroids[j as usize];
                    shifts.push((j, old.iter().zip(&new).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()));
                    update.push((j, new));
                }
            }
            Task::Evaluate => {
                let sse: f64 = partials.iter().map(|p| if let Partial::Sse(s) = p { *s } else { 0.0 }).sum();
                if !sse.is_finite() {
                    return Err(format!("W is {sse}: the data hold a NaN or an infinity").into());
                }
                if c.sse.is_some_and(|last| last - sse <= self.tol * sse) {
                    control = Control::Converged;
                }
                c.sse = Some(sse);
            }
        }
        for (j, mu) in &update {
            c.centroids[*j as usize].clone_from(mu);
        }
        Ok(Pulled::with_feedback(Update(update), shifts, control))
    }

    fn sync(&self, w: &mut Worker, u: &Update) {
        for (j, mu) in &u.0 {
            w.norms[*j as usize] = mu.iter().map(|v| v * v).sum();
            w.centroids[*j as usize].clone_from(mu);
        }
    }

    fn observe(&self, s: &mut Scheduler, _: &Task, _: &Update, shifts: Vec<(u32, f64)>) {
        for (j, d) in shifts {
            s.shift[j as usize] = d;
        }
    }

    fn final_task(&self, _: &mut Scheduler) -> Option<Task> {
        Some(Task::Evaluate)
    }
}

/// `k` distinct rows of `0..n`, drawn by a seeded ChaCha stream (the same on every process).
fn seed_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rand::seq::index::sample(&mut rng, n, k.min(n)).into_vec()
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    run: RunReport,
    app: &'static str,
    k: usize,
    block: usize,
    n: usize,
    d: usize,
    sse: f64,
    wall_s: f64,
}

fn fit(a: &Args, backend: &strads_engine::Backend) -> strads_kit::Result<()> {
    let place = backend.placement();
    let block = a.block.unwrap_or(a.k);
    if a.k == 0 {
        return Err(InvalidParameter::new("k", a.k, "at least 1").into());
    }
    if block == 0 || block > a.k {
        return Err(InvalidParameter::new("block", block, "in 1..=k").into());
    }
    let config = a.run.run_config(&place, Some(a.max_rounds))?;
    // Each process reads the rows of its own workers.
    let data = load_rows(&a.data, LoadOptions::default(), &place, false)?;
    let rows = HeldRows::of(&data);
    rows.check(place.workers)?;
    if a.k > rows.total {
        return Err(InvalidParameter::new("k", a.k, "at most the number of rows").into());
    }
    let (k, d) = (a.k, data.x.ncols);
    let app = KMeans { k, d, block, tol: a.tol, seeds: seed_rows(rows.total, k, a.run.seed) };
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            range
                .map(|w| {
                    let local = rows.worker_rows(w, place.workers)?;
                    let mut x = CsrMatrix::with_cols(d);
                    for i in local.clone() {
                        let (idx, val) = rows.x.row(i);
                        x.push_row(idx.iter().copied().zip(val.iter().copied()));
                    }
                    let first_row = rows.offset + local.start;
                    Ok(Worker { x, first_row, centroids: vec![vec![0.0; d]; k], norms: vec![0.0; k] })
                })
                .collect::<Result<Vec<_>, AppError>>()
        },
        scheduler: || Ok(Scheduler { shift: vec![f64::INFINITY; k], cadence: Cadence::new(k.div_ceil(block) as u64) }),
        coordinator: || Ok(Coordinator { centroids: vec![vec![0.0; d]; k], sse: None }),
    };
    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, Some(a.max_rounds));
    let out = run(&app, &config, backend, roles, |info, _, c| {
        pb.set_position(info.round + 1);
        if let Some(sse) = c.sse {
            pb.set_message(format!("W {sse:.6e}"));
        }
    })?;
    pb.finish_and_clear();
    // Only the coordinator has the model.
    let Some(out) = out else { return Ok(()) };
    let sse = out.coordinator.sse.unwrap_or(f64::NAN);
    if let Some(path) = &a.run.out {
        write_atomic(path, |w| {
            for mu in &out.coordinator.centroids {
                let line: Vec<String> = mu.iter().map(|v| format!("{v:?}")).collect();
                writeln!(w, "{}", line.join(" "))?;
            }
            Ok(())
        })?;
    }
    if let Some(path) = &a.run.summary {
        let run = RunReport::new(backend, RunFacts::of(&out, config.staleness, false));
        write_json(path, &Summary { run, app: "kmeans", k, block, n: rows.total, d, sse, wall_s: out.wall_s })?;
    }
    if !a.run.quiet {
        eprintln!("kmeans: {:?} after {} rounds in {:.3} s: W = {sse:.10e}", out.stop, out.rounds, out.wall_s);
    }
    Ok(())
}

fn main() -> ExitCode {
    strads_kit::init_logging();
    let args = Args::parse();
    drive("kmeans", &args.run.launch_options(), |backend| fit(&args, backend))
}
