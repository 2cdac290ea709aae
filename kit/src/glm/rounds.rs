//! The rounds of a GLM fit by Newton coordinate steps: the messages, the scheduler's side and
//! the worker's side, generic in the [`Loss`].

use serde::{Deserialize, Serialize};
use strads_engine::{Cadence, Phase};
use strads_scheduler::{BlockConfig, PearsonOracle, WorkingSetScheduler};

use super::{ColumnStats, Margins};

/// The work of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// Column statistics against [`Loss::setup_target`], and the labels.
    Setup,
    /// Loss gradient and curvature for these features (and the intercept).
    Direction(Vec<u32>),
    /// Loss changes along the pending direction at the trial steps.
    LineSearch,
    /// Loss gradient, loss and dual variables of every row.
    Evaluate,
}

impl Task {
    /// Coordinate updates of the task (the block of a `Direction`), for `App::updates`.
    pub fn updates(&self) -> u64 {
        if let Task::Direction(b) = self {
            b.len() as u64
        } else {
            0
        }
    }
}

/// One worker's answer to a [`Task`], over its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Partial {
    /// [`ColumnStats`] with `vᵢ = setup_target(yᵢ)` (length `p` each), and the labels.
    Setup(ColumnStats, Vec<f64>),
    /// `(g_j, h_j)` per block feature, then the intercept's with an intercept.
    Direction(Vec<(f64, f64)>),
    /// `Σᵢ ℓ(mᵢ + α Δmᵢ) − ℓ(mᵢ)` per trial step.
    LineSearch(Vec<f64>),
    /// The evaluation's sums over the worker's rows.
    Evaluate {
        /// `Xᵀa` (length `p`, `aᵢ = −ℓ'(mᵢ)`: minus the loss gradient).
        grad: Vec<f64>,
        /// `Σᵢ ℓ(yᵢ, mᵢ)`.
        loss: f64,
        /// Each row's dual variable ([`Loss::dual_var`]), in row order.
        u: Vec<f64>,
    },
}

/// What every worker applies after a pull.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Update {
    /// Nothing.
    None,
    /// Every margin becomes this intercept (the setup's, optimal at β = 0).
    Intercept(f64),
    /// The pending direction `(j, d_j)` (`j = p` the intercept).
    Direction(Vec<(u32, f64)>),
    /// Take step α along the pending direction (0: none).
    Step(f64),
}

/// What only the scheduler gets: priorities from an evaluation, or the changes of a step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Feedback {
    /// Nothing.
    None,
    /// Per feature the predicted change `|Δβ_j| ‖x_j‖` (> 0 where the KKT conditions fail or
    /// `β_j ≠ 0`, see [`super::NewtonL1::priorities`]), and the support (increasing).
    Priorities(Vec<f64>, Vec<u32>),
    /// `(j, Δβ_j ‖x_j‖)` of the features a step moved.
    Moved(Vec<(u32, f64)>),
}

/// The scheduler of a Newton-step GLM fit: a setup, then per block a `Direction` and a
/// `LineSearch` round, with an `Evaluate` after `passes` passes of coordinate updates over
/// the working set; each evaluation's priorities pick the next working set
/// ([`WorkingSetScheduler`]), whose block schedule gives the blocks.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewtonScheduler {
    ws: WorkingSetScheduler,
    cadence: Cadence,
    passes: u64,
    line_search_next: bool,
}

impl NewtonScheduler {
    /// For `p` features, the block schedule `cfg` inside working sets, the dependency
    /// `oracle` (`None`: all independent) and `passes` (≥ 1) between evaluations.
    ///
    /// # Errors
    /// As [`BlockConfig::check`].
    pub fn new(
        p: usize,
        cfg: BlockConfig,
        oracle: Option<PearsonOracle>,
        passes: u64,
    ) -> strads_scheduler::Result<Self> {
        let ws = WorkingSetScheduler::new(p, cfg, oracle)?;
        Ok(Self { ws, cadence: Cadence::by_units(0), passes, line_search_next: false })
    }

    /// The scheduler's state for a checkpoint (`App::save_scheduler`); the dependency
    /// oracle is rebuilt from the data.
    ///
    /// # Errors
    /// An encoding error.
    pub fn save(&self) -> Result<Vec<u8>, strads_engine::AppError> {
        strads_engine::checkpoint::save_state(self)
    }

    /// Restores a state saved by [`NewtonScheduler::save`] into a scheduler built for the
    /// same run (`App::restore_scheduler`).
    ///
    /// # Errors
    /// A decoding error.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), strads_engine::AppError> {
        let oracle = self.ws.take_oracle();
        strads_engine::checkpoint::restore_state(self, bytes)?;
        self.ws.set_oracle(oracle);
        Ok(())
    }

    /// The next round's task (for `App::schedule`).
    pub fn next_task(&mut self) -> Task {
        if std::mem::take(&mut self.line_search_next) {
            return Task::LineSearch;
        }
        match self.cadence.next_phase() {
            Phase::Setup => Task::Setup,
            Phase::Evaluate => Task::Evaluate,
            Phase::Update => {
                let block = self.ws.next_block();
                self.cadence.count(block.len().max(1) as u64);
                self.line_search_next = true;
                Task::Direction(block)
            }
        }
    }

    /// Learns from a round (for `App::observe`): a new working set, or the moves of a step.
    pub fn observe(&mut self, feedback: Feedback) {
        match feedback {
            Feedback::Priorities(p, support) => {
                self.ws.set_working_set(&p, &support);
                self.cadence.set_every(self.passes * self.ws.active().len() as u64);
            }
            Feedback::Moved(moved) => moved.into_iter().for_each(|(j, d)| self.ws.set_progress(j, d)),
            Feedback::None => {}
        }
    }

    /// The last task of a run stopped by a round or time limit (for `App::final_task`): an
    /// evaluation, so that the reported numbers are current.
    pub fn final_task(&mut self) -> Task {
        self.line_search_next = false;
        Task::Evaluate
    }
}

/// The loss of a GLM, row by row, as a function of the margin `m` and the label `y`: what a
/// [`GlmWorker`] needs. Implementations must be deterministic.
pub trait Loss: Clone + Send + Sync + 'static {
    /// The label as the loss reads it (e.g. 0/1 → ±1).
    fn label(&self, y: f64) -> f64 {
        y
    }
    /// `(aᵢ, wᵢ) = (−ℓ'(m), ℓ''(m))`: the gradient and curvature weights.
    fn weights(&self, y: f64, m: f64) -> (f64, f64);
    /// `ℓ(y, m)`.
    fn loss(&self, y: f64, m: f64) -> f64;
    /// `ℓ(y, m + α Δm) − ℓ(y, m)` with `a = −ℓ'(m)`, accurate for small steps.
    fn change(&self, y: f64, a: f64, dm: f64, alpha: f64) -> f64;
    /// The row's dual variable sent by an evaluation (from `a = −ℓ'(m)`).
    fn dual_var(&self, y: f64, a: f64) -> f64;
    /// The `vᵢ` of the setup's `Xᵀv` (e.g. the labels as 0/1 for `λ_max`).
    fn setup_target(&self, y: f64) -> f64;
}

/// A worker of a GLM fit: its rows and margins ([`Margins`]), labels and loss weights.
#[derive(Debug)]
pub struct GlmWorker<L> {
    loss: L,
    rows: Margins,
    y: Vec<f64>,
    /// `aᵢ = −ℓ'(mᵢ)` and `wᵢ = ℓ''(mᵢ)`.
    a: Vec<f64>,
    w: Vec<f64>,
}

impl<L: Loss> GlmWorker<L> {
    /// The worker's state for a checkpoint (`App::save_worker`): margins and loss weights
    /// (its rows and labels are rebuilt from the data).
    ///
    /// # Errors
    /// An encoding error.
    pub fn save(&self) -> Result<Vec<u8>, strads_engine::AppError> {
        strads_engine::checkpoint::save_state(&(&self.rows.m, &self.rows.dm, &self.a, &self.w))
    }

    /// Restores a state saved by [`GlmWorker::save`] into a worker built from its rows.
    ///
    /// # Errors
    /// A decoding error.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), strads_engine::AppError> {
        (self.rows.m, self.rows.dm, self.a, self.w) = strads_engine::checkpoint::decode_state(bytes)?;
        Ok(())
    }

    /// A worker for the rows `x` (`n_k × p`, CSC) with labels `y` (read by [`Loss::label`]).
    pub fn new(loss: L, (x, y): (strads_datasets::CscMatrix, Vec<f64>)) -> Self {
        let y: Vec<f64> = y.iter().map(|&v| loss.label(v)).collect();
        let (a, w) = y.iter().map(|&y| loss.weights(y, 0.0)).unzip();
        Self { loss, rows: Margins::new(x), y, a, w }
    }

    /// The push of `task` (`intercept`: with an intercept's gradient and curvature).
    pub fn push(&self, task: &Task, intercept: bool) -> Partial {
        let (y, a, l) = (&self.y, &self.a, &self.loss);
        match task {
            Task::Setup => {
                let v: Vec<f64> = y.iter().map(|&v| l.setup_target(v)).collect();
                Partial::Setup(ColumnStats::of(&self.rows.x, &v), y.clone())
            }
            Task::Direction(block) => Partial::Direction(self.rows.gradient_curvature(block, a, &self.w, intercept)),
            Task::LineSearch => {
                Partial::LineSearch(self.rows.trial_changes(|i, alpha| l.change(y[i], a[i], self.rows.dm[i], alpha)))
            }
            Task::Evaluate => Partial::Evaluate {
                grad: self.rows.xt(a),
                loss: y.iter().zip(&self.rows.m).map(|(&y, &m)| l.loss(y, m)).sum(),
                u: y.iter().zip(a).map(|(&y, &a)| l.dual_var(y, a)).collect(),
            },
        }
    }

    /// The sync of `update`.
    pub fn sync(&mut self, update: &Update) {
        let (y, a, w, l) = (&self.y, &mut self.a, &mut self.w, &self.loss);
        let mut refresh = |i: usize, m: f64| (a[i], w[i]) = l.weights(y[i], m);
        match update {
            Update::None => {}
            Update::Intercept(b0) => self.rows.set_all(*b0, refresh),
            Update::Direction(d) => self.rows.set_direction(d),
            Update::Step(alpha) => self.rows.step(*alpha, &mut refresh),
        }
    }
}
