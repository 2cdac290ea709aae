//! `strads lasso`: fit a Lasso model.

use std::time::Instant;

use clap::Args;
use log::info;
use serde::Serialize;
use strads_apps::lasso::{fit, LassoParams};
use strads_engine::Backend;
use strads_kit::{write_csv, write_json, DataArgs, HeldRows, L1Args, RunArgs, RunFacts, RunReport};
use strads_scheduler::Policy;

use crate::error::Result;

/// Arguments of `strads lasso`.
#[derive(Debug, Args)]
#[command(mut_arg("block_size", |a| a.help("Features per block (L) [default: 64]")))]
#[command(after_help = "Minimizes ½‖y − β₀ − Xβ‖² + λ‖β‖₁ (scikit-learn's alpha is λ/n); λ_max = ‖Xᵀy‖∞ \
                      (centered with an intercept). Files: --out FILE: `intercept <v>`, then `<feature> <value>` \
                      per non-zero coefficient (1-based); --trace: one CSV row per evaluation; --summary: JSON.")]
pub struct LassoArgs {
    /// The data file and how to read it.
    #[command(flatten)]
    input: DataArgs,
    /// The penalty, the schedule (default block size 64) and the stopping rule.
    #[command(flatten)]
    l1: L1Args<64>,
    /// Update rounds between duality-gap evaluations (default ⌈p / 8B⌉, at most 1000).
    #[arg(long, value_name = "N")]
    eval_every: Option<u64>,
    /// Passes of coordinate descent over each block at the coordinator (1 = plain CD).
    #[arg(long, default_value_t = 10, value_name = "K")]
    inner_passes: usize,
    /// Turn off gap-safe screening (features proven zero at the optimum leave the problem).
    #[arg(long)]
    no_screening: bool,
    /// Layout, seed, time limit and output files (the flags every app shares).
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
        let l1 = &self.l1;
        let params = LassoParams {
            penalty: l1.penalty(),
            intercept: l1.intercept(),
            tol: l1.tol,
            schedule: l1.block_config(self.run.seed)?,
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
        Ok(self.l1.check_before_load(&self.input, &self.run, workers)?)
    }
}

/// Runs `strads lasso` in this process's roles on `backend`; only the coordinator reports
/// and writes the outputs.
pub fn run(a: &LassoArgs, backend: &Backend) -> Result<()> {
    let place = backend.placement();
    // Check every setting before reading data.
    let params = a.params()?;
    let (l1, config) = (&a.l1, a.run.run_config(&place, a.l1.max_rounds)?);

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

    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, l1.max_rounds);
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
        fit.model.write(path)?;
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
        fit_intercept: l1.intercept(),
        nnz: e.nnz,
        screened: e.screened,
        updates: fit.updates,
        wall_s: fit.wall_s,
        load_s,
        duality_gap: e.duality_gap,
        relative_gap: e.relative_gap,
        tol: l1.tol,
        converged: e.relative_gap <= l1.tol,
        schedule: &l1.schedule,
        block_size: l1.block_size(),
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
