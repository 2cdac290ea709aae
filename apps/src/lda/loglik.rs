//! The collapsed joint log-likelihood `log p(w, z | α, β)` of LDA [GS-04, eq. 2–3].
//!
//! With `K` topics, vocabulary size `V`, symmetric priors α and β, word-topic counts `n_wk`,
//! topic totals `n_k`, doc-topic counts `n_dk` and document lengths `N_d`:
//!
//! ```text
//! log p(w | z) = K [lnΓ(Vβ) − V lnΓ(β)] + Σ_k [ Σ_w lnΓ(n_wk + β) − lnΓ(n_k + Vβ) ]
//! log p(z)     = D [lnΓ(Kα) − K lnΓ(α)] + Σ_d [ Σ_k lnΓ(n_dk + α) − lnΓ(N_d + Kα) ]
//! ```
//!
//! Zero counts contribute `lnΓ(β)` (or `lnΓ(α)`) and cancel against the constants, so both
//! parts are sums over non-zero counts only: the word part is computed where the word-topic
//! rows are (the coordinator) and the document part where the documents are (each worker),
//! and the two are added. This is the quantity tomotopy reports as `ll_per_word` times the
//! token count (with α fixed).

use libm::lgamma;

/// `lnΓ(c + prior) − lnΓ(prior)` for counts `c`, tabulated for the small counts that make up
/// almost all of a sum (each value computed once, by the same `lgamma` as for larger counts,
/// so a sum gives the same bits with or without the table).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LgammaTable {
    prior: f64,
    base: f64,
    values: Vec<f64>,
}

impl LgammaTable {
    /// The table for `prior` over counts `0..len` (at most 2¹⁶ entries are kept; larger
    /// counts are computed when asked for).
    pub fn new(prior: f64, len: usize) -> Self {
        let base = lgamma(prior);
        let values = (0..len.min(1 << 16)).map(|c| lgamma(c as f64 + prior) - base).collect();
        Self { prior, base, values }
    }

    /// `lnΓ(c + prior) − lnΓ(prior)`.
    #[inline]
    pub fn term(&self, c: u32) -> f64 {
        match self.values.get(c as usize) {
            Some(&v) => v,
            None => lgamma(f64::from(c) + self.prior) - self.base,
        }
    }
}

/// The document part `log p(z)` of documents given as sparse doc-topic counts
/// (`(topic, count)` pairs with non-zero counts), for `k` topics; `alpha` is the table of the
/// prior α.
pub fn doc_part<'a>(docs: impl IntoIterator<Item = &'a [(u16, u32)]>, k: usize, alpha: &LgammaTable) -> f64 {
    let ka = k as f64 * alpha.prior;
    let lg_ka = lgamma(ka);
    let mut sum = 0.0;
    for doc in docs {
        let len: u64 = doc.iter().map(|&(_, c)| u64::from(c)).sum();
        sum += lg_ka - lgamma(len as f64 + ka);
        for &(_, c) in doc {
            sum += alpha.term(c);
        }
    }
    sum
}

/// The word part `log p(w | z)` from the non-zero word-topic counts `rows` (any order), the
/// topic totals `totals` (length `K`) and vocabulary size `v`; `beta` is the table of the
/// prior β.
pub fn word_part<'a>(
    rows: impl IntoIterator<Item = &'a [(u16, u32)]>,
    totals: &[i64],
    v: usize,
    beta: &LgammaTable,
) -> f64 {
    let vb = v as f64 * beta.prior;
    let mut sum = totals.len() as f64 * lgamma(vb);
    for &n in totals {
        sum -= lgamma(n as f64 + vb);
    }
    for row in rows {
        for &(_, c) in row {
            sum += beta.term(c);
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct computation with dense tables, every zero included, from the Dirichlet
    /// integrals: p(w|z) = Π_k B(n_·k + β) / B(β), p(z) = Π_d B(n_d· + α) / B(α), with
    /// ln B(x) = Σ lnΓ(x_i) − lnΓ(Σ x_i).
    #[allow(clippy::needless_range_loop)] // t indexes the columns of nwk
    fn direct(nwk: &[Vec<u32>], ndk: &[Vec<u32>], alpha: f64, beta: f64) -> f64 {
        let ln_b = |xs: &[f64]| xs.iter().map(|&x| lgamma(x)).sum::<f64>() - lgamma(xs.iter().sum());
        let (v, k) = (nwk.len(), nwk[0].len());
        let mut ll = 0.0;
        for t in 0..k {
            let col: Vec<f64> = (0..v).map(|w| f64::from(nwk[w][t]) + beta).collect();
            ll += ln_b(&col) - ln_b(&vec![beta; v]);
        }
        for d in ndk {
            let row: Vec<f64> = d.iter().map(|&c| f64::from(c) + alpha).collect();
            ll += ln_b(&row) - ln_b(&vec![alpha; k]);
        }
        ll
    }

    fn sparse(dense: &[Vec<u32>]) -> Vec<Vec<(u16, u32)>> {
        dense
            .iter()
            .map(|r| r.iter().enumerate().filter(|(_, &c)| c > 0).map(|(t, &c)| (t as u16, c)).collect())
            .collect()
    }

    /// The table gives the same bits as computing each term, inside it and past its end.
    #[test]
    fn the_table_is_the_direct_term() {
        for prior in [0.01, 0.1, 2.5] {
            let t = LgammaTable::new(prior, 50);
            for c in [0u32, 1, 2, 7, 49, 50, 51, 1000, 70_000] {
                let want = lgamma(f64::from(c) + prior) - lgamma(prior);
                assert_eq!(t.term(c).to_bits(), want.to_bits(), "prior {prior}, count {c}");
            }
        }
    }

    #[test]
    fn matches_the_direct_computation_on_a_tiny_corpus() {
        // 3 documents over 4 words and 3 topics; tokens (doc, word, topic).
        let tokens =
            [(0, 0, 0), (0, 1, 0), (0, 1, 2), (1, 2, 1), (1, 3, 1), (1, 0, 1), (2, 3, 2), (2, 3, 0), (2, 2, 2)];
        let (v, k) = (4, 3);
        let mut nwk = vec![vec![0u32; k]; v];
        let mut ndk = vec![vec![0u32; k]; 3];
        let mut totals = vec![0i64; k];
        for &(d, w, t) in &tokens {
            nwk[w][t] += 1;
            ndk[d][t] += 1;
            totals[t] += 1;
        }
        for (alpha, beta) in [(0.1, 0.01), (1.0, 0.5), (0.05, 2.0)] {
            let rows = sparse(&nwk);
            let docs = sparse(&ndk);
            let ours = word_part(rows.iter().map(Vec::as_slice), &totals, v, &LgammaTable::new(beta, 3))
                + doc_part(docs.iter().map(Vec::as_slice), k, &LgammaTable::new(alpha, 3));
            let want = direct(&nwk, &ndk, alpha, beta);
            assert!((ours - want).abs() <= 1e-9 * want.abs(), "α {alpha} β {beta}: {ours} vs {want}");
        }
    }
}
