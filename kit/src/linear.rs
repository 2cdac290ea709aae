//! Linear models with an L1 penalty: the flag block (`--lambda | --lambda-ratio`,
//! `--no-intercept`, the block schedule, `--tol`, `--max-rounds`), the penalty and the model
//! file (`intercept <v>`, then `<feature> <value>` per non-zero, 1-based).

use std::io::Write;

use clap::{ArgGroup, Args};
use serde::Serialize;
use strads_core::InvalidParameter;
use strads_scheduler::{BlockConfig, Policy};

/// How the L1 penalty λ of `F(β₀, β) = loss(β₀, β) + λ‖β‖₁` is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Penalty {
    /// λ itself (≥ 0), in the units of the app's loss (a sum over rows, not a mean: `n` times
    /// scikit-learn's `alpha` for the Lasso, `1/C` for logistic regression).
    Lambda(f64),
    /// `R · λ_max` (`R ≥ 0`), with `λ_max` the smallest λ whose solution is β = 0 (the app
    /// computes it from the data: `‖∇_β loss(β₀*, 0)‖∞`).
    Ratio(f64),
}

impl Penalty {
    /// λ for data whose `λ_max` is `lambda_max`.
    pub fn resolve(self, lambda_max: f64) -> f64 {
        match self {
            Self::Lambda(l) => l,
            Self::Ratio(r) => r * lambda_max,
        }
    }

    /// Checks the value.
    ///
    /// # Errors
    /// [`InvalidParameter`] (`lambda` or `lambda-ratio`) unless finite and ≥ 0.
    pub fn check(self) -> Result<(), InvalidParameter> {
        match self {
            Self::Lambda(l) if !(l >= 0.0 && l.is_finite()) => Err(InvalidParameter::new("lambda", l, "≥ 0")),
            Self::Ratio(r) if !(r >= 0.0 && r.is_finite()) => Err(InvalidParameter::new("lambda-ratio", r, "≥ 0")),
            _ => Ok(()),
        }
    }
}

/// The flags of an L1-penalized linear model fitted by scheduled coordinate descent, for an
/// app's clap command to flatten (`BLOCK` is the app's default `--block-size`, see
/// [`L1Args::block_size`]):
/// `--lambda L | --lambda-ratio R` (default R = 0.1), `--no-intercept`,
/// `--schedule dynamic|random|cyclic`, `--block-size B`, `--candidates L'` (default 2B),
/// `--rho ρ`, `--eta η` (see [`BlockConfig`]), `--tol T` (default 1e-6), `--max-rounds N`.
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct MyGlm {
///     #[command(flatten)]
///     l1: strads_kit::L1Args<32>,
/// }
/// let a = MyGlm::parse_from(["my-glm", "--lambda-ratio", "0.01", "--schedule", "cyclic"]);
/// assert_eq!(a.l1.penalty(), strads_kit::Penalty::Ratio(0.01));
/// let cfg = a.l1.block_config(7).expect("valid");
/// assert_eq!((cfg.block_size, cfg.candidates, cfg.seed), (32, 64, 7));
/// ```
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("penalty").args(["lambda", "lambda_ratio"])))]
pub struct L1Args<const BLOCK: usize> {
    /// L1 penalty λ of F = loss + λ‖β‖₁, in the loss's units (a sum over rows).
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    pub lambda: Option<f64>,
    /// λ as a fraction of λ_max, the smallest λ whose solution is β = 0 [default: 0.1].
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub lambda_ratio: Option<f64>,
    /// Fit without an intercept (default: an unpenalized intercept β₀).
    #[arg(long)]
    pub no_intercept: bool,
    /// Block schedule.
    #[arg(long, default_value = "dynamic", value_parser = ["dynamic", "random", "cyclic"])]
    pub schedule: String,
    /// Features per block (L) [default: the command's, see L1Args::block_size].
    #[arg(long, value_name = "B")]
    pub block_size: Option<usize>,
    /// Candidates per block (L'): sampled by the dynamic schedule [default: 2 × block size].
    #[arg(long, value_name = "N")]
    pub candidates: Option<usize>,
    /// Dependency filter: largest |correlation| between features of one block (1 = off).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub rho: f64,
    /// Dynamic schedule: priority floor η in (Δβ)² + η.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub eta: f64,
    /// Stop when the relative duality gap (F − D) / F is at most this.
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub tol: f64,
    /// Stop after this many rounds.
    #[arg(long, value_name = "N")]
    pub max_rounds: Option<u64>,
}

impl<const BLOCK: usize> L1Args<BLOCK> {
    /// The checks of an L1 app's run before it reads its data (what `strads compare` runs
    /// before any run starts), besides its own parameters: the data options of `input` and the
    /// run settings of `run` for `workers` workers with these flags' round limit.
    ///
    /// # Errors
    /// The first bad setting, as the run would report it.
    pub fn check_before_load(
        &self,
        input: &crate::DataArgs,
        run: &crate::RunArgs,
        workers: usize,
    ) -> crate::Result<()> {
        input.options()?;
        run.run_config(&strads_engine::Placement::single(workers), self.max_rounds)?;
        Ok(())
    }

    /// The penalty: `--lambda`, else `--lambda-ratio`, else 0.1 λ_max.
    pub fn penalty(&self) -> Penalty {
        match (self.lambda, self.lambda_ratio) {
            (Some(l), _) => Penalty::Lambda(l),
            (None, Some(r)) => Penalty::Ratio(r),
            (None, None) => Penalty::Ratio(0.1),
        }
    }

    /// `--block-size`, by default `BLOCK`. (A const generic, not clap's default: clap keeps
    /// one default per generic type, whatever its parameters. A command shows its default in
    /// its help with `#[command(mut_arg("block_size", |a| a.help("… [default: 32]")))]`.)
    pub fn block_size(&self) -> usize {
        self.block_size.unwrap_or(BLOCK)
    }

    /// Whether to fit an intercept.
    pub fn intercept(&self) -> bool {
        !self.no_intercept
    }

    /// The block schedule with random stream `seed` (`--seed`); its values are checked by
    /// [`BlockConfig::check`] (the app's parameter check calls it).
    ///
    /// # Errors
    /// An unknown `--schedule`.
    pub fn block_config(&self, seed: u64) -> strads_scheduler::Result<BlockConfig> {
        let b = self.block_size();
        let mut cfg = BlockConfig::new(self.schedule.parse::<Policy>()?, b, seed);
        (cfg.candidates, cfg.rho, cfg.eta) = (self.candidates.unwrap_or(2 * b), self.rho, self.eta);
        Ok(cfg)
    }

    /// Checks `--tol` (and the penalty).
    ///
    /// # Errors
    /// [`InvalidParameter`] for a bad λ, ratio or tolerance.
    pub fn check(&self) -> Result<(), InvalidParameter> {
        self.penalty().check()?;
        check_tol(self.tol)
    }
}

/// Checks a relative duality-gap tolerance.
///
/// # Errors
/// [`InvalidParameter`] (`tol`) unless finite and > 0.
pub fn check_tol(tol: f64) -> Result<(), InvalidParameter> {
    match tol > 0.0 && tol.is_finite() {
        true => Ok(()),
        false => Err(InvalidParameter::new("tol", tol, "a finite number > 0")),
    }
}

/// A fitted linear model `intercept + Σ_j β_j x_j` (for a classifier, the margin).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearModel {
    /// The unpenalized intercept (0 without one).
    pub intercept: f64,
    /// Coefficients, length `p`, indexed by 0-based feature number.
    pub coef: Vec<f64>,
}

impl LinearModel {
    /// Number of non-zero coefficients.
    pub fn nnz(&self) -> usize {
        self.coef.iter().filter(|&&b| b != 0.0).count()
    }

    /// Writes the model as text (the `--out` file of every linear app): first line
    /// `intercept <value>`, then one line `<feature index> <value>` per non-zero coefficient,
    /// with 1-based feature indices as in LIBSVM input. Values are written in the shortest
    /// form that reads back to the same `f64` (Rust's `{:?}` formatting), so the file
    /// round-trips bit for bit.
    ///
    /// # Errors
    /// Any error of `out`.
    pub fn write_text(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(out, "intercept {:?}", self.intercept)?;
        for (j, &b) in self.coef.iter().enumerate() {
            if b != 0.0 {
                writeln!(out, "{} {:?}", j + 1, b)?;
            }
        }
        Ok(())
    }

    /// Writes the model to `path` atomically (see [`LinearModel::write_text`]).
    ///
    /// # Errors
    /// As [`crate::write_atomic`].
    pub fn write(&self, path: &std::path::Path) -> crate::Result<()> {
        crate::write_atomic(path, |w| self.write_text(w))
    }

    /// Predictions `intercept + x_iᵀβ` for the rows of `x` (CSR, `n × p'`; features beyond
    /// `p` count 0).
    pub fn predict(&self, x: &strads_datasets::CsrMatrix) -> Vec<f64> {
        (0..x.nrows)
            .map(|i| {
                let (idx, val) = x.row(i);
                self.intercept
                    + idx
                        .iter()
                        .zip(val)
                        .map(|(&j, &v)| self.coef.get(j as usize).copied().unwrap_or(0.0) * v)
                        .sum::<f64>()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_file_is_one_based_and_round_trips() {
        let m = LinearModel { intercept: -0.5, coef: vec![0.0, 0.1 + 0.2, 0.0, -3.0] };
        let mut out = Vec::new();
        m.write_text(&mut out).expect("writes");
        assert_eq!(String::from_utf8(out).expect("utf-8"), "intercept -0.5\n2 0.30000000000000004\n4 -3.0\n");
        assert_eq!(m.nnz(), 2);
    }

    #[test]
    fn bad_penalties_are_named() {
        assert_eq!(Penalty::Lambda(-1.0).check().expect_err("λ < 0").to_string(), "invalid --lambda -1: must be ≥ 0");
        assert!(Penalty::Ratio(f64::NAN).check().is_err());
        assert_eq!(Penalty::Ratio(0.5).resolve(4.0), 2.0);
        assert!(check_tol(0.0).is_err() && check_tol(1e-6).is_ok());
    }
}
