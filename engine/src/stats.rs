//! Per-round measurements: wall time per phase and bytes exchanged.

use serde::Serialize;

/// Seconds spent in each phase, and bytes moved, summed over rounds.
///
/// `push_s` and `sync_s` are the slowest worker's compute time of that phase (what the
/// round waits for); `comm_s` is the rest of the round's wall time at the coordinator that no
/// phase accounts for: transport latency, serialization and waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PhaseTimes {
    /// Scheduler: picking the block.
    pub schedule_s: f64,
    /// Workers: computing partial results (max over workers, per round).
    pub push_s: f64,
    /// Coordinator: aggregating and committing.
    pub pull_s: f64,
    /// Workers: applying the update (max over workers, per round).
    pub sync_s: f64,
    /// Transport and waiting.
    pub comm_s: f64,
    /// Encoded bytes sent by all roles: tasks and updates once per receiving worker (threads)
    /// or worker rank (MPI), partials once per sending worker, and under MPI with a
    /// dedicated scheduler rank the messages between coordinator and scheduler. The app's
    /// messages only, not MPI's framing (see [`crate::transport::wire_bytes`]): with one
    /// worker per rank and no scheduler rank, the same count on both backends.
    pub bytes: u64,
}

impl std::ops::AddAssign for PhaseTimes {
    fn add_assign(&mut self, o: Self) {
        self.schedule_s += o.schedule_s;
        self.push_s += o.push_s;
        self.pull_s += o.pull_s;
        self.sync_s += o.sync_s;
        self.comm_s += o.comm_s;
        self.bytes += o.bytes;
    }
}

/// What the engine knows after a round, handed to the run's observer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RoundInfo {
    /// The round just finished (0-based).
    pub round: u64,
    /// Seconds since the run started.
    pub elapsed_s: f64,
    /// Phase times and bytes of this round.
    pub this_round: PhaseTimes,
    /// Phase times and bytes of all rounds so far.
    pub total: PhaseTimes,
    /// Variable updates so far ([`crate::App::updates`] summed).
    pub updates: u64,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The app's convergence test held ([`crate::Control::Converged`]).
    Converged,
    /// The app's own work budget (e.g. its iteration count) was spent
    /// ([`crate::Control::BudgetSpent`]).
    BudgetSpent,
    /// `max_rounds` were run.
    MaxRounds,
    /// The time limit passed.
    TimeLimit,
}
