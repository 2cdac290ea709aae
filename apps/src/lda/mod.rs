//! LDA topic models by model-parallel collapsed Gibbs sampling with word-block rotation.
//!
//! See [`Lda`] for the rounds, [`sampler`] for the SparseLDA sampler and [`loglik`] for the
//! log-likelihood; [`fit`] runs a whole fit on a backend (threads or MPI ranks).

mod app;
pub mod loglik;
pub mod mh;
mod model;
mod params;
pub mod sampler;

pub use app::{IterationStat, Lda, LdaCoordinator, LdaPartial, LdaScheduler, LdaTask, LdaUpdate};
pub use model::{write_pairs, write_topics};
pub use params::{LdaParams, Sampler};
pub use sampler::{LdaWorker, SparseCounts, SparseWorker, WordBlock};

use std::borrow::Cow;

use strads_datasets::{weighted_ranges, Corpus};
use strads_engine::{run, AppError, Backend, PhaseTimes, RoleFns, RoundInfo, RunConfig, StopReason};

/// The result of a fit (on the coordinator).
#[derive(Debug, Clone)]
pub struct LdaFit {
    /// `log p(w, z)` at the end.
    pub loglik: f64,
    /// Per token.
    pub loglik_per_token: f64,
    /// After each completed iteration.
    pub history: Vec<IterationStat>,
    /// Iterations completed.
    pub iters: u64,
    /// Doc-topic counts by document (input order), sorted by topic.
    pub doc_topic: Vec<SparseCounts>,
    /// Word-topic counts by word, sorted by topic.
    pub word_topic: Vec<SparseCounts>,
    /// Topic totals `n_k`.
    pub totals: Vec<i64>,
    /// Engine rounds (sub-rounds, setup and collect).
    pub rounds: u64,
    /// Wall seconds of the rounds.
    pub wall_s: f64,
    /// Phase times and bytes.
    pub phases: PhaseTimes,
    /// Why the run stopped.
    pub stop: StopReason,
}

/// The document ranges of `P` workers: contiguous, balanced by token count.
pub fn doc_shards(corpus: &Corpus, workers: usize) -> Vec<std::ops::Range<usize>> {
    weighted_ranges(&corpus.doc_ptr, workers)
}

/// Fits LDA to `corpus` on `backend`; every process of the run calls this with the whole
/// corpus (each keeps the token lists of its own workers' documents). `config.workers` must be
/// the backend's `P`. Returns the fit on the coordinator, `None` on other ranks. A corpus
/// passed by value (`Cow::Owned`) is dropped as soon as the workers have their copies of the
/// tokens, so its 4 bytes a token do not stay for the run.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for bad hyperparameters; [`crate::Error::Engine`] if the
/// run fails.
pub fn fit<'a>(
    backend: &Backend,
    corpus: impl Into<Cow<'a, Corpus>>,
    params: LdaParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LdaTask, &LdaCoordinator),
) -> crate::Result<Option<LdaFit>> {
    config.check()?;
    let corpus = corpus.into();
    let app = Lda::new(params, config.workers, &corpus.word_counts())?;
    let shards = doc_shards(&corpus, config.workers);
    // The engine builds the workers first: the corpus is dropped once they have their
    // copies of the tokens.
    let mut corpus = Some(corpus);
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            let corpus = corpus.take().ok_or("the workers are built once")?;
            let workers = range
                .map(|p| {
                    let docs: Vec<&[u32]> = shards[p].clone().map(|d| corpus.doc(d)).collect();
                    app.worker(&docs, shards[p].start, p)
                })
                .collect();
            Ok::<_, AppError>(workers)
        },
        scheduler: || Ok(app.scheduler()),
        coordinator: || Ok(app.coordinator()),
    };
    let Some(out) = run(&app, config, backend, roles, observer)? else { return Ok(None) };
    let c = &out.coordinator;
    let loglik = app.final_loglik(c).ok_or(crate::Error::NoEvaluation)?;
    Ok(Some(LdaFit {
        loglik,
        loglik_per_token: loglik / app.tokens().max(1) as f64,
        history: c.history().to_vec(),
        iters: c.history().len() as u64,
        doc_topic: c.doc_topic().to_vec(),
        word_topic: app.word_topic(c),
        totals: c.totals().to_vec(),
        rounds: out.rounds,
        wall_s: out.wall_s,
        phases: out.total,
        stop: out.stop,
    }))
}

#[cfg(test)]
mod tests;
