//! `strads`: scheduled model-parallel machine learning from the command line.

mod error;
mod lasso;
mod output;
mod progress;

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
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Lasso(args) => lasso::run(&args),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("strads: error: {e}");
            ExitCode::FAILURE
        }
    }
}
