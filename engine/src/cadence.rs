//! The evaluation cadence most optimization apps share: a setup round, then update rounds
//! with an evaluation every `k` of them.

/// What one round of the setup / update / evaluate pattern does (see [`Cadence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The first round: statistics of the data the coordinator needs before any update
    /// (column norms, `λ_max`, totals).
    Setup,
    /// An update round: the app's own block of variables.
    Update,
    /// An evaluation round: the objective, a stopping test, new priorities.
    Evaluate,
}

/// The round pattern **setup, then `every` update rounds, then an evaluation**, repeated:
/// `Setup, Update × every, Evaluate, Update × every, Evaluate, …`. An app keeps one in its
/// scheduler state and maps each [`Phase`] to a task in [`crate::App::schedule`]; its
/// [`crate::App::final_task`] returns its evaluation task, so that a run stopped by a round
/// or time limit ends with a current evaluation (the engine runs the final task after the
/// last update is observed).
///
/// # Examples
/// ```
/// use strads_engine::{Cadence, Phase};
/// let mut c = Cadence::new(2);
/// let got: Vec<Phase> = (0..7).map(|_| c.next_phase()).collect();
/// use Phase::*;
/// assert_eq!(got, [Setup, Update, Update, Evaluate, Update, Update, Evaluate]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    every: u64,
    since: u64,
    setup_done: bool,
}

impl Cadence {
    /// An evaluation after every `every` update rounds (`every` 0 is taken as 1).
    pub fn new(every: u64) -> Self {
        Self { every: every.max(1), since: 0, setup_done: false }
    }

    /// Update rounds between evaluations.
    pub fn every(&self) -> u64 {
        self.every
    }

    /// The phase of the next round.
    pub fn next_phase(&mut self) -> Phase {
        if !self.setup_done {
            self.setup_done = true;
            return Phase::Setup;
        }
        if self.since >= self.every {
            self.since = 0;
            return Phase::Evaluate;
        }
        self.since += 1;
        Phase::Update
    }
}
