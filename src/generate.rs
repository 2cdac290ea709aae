//! `strads generate`: write seeded synthetic problems to files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use strads_datasets::{
    labels_sibling, lasso_synth, logreg_synth, LassoProblem, LassoSynthParams, LdaSynth, LdaSynthParams,
    LogRegSynthParams,
};
use strads_kit::{write_atomic, write_atomic_set, Part};

use crate::error::{CliError, Result};

/// Arguments of `strads generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate.
    #[command(subcommand)]
    what: Generator,
}

#[derive(Debug, Subcommand)]
enum Generator {
    /// A sparse Lasso problem y = Xβ + noise whose columns come in correlated groups (the
    /// structure on which parallel coordinate descent needs a correlation-aware schedule).
    Lasso(LassoGenArgs),
    /// A sparse logistic-regression problem: the design of `generate lasso` (same seed, same
    /// X), labels ±1 drawn from P(y = +1) = σ(x_iᵀβ + b0).
    Logreg(LogRegGenArgs),
    /// An LDA corpus (Blei, Ng & Jordan 2003) whose topics share a Zipf base measure, so the
    /// word frequencies follow a power law of the rank; written as UCI bag-of-words with its
    /// vocabulary and the true topics.
    Lda(LdaGenArgs),
    /// Netflix-shaped synthetic ratings (the ratings of `strads mf --synthetic N`) as
    /// `user item rating` lines with 0-based integer ids (LIBMF's text format too).
    Mf(MfGenArgs),
}

/// Arguments of `strads generate mf`.
#[derive(Debug, Args)]
struct MfGenArgs {
    /// Ratings N (480,189 users × 17,770 items, heavy-tailed degrees, 1–5 stars from a hidden
    /// rank-10 model).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    ratings: usize,
    /// Seed (`strads mf --synthetic N --split-seed S` draws the same ratings).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (all ratings, or the training ones with --test-every).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Rating r (0-based, generation order) goes to --test-out iff r % N == N − 1.
    #[arg(long, value_name = "N", requires = "test_out")]
    test_every: Option<usize>,
    /// The test ratings' file.
    #[arg(long, value_name = "FILE", requires = "test_every")]
    test_out: Option<PathBuf>,
    /// Say nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

/// The design and true coefficients shared by `generate lasso` and `generate logreg`.
#[derive(Debug, Args)]
struct DesignArgs {
    /// Rows (samples) n.
    #[arg(long, default_value_t = 500, value_name = "N")]
    rows: usize,
    /// Columns (features) p.
    #[arg(long, default_value_t = 1000, value_name = "P")]
    cols: usize,
    /// Non-zeros per column K (K ≥ rows gives a dense design).
    #[arg(long, default_value_t = 20, value_name = "K")]
    nnz_per_col: usize,
    /// Consecutive columns per group G; the columns of a group share one random support of K
    /// rows.
    #[arg(long, default_value_t = 10, value_name = "G")]
    group_size: usize,
    /// Correlation R of two columns of a group, in [0, 1): x_j = √R z_g + √(1−R) e_j on the
    /// group's support, then scaled to unit norm.
    #[arg(long, default_value_t = 0.9, value_name = "R", allow_negative_numbers = true)]
    group_corr: f64,
    /// Non-zeros S of the true β (random columns, values ±(1 + |N(0,1)|)).
    #[arg(long, default_value_t = 20, value_name = "S")]
    nonzeros: usize,
    /// Seed; the same settings and seed give the same bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file: LIBSVM (`y j:x ...`, 1-based), or MatrixMarket when it ends in `.mtx`
    /// (X there, y in the name with `.X.` → `.Y.`, or else FILE.y.mtx).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Say nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

impl DesignArgs {
    /// The generator's settings with noise level `noise`.
    fn params(&self, noise: f64) -> LassoSynthParams {
        LassoSynthParams {
            rows: self.rows,
            cols: self.cols,
            nnz_per_col: self.nnz_per_col,
            group_size: self.group_size,
            group_corr: self.group_corr,
            nonzeros: self.nonzeros,
            noise,
            seed: self.seed,
        }
    }
}

/// Arguments of `strads generate lasso`. The defaults give a 500 × 1000 problem (20,000
/// non-zeros) that `strads lasso` solves in well under a second.
#[derive(Debug, Args)]
struct LassoGenArgs {
    /// The design, β, seed and output file.
    #[command(flatten)]
    design: DesignArgs,
    /// Noise relative to the signal: y = Xβ + σ ‖Xβ‖/√n · N(0,1) per row.
    #[arg(long, default_value_t = 0.1, value_name = "SIGMA", allow_negative_numbers = true)]
    noise: f64,
}

/// Arguments of `strads generate logreg`: the design of `generate lasso` (same seed, same X),
/// labels ±1 from the logistic model.
#[derive(Debug, Args)]
struct LogRegGenArgs {
    /// The design, β, seed and output file.
    #[command(flatten)]
    design: DesignArgs,
    /// Root mean square s of the margins Xβ over the rows (β is scaled to it): larger s, less
    /// label noise.
    #[arg(long, default_value_t = 2.0, value_name = "S", allow_negative_numbers = true)]
    signal: f64,
    /// Intercept b0 of the margins: P(y = +1) = σ(x_iᵀβ + b0) (0 gives balanced labels).
    #[arg(long, default_value_t = 0.0, value_name = "B0", allow_negative_numbers = true)]
    intercept: f64,
}

/// Arguments of `strads generate lda`. The defaults give 2,000 documents, 200,000 tokens
/// over 5,000 words from 20 topics, which `strads lda` fits in seconds.
#[derive(Debug, Args)]
struct LdaGenArgs {
    /// Documents D.
    #[arg(long, default_value_t = 2000, value_name = "D")]
    docs: usize,
    /// Vocabulary size V (words `word1` … `wordV`; word id i has expected frequency rank i).
    #[arg(long, default_value_t = 5000, value_name = "V")]
    vocab_size: usize,
    /// True topics K.
    #[arg(long, default_value_t = 20, value_name = "K")]
    topics: usize,
    /// Mean document length in tokens (≥ 1): N_d = 1 + Poisson(MEAN − 1).
    #[arg(long, default_value_t = 100.0, value_name = "MEAN", allow_negative_numbers = true)]
    doc_length: f64,
    /// Symmetric document-topic concentration α: θ_d ~ Dirichlet(α).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    alpha: f64,
    /// Topic-word concentration β: φ_kw ∝ zipf_w · Gamma(β), i.e. LDA's symmetric Dirichlet(β) topics
    /// reweighted by the Zipf base measure (exactly Dirichlet(β) when --zipf 0).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    beta: f64,
    /// Zipf exponent s of the words' base measure zipf_w ∝ 1/(w+1)^s (0 = uniform).
    #[arg(long, default_value_t = 1.0, value_name = "S", allow_negative_numbers = true)]
    zipf: f64,
    /// Words listed per topic in the topics file (0 = all V: the full φ).
    #[arg(long, default_value_t = 20, value_name = "N")]
    topic_words: usize,
    /// Seed; the same settings and seed give the same bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output DIR/NAME: writes DIR/docword.NAME.txt (UCI), DIR/vocab.NAME.txt and
    /// DIR/topics.NAME.txt (DIR is created; an existing directory means NAME = synth).
    #[arg(long, value_name = "DIR/NAME")]
    out: PathBuf,
    /// Say nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `strads generate`: in this process, no workers or backend involved.
pub fn run(a: &GenerateArgs) -> Result<()> {
    match &a.what {
        Generator::Lasso(args) => lasso(args),
        Generator::Logreg(args) => logreg(args),
        Generator::Lda(args) => lda(args),
        Generator::Mf(args) => mf(args),
    }
}

/// The directory and the three file names (docword, vocab, topics) of `--out DIR/NAME`, in the
/// UCI naming (`docword.NAME.txt`, which `strads lda` recognizes); an existing directory `DIR`
/// stands for `DIR/synth`.
fn lda_paths(out: &Path) -> Option<(PathBuf, [String; 3])> {
    let (dir, name) = if out.is_dir() {
        (out.to_path_buf(), "synth")
    } else {
        (out.parent().unwrap_or(Path::new("")).to_path_buf(), out.file_name()?.to_str()?)
    };
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    Some((dir, ["docword", "vocab", "topics"].map(|kind| format!("{kind}.{name}.txt"))))
}

fn lda(a: &LdaGenArgs) -> Result<()> {
    let params = LdaSynthParams {
        docs: a.docs,
        vocab_size: a.vocab_size,
        topics: a.topics,
        doc_length: a.doc_length,
        alpha: a.alpha,
        beta: a.beta,
        zipf: a.zipf,
        seed: a.seed,
    };
    params.check()?;
    let Some((dir, [docword, vocab, topics])) = lda_paths(&a.out) else {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "out",
            a.out.display().to_string(),
            "DIR/NAME (a name prefix) or a directory",
        )));
    };
    let t0 = Instant::now();
    let synth = LdaSynth::new(&params)?;
    let topics_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut stats = None;
    // The docword body goes to an unnamed scratch file in the output directory first (its
    // header needs NNZ, known only at the end); the directory exists once write_atomic_set
    // has created it, before the first part is filled.
    let scratch_dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.clone() };
    let parts: Vec<Part<'_>> = vec![
        (&topics, Box::new(|w| synth.write_topics(w, a.topic_words))),
        (&vocab, Box::new(|w| synth.write_vocab(w))),
        (
            &docword,
            Box::new(|w| {
                let mut scratch = tempfile::tempfile_in(&scratch_dir)?;
                stats = Some(synth.write_docword(w, &mut scratch)?);
                Ok(())
            }),
        ),
    ];
    write_atomic_set(&dir, parts)?;
    if !a.quiet {
        let st = stats.unwrap_or_default();
        eprintln!(
            "generate lda: {} documents, {} words, {} topics: {} tokens, {} entries, in {:.2} s (topics) + {:.2} s (documents, written) → {}",
            st.docs,
            st.vocab_size,
            params.topics,
            st.tokens,
            st.nnz,
            topics_s,
            t1.elapsed().as_secs_f64(),
            dir.join(&docword).display(),
        );
    }
    Ok(())
}

/// The y file of a MatrixMarket X file `x`: `.X.` → `.Y.` in the name (what `strads lasso`
/// looks for by default), or else `x` with `.y.mtx` appended.
fn mtx_labels_path(x: &Path) -> PathBuf {
    labels_sibling(x).unwrap_or_else(|| {
        let mut s = x.as_os_str().to_os_string();
        s.push(".y.mtx");
        PathBuf::from(s)
    })
}

fn lasso(a: &LassoGenArgs) -> Result<()> {
    let params = a.design.params(a.noise);
    params.check()?;
    check_out(&a.design.out)?;
    let t0 = Instant::now();
    let prob = lasso_synth(&params)?;
    let gen_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let written = write_problem(&prob, &a.design.out)?;
    if !a.design.quiet {
        eprintln!(
            "generate lasso: {} × {}, {} non-zeros, {} true non-zeros, in {:.2} s (+ {:.2} s writing) → {written}",
            params.rows,
            params.cols,
            prob.x.nnz(),
            params.nonzeros,
            gen_s,
            t1.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

fn logreg(a: &LogRegGenArgs) -> Result<()> {
    let params = LogRegSynthParams { design: a.design.params(0.0), signal: a.signal, intercept: a.intercept };
    params.check()?;
    check_out(&a.design.out)?;
    let t0 = Instant::now();
    let prob = logreg_synth(&params)?;
    let gen_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let written = write_problem(&prob, &a.design.out)?;
    if !a.design.quiet {
        let pos = prob.y.iter().filter(|&&y| y > 0.0).count();
        eprintln!(
            "generate logreg: {} × {}, {} non-zeros, {} true non-zeros, {pos} labels +1 and {} −1, in {:.2} s (+ {:.2} s writing) → {written}",
            params.design.rows,
            params.design.cols,
            prob.x.nnz(),
            params.design.nonzeros,
            prob.y.len() - pos,
            gen_s,
            t1.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

/// `--out` must name a file.
fn check_out(out: &Path) -> Result<()> {
    let name = out.file_name().and_then(|s| s.to_str()).unwrap_or("");
    if name.is_empty() || out.is_dir() {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "out",
            out.display().to_string(),
            "a file name",
        )));
    }
    Ok(())
}

/// Writes `prob` to `out` (LIBSVM, or MatrixMarket X and y when `out` ends in `.mtx`),
/// atomically; returns what was written, for the closing line.
fn write_problem(prob: &LassoProblem, out: &Path) -> Result<String> {
    let name = out.file_name().and_then(|s| s.to_str()).unwrap_or("");
    if name.to_ascii_lowercase().ends_with(".mtx") {
        let ypath = mtx_labels_path(out);
        let dir = out.parent().unwrap_or(Path::new(""));
        let yname = ypath.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let parts: Vec<Part<'_>> =
            vec![(name, Box::new(|w| prob.write_mtx_x(w))), (yname, Box::new(|w| prob.write_mtx_y(w)))];
        write_atomic_set(dir, parts)?;
        let hint = if labels_sibling(out).is_none() { " (the name has no '.X.': pass --labels to strads)" } else { "" };
        Ok(format!("{} and {}{hint}", out.display(), ypath.display()))
    } else {
        write_atomic(out, |w| prob.write_libsvm(w))?;
        Ok(out.display().to_string())
    }
}

fn mf(a: &MfGenArgs) -> Result<()> {
    if a.test_every.is_some_and(|n| n < 2) {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "test-every",
            format!("{:?}", a.test_every),
            "at least 2",
        )));
    }
    if a.ratings == 0 {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new("ratings", "0", "at least 1")));
    }
    let t0 = Instant::now();
    let r = strads_datasets::synthetic_ratings(strads_datasets::SyntheticShape::netflix(a.ratings), a.seed);
    let gen_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let every = a.test_every.unwrap_or(usize::MAX);
    let write = |w: &mut dyn std::io::Write, test: bool| -> std::io::Result<()> {
        for e in (0..r.len()).filter(|&e| (e % every == every - 1) == test) {
            writeln!(w, "{} {} {}", r.users[e], r.items[e], r.values[e])?;
        }
        Ok(())
    };
    write_atomic(&a.out, |w| write(w, false))?;
    if let Some(test) = &a.test_out {
        write_atomic(test, |w| write(w, true))?;
    }
    if !a.quiet {
        eprintln!(
            "generate mf: {} ratings ({} × {}) in {gen_s:.2} s (+ {:.2} s writing) → {}{}",
            r.len(),
            r.user_ids.len(),
            r.item_ids.len(),
            t1.elapsed().as_secs_f64(),
            a.out.display(),
            a.test_out.as_ref().map_or(String::new(), |t| format!(" and {}", t.display()))
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_path_follows_the_strads_convention() {
        assert_eq!(mtx_labels_path(Path::new("d/p.X.mtx")), PathBuf::from("d/p.Y.mtx"));
        assert_eq!(mtx_labels_path(Path::new("d/p.mtx")), PathBuf::from("d/p.mtx.y.mtx"));
    }

    #[test]
    fn lda_paths_follow_the_uci_naming() {
        let (dir, names) = lda_paths(Path::new("d/nyt")).expect("prefix");
        assert_eq!(dir, PathBuf::from("d"));
        assert_eq!(names, ["docword.nyt.txt", "vocab.nyt.txt", "topics.nyt.txt"].map(String::from));
        let tmp = tempfile::tempdir().expect("tempdir");
        let (dir, names) = lda_paths(tmp.path()).expect("directory");
        assert_eq!((dir.as_path(), names[0].as_str()), (tmp.path(), "docword.synth.txt"));
        assert!(lda_paths(Path::new("d/..")).is_none());
    }
}
