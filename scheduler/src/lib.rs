//! Generic variable schedulers for scheduled model-parallel (SchMP) machine learning.
//!
//! A scheduler picks, each round, a block of variables to update in parallel
//! [STRADS-16, Sec. 3]. Everything here is generic over "`n` variables with weights and a
//! pairwise [`DependencyOracle`]": no app-specific code lives in this crate.
//!
//! * [`SumTree`]: `O(log n)` weight updates and proportional sampling.
//! * [`filter_block`] and [`PearsonOracle`]: keep a block whose pairwise dependency is below ρ.
//! * [`BlockScheduler`]: the dynamic (priority + dependency), random and cyclic schedules.
//! * [`WorkingSet`] and [`WorkingSetScheduler`]: working sets (the support, then the highest
//!   priorities through the dependency filter) and a block schedule inside one.
//! * [`Blocks`] and [`Rotation`]: weight-balanced blocks and the rotation of exclusive block
//!   ownership over workers (model-parallel samplers such as LDA).

mod block;
mod dependency;
mod rotation;
mod sum_tree;
mod working_set;

pub use block::{BlockConfig, BlockScheduler, Policy};
pub use dependency::{filter_block, DependencyOracle, Independent, PearsonOracle};
pub use rotation::{Blocks, Rotation};
pub use sum_tree::SumTree;
pub use working_set::{WorkingSet, WorkingSetScheduler};

/// Errors of the scheduler crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A hyperparameter out of its range.
    #[error(transparent)]
    InvalidParameter(#[from] strads_core::InvalidParameter),
    /// An unknown schedule name.
    #[error("unknown schedule '{0}': expected dynamic, random or cyclic")]
    UnknownPolicy(String),
}

/// Result alias of the scheduler crate.
pub type Result<T> = std::result::Result<T, Error>;
