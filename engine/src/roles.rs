//! The role states of a process, built by the engine from the app's constructors.

use std::ops::Range;

use crate::app::{App, AppError};

/// The app's constructors of its role states. [`crate::run`] calls exactly those this
/// process's [`crate::Placement`] needs, in this order: [`Roles::workers`] (with the
/// process's worker range; an app may free its input data once they are built), then
/// [`Roles::scheduler`] where the scheduler runs, then [`Roles::coordinator`] on the
/// coordinator. A process that holds no worker, no scheduler or no coordinator never
/// builds one, so an app needs no run-time check of its placement.
///
/// [`RoleFns`] implements it with three closures.
pub trait Roles<A: App> {
    /// The states of workers `range` (global worker indices, `⊆ 0..P`), in worker order.
    ///
    /// # Errors
    /// Any [`AppError`]; the engine reports it as [`crate::Error::Build`].
    fn workers(&mut self, range: Range<usize>) -> Result<Vec<A::Worker>, AppError>;

    /// The scheduler's state.
    ///
    /// # Errors
    /// As [`Roles::workers`].
    fn scheduler(&mut self) -> Result<A::Scheduler, AppError>;

    /// The coordinator's state.
    ///
    /// # Errors
    /// As [`Roles::workers`].
    fn coordinator(&mut self) -> Result<A::Coordinator, AppError>;
}

/// [`Roles`] from three closures: `workers(range)`, `scheduler()`, `coordinator()`.
///
/// # Examples
/// Each worker holds numbers, the coordinator sums them; the engine builds the states.
/// ```
/// use strads_engine::{run, App, AppError, Backend, Control, Pulled, RoleFns, RunConfig};
/// struct Sum;
/// impl App for Sum {
///     type Scheduler = ();
///     type Coordinator = f64;
///     type Worker = Vec<f64>;
///     type Task = ();
///     type Partial = f64;
///     type Update = ();
///     type Feedback = ();
///     type Private = ();
///     fn schedule(&self, _: &mut (), _: u64) {}
///     fn push(&self, w: &mut Vec<f64>, _: &()) -> f64 { w.iter().sum() }
///     fn pull(&self, c: &mut f64, _: &(), parts: Vec<f64>) -> Result<Pulled<(), ()>, AppError> {
///         *c = parts.iter().sum();
///         Ok(Pulled::new((), Control::Converged))
///     }
///     fn sync(&self, _: &mut Vec<f64>, _: &()) {}
/// }
/// let shards = vec![vec![1.0], vec![2.0, 3.0]];
/// let roles = RoleFns {
///     workers: |r: std::ops::Range<usize>| Ok::<_, AppError>(shards[r].to_vec()),
///     scheduler: || Ok(()),
///     coordinator: || Ok(0.0),
/// };
/// let backend = Backend::Threads { workers: 2 };
/// let out = run(&Sum, &RunConfig::new(2), &backend, roles, |_, _, _| {}).unwrap();
/// assert_eq!(out.map(|o| o.coordinator), Some(6.0));
/// ```
pub struct RoleFns<W, S, C> {
    /// Builds the states of a range of workers.
    pub workers: W,
    /// Builds the scheduler's state.
    pub scheduler: S,
    /// Builds the coordinator's state.
    pub coordinator: C,
}

impl<A, W, S, C> Roles<A> for RoleFns<W, S, C>
where
    A: App,
    W: FnMut(Range<usize>) -> Result<Vec<A::Worker>, AppError>,
    S: FnMut() -> Result<A::Scheduler, AppError>,
    C: FnMut() -> Result<A::Coordinator, AppError>,
{
    fn workers(&mut self, range: Range<usize>) -> Result<Vec<A::Worker>, AppError> {
        (self.workers)(range)
    }
    fn scheduler(&mut self) -> Result<A::Scheduler, AppError> {
        (self.scheduler)()
    }
    fn coordinator(&mut self) -> Result<A::Coordinator, AppError> {
        (self.coordinator)()
    }
}
