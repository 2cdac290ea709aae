//! `strads logreg`: fit a sparse (L1) logistic regression.

use std::time::Instant;

use clap::{ArgGroup, Args};
use serde::Serialize;
use strads_apps::lasso::LassoModel;
use strads_apps::logreg::{fit, Evaluation, LogRegParams, Penalty};
use strads_engine::Backend;
use strads_kit::{write_atomic, write_csv, write_json, DataArgs, HeldRows, RunArgs, RunFacts, RunReport};
use strads_scheduler::{BlockConfig, Policy};

use crate::error::Result;

/// Arguments of `strads logreg`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("penalty").args(["lambda", "lambda_ratio"])))]
#[command(after_help = "Labels: ±1, or 0/1 (0 read as -1). Files: --out FILE: `intercept <v>`, then \
                      `<feature> <value>` per non-zero coefficient (1-based); --trace: one CSV row per \
                      evaluation; --summary: JSON.")]
pub struct LogRegArgs {
    /// The data file and how to read it.
    #[command(flatten)]
    input: DataArgs,
    /// L1 penalty λ for Σᵢ log(1 + exp(−yᵢ(β₀ + xᵢᵀβ))) + λ‖β‖₁ (scikit-learn's C is 1/λ).
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// λ as a fraction of λ_max = ‖Xᵀ(y₀₁ − ȳ₀₁)‖∞ (y₀₁ − ½ without an intercept) [default: 0.1].
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    lambda_ratio: Option<f64>,
    /// Fit without an intercept.
    #[arg(long)]
    no_intercept: bool,
    /// Block schedule.
    #[arg(long, default_value = "dynamic", value_parser = ["dynamic", "random", "cyclic"])]
    schedule: String,
    /// Features per block.
    #[arg(long, default_value_t = 32, value_name = "B")]
    block_size: usize,
    /// Candidates sampled per block by the dynamic schedule [default: 2 × block size].
    #[arg(long, value_name = "N")]
    candidates: Option<usize>,
    /// Dynamic schedule: largest |correlation| between features of one block.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    rho: f64,
    /// Dynamic schedule: priority floor η in (Δβ)² + η.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    eta: f64,
    /// Stop when the relative duality gap (F − D) / F is at most this.
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    tol: f64,
    /// Coordinate updates between evaluations, in passes over the active set.
    #[arg(long, default_value_t = 10, value_name = "K")]
    eval_passes: u64,
    /// Stop after this many rounds.
    #[arg(long, value_name = "N")]
    max_rounds: Option<u64>,
    /// Layout, seed (of the random and dynamic schedules), time limit and output files.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The `--summary` document (`--trace` rows are the evaluations with the round's costs).
#[derive(Debug, Serialize)]
struct Summary<'a> {
    #[serde(flatten)]
    run: RunReport,
    #[serde(flatten)]
    eval: Evaluation,
    app: &'static str,
    data: String,
    n: usize,
    p: usize,
    lambda: f64,
    lambda_max: f64,
    intercept: f64,
    fit_intercept: bool,
    updates: u64,
    wall_s: f64,
    load_s: f64,
    tol: f64,
    converged: bool,
    schedule: &'a str,
    block_size: usize,
    seed: u64,
}

/// One `--trace` row per evaluation (the csv crate cannot flatten [`Evaluation`]).
#[derive(Debug, Serialize)]
struct TraceRow {
    round: u64,
    time_s: f64,
    objective: f64,
    duality_gap: f64,
    relative_gap: f64,
    kkt: f64,
    nnz: usize,
    updates: u64,
    bytes: u64,
}

impl LogRegArgs {
    /// The fit's parameters, checked (everything but the data).
    fn params(&self) -> Result<LogRegParams> {
        let mut schedule = BlockConfig::new(self.schedule.parse::<Policy>()?, self.block_size, self.run.seed);
        (schedule.candidates, schedule.rho, schedule.eta) =
            (self.candidates.unwrap_or(2 * self.block_size), self.rho, self.eta);
        let penalty = self.lambda.map(Penalty::Lambda).unwrap_or(Penalty::Ratio(self.lambda_ratio.unwrap_or(0.1)));
        let params = LogRegParams {
            penalty,
            intercept: !self.no_intercept,
            tol: self.tol,
            schedule,
            eval_passes: self.eval_passes,
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

/// Runs `strads logreg` in this process's roles; the coordinator writes the outputs.
pub fn run(a: &LogRegArgs, backend: &Backend) -> Result<()> {
    let place = backend.placement();
    let params = a.params()?;
    let config = a.run.run_config(&place, a.max_rounds)?;

    let t0 = Instant::now();
    let data = a.input.load(&place, true)?;
    let load_s = t0.elapsed().as_secs_f64();
    HeldRows::of(&data).check(place.workers)?;
    if let Some(i) = data.y.iter().position(|&v| v != 1.0 && v != -1.0 && v != 0.0) {
        let (path, line) = a.input.row_line(data.row_offset + i)?;
        let msg = format!("{}:{line}: label {} is not -1, 0 or 1 (0 is read as -1)", path.display(), data.y[i]);
        return Err(strads_kit::Error::app(msg).into());
    }

    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, a.max_rounds);
    let mut trace: Vec<TraceRow> = Vec::new();
    let out = fit(backend, &data, params, &config, |info, _, c| {
        pb.set_position(info.round + 1);
        match c.last {
            Some(e) if !trace.last().is_some_and(|t| t.round == e.round) => {
                pb.set_message(format!("objective {:.6e} gap {:.2e} nnz {}", e.objective, e.relative_gap, e.nnz));
                let (round, time_s, updates, bytes) = (e.round, info.elapsed_s, info.updates, info.total.bytes);
                let (objective, duality_gap, relative_gap, kkt, nnz) =
                    (e.objective, e.duality_gap, e.relative_gap, e.kkt, e.nnz);
                trace.push(TraceRow { round, time_s, objective, duality_gap, relative_gap, kkt, nnz, updates, bytes });
            }
            _ => {}
        }
    })?;
    pb.finish_and_clear();
    let Some(out) = out else { return Ok(()) };
    let c = &out.coordinator;
    let eval = c.last.ok_or_else(|| strads_kit::Error::app("the run ended before an evaluation"))?;
    let model = LassoModel { intercept: c.intercept(), coef: c.beta[..data.x.ncols].to_vec() };
    if let Some(path) = &a.run.trace {
        write_csv(path, &trace)?;
    }
    if let Some(path) = &a.run.out {
        write_atomic(path, |w| model.write_text(w))?;
    }
    let converged = eval.relative_gap <= a.tol;
    if let Some(path) = &a.run.summary {
        let summary = Summary {
            run: RunReport::new(backend, RunFacts::of(&out, config.staleness, true)),
            eval,
            app: "logreg",
            data: a.input.data.display().to_string(),
            n: data.rows_total,
            p: data.x.ncols,
            lambda: c.lambda,
            lambda_max: c.lambda_max,
            intercept: model.intercept,
            fit_intercept: !a.no_intercept,
            updates: out.updates,
            wall_s: out.wall_s,
            load_s,
            tol: a.tol,
            converged,
            schedule: &a.schedule,
            block_size: a.block_size,
            seed: a.run.seed,
        };
        write_json(path, &summary)?;
    }
    if !a.run.quiet {
        eprintln!(
            "logreg: {} after {} rounds ({} updates) in {:.3} s: objective {:.10e}, relative duality gap {:.2e}, KKT {:.1e} λ, {} non-zeros, lambda {:.6e}",
            if converged { "converged" } else { "stopped" },
            out.rounds, out.updates, out.wall_s, eval.objective, eval.relative_gap, eval.kkt, eval.nnz, c.lambda
        );
    }
    Ok(())
}
