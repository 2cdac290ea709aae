//! The app kit of strads: what every scheduled model-parallel app needs beside its
//! [`strads_engine::App`] impl, so that an app is its algorithm and nothing else.
//!
//! * [`RunArgs`]: the flags every app shares (`--workers/--threads/--scheduler-rank`,
//!   `--staleness`, `--seed`, `--time-limit`, `--trace`, `--summary`, `--out`, `--quiet`), a
//!   clap block the app's own command flattens;
//! * [`drive`]: the run driver: backend detection (threads, or MPI ranks under `mpirun`),
//!   one error path that ends an MPI job cleanly;
//! * [`DataArgs`] (`--data/--format/--labels/--target`), [`load_rows`], [`HeldRows`]: each
//!   process reads the rows its workers own, each worker gets its shard (worker `k` of `P` owns the same rows on every backend);
//! * role states: [`strads_engine::Roles`] / [`strads_engine::RoleFns`], the app's
//!   constructors, of which the engine calls exactly those the process's placement needs;
//! * the round pattern setup / update / evaluate: [`strads_engine::Cadence`];
//! * outputs: [`write_atomic`], [`write_atomic_set`], [`write_csv`] (traces), [`write_json`]
//!   (summaries, with [`RunReport`] flattened in), all atomic;
//! * [`progress::bar`]: the progress bar;
//! * L1-penalized linear models: [`L1Args`] (`--lambda | --lambda-ratio`, `--no-intercept`,
//!   the block schedule, `--tol`, `--max-rounds`), [`Penalty`], [`LinearModel`] (the `--out`
//!   file), and [`glm`]: Newton coordinate steps, line search, KKT, evaluations, trace and
//!   summary for generalized linear models (the working-set scheduler is
//!   `strads_scheduler::WorkingSetScheduler`, the cadence by passes
//!   `strads_engine::Cadence::by_units`);
//! * the numerics apps share ([`numerics`]: soft-thresholding, dot products) and the one
//!   parameter error type, [`InvalidParameter`], re-exported from `strads-core`.
//!
//! `docs/writing-an-app.md` in the repository walks through an app built on it.

mod args;
mod data_args;
mod driver;
mod error;
pub mod glm;
mod linear;
mod output;
pub mod progress;
mod rank_load;
mod report;
mod rows;

pub use args::RunArgs;
pub use data_args::DataArgs;
pub use driver::{drive, init_logging};
pub use error::{Error, Result};
pub use linear::{check_tol, L1Args, LinearModel, Penalty};
pub use output::{write_atomic, write_atomic_set, write_csv, write_json, Part};
pub use rank_load::{peak_rss_bytes, RankLoad};
pub use report::{RunFacts, RunReport};
pub use rows::{load_rows, rows_needed, HeldRows};
pub use strads_core::{numerics, InvalidParameter};
