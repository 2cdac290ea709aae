//! The round engine of strads: **schedule → push → pull → sync** over a transport.
//!
//! An app implements [`App`] (one trait, one state type per role); the engine runs the
//! rounds, moves the messages between the roles and measures every phase. Apps never touch
//! threads, channels or MPI.
//!
//! Roles, as in STRADS [STRADS-16, Sec. 4]: one **coordinator** commits variables and decides
//! when to stop, one **scheduler** picks the variables of each round, and `P` **workers**
//! each own one data shard. With [`run_threads`] the coordinator and worker 0 run on the
//! calling thread, workers `1..P` on threads of their own, and the scheduler on the calling
//! thread or, with a staleness bound `S ≥ 1` ([`RunConfig::staleness`]: the scheduler runs up
//! to `S` rounds ahead, STRADS's pipelined scheduling), on its own thread; [`run`] runs on the
//! [`Backend`] that [`Backend::detect`] picks, threads or (with the `mpi` feature, under
//! `mpirun`) MPI ranks with roles fixed by rank order (see [`Layout`]), building on each
//! process exactly the role states it holds from the app's constructors ([`Roles`]).
//!
//! What the protocol offers an app beyond the four calls: scheduler-only feedback from pull
//! to observe ([`App::Feedback`], [`Pulled`]), a pull that stops the run with an error
//! ([`AppError`], [`Error::Pull`]), a stop on the app's own budget distinct from convergence
//! ([`Control::BudgetSpent`], [`StopReason::BudgetSpent`]), the round's task in the run's
//! observer, and the setup / update / evaluate round pattern ([`Cadence`]). The app kit
//! (`strads-kit`) adds the command-line flags, row loading and output files.
//!
//! # Examples
//! A toy app: each worker holds numbers, the coordinator sums them in one round.
//! ```
//! use strads_engine::{run_threads, App, AppError, Control, Pulled, RunConfig};
//! struct Sum;
//! impl App for Sum {
//!     type Scheduler = ();
//!     type Coordinator = f64;
//!     type Worker = Vec<f64>;
//!     type Task = ();
//!     type Partial = f64;
//!     type Update = ();
//!     type Feedback = ();
//!     type Private = ();
//!     fn schedule(&self, _: &mut (), _: u64) {}
//!     fn push(&self, w: &mut Vec<f64>, _: &()) -> f64 { w.iter().sum() }
//!     fn pull(&self, c: &mut f64, _: &(), parts: Vec<f64>) -> Result<Pulled<(), ()>, AppError> {
//!         *c = parts.iter().sum();
//!         Ok(Pulled::new((), Control::Converged))
//!     }
//!     fn sync(&self, _: &mut Vec<f64>, _: &()) {}
//! }
//! let shards = vec![vec![1.0, 2.0], vec![3.0], vec![4.0]];
//! let out = run_threads(&Sum, &RunConfig::new(3), (), 0.0, shards, |_, _, _| {}).unwrap();
//! assert_eq!(out.coordinator, 10.0);
//! assert_eq!(out.rounds, 1);
//! ```

mod app;
mod cadence;
pub mod checkpoint;
mod error;
mod launch;
#[cfg(feature = "mpi")]
mod mpi_run;
mod pipeline;
mod roles;
mod rounds;
mod run;
mod stats;
pub mod transport;
mod worker;

pub use app::{App, AppError, Control, Message, Pulled};
pub use cadence::{Cadence, Phase};
pub use checkpoint::{Checkpointing, Fingerprint};
pub use error::{Error, Result};
pub use launch::{mpi_launcher, Backend, LaunchOptions, Layout, Placement};
pub use roles::{RoleFns, Roles};
pub use run::{run, run_threads, RunConfig, RunOutput};
pub use stats::{PhaseTimes, RoundInfo, StopReason};
