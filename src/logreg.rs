//! `strads logreg`: fit a sparse (L1) logistic regression.

use std::time::Instant;

use clap::Args;
use strads_apps::logreg::{fit, LogRegParams};
use strads_engine::Backend;
use strads_kit::glm::{L1Summary, L1Trace};
use strads_kit::{write_csv, write_json, DataArgs, HeldRows, L1Args, RunArgs, RunFacts, RunReport};

use crate::error::Result;

/// Arguments of `strads logreg`.
#[derive(Debug, Args)]
#[command(mut_arg("block_size", |a| a.help("Features per block (L) [default: 32]")))]
#[command(after_help = "Minimizes Σᵢ log(1 + exp(−yᵢ(β₀ + xᵢᵀβ))) + λ‖β‖₁ (scikit-learn's C is 1/λ); \
                      λ_max = ‖Xᵀ(y₀₁ − ȳ₀₁)‖∞ (y₀₁ − ½ without an intercept). Labels: ±1, or 0/1 (0 read \
                      as -1). Files: --out FILE: `intercept <v>`, then `<feature> <value>` per non-zero \
                      coefficient (1-based); --trace: one CSV row per evaluation; --summary: JSON.")]
pub struct LogRegArgs {
    /// The data file and how to read it.
    #[command(flatten)]
    input: DataArgs,
    /// The penalty, the schedule (default block size 32) and the stopping rule.
    #[command(flatten)]
    l1: L1Args<32>,
    /// Coordinate updates between evaluations, in passes over the active set.
    #[arg(long, default_value_t = 10, value_name = "K")]
    eval_passes: u64,
    /// Layout, seed (of the random and dynamic schedules), time limit and output files.
    #[command(flatten)]
    pub run: RunArgs,
}

impl LogRegArgs {
    /// The fit's parameters, checked (everything but the data).
    fn params(&self) -> Result<LogRegParams> {
        let l1 = &self.l1;
        let schedule = l1.block_config(self.run.seed)?;
        let (penalty, intercept, tol, eval_passes) = (l1.penalty(), l1.intercept(), l1.tol, self.eval_passes);
        let params = LogRegParams { penalty, intercept, tol, schedule, eval_passes };
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

/// Runs `strads logreg` in this process's roles; the coordinator writes the outputs.
pub fn run(a: &LogRegArgs, backend: &Backend) -> Result<()> {
    let (place, l1) = (backend.placement(), &a.l1);
    let params = a.params()?;
    let config = a.run.run_config(&place, l1.max_rounds)?;

    let t0 = Instant::now();
    let data = a.input.load(&place, true)?;
    let load_s = t0.elapsed().as_secs_f64();
    HeldRows::of(&data).check(place.workers)?;
    if let Some(i) = data.y.iter().position(|&v| v != 1.0 && v != -1.0 && v != 0.0) {
        let (path, line) = a.input.row_line(data.row_offset + i)?;
        let msg = format!("{}:{line}: label {} is not -1, 0 or 1 (0 is read as -1)", path.display(), data.y[i]);
        return Err(strads_kit::Error::app(msg).into());
    }

    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, l1.max_rounds);
    let mut trace = L1Trace::default();
    let out = fit(backend, &data, params, &config, |info, _, c| {
        pb.set_position(info.round + 1);
        if let Some(e) = trace.observe(info, c.last) {
            pb.set_message(format!("objective {:.6e} gap {:.2e} nnz {}", e.objective, e.relative_gap, e.nnz));
        }
    })?;
    pb.finish_and_clear();
    let Some(out) = out else { return Ok(()) };
    let c = &out.coordinator;
    let eval = c.last.ok_or_else(|| strads_kit::Error::app("the run ended before an evaluation"))?;
    let model = c.model();
    if let Some(path) = &a.run.trace {
        write_csv(path, &trace.rows)?;
    }
    if let Some(path) = &a.run.out {
        model.write(path)?;
    }
    let summary = L1Summary {
        run: RunReport::new(backend, RunFacts::of(&out, config.staleness, true)),
        eval,
        app: "logreg",
        data: a.input.data.display().to_string(),
        n: data.rows_total,
        p: data.x.ncols,
        lambda: c.lambda,
        lambda_max: c.lambda_max,
        intercept: model.intercept,
        fit_intercept: l1.intercept(),
        updates: out.updates,
        wall_s: out.wall_s,
        load_s,
        tol: l1.tol,
        converged: eval.relative_gap <= l1.tol,
        schedule: &l1.schedule,
        block_size: l1.block_size(),
        seed: a.run.seed,
    };
    if let Some(path) = &a.run.summary {
        write_json(path, &summary)?;
    }
    if !a.run.quiet {
        eprintln!("{}", summary.line());
    }
    Ok(())
}
