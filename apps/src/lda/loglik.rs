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

/// The document part `log p(z)` of documents given as sparse doc-topic counts
/// (`(topic, count)` pairs with non-zero counts), for `k` topics and prior `alpha`.
pub fn doc_part<'a>(docs: impl IntoIterator<Item = &'a [(u16, u32)]>, k: usize, alpha: f64) -> f64 {
    let (lg_a, lg_ka) = (lgamma(alpha), lgamma(k as f64 * alpha));
    let mut sum = 0.0;
    for doc in docs {
        let len: u64 = doc.iter().map(|&(_, c)| u64::from(c)).sum();
        sum += lg_ka - lgamma(len as f64 + k as f64 * alpha);
        for &(_, c) in doc {
            sum += lgamma(f64::from(c) + alpha) - lg_a;
        }
    }
    sum
}

/// The word part `log p(w | z)` from the non-zero word-topic counts `rows` (any order), the
/// topic totals `totals` (length `K`), vocabulary size `v` and prior `beta`.
pub fn word_part<'a>(rows: impl IntoIterator<Item = &'a [(u16, u32)]>, totals: &[i64], v: usize, beta: f64) -> f64 {
    let vb = v as f64 * beta;
    let lg_b = lgamma(beta);
    let mut sum = totals.len() as f64 * lgamma(vb);
    for &n in totals {
        sum -= lgamma(n as f64 + vb);
    }
    for row in rows {
        for &(_, c) in row {
            sum += lgamma(f64::from(c) + beta) - lg_b;
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
            let ours = word_part(rows.iter().map(Vec::as_slice), &totals, v, beta)
                + doc_part(docs.iter().map(Vec::as_slice), k, alpha);
            let want = direct(&nwk, &ndk, alpha, beta);
            assert!((ours - want).abs() <= 1e-9 * want.abs(), "α {alpha} β {beta}: {ours} vs {want}");
        }
    }
}
