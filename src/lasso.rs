//! `strads lasso`: fit a Lasso model.

use std::time::Instant;

use clap::{ArgGroup, Args};
use log::info;
use serde::Serialize;
use strads_apps::lasso::{fit, LassoParams, Penalty};
use strads_engine::Backend;
use strads_kit::{write_atomic, write_csv, write_json, DataArgs, HeldRows, RunArgs, RunFacts, RunReport};
use strads_scheduler::{BlockConfig, Policy};

use crate::error::Result;

/// Arguments of `strads lasso`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("penalty").args(["lambda", "lambda_ratio"])))]
#[command(after_help = "Files: --out FILE: `intercept <v>`, then `<feature> <value>` per non-zero coefficient \
                      (1-based); --trace: one CSV row per evaluation; --summary: JSON.")]
pub struct LassoArgs {
    /// The data file and how to read it.
    #[command(flatten)]
    input: DataArgs,
    /// L1 penalty λ for ½‖y − Xβ‖² + λ‖β‖₁ (scikit-learn's alpha is λ/n).
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// λ as a fraction of λ_max = ‖Xᵀy‖∞ (centered with an intercept) [default: 0.1].
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    lambda_ratio: Option<f64>,
    /// Fit without an intercept.
    #[arg(long)]
    no_intercept: bool,
    /// Block schedule.
    #[arg(long, default_value = "dynamic", value_parser = ["dynamic", "random", "cyclic"])]
    schedule: String,
    /// Features updated per round (the block size L).
    #[arg(long, default_value_t = 64, value_name = "B")]
    block_size: usize,
    /// Candidates sampled per round by the dynamic schedule (L'; default 2 × block size).
    #[arg(long, value_name = "N")]
    candidates: Option<usize>,
    /// Dynamic schedule: largest |correlation| allowed between features of one block.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    rho: f64,
    /// Dynamic schedule: priority floor η in (Δβ)² + η.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    eta: f64,
    /// Stop when the duality gap relative to the objective is at most this.
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    tol: f64,
    /// Update rounds between duality-gap evaluations (default ⌈p / 8B⌉, at most 1000).
    #[arg(long, value_name = "N")]
    eval_every: Option<u64>,
    /// Passes of coordinate descent over each block at the coordinator (1 = plain CD).
    #[arg(long, default_value_t = 10, value_name = "K")]
    inner_passes: usize,
    /// Turn off gap-safe screening (features proven zero at the optimum leave the problem).
    #[arg(long)]
    no_screening: bool,
    /// Stop after this many rounds.
    #[arg(long, value_name = "N")]
    max_rounds: Option<u64>,
    /// Layout, seed, time limit and output files (the flags every app shares). `--out FILE`:
    /// `intercept <v>`, then `<feature> <value>` per non-zero (1-based); `--trace`: one row per
    /// evaluation.
    #[command(flatten)]
    pub run: RunArgs,
}

/// One row of `--trace`.
#[derive(Debug, Serialize)]
struct TraceRow {
    round: u64,
    time_s: f64,
    objective: f64,
    duality_gap: f64,
    relative_gap: f64,
    nnz: usize,
    screened: usize,
    updates: u64,
    schedule_s: f64,
    push_s: f64,
    pull_s: f64,
    sync_s: f64,
    comm_s: f64,
    bytes: u64,
}

/// The `--summary` document.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    #[serde(flatten)]
    run: RunReport,
    app: &'static str,
    data: String,
    n: usize,
    p: usize,
    objective: f64,
    lambda: f64,
    lambda_max: f64,
    intercept: f64,
    fit_intercept: bool,
    nnz: usize,
    /// Features screened out (proven zero at the optimum) by the end.
    screened: usize,
    updates: u64,
    wall_s: f64,
    load_s: f64,
    duality_gap: f64,
    relative_gap: f64,
    tol: f64,
    converged: bool,
    schedule: &'a str,
    block_size: usize,
    seed: u64,
}

impl LassoArgs {
    /// The fit's parameters, checked (everything but the data).
    fn params(&self) -> Result<LassoParams> {
        let policy: Policy = self.schedule.parse()?;
        let penalty = match (self.lambda, self.lambda_ratio) {
            (Some(l), _) => Penalty::Lambda(l),
            (None, Some(r)) => Penalty::Ratio(r),
            (None, None) => Penalty::Ratio(0.1),
        };
        let mut schedule = BlockConfig::new(policy, self.block_size, self.run.seed);
        schedule.candidates = self.candidates.unwrap_or(2 * self.block_size);
        schedule.rho = self.rho;
        schedule.eta = self.eta;
        let params = LassoParams {
            penalty,
            intercept: !self.no_intercept,
            tol: self.tol,
            schedule,
            eval_every: self.eval_every,
            inner_passes: self.inner_passes,
            screening: !self.no_screening,
        };
        params.check()?;
        Ok(params)
    }

    /// Every check `run` makes before it reads the data, for `workers` workers (what
    /// `strads compare` runs before any run starts).
    ///
    /// # Errors
    /// The first bad setting, as `run` would report it.
    pub fn check(&self, workers: usize) -> Result<()> {
        self.params()?;
        self.input.options()?;
        self.run.run_config(&strads_engine::Placement::single(workers), self.max_rounds)?;
        Ok(())
    }
}

/// Runs `strads lasso` in this process's roles on `backend`; only the coordinator reports
/// and writes the outputs.
pub fn run(a: &LassoArgs, backend: &Backend) -> Result<()> {
    let place = backend.placement();
    // Check every setting before reading data.
    let params = a.params()?;
    let config = a.run.run_config(&place, a.max_rounds)?;

    // Each process reads only the rows of its own workers (all rows where the dynamic
    // scheduler runs: its correlation filter needs whole columns).
    let t0 = Instant::now();
    let data = a.input.load(&place, params.schedule.policy == Policy::Dynamic)?;
    let load_s = t0.elapsed().as_secs_f64();
    let (n, p) = (data.rows_total, data.x.ncols);
    info!(
        "{}: loaded {} rows of {}: n = {n}, p = {p}, nnz = {} in {load_s:.3} s",
        place.describe(),
        data.x.nrows,
        a.input.data.display(),
        data.x.nnz()
    );
    HeldRows::of(&data).check(place.workers)?;

    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, a.max_rounds);
    let mut trace = Vec::new();
    let mut last_logged = None;
    let fit = fit(backend, &data, params, &config, |info, _, coord| {
        pb.set_position(info.round + 1);
        if let Some(e) = coord.last_evaluation() {
            if last_logged != Some(e.round) {
                last_logged = Some(e.round);
                pb.set_message(format!("objective {:.6e} gap {:.2e} nnz {}", e.objective, e.relative_gap, e.nnz));
                trace.push(TraceRow {
                    round: info.round,
                    time_s: info.elapsed_s,
                    objective: e.objective,
                    duality_gap: e.duality_gap,
                    relative_gap: e.relative_gap,
                    nnz: e.nnz,
                    screened: e.screened,
                    updates: info.updates,
                    schedule_s: info.total.schedule_s,
                    push_s: info.total.push_s,
                    pull_s: info.total.pull_s,
                    sync_s: info.total.sync_s,
                    comm_s: info.total.comm_s,
                    bytes: info.total.bytes,
                });
            }
        }
    })?;
    pb.finish_and_clear();
    // Only the coordinator has the model; the other ranks are done.
    let Some(fit) = fit else { return Ok(()) };
    let e = fit.evaluation;
    info!(
        "{:?} after {} rounds, {} updates, {:.3} s: objective {:.10e}, relative gap {:.3e}, nnz {}",
        fit.stop, fit.rounds, fit.updates, fit.wall_s, e.objective, e.relative_gap, e.nnz
    );

    if let Some(path) = &a.run.trace {
        write_csv(path, &trace)?;
    }
    if let Some(path) = &a.run.out {
        write_atomic(path, |w| fit.model.write_text(w))?;
    }
    let summary = Summary {
        run: RunReport::new(
            backend,
            RunFacts {
                rounds: fit.rounds,
                stop: fit.stop,
                phases: fit.phases,
                wall_s: fit.wall_s,
                updates: Some(fit.updates),
                staleness: config.staleness,
            },
        ),
        app: "lasso",
        data: a.input.data.display().to_string(),
        n,
        p,
        objective: e.objective,
        lambda: fit.lambda,
        lambda_max: fit.lambda_max,
        intercept: fit.model.intercept,
        fit_intercept: !a.no_intercept,
        nnz: e.nnz,
        screened: e.screened,
        updates: fit.updates,
        wall_s: fit.wall_s,
        load_s,
        duality_gap: e.duality_gap,
        relative_gap: e.relative_gap,
        tol: a.tol,
        converged: e.relative_gap <= a.tol,
        schedule: &a.schedule,
        block_size: a.block_size,
        seed: a.run.seed,
    };
    if let Some(path) = &a.run.summary {
        write_json(path, &summary)?;
    }
    if !a.run.quiet {
        eprintln!(
            "lasso: {} after {} rounds ({} updates) in {:.3} s: objective {:.10e}, relative duality gap {:.2e}, {} non-zeros, lambda {:.6e}",
            if summary.converged { "converged" } else { "stopped" },
            fit.rounds, fit.updates, fit.wall_s, e.objective, e.relative_gap, e.nnz, fit.lambda
        );
    }
    Ok(())
}
