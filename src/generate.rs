//! `strads generate`: write seeded synthetic problems to files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use strads_datasets::{labels_sibling, lasso_synth, LassoSynthParams};

use crate::error::{CliError, Result};
use crate::output::{write_atomic, write_atomic_set, Part};

/// Arguments of `strads generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate.
    #[command(subcommand)]
    what: Generator,
}

#[derive(Debug, Subcommand)]
enum Generator {
    /// A sparse Lasso problem y = Xβ + noise whose columns come in correlated groups (the
    /// structure on which parallel coordinate descent needs a correlation-aware schedule).
    Lasso(LassoGenArgs),
}

/// Arguments of `strads generate lasso`. The defaults give a 500 × 1000 problem (20,000
/// non-zeros) that `strads lasso` solves in well under a second.
#[derive(Debug, Args)]
struct LassoGenArgs {
    /// Rows (samples) n.
    #[arg(long, default_value_t = 500, value_name = "N")]
    rows: usize,
    /// Columns (features) p.
    #[arg(long, default_value_t = 1000, value_name = "P")]
    cols: usize,
    /// Non-zeros per column K (K ≥ rows gives a dense design).
    #[arg(long, default_value_t = 20, value_name = "K")]
    nnz_per_col: usize,
    /// Consecutive columns per group G; the columns of a group share one random support of K
    /// rows.
    #[arg(long, default_value_t = 10, value_name = "G")]
    group_size: usize,
    /// Correlation R of two columns of a group, in [0, 1): x_j = √R z_g + √(1−R) e_j on the
    /// group's support, then scaled to unit norm.
    #[arg(long, default_value_t = 0.9, value_name = "R", allow_negative_numbers = true)]
    group_corr: f64,
    /// Non-zeros S of the true β (random columns, values ±(1 + |N(0,1)|)).
    #[arg(long, default_value_t = 20, value_name = "S")]
    nonzeros: usize,
    /// Noise relative to the signal: y = Xβ + σ ‖Xβ‖/√n · N(0,1) per row.
    #[arg(long, default_value_t = 0.1, value_name = "SIGMA", allow_negative_numbers = true)]
    noise: f64,
    /// Seed; the same settings and seed give the same bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file: LIBSVM (`y j:x ...`, 1-based), or MatrixMarket when it ends in `.mtx`
    /// (X there, y in the name with `.X.` → `.Y.`, or else FILE.y.mtx).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Say nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `strads generate`: in this process, no workers or backend involved.
pub fn run(a: &GenerateArgs) -> Result<()> {
    match &a.what {
        Generator::Lasso(args) => lasso(args),
    }
}

/// The y file of a MatrixMarket X file `x`: `.X.` → `.Y.` in the name (what `strads lasso`
/// looks for by default), or else `x` with `.y.mtx` appended.
fn mtx_labels_path(x: &Path) -> PathBuf {
    labels_sibling(x).unwrap_or_else(|| {
        let mut s = x.as_os_str().to_os_string();
        s.push(".y.mtx");
        PathBuf::from(s)
    })
}

fn lasso(a: &LassoGenArgs) -> Result<()> {
    let params = LassoSynthParams {
        rows: a.rows,
        cols: a.cols,
        nnz_per_col: a.nnz_per_col,
        group_size: a.group_size,
        group_corr: a.group_corr,
        nonzeros: a.nonzeros,
        noise: a.noise,
        seed: a.seed,
    };
    params.check()?;
    let name = a.out.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let mtx = name.to_ascii_lowercase().ends_with(".mtx");
    if name.is_empty() || a.out.is_dir() {
        return Err(CliError::InvalidArgument {
            name: "out",
            value: a.out.display().to_string(),
            expect: "a file name",
        });
    }
    let t0 = Instant::now();
    let prob = lasso_synth(&params)?;
    let gen_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let written = if mtx {
        let ypath = mtx_labels_path(&a.out);
        let dir = a.out.parent().unwrap_or(Path::new(""));
        let yname = ypath.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let parts: Vec<Part<'_>> =
            vec![(name, Box::new(|w| prob.write_mtx_x(w))), (yname, Box::new(|w| prob.write_mtx_y(w)))];
        write_atomic_set(dir, parts)?;
        format!("{} and {}", a.out.display(), ypath.display())
    } else {
        write_atomic(&a.out, |w| prob.write_libsvm(w))?;
        a.out.display().to_string()
    };
    if !a.quiet {
        eprintln!(
            "generate lasso: {} × {}, {} non-zeros, {} true non-zeros, in {:.2} s (+ {:.2} s writing) → {written}{}",
            params.rows,
            params.cols,
            prob.x.nnz(),
            params.nonzeros,
            gen_s,
            t1.elapsed().as_secs_f64(),
            if mtx && labels_sibling(&a.out).is_none() {
                " (the name has no '.X.': pass --labels to strads lasso)"
            } else {
                ""
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_path_follows_the_strads_convention() {
        assert_eq!(mtx_labels_path(Path::new("d/p.X.mtx")), PathBuf::from("d/p.Y.mtx"));
        assert_eq!(mtx_labels_path(Path::new("d/p.mtx")), PathBuf::from("d/p.mtx.y.mtx"));
    }
}
