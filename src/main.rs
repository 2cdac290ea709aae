//! `strads`: scheduled model-parallel machine learning from the command line.

mod error;
mod generate;
mod lasso;
mod launch;
mod lda;
mod mf;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use strads_engine::Backend;

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
    /// Matrix factorization by CCD++ (fit), or `mf recommend` (top items for a user).
    Mf(Box<mf::MfArgs>),
    /// Write a seeded synthetic problem to a file (`generate lasso`).
    Generate(generate::GenerateArgs),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let parallel = match &cli.command {
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
        Command::Lasso(args) => args.parallel.options(),
        Command::Lda(args) => args.parallel.options(),
        Command::Mf(args) => args.parallel().options(),
    };
    // Threads, or MPI under mpirun: decided here, once, before any data is read.
    let backend = match Backend::detect(&parallel) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("strads: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let res = match cli.command {
        Command::Lasso(args) => lasso::run(&args, &backend),
        Command::Lda(args) => lda::run(&args, &backend),
        Command::Mf(args) => mf::run(&args, &backend),
        Command::Generate(_) => unreachable!("strads generate returns before a backend is chosen"),
    };
    match res {
        Ok(()) => {
            backend.finish();
            ExitCode::SUCCESS
        }
        Err(e) if backend.is_mpi() => {
            // The other ranks wait for this one: end the whole job.
            eprintln!("strads: error: {}: {e}", backend.placement().describe());
            backend.abort(1)
        }
        Err(e) => {
            eprintln!("strads: error: {e}");
            ExitCode::FAILURE
        }
    }
}
