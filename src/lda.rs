//! `strads lda`: fit an LDA topic model.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use log::info;
use serde::Serialize;
use strads_apps::lda::{fit_input, write_pairs, write_topics, LdaInput, LdaParams, Sampler};
use strads_datasets::{open, read_vocab, CorpusFormat};
use strads_engine::Backend;
use strads_kit::{write_atomic_set, write_csv, write_json, RankLoad, RunArgs, RunFacts, RunReport};

use crate::error::{CliError, Result};

/// Arguments of `strads lda`.
#[derive(Debug, Args)]
#[command(after_help = "Files: --out DIR: doc_topic.txt, word_topic.txt and topics.txt; --trace: one CSV row per \
                      evaluation (--eval-every); --summary: JSON. --seed seeds the per-worker random streams.")]
pub struct LdaArgs {
    /// Corpus: UCI `docword.*.txt[.gz]`, LDA-C (`.ldac`, `.dat`) or STRADS token lists.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Corpus format; by default from the file name (docword.* → uci, .ldac/.dat → ldac).
    #[arg(long, value_parser = ["uci", "ldac", "tokens"])]
    format: Option<String>,
    /// Vocabulary: one word per line (line k = word id k − 1 in UCI, k − 1 0-based otherwise).
    #[arg(long, value_name = "FILE")]
    vocab: Option<PathBuf>,
    /// Topics K.
    #[arg(long, value_name = "K")]
    topics: usize,
    /// Symmetric document-topic prior α (kept fixed).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    alpha: f64,
    /// Symmetric topic-word prior β.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    beta: f64,
    /// Iterations (each samples every token once).
    #[arg(long, default_value_t = 100, value_name = "N")]
    iters: u64,
    /// Iterations between log-likelihood evaluations (progress line and --trace rows); the
    /// last iteration is always evaluated.
    #[arg(long, default_value_t = 10, value_name = "N")]
    eval_every: u64,
    /// Vocabulary blocks U (≥ workers; default: the number of workers, or, for the auto and dense
    /// samplers at K ≤ 1024, the fewest blocks whose largest dense table fits in 32 MiB).
    #[arg(long, value_name = "U")]
    blocks: Option<usize>,
    /// Sub-rounds a worker may run on stale topic totals n_k (0 = fresh totals every
    /// sub-round). Not the engine's --staleness, which bounds how far the scheduler runs ahead.
    #[arg(long, default_value_t = 0, value_name = "S")]
    totals_staleness: u64,
    /// Per-token sampler. Exact collapsed Gibbs: `sparse` (SparseLDA buckets over the
    /// word's and document's non-zero counts), `dense` (all K topics in SIMD lanes on a dense
    /// copy of the held word block), `auto` (when the block's dense table fits in 256 MB:
    /// dense for K ≤ 256; for K ≤ 1024 dense while the block's rows average at least K/4
    /// non-zeros a token, then sparse, and sparse always for words with fewer than K/4 tokens;
    /// else sparse). `mh`: Metropolis–Hastings with doc and word proposals
    /// (WarpLDA), O(1) a token, mixes slower per iteration.
    #[arg(long, default_value = "auto", value_parser = ["auto", "sparse", "dense", "mh"])]
    sampler: String,
    /// MH steps per token in each of its two phases (with `--sampler mh`).
    #[arg(long, default_value_t = 2, value_name = "N")]
    mh_steps: usize,
    /// Check the count invariants after every sub-round (slow; always on in debug builds).
    #[arg(long, hide = true)]
    check_invariants: bool,
    /// Layout, seed (of the per-worker random streams), time limit (the model is then
    /// collected as it is) and output files (the flags every app shares). `--out DIR`: writes
    /// doc_topic.txt, word_topic.txt and topics.txt there; `--trace`: one row per evaluation (`--eval-every`).
    #[command(flatten)]
    pub run: RunArgs,
}

/// One row of `--trace`.
#[derive(Debug, Serialize)]
struct TraceRow {
    iter: u64,
    time_s: f64,
    loglik: f64,
    loglik_per_token: f64,
    tokens_per_s: f64,
    bytes: u64,
}

/// The `--summary` document.
#[derive(Debug, Serialize)]
struct Summary {
    #[serde(flatten)]
    run: RunReport,
    app: &'static str,
    data: String,
    loglik: f64,
    loglik_per_token: f64,
    tokens: usize,
    docs: usize,
    vocab: usize,
    topics: usize,
    alpha: f64,
    beta: f64,
    iters: u64,
    wall_s: f64,
    load_s: f64,
    tokens_per_s: f64,
    blocks: usize,
    totals_staleness: u64,
    sampler: String,
    mh_steps: Option<usize>,
    seed: u64,
    /// What each process read of the corpus and holds, with its peak memory, in rank order.
    rank_loads: Vec<RankLoad>,
}

impl LdaArgs {
    /// The fit's parameters, checked (everything but the corpus).
    fn params(&self) -> Result<LdaParams> {
        let params = LdaParams {
            topics: self.topics,
            alpha: self.alpha,
            beta: self.beta,
            iters: self.iters,
            eval_every: self.eval_every,
            totals_staleness: self.totals_staleness,
            blocks: self.blocks,
            seed: self.run.seed,
            check_invariants: self.check_invariants,
            sampler: match self.sampler.as_str() {
                "mh" => Sampler::Mh { steps: self.mh_steps },
                "sparse" => Sampler::Sparse,
                "dense" => Sampler::Dense,
                _ => Sampler::Auto,
            },
        };
        params.check()?;
        Ok(params)
    }

    /// Every check `run` makes before it reads the corpus, for `workers` workers (what
    /// `strads compare` runs before any run starts).
    ///
    /// # Errors
    /// The first bad setting, as `run` would report it.
    pub fn check(&self, workers: usize) -> Result<()> {
        self.params()?;
        if let Some(u) = self.blocks.filter(|&u| u < workers) {
            // The same message as the fit's own check (which needs the corpus first).
            return Err(strads_kit::InvalidParameter::new("blocks", u, "at least the number of workers").into());
        }
        self.run.run_config(&strads_engine::Placement::single(workers), None)?;
        self.format.as_deref().map(str::parse::<CorpusFormat>).transpose()?;
        Ok(())
    }
}

/// Runs `strads lda` in this process's roles on `backend`; only the coordinator reports and
/// writes the outputs.
pub fn run(a: &LdaArgs, backend: &Backend) -> Result<()> {
    let place = backend.placement();
    let params = a.params()?;
    let config = a.run.run_config(&place, None)?;
    let format = a.format.as_deref().map(str::parse::<CorpusFormat>).transpose()?;

    // Every process reads only its workers' byte shares of the corpus (see
    // `LdaInput::read`); the vocabulary (one word per line) is read whole.
    let t0 = Instant::now();
    let vocab = match &a.vocab {
        Some(v) => Some(read_vocab(open(v)?, v)?),
        None => None,
    };
    let (input, read) =
        LdaInput::read(backend, &a.data, format, vocab.as_ref().zip(a.vocab.as_deref()).map(|(w, p)| (w.len(), p)))?;
    let load_s = t0.elapsed().as_secs_f64();
    let load = RankLoad::new(&place, &read, input.held_tokens(), "tokens");
    load.log(&a.data);
    info!(
        "{}: loaded {}: {} documents, {} words, {} tokens ({} held here) in {load_s:.3} s",
        place.describe(),
        a.data.display(),
        input.docs,
        input.word_counts.len(),
        input.tokens,
        input.held_tokens()
    );
    if input.tokens == 0 {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "data",
            a.data.display().to_string(),
            "a corpus with tokens",
        )));
    }

    let pb = strads_kit::progress::bar(a.run.quiet || !place.coordinator, Some(a.iters));
    let mut trace = Vec::new();
    let tokens = input.tokens as f64;
    // What the outputs need of the corpus; the token ids go to the workers and are dropped.
    let (n_tokens, n_docs, vocab_size) = (input.tokens as usize, input.docs, input.word_counts.len());
    let fit = fit_input(backend, input, params, &config, |info, _, c| {
        pb.set_position(c.iters_done());
        if let Some(h) = c.history().last() {
            if trace.last().map_or(true, |r: &TraceRow| r.iter != h.iter) {
                pb.set_message(format!("loglik/token {:.4}", h.loglik_per_token));
                trace.push(TraceRow {
                    iter: h.iter,
                    time_s: info.elapsed_s,
                    loglik: h.loglik,
                    loglik_per_token: h.loglik_per_token,
                    tokens_per_s: tokens * h.iter as f64 / info.elapsed_s.max(1e-12),
                    bytes: info.total.bytes,
                });
            }
        }
    })?;
    pb.finish_and_clear();
    // Every process's load and peak memory, for the summary (a collective).
    let rank_loads = load.gather(backend)?;
    let Some(fit) = fit else { return Ok(()) };
    let tokens_per_s = tokens * fit.iters as f64 / fit.wall_s.max(1e-12);
    info!(
        "{:?} after {} iterations in {:.3} s: loglik/token {:.6}",
        fit.stop, fit.iters, fit.wall_s, fit.loglik_per_token
    );

    if let Some(path) = &a.run.trace {
        write_csv(path, &trace)?;
    }
    if let Some(dir) = &a.run.out {
        let vocab = vocab.as_deref();
        write_atomic_set(
            dir,
            vec![
                ("doc_topic.txt", Box::new(|w: &mut dyn std::io::Write| write_pairs(w, &fit.doc_topic))),
                ("word_topic.txt", Box::new(|w: &mut dyn std::io::Write| write_pairs(w, &fit.word_topic))),
                (
                    "topics.txt",
                    Box::new(|w: &mut dyn std::io::Write| write_topics(w, &fit.word_topic, a.topics, 20, vocab)),
                ),
            ],
        )?;
    }
    let summary = Summary {
        run: RunReport::new(
            backend,
            RunFacts {
                rounds: fit.rounds,
                stop: fit.stop,
                phases: fit.phases,
                wall_s: fit.wall_s,
                updates: None,
                staleness: config.staleness,
            },
        ),
        app: "lda",
        data: a.data.display().to_string(),
        loglik: fit.loglik,
        loglik_per_token: fit.loglik_per_token,
        tokens: n_tokens,
        docs: n_docs,
        vocab: vocab_size,
        topics: a.topics,
        alpha: a.alpha,
        beta: a.beta,
        iters: fit.iters,
        wall_s: fit.wall_s,
        load_s,
        tokens_per_s,
        blocks: fit.blocks,
        totals_staleness: a.totals_staleness,
        sampler: a.sampler.clone(),
        mh_steps: (a.sampler == "mh").then_some(a.mh_steps),
        seed: a.run.seed,
        rank_loads,
    };
    if let Some(path) = &a.run.summary {
        write_json(path, &summary)?;
    }
    if !a.run.quiet {
        eprintln!(
            "lda: {} iterations in {:.3} s ({:.3e} tokens/s): log-likelihood {:.6e}, per token {:.4}",
            fit.iters, fit.wall_s, tokens_per_s, fit.loglik, fit.loglik_per_token
        );
    }
    Ok(())
}
