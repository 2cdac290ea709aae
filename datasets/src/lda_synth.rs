//! A seeded generator of LDA corpora whose word frequencies follow a power law (Zipf).
//!
//! The generative model is latent Dirichlet allocation (D. M. Blei, A. Y. Ng, M. I. Jordan,
//! *Latent Dirichlet Allocation*, JMLR 3, 2003), with the topics drawn around a Zipf base
//! measure (G. K. Zipf, *Human Behavior and the Principle of Least Effort*, 1949) so that the
//! corpus-wide word frequencies fall off as a power of the rank, as in real text:
//!
//! * base measure `b_w = (w + 1)^(−s) / H`, `w = 0..V` (0-based word id), `H = Σ_w (w + 1)^(−s)`;
//! * topics `φ_kw = b_w g_kw / Σ_v b_v g_kv` with `g_kw ~ Gamma(β, 1)` independent, `k = 0..K`:
//!   LDA's symmetric `Dirichlet(β)` topics reweighted by the base measure (a *scaled
//!   Dirichlet*; `s = 0` gives exactly `φ_k ~ Dirichlet(β)`). The topic-specific factor `g_kw`
//!   has the same law for every word, so each topic picks its own few words at every frequency
//!   level (a small `β` gives sparse, well separated topics; at `β = 0.01` so sparse that the
//!   corpus-wide tail falls off faster than `−s`, hence the default 0.1), while the corpus-wide frequency
//!   of word `w` is `b_w` times an average of `K` such factors: word id `w + 1` (1-based) has
//!   expected rank about `w + 1` and the log-log rank/frequency slope is about `−s` (the first
//!   few ranks are shuffled by the draws of `g`). (The plainer `φ_k ~ Dirichlet(β V b)`, mean
//!   `b` too, gives the tail words shapes far below 1 in every topic, and its rank/frequency
//!   curve falls off faster than the power law beyond rank about `KβV / H`.)
//! * document lengths `N_d = 1 + Poisson(mean − 1)` (at least one token, mean `mean`);
//! * topic proportions `θ_d ~ Dirichlet(α)` (symmetric over the `K` topics), topics
//!   `z_dn ~ θ_d`, words `w_dn ~ φ_{z_dn}`. `θ_d` is integrated out: the topics of a document
//!   are drawn by the Pólya urn of the Dirichlet-multinomial, `P(z_n = k | z_<n) =
//!   (α + n_dk) / (Kα + n − 1)`, which gives the same distribution of `z_d` in O(1) per token
//!   whatever `K`.
//!
//! Words are drawn from `φ_k` in O(1) by Walker's alias method (A. J. Walker, ACM TOMS 3,
//! 1977; Vose's construction, IEEE TSE 17, 1991), one table per topic. Memory is
//! `16 K V` bytes (φ and the tables) plus one document: documents are generated and written one
//! at a time, each from its own random stream.

use std::io::{Read, Seek, SeekFrom, Write};

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// The settings of [`LdaSynth`]. The defaults give 2,000 documents of 100 tokens on average
/// (200,000 tokens) over 5,000 words from 20 topics, which `strads lda` fits in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LdaSynthParams {
    /// Documents `D`, in `1..=u32::MAX`. Default 2,000.
    pub docs: usize,
    /// Vocabulary size `V` (words), in `1..=u32::MAX`. Default 5,000.
    pub vocab_size: usize,
    /// True topics `K`, at least 1. Default 20.
    pub topics: usize,
    /// Mean document length in tokens, at least 1 (`N_d = 1 + Poisson(mean − 1)`). Default 100.
    pub doc_length: f64,
    /// Symmetric document-topic concentration `α > 0` (per topic). Default 0.1.
    pub alpha: f64,
    /// Topic-word concentration `β > 0`: `φ_kw ∝ b_w Gamma(β)`, LDA's symmetric
    /// `Dirichlet(β)` when `zipf = 0`. Default 0.1.
    pub beta: f64,
    /// Zipf exponent `s ≥ 0` of the base measure `b_w ∝ (w + 1)^(−s)` (0: uniform). Default 1.0.
    pub zipf: f64,
    /// Seed of the random streams. Default 0.
    pub seed: u64,
}

impl Default for LdaSynthParams {
    fn default() -> Self {
        Self { docs: 2000, vocab_size: 5000, topics: 20, doc_length: 100.0, alpha: 0.1, beta: 0.1, zipf: 1.0, seed: 0 }
    }
}

/// Most entries `K × V` of the topic-word matrix (16 bytes each in memory: 8 GB).
pub const MAX_TOPIC_WORD_ENTRIES: usize = 500_000_000;

impl LdaSynthParams {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad setting: `docs` or `vocab-size` 0 or
    /// above `u32::MAX`, `topics` 0 or above `u32::MAX`, `topics × vocab-size` above
    /// [`MAX_TOPIC_WORD_ENTRIES`], `doc-length` below 1, above 10⁹ or not finite, `alpha`,
    /// `beta` not finite and positive, `zipf` negative, above 10 or not finite.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expect: &'static str| {
            Err(Error::InvalidParameter(strads_core::InvalidParameter { name, value, expect }))
        };
        let max = u32::MAX as usize;
        if self.docs == 0 || self.docs > max {
            return bad("docs", self.docs.to_string(), "in 1..=4294967295");
        }
        if self.vocab_size == 0 || self.vocab_size > max {
            return bad("vocab-size", self.vocab_size.to_string(), "in 1..=4294967295");
        }
        if self.topics == 0 || self.topics > max {
            return bad("topics", self.topics.to_string(), "in 1..=4294967295");
        }
        if self.topics.checked_mul(self.vocab_size).map_or(true, |e| e > MAX_TOPIC_WORD_ENTRIES) {
            return bad("topics", self.topics.to_string(), "such that topics × vocab-size <= 500000000");
        }
        if !(self.doc_length >= 1.0 && self.doc_length <= 1e9) {
            return bad("doc-length", self.doc_length.to_string(), "a number in [1, 1e9]");
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return bad("alpha", self.alpha.to_string(), "a finite number > 0");
        }
        if !(self.beta > 0.0 && self.beta.is_finite()) {
            return bad("beta", self.beta.to_string(), "a finite number > 0");
        }
        if !(0.0..=10.0).contains(&self.zipf) {
            return bad("zipf", self.zipf.to_string(), "in [0, 10]");
        }
        Ok(())
    }
}

/// Sizes of a written corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CorpusStats {
    /// Documents `D`.
    pub docs: usize,
    /// Vocabulary size `W` (the UCI header's; some words may not occur).
    pub vocab_size: usize,
    /// Distinct `(document, word)` pairs: the UCI `NNZ`, the number of entry lines.
    pub nnz: u64,
    /// Tokens: the sum of the counts.
    pub tokens: u64,
}

/// The Zipf base measure `b_w = (w + 1)^(−s) / Σ_v (v + 1)^(−s)` over `v` words (0-based `w`),
/// summing to 1.
pub fn zipf_weights(v: usize, s: f64) -> Vec<f64> {
    let mut b: Vec<f64> = (0..v).map(|w| ((w + 1) as f64).powf(-s)).collect();
    let h: f64 = b.iter().sum();
    b.iter_mut().for_each(|x| *x /= h);
    b
}

/// A uniform in the open interval (0, 1).
fn open01(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal by the Box–Muller transform (one of the pair is used).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let r = (-2.0 * open01(rng).ln()).sqrt();
    r * (std::f64::consts::TAU * open01(rng)).cos()
}

/// `ln G`, `G ~ Gamma(a, 1)`, `a > 0`: Marsaglia & Tsang (ACM TOMS 26, 2000) for `a ≥ 1`;
/// for `a < 1`, `G = G' U^(1/a)` with `G' ~ Gamma(a + 1)` (kept in logs, so shapes far below 1
/// give very negative but finite values instead of underflowing to 0).
fn ln_gamma_draw(rng: &mut ChaCha8Rng, a: f64) -> f64 {
    if a < 1.0 {
        return ln_gamma_draw(rng, a + 1.0) + open01(rng).ln() / a;
    }
    let d = a - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        if open01(rng).ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d.ln() + v.ln();
        }
    }
}

/// A draw of `Poisson(lambda)`, `lambda ≥ 0`, by Knuth's product of uniforms on pieces of at
/// most 100 (so `e^(−piece)` never underflows): O(`lambda`) uniforms.
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    let mut left = lambda;
    let mut n = 0;
    while left > 0.0 {
        let piece = left.min(100.0);
        left -= piece;
        let limit = (-piece).exp();
        let mut p = open01(rng);
        while p > limit {
            n += 1;
            p *= open01(rng);
        }
    }
    n
}

/// Builds Vose's alias table of `p` (non-negative, summing to 1) into `table`: entry `i` is
/// `(threshold, alias)`; a draw picks `i` uniformly and keeps it if a uniform `u32` is below
/// the threshold, else takes the alias.
fn build_alias(p: &[f64], table: &mut [(u32, u32)]) {
    let n = p.len();
    let scale = 4_294_967_296.0; // 2^32
    let mut q: Vec<f64> = p.iter().map(|x| x * n as f64).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| q[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        table[s] = (((q[s] * scale) as u64).min(u64::from(u32::MAX)) as u32, l as u32);
        q[l] -= 1.0 - q[s];
        if q[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left is 1 up to rounding: always kept.
    for i in small.into_iter().chain(large) {
        table[i] = (u32::MAX, i as u32);
    }
}

/// Bytes gathered before each write to the output.
const CHUNK: usize = 1 << 16;

/// A generated LDA model (the true topics) from which documents are drawn one at a time; see
/// the [module documentation](self) for the distributions.
///
/// # Examples
/// ```
/// use strads_datasets::{LdaSynth, LdaSynthParams};
/// let params = LdaSynthParams { docs: 10, vocab_size: 50, topics: 3, ..LdaSynthParams::default() };
/// let synth = LdaSynth::new(&params)?;
/// let mut doc = Vec::new();
/// synth.document(0, &mut doc);
/// assert!(doc.iter().all(|&(w, c)| (w as usize) < 50 && c > 0));
/// let mut body = Vec::new();
/// let stats = synth.write_docword(&mut body, &mut std::io::Cursor::new(Vec::new()))?;
/// assert_eq!(stats.docs, 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LdaSynth {
    params: LdaSynthParams,
    /// `φ`, `K × V` row-major: row `k` is topic `k`'s word distribution.
    phi: Vec<f64>,
    /// The alias tables, `K × V` row-major like `phi`.
    alias: Vec<(u32, u32)>,
}

impl LdaSynth {
    /// Draws the `K` topics `φ_kw ∝ b_w Gamma(β)` (random stream 0 of `seed`).
    ///
    /// # Errors
    /// As [`LdaSynthParams::check`]; nothing is drawn for bad settings.
    pub fn new(params: &LdaSynthParams) -> Result<Self> {
        params.check()?;
        let (k, v) = (params.topics, params.vocab_size);
        let ln_base: Vec<f64> = zipf_weights(v, params.zipf).into_iter().map(f64::ln).collect();
        let mut rng = stream(params.seed, 0);
        let mut phi = vec![0.0; k * v];
        let mut alias = vec![(0u32, 0u32); k * v];
        for (row, table) in phi.chunks_exact_mut(v).zip(alias.chunks_exact_mut(v)) {
            for (x, &lb) in row.iter_mut().zip(&ln_base) {
                *x = lb + ln_gamma_draw(&mut rng, params.beta);
            }
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            row.iter_mut().for_each(|x| *x = (*x - max).exp());
            let sum: f64 = row.iter().sum();
            row.iter_mut().for_each(|x| *x /= sum);
            build_alias(row, table);
        }
        Ok(Self { params: *params, phi, alias })
    }

    /// The settings.
    pub fn params(&self) -> &LdaSynthParams {
        &self.params
    }

    /// Topic `k`'s word distribution `φ_k` (length `V`, sums to 1).
    ///
    /// # Panics
    /// If `k ≥ K`.
    pub fn topic(&self, k: usize) -> &[f64] {
        let v = self.params.vocab_size;
        &self.phi[k * v..(k + 1) * v]
    }

    /// Document `d` (0-based) as its distinct words with their counts, `(word, count)` by
    /// increasing 0-based word id, into `out` (cleared first). Document `d` has its own random
    /// stream (`1 + d` of `seed`), so it is the same whatever else is generated.
    ///
    /// # Panics
    /// If `d ≥ D`.
    pub fn document(&self, d: usize, out: &mut Vec<(u32, u32)>) {
        let mut z = Vec::new();
        let mut words = Vec::new();
        self.document_with(d, out, &mut z, &mut words);
    }

    fn document_with(&self, d: usize, out: &mut Vec<(u32, u32)>, z: &mut Vec<u32>, words: &mut Vec<u32>) {
        assert!(d < self.params.docs, "document {d} of {}", self.params.docs);
        let p = &self.params;
        let (k, v) = (p.topics, p.vocab_size);
        let mut rng = stream(p.seed, 1 + d as u64);
        let n = 1 + poisson(&mut rng, p.doc_length - 1.0) as usize;
        let k_alpha = k as f64 * p.alpha;
        z.clear();
        words.clear();
        for i in 0..n {
            // The Pólya urn: a new topic drawn uniformly with weight Kα, else the topic of a
            // uniformly drawn earlier token of the document (weight i).
            let u = open01(&mut rng) * (k_alpha + i as f64);
            let topic = if u < k_alpha || i == 0 {
                ((u / p.alpha) as usize).min(k - 1)
            } else {
                z[((u - k_alpha) as usize).min(i - 1)] as usize
            };
            z.push(topic as u32);
            let j = rng.random_range(0..v as u32) as usize;
            let (thr, alt) = self.alias[topic * v + j];
            words.push(if rng.next_u32() < thr { j as u32 } else { alt });
        }
        words.sort_unstable();
        out.clear();
        for &w in words.iter() {
            match out.last_mut() {
                Some((last, c)) if *last == w => *c += 1,
                _ => out.push((w, 1)),
            }
        }
    }

    /// Writes the corpus body in UCI bag-of-words form without the header: a line
    /// `doc word count` (1-based ids) per distinct word of each document, documents in order,
    /// words by increasing id. Returns the sizes (for the header).
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_docword_body<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<CorpusStats> {
        let mut stats = CorpusStats { docs: self.params.docs, vocab_size: self.params.vocab_size, nnz: 0, tokens: 0 };
        let (mut doc, mut z, mut words) = (Vec::new(), Vec::new(), Vec::new());
        let (mut a, mut b) = (itoa::Buffer::new(), itoa::Buffer::new());
        let mut buf = Vec::with_capacity(2 * CHUNK);
        for d in 0..self.params.docs {
            self.document_with(d, &mut doc, &mut z, &mut words);
            let id = a.format(d + 1).as_bytes();
            for &(word, count) in &doc {
                buf.extend_from_slice(id);
                buf.push(b' ');
                buf.extend_from_slice(b.format(word + 1).as_bytes());
                buf.push(b' ');
                buf.extend_from_slice(b.format(count).as_bytes());
                buf.push(b'\n');
                stats.tokens += u64::from(count);
            }
            stats.nnz += doc.len() as u64;
            if buf.len() >= CHUNK {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)?;
        Ok(stats)
    }

    /// Writes the corpus as a UCI `docword` file: `D`, `W`, `NNZ` on three lines, then the
    /// entries of [`LdaSynth::write_docword_body`]. `NNZ` is known only at the end, so the body
    /// goes to `scratch` first (from its current position; it is left there) and is then
    /// copied after the header: memory stays one document.
    ///
    /// # Errors
    /// The first error of `w` or `scratch`.
    pub fn write_docword<W, S>(&self, w: &mut W, scratch: &mut S) -> std::io::Result<CorpusStats>
    where
        W: Write + ?Sized,
        S: Read + Write + Seek,
    {
        let start = scratch.stream_position()?;
        let stats = {
            let mut bw = std::io::BufWriter::with_capacity(CHUNK, &mut *scratch);
            let stats = self.write_docword_body(&mut bw)?;
            bw.flush()?;
            stats
        };
        let end = scratch.stream_position()?;
        writeln!(w, "{}\n{}\n{}", stats.docs, stats.vocab_size, stats.nnz)?;
        scratch.seek(SeekFrom::Start(start))?;
        let copied = std::io::copy(&mut scratch.take(end - start), w)?;
        if copied != end - start {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "scratch file shorter than written"));
        }
        Ok(stats)
    }

    /// Writes the vocabulary: `word1`, `word2`, … `wordV`, one per line (line `i` names the
    /// 1-based word id `i` of the docword file).
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_vocab<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        let mut int = itoa::Buffer::new();
        let mut buf = Vec::with_capacity(2 * CHUNK);
        for i in 1..=self.params.vocab_size {
            buf.extend_from_slice(b"word");
            buf.extend_from_slice(int.format(i).as_bytes());
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)
    }

    /// Writes the true topics: line `k` (1-based) lists the `top` most probable words of
    /// `φ_k` as `word:probability` (1-based word id, shortest round-trip `f64`), by decreasing
    /// probability (ties by id), separated by spaces; `top = 0` or `top ≥ V` lists all `V`
    /// words (the full `φ`).
    ///
    /// # Errors
    /// The first error of `w`.
    pub fn write_topics<W: Write + ?Sized>(&self, w: &mut W, top: usize) -> std::io::Result<()> {
        let v = self.params.vocab_size;
        let top = if top == 0 { v } else { top.min(v) };
        let (mut int, mut num) = (itoa::Buffer::new(), ryu::Buffer::new());
        let mut buf = Vec::with_capacity(2 * CHUNK);
        let mut order: Vec<u32> = Vec::with_capacity(v);
        for k in 0..self.params.topics {
            let phi = self.topic(k);
            order.clear();
            order.extend(0..v as u32);
            let by_prob = |a: &u32, b: &u32| phi[*b as usize].total_cmp(&phi[*a as usize]).then(a.cmp(b));
            if top < v {
                order.select_nth_unstable_by(top, by_prob);
                order.truncate(top);
            }
            order.sort_unstable_by(by_prob);
            for (i, &word) in order.iter().enumerate() {
                if i > 0 {
                    buf.push(b' ');
                }
                buf.extend_from_slice(int.format(word + 1).as_bytes());
                buf.push(b':');
                buf.extend_from_slice(num.format(phi[word as usize]).as_bytes());
                if buf.len() >= CHUNK {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            buf.push(b'\n');
        }
        w.write_all(&buf)
    }
}

/// The random stream of `seed` numbered `stream`: the topics have stream 0, document `d`
/// stream `1 + d`.
fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_table_reproduces_the_distribution() {
        let p = [0.5, 0.0, 0.125, 0.25, 0.125];
        let mut t = vec![(0, 0); p.len()];
        build_alias(&p, &mut t);
        // The exact probability of each outcome from the table.
        let mut q = [0.0; 5];
        for (i, &(thr, alt)) in t.iter().enumerate() {
            let keep = f64::from(thr) / 4_294_967_296.0;
            q[i] += keep / 5.0;
            q[alt as usize] += (1.0 - keep) / 5.0;
        }
        for (a, b) in p.iter().zip(&q) {
            assert!((a - b).abs() < 1e-9, "{p:?} vs {q:?}");
        }
        assert_eq!(q[1], 0.0, "a zero-probability word is never drawn");
    }

    #[test]
    fn gamma_and_poisson_have_their_means() {
        let mut rng = stream(3, 9);
        let n = 200_000;
        for a in [0.05, 0.7, 1.0, 4.5] {
            let mean: f64 = (0..n).map(|_| ln_gamma_draw(&mut rng, a).exp()).sum::<f64>() / n as f64;
            // sd of the mean: √(a / n)
            assert!((mean - a).abs() < 5.0 * (a / n as f64).sqrt(), "Gamma({a}): mean {mean}");
        }
        for lambda in [0.0, 3.0, 99.0, 250.0] {
            let xs: Vec<f64> = (0..n).map(|_| poisson(&mut rng, lambda) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            assert!((mean - lambda).abs() <= 5.0 * (lambda / n as f64).sqrt() + 1e-12, "Poisson({lambda}): {mean}");
            assert!((var - lambda).abs() <= 0.05 * lambda + 1e-12, "Poisson({lambda}): var {var}");
        }
    }

    #[test]
    fn topics_follow_the_zipf_base_on_average() {
        let params = LdaSynthParams { docs: 200, vocab_size: 300, topics: 400, beta: 1.0, ..Default::default() };
        let s = LdaSynth::new(&params).expect("valid");
        for k in 0..400 {
            assert!((s.topic(k).iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        // Averaged over the topics, word 1 is 10 times as probable as word 10 (b_0 / b_9 = 10
        // for s = 1); each average has a relative sd of about 1/√(Kβ) = 5 %.
        let mean = |w: usize| (0..400).map(|k| s.topic(k)[w]).sum::<f64>() / 400.0;
        let ratio = mean(0) / mean(9);
        assert!((ratio - 10.0).abs() < 2.5, "{ratio}");
        // Documents are reproducible, sorted, and within the vocabulary.
        let (mut x, mut y) = (Vec::new(), Vec::new());
        s.document(17, &mut x);
        s.document(17, &mut y);
        assert_eq!(x, y);
        assert!(x.windows(2).all(|p| p[0].0 < p[1].0) && x.iter().all(|&(w, c)| w < 300 && c > 0));
    }

    #[test]
    fn bad_settings_are_refused() {
        let ok = LdaSynthParams::default();
        for (p, name) in [
            (LdaSynthParams { docs: 0, ..ok }, "docs"),
            (LdaSynthParams { vocab_size: 0, ..ok }, "vocab-size"),
            (LdaSynthParams { topics: 0, ..ok }, "topics"),
            (LdaSynthParams { topics: 100_000, vocab_size: 100_000, ..ok }, "topics"),
            (LdaSynthParams { doc_length: 0.5, ..ok }, "doc-length"),
            (LdaSynthParams { doc_length: f64::NAN, ..ok }, "doc-length"),
            (LdaSynthParams { alpha: 0.0, ..ok }, "alpha"),
            (LdaSynthParams { beta: -1.0, ..ok }, "beta"),
            (LdaSynthParams { beta: f64::INFINITY, ..ok }, "beta"),
            (LdaSynthParams { zipf: -0.5, ..ok }, "zipf"),
        ] {
            match LdaSynth::new(&p) {
                Err(Error::InvalidParameter(e)) => assert_eq!(e.name, name),
                other => panic!("{p:?}: {other:?}"),
            }
        }
    }
}
