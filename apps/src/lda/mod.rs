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

pub use app::{
    default_blocks, IterationStat, Lda, LdaCoordinator, LdaPartial, LdaScheduler, LdaTask, LdaUpdate,
    BLOCK_TABLE_BYTES, BLOCK_WORDS,
};
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
    /// Vocabulary blocks `U` (given, or [`default_blocks`]).
    pub blocks: usize,
}

/// The document ranges of `P` workers: contiguous, balanced by token count (the split of a
/// corpus held in memory; a corpus read from a file is split by bytes, see [`LdaInput::read`]).
pub fn doc_shards(corpus: &Corpus, workers: usize) -> Vec<std::ops::Range<usize>> {
    weighted_ranges(&corpus.doc_ptr, workers)
}

/// What one process of a run holds of a corpus: the documents of its workers, and the facts
/// of the whole corpus the app needs.
#[derive(Debug, Clone)]
pub struct LdaInput {
    /// The process's workers (global indices `⊆ 0..P`).
    pub workers: std::ops::Range<usize>,
    /// One corpus per worker of `workers`, in order: its documents (global word ids).
    pub parts: Vec<Corpus>,
    /// Each worker's first document (0-based, of the whole corpus).
    pub first_doc: Vec<usize>,
    /// Token count of every word over the whole corpus, length `W`.
    pub word_counts: Vec<u64>,
    /// Documents `D` of the whole corpus.
    pub docs: usize,
    /// Tokens of the whole corpus.
    pub tokens: u64,
}

/// What every process tells the others after reading its shares.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ShareFacts {
    /// The workers the process runs.
    workers: std::ops::Range<usize>,
    /// Tokens of every document it read, in order (its workers' documents, empty ones too).
    doc_lens: Vec<u32>,
    /// UCI: the first document it read (0-based); `None` for formats without document ids.
    first_doc: Option<usize>,
    /// Token count of every word in the documents it read (length: the largest id + 1).
    word_counts: Vec<u64>,
    /// UCI entries read.
    entries: u64,
}

/// Consecutive documents one process sends another (they follow on from the ones it sent
/// before): `lens[k]` tokens of the `k`-th, laid end to end in `words`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct DocRun {
    lens: Vec<u32>,
    words: Vec<u32>,
}

impl LdaInput {
    /// The whole of an in-memory `corpus` split over `P` workers by token count
    /// ([`doc_shards`]), the parts of the workers `workers` kept.
    pub fn from_corpus(corpus: &Corpus, workers: usize, range: std::ops::Range<usize>) -> Self {
        let shards = doc_shards(corpus, workers);
        let parts = range
            .clone()
            .map(|p| {
                let r = shards[p].clone();
                let base = corpus.doc_ptr[r.start];
                Corpus {
                    doc_ptr: corpus.doc_ptr[r.start..=r.end].iter().map(|&o| o - base).collect(),
                    words: corpus.words[base..corpus.doc_ptr[r.end]].to_vec(),
                    vocab_size: corpus.vocab_size,
                    vocab: None,
                }
            })
            .collect();
        Self {
            first_doc: range.clone().map(|p| shards[p].start).collect(),
            workers: range,
            parts,
            word_counts: corpus.word_counts(),
            docs: corpus.docs(),
            tokens: corpus.tokens() as u64,
        }
    }

    /// Reads this process's part of the corpus file `path` (UCI, LDA-C or token lists; gzip
    /// or not) without any process holding the whole corpus:
    /// 1. each process reads only its workers' byte shares
    ///    ([`strads_datasets::read_corpus_shards`]: the documents whose first line starts in
    ///    the `p`-th `1/P` of the data bytes, for each of its workers `p`);
    /// 2. the processes exchange their documents' token counts and word counts
    ///    ([`Backend::all_gather`]: `D` numbers and `W` counts each);
    /// 3. the documents move to the workers that own them in the split by token count of the
    ///    whole corpus ([`doc_shards`], the split [`LdaInput::from_corpus`] makes), each
    ///    process sending runs of consecutive documents straight to their owners
    ///    ([`Backend::exchange`]).
    ///
    /// So every layout (threads, ranks, threads per rank) gets the same documents per worker,
    /// those an in-memory corpus gets. Every process of the run calls this (the exchanges are
    /// collectives). With a vocabulary of `vocab_words` words, `W` is that (it must be the
    /// header's `W` for UCI, at least the largest id + 1 otherwise). Returns what this
    /// process read of the file.
    ///
    /// # Errors
    /// The reader's errors (naming the file and line), a UCI file whose entries disagree with
    /// its header's `NNZ`, a vocabulary that does not fit, or a failed exchange.
    pub fn read(
        backend: &Backend,
        path: &std::path::Path,
        format: Option<strads_datasets::CorpusFormat>,
        vocab_words: Option<(usize, &std::path::Path)>,
    ) -> crate::Result<(Self, strads_datasets::ShareRead)> {
        let place = backend.placement();
        let data = |e: strads_datasets::Error| crate::Error::Kit(strads_kit::Error::Data(e));
        let mut shards = strads_datasets::read_corpus_shards(path, format, place.worker_range.clone(), place.workers)
            .map_err(data)?;
        let mut word_counts = vec![0u64; shards.parts.iter().map(|c| c.vocab_size).max().unwrap_or(0)];
        for c in &shards.parts {
            for &w in &c.words {
                word_counts[w as usize] += 1;
            }
        }
        let doc_lens = shards.parts.iter().flat_map(|c| c.doc_ptr.windows(2).map(|w| (w[1] - w[0]) as u32)).collect();
        let mine = ShareFacts {
            workers: place.worker_range.clone(),
            doc_lens,
            first_doc: shards.first_doc.as_ref().and_then(|f| f.first().copied()),
            word_counts,
            entries: shards.entries,
        };
        let all = backend.all_gather(&mine)?;
        drop(mine);
        let mut vocab = all.iter().map(|f| f.word_counts.len()).max().unwrap_or(0);
        if let Some([_, w, nnz]) = shards.header {
            vocab = w as usize;
            strads_datasets::check_nnz(path, nnz, all.iter().map(|f| f.entries).sum()).map_err(data)?;
        }
        if let Some((n, vpath)) = vocab_words {
            vocab = strads_datasets::vocab_fits(path, shards.format, vocab, vpath, n).map_err(data)?;
        }
        let mut word_counts = vec![0u64; vocab];
        for f in &all {
            for (c, &n) in word_counts.iter_mut().zip(&f.word_counts) {
                *c += n;
            }
        }
        // The processes' documents, in rank (= file) order, are the corpus's documents.
        let mut doc_ptr = vec![0usize];
        for f in &all {
            debug_assert!(f.first_doc.map_or(true, |d| d == doc_ptr.len() - 1 || f.doc_lens.is_empty()));
            for &n in &f.doc_lens {
                doc_ptr.push(doc_ptr[doc_ptr.len() - 1] + n as usize);
            }
        }
        let docs = doc_ptr.len() - 1;
        if docs == 0 {
            return Err(data(strads_datasets::Error::Empty { path: path.to_path_buf() }));
        }
        let my_first: usize = all[..place.rank].iter().map(|f| f.doc_lens.len()).sum();
        // The split by token count, and the documents each process's workers own in it.
        let owned = weighted_ranges(&doc_ptr, place.workers);
        let docs_of = |w: &std::ops::Range<usize>| {
            if w.is_empty() {
                0..0
            } else {
                owned[w.start].start..owned[w.end - 1].end
            }
        };
        // This process's workers' parts, filled document by document in order (each with the
        // exact room for its tokens).
        let mine_docs = docs_of(&place.worker_range);
        let mut parts: Vec<Corpus> = place
            .worker_range
            .clone()
            .map(|p| {
                let mut c = Corpus { doc_ptr: vec![0], words: Vec::new(), vocab_size: vocab, vocab: None };
                c.doc_ptr.reserve_exact(owned[p].len());
                c.words.reserve_exact(doc_ptr[owned[p].end] - doc_ptr[owned[p].start]);
                c
            })
            .collect();
        let mut fill = {
            let (mut k, mut next) = (0usize, mine_docs.start);
            let worker_range = place.worker_range.clone();
            let parts = &mut parts;
            let owned = &owned;
            move |doc: usize, words: &[u32]| {
                debug_assert_eq!(doc, next);
                next += 1;
                while k + 1 < worker_range.len() && doc >= owned[worker_range.start + k].end {
                    k += 1;
                }
                let c = &mut parts[k];
                c.words.extend_from_slice(words);
                c.doc_ptr.push(c.words.len());
            }
        };
        if backend.processes() == 1 {
            // One process reads every share and owns every document.
            // (Each part of the reader's is freed once copied.)
            let mut doc = 0;
            for c in std::mem::take(&mut shards.parts) {
                for d in 0..c.docs() {
                    fill(doc, c.doc(d));
                    doc += 1;
                }
            }
        } else {
            // Runs of consecutive documents to every other process (empty ones too); this
            // process's own documents stay where they are.
            let ranges: Vec<std::ops::Range<usize>> = all.iter().map(|f| docs_of(&f.workers)).collect();
            let mut out = vec![DocRun::default(); ranges.len()];
            let mut doc = my_first;
            let mut q = 0;
            for c in &shards.parts {
                for d in 0..c.docs() {
                    while q < ranges.len() && doc >= ranges[q].end {
                        q += 1;
                    }
                    if q < ranges.len() && q != place.rank && ranges[q].contains(&doc) {
                        let run = &mut out[q];
                        run.lens.push(c.doc(d).len() as u32);
                        run.words.extend_from_slice(c.doc(d));
                    }
                    doc += 1;
                }
            }
            let got = backend.exchange(out)?;
            // In rank order, which is document order: the runs of the processes before this
            // one, its own documents, the runs of the processes after it.
            let mut doc = mine_docs.start;
            for (q, run) in got.into_iter().enumerate() {
                if q == place.rank {
                    let mut at = my_first;
                    for c in &shards.parts {
                        for d in 0..c.docs() {
                            if mine_docs.contains(&at) {
                                fill(doc, c.doc(d));
                                doc += 1;
                            }
                            at += 1;
                        }
                    }
                    continue;
                }
                let mut at = 0;
                for n in run.lens {
                    fill(doc, &run.words[at..at + n as usize]);
                    at += n as usize;
                    doc += 1;
                }
            }
        }
        let held: usize = parts.iter().map(Corpus::docs).sum();
        if held != mine_docs.len() {
            return Err(crate::Error::Shape(format!(
                "{}: {} received {held} documents for its workers, expected {}",
                path.display(),
                place.describe(),
                mine_docs.len()
            )));
        }
        let tokens = doc_ptr[docs] as u64;
        let input = Self {
            first_doc: place.worker_range.clone().map(|p| owned[p].start).collect(),
            workers: place.worker_range,
            parts,
            word_counts,
            docs,
            tokens,
        };
        Ok((input, shards.read))
    }

    /// Tokens of this process's workers.
    pub fn held_tokens(&self) -> u64 {
        self.parts.iter().map(|c| c.tokens() as u64).sum()
    }
}

/// Fits LDA to `corpus` on `backend`; every process of the run calls this with the whole
/// corpus (each keeps the token lists of its own workers' documents, split by token count).
/// `config.workers` must be the backend's `P`. Returns the fit on the coordinator, `None` on
/// other ranks.
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
    let corpus = corpus.into();
    let input = LdaInput::from_corpus(&corpus, config.workers, backend.placement().worker_range);
    drop(corpus);
    fit_input(backend, input, params, config, observer)
}

/// Fits LDA to what this process holds of a corpus ([`LdaInput`]: read by
/// [`LdaInput::read`], or [`LdaInput::from_corpus`]) on `backend`; every process of the run
/// calls this with its own part. `config.workers` must be the backend's `P`. The token lists
/// are dropped as soon as the workers have their copies. Returns the fit on the coordinator,
/// `None` on other ranks.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for bad hyperparameters; [`crate::Error::Engine`] if the
/// run fails.
pub fn fit_input(
    backend: &Backend,
    input: LdaInput,
    params: LdaParams,
    config: &RunConfig,
    observer: impl FnMut(&RoundInfo, &LdaTask, &LdaCoordinator),
) -> crate::Result<Option<LdaFit>> {
    config.check()?;
    let app = Lda::new(params, config.workers, &input.word_counts)?;
    let LdaInput { workers: held, parts, first_doc, .. } = input;
    // The engine builds the workers first: the token lists go once they have their copies.
    let mut parts = Some((parts, first_doc));
    let roles = RoleFns {
        workers: |range: std::ops::Range<usize>| {
            let (parts, first_doc) = parts.take().ok_or("the workers are built once")?;
            if range != held {
                return Err(AppError::from(format!("the input holds workers {held:?}, the run places {range:?} here")));
            }
            let workers = parts
                .iter()
                .zip(&first_doc)
                .zip(range)
                .map(|((c, &first), p)| {
                    let docs: Vec<&[u32]> = (0..c.docs()).map(|d| c.doc(d)).collect();
                    app.worker(&docs, first, p)
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
        iters: c.iters_done(),
        doc_topic: c.doc_topic().to_vec(),
        word_topic: app.word_topic(c),
        totals: c.totals().to_vec(),
        rounds: out.rounds,
        wall_s: out.wall_s,
        phases: out.total,
        stop: out.stop,
        blocks: app.blocks().len(),
    }))
}

#[cfg(test)]
mod tests;
