//! `strads`: scheduled model-parallel machine learning from the command line.

mod compare;
mod error;
mod generate;
mod lasso;
mod lda;
mod logreg;
mod mf;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Scheduled model-parallel machine learning (STRADS-style): a scheduler picks nearly
/// independent blocks of model variables, workers update them on their data shards.
#[derive(Debug, Parser)]
#[command(name = "strads", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lasso regression by scheduled coordinate descent.
    Lasso(Box<lasso::LassoArgs>),
    /// LDA topic model by model-parallel collapsed Gibbs sampling (word-block rotation).
    Lda(Box<lda::LdaArgs>),
    /// Sparse (L1) logistic regression by scheduled coordinate descent (CDN steps).
    Logreg(Box<logreg::LogRegArgs>),
    /// Matrix factorization by CCD++ (fit), or `mf recommend` (top items for a user).
    Mf(Box<mf::MfArgs>),
    /// Write a seeded synthetic problem to a file (`generate lasso`).
    Generate(generate::GenerateArgs),
    /// Run an app once per combination of `--vary KEY=V1,V2,...`; write runs.csv, summary.csv and plots.
    Compare(compare::CompareArgs),
}

fn main() -> ExitCode {
    strads_kit::init_logging();
    let cli = Cli::parse();
    let launch = match &cli.command {
        // Generating data needs no workers: done here, before any backend is chosen.
        Command::Generate(args) => {
            return match generate::run(args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("strads: error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Compare(args) => return compare::run(args).map_or_else(|e| fail(&e), |()| ExitCode::SUCCESS),
        Command::Lasso(args) => args.run.launch_options(),
        Command::Lda(args) => args.run.launch_options(),
        Command::Logreg(args) => args.run.launch_options(),
        Command::Mf(args) => args.launch_options(),
    };
    // The kit's driver: threads, or MPI under mpirun; an error ends every rank.
    strads_kit::drive("strads", &launch, |backend| match &cli.command {
        Command::Lasso(args) => lasso::run(args, backend),
        Command::Lda(args) => lda::run(args, backend),
        Command::Logreg(args) => logreg::run(args, backend),
        Command::Mf(args) => mf::run(args, backend),
        Command::Generate(_) | Command::Compare(_) => Ok(()),
    })
}

/// Reports a failed comparison on one line and fails.
fn fail(e: &compare::CompareError) -> ExitCode {
    eprintln!("strads compare: error: {e}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        // Catches clashing flags between an app's own and the kit's shared ones (clap checks
        // them only in debug builds otherwise).
        super::Cli::command().debug_assert();
    }
}
