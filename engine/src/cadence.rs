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

/// The round pattern **setup, then `every` update rounds, then an evaluation**, repeated
/// (or, with [`Cadence::by_units`], an evaluation once `every` units of work are done):
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cadence {
    every: u64,
    since: u64,
    setup_done: bool,
    /// Count units of work reported by [`Cadence::count`] instead of update rounds.
    by_units: bool,
}

impl Cadence {
    /// An evaluation after every `every` update rounds (`every` 0 is taken as 1).
    pub fn new(every: u64) -> Self {
        Self { every: every.max(1), since: 0, setup_done: false, by_units: false }
    }

    /// An evaluation once `every` **units of work** are done since the last one, rather than
    /// a number of rounds: the app reports each update round's units (e.g. the coordinates
    /// of its block) with [`Cadence::count`], and may change the budget with
    /// [`Cadence::set_every`] (e.g. `k` passes over a new working set: `k × |working set|`).
    /// `every` may be 0 (an evaluation after each update round, or right after the setup).
    ///
    /// # Examples
    /// ```
    /// use strads_engine::{Cadence, Phase};
    /// let mut c = Cadence::by_units(5); // e.g. one pass over 5 coordinates
    /// assert_eq!(c.next_phase(), Phase::Setup);
    /// for block in [2, 2, 2] {
    ///     assert_eq!(c.next_phase(), Phase::Update);
    ///     c.count(block);
    /// }
    /// assert_eq!(c.next_phase(), Phase::Evaluate); // 6 ≥ 5 units done
    /// ```
    pub fn by_units(every: u64) -> Self {
        Self { every, since: 0, setup_done: false, by_units: true }
    }

    /// Adds `units` of work done (for [`Cadence::by_units`]; ignored when counting rounds).
    pub fn count(&mut self, units: u64) {
        if self.by_units {
            self.since += units;
        }
    }

    /// Sets the units (or update rounds, at least 1) between evaluations from now on.
    pub fn set_every(&mut self, every: u64) {
        self.every = if self.by_units { every } else { every.max(1) };
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
        if !self.by_units {
            self.since += 1;
        }
        Phase::Update
    }
}
