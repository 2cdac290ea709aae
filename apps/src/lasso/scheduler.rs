//! The Lasso scheduler: the setup / update / evaluate cadence, the dynamic schedule's
//! working sets (priorities and the correlation filter), and the Gram pairs each block asks for.

use std::sync::Arc;

use rustc_hash::FxHashSet;
use strads_datasets::CscMatrix;
use strads_engine::checkpoint::{decode_state, save_state};
use strads_engine::{Cadence, Phase};
use strads_scheduler::{BlockConfig, BlockScheduler, DependencyOracle, Independent, PearsonOracle, Policy, WorkingSet};

use super::messages::{pair_key, LassoFeedback, LassoTask, LassoUpdate, GRAM_CACHE};
use super::params::LassoParams;

/// The scheduler's state.
pub struct LassoScheduler {
    block: BlockScheduler,
    oracle: Option<PearsonOracle>,
    /// Setup, then update rounds with an evaluation after every `eval_every` of them (after
    /// every one for working sets).
    cadence: Cadence,
    /// The pairs whose Gram entry the coordinator holds (mirror of its cache).
    known_pairs: FxHashSet<u64>,
    scratch: Vec<usize>,
    /// Working-set rounds (the dynamic schedule): the exact priorities, support and
    /// screened features of the latest evaluation seen.
    priorities: Vec<f64>,
    support: Vec<u32>,
    screened: Vec<bool>,
}

impl LassoScheduler {
    /// The state a checkpoint keeps (the Pearson oracle is rebuilt from the data: its cache
    /// changes no result).
    pub(super) fn save(&self) -> Result<Vec<u8>, strads_engine::AppError> {
        save_state(&(&self.block, &self.cadence, &self.known_pairs, &self.priorities, &self.support, &self.screened))
    }

    /// Restores what [`LassoScheduler::save`] kept into a scheduler built for the same run.
    pub(super) fn restore(&mut self, bytes: &[u8]) -> Result<(), strads_engine::AppError> {
        type Saved = (BlockScheduler, Cadence, FxHashSet<u64>, Vec<f64>, Vec<u32>, Vec<bool>);
        let saved: Saved = decode_state(bytes)?;
        (self.block, self.cadence, self.known_pairs, self.priorities, self.support, self.screened) = saved;
        Ok(())
    }

    /// A scheduler for `p` features. `columns` (the whole `n × p` matrix, CSC) is needed by
    /// the dynamic schedule's correlation check; the other schedules ignore it.
    ///
    /// # Errors
    /// As [`strads_scheduler::BlockConfig::check`].
    pub fn new(params: &LassoParams, p: usize, columns: Option<Arc<CscMatrix>>) -> strads_scheduler::Result<Self> {
        let block = BlockScheduler::new(p, params.schedule.clone())?;
        let every = if params.schedule.policy == Policy::Dynamic { 1 } else { params.eval_every_for(p) };
        let oracle = match params.schedule.policy {
            Policy::Dynamic => columns.map(PearsonOracle::with_default_cache),
            _ => None,
        };
        Ok(Self {
            block,
            oracle,
            cadence: Cadence::new(every),
            known_pairs: FxHashSet::default(),
            scratch: Vec::new(),
            priorities: vec![0.0; p],
            support: Vec::new(),
            screened: vec![false; p],
        })
    }
}

impl LassoScheduler {
    /// Keeps `|priority|` per feature (the predicted change is signed).
    fn set_priorities(&mut self, priorities: &[f64]) {
        self.priorities.clear();
        self.priorities.extend(priorities.iter().map(|v| if v.is_finite() { v.abs() } else { 0.0 }));
    }

    /// The next working set [Massias, Gramfort & Salmon 2018, Sec. 4, with our priorities]:
    /// the support of the latest evaluation, then features in decreasing priority (the
    /// predicted change `|Δβ_j| ‖x̃_j‖`, non-zero only where the KKT conditions fail), each
    /// kept only if its |correlation| with every feature kept before it is below ρ (the
    /// STRADS filter [STRADS-16, Sec. 3.1], greedy in priority order), up to
    /// `max(block size, 2 |support|)` features. Screened features never enter.
    fn working_set(&mut self, cfg: &BlockConfig) -> Vec<u32> {
        let max_size = usize::from(u16::MAX);
        let pick = WorkingSet { min_size: cfg.block_size, max_size, candidates: cfg.candidates, rho: cfg.rho };
        let oracle: &mut dyn DependencyOracle = match &mut self.oracle {
            Some(o) => o,
            None => &mut Independent,
        };
        pick.select(&self.priorities, &self.support, &self.screened, oracle, &mut self.scratch)
    }

    /// The task of the next round: the setup, a block (the dynamic schedule's working set, or
    /// the `cyclic`/`random` block without screened features) with the Gram pairs the
    /// coordinator lacks, or an evaluation, as the cadence says.
    pub(super) fn next_task(&mut self, cfg: &BlockConfig) -> LassoTask {
        let block: Vec<u32> = match self.cadence.next_phase() {
            Phase::Setup => return LassoTask::Setup,
            Phase::Evaluate => return LassoTask::Evaluate,
            Phase::Update if cfg.policy == Policy::Dynamic => self.working_set(cfg),
            Phase::Update => {
                // Cyclic and random blocks need no dependency check (their coordinate descent
                // at the coordinator is exact for any block).
                self.block.next_block(&mut Independent, &mut self.scratch);
                let screened = &self.screened;
                self.scratch.iter().filter(|&&j| !screened[j]).map(|&j| j as u32).collect()
            }
        };
        // Ask for the Gram entries the coordinator does not hold. It stores every entry it
        // receives while it holds fewer than GRAM_CACHE, exactly as mirrored here.
        let mut pairs = Vec::new();
        for a in 0..block.len() {
            for bb in a + 1..block.len() {
                let key = pair_key(block[a], block[bb]);
                if !self.known_pairs.contains(&key) {
                    if self.known_pairs.len() < GRAM_CACHE {
                        self.known_pairs.insert(key);
                    }
                    pairs.push((a as u16, bb as u16));
                }
            }
        }
        LassoTask::Update { block, pairs }
    }

    /// Learns from an evaluation (or the setup): the working sets' priorities and support,
    /// and the features screened out. A block's changes inform nothing.
    pub(super) fn observe(&mut self, update: &LassoUpdate, feedback: Option<LassoFeedback>) {
        if let Some(fb) = feedback {
            self.set_priorities(&fb.priorities);
            self.support = fb.support;
        }
        if let LassoUpdate::Evaluated { screened } = update {
            for &j in screened {
                self.screened[j as usize] = true;
            }
        }
    }
}
