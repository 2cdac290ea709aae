//! Text outputs of a topic model: sparse count tables and the top words of each topic.

use std::io::Write;

use super::sampler::SparseCounts;

/// Writes one line per row: space-separated `topic:count` pairs (0-based topics, in the
/// order stored; an empty line for a row without counts).
///
/// # Errors
/// Any error of `out`.
pub fn write_pairs(mut out: impl Write, rows: &[SparseCounts]) -> std::io::Result<()> {
    for row in rows {
        let mut first = true;
        for &(t, c) in row {
            if !first {
                out.write_all(b" ")?;
            }
            write!(out, "{t}:{c}")?;
            first = false;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes, per topic `k`, a line `k<TAB>w1 w2 ... w_top`: its `top` most probable words by
/// `p(w | k) ∝ n_wk + β` (ties by word id), named by `vocab` when given, else by 0-based id.
///
/// # Errors
/// Any error of `out`.
pub fn write_topics(
    mut out: impl Write,
    word_topic: &[SparseCounts],
    topics: usize,
    top: usize,
    vocab: Option<&[String]>,
) -> std::io::Result<()> {
    let mut by_topic: Vec<Vec<(u32, u32)>> = vec![Vec::new(); topics];
    for (w, row) in word_topic.iter().enumerate() {
        for &(t, c) in row {
            by_topic[t as usize].push((c, w as u32));
        }
    }
    for (k, words) in by_topic.iter_mut().enumerate() {
        words.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let names: Vec<String> = words
            .iter()
            .take(top)
            .map(|&(_, w)| vocab.and_then(|v| v.get(w as usize)).cloned().unwrap_or_else(|| w.to_string()))
            .collect();
        writeln!(out, "{k}\t{}", names.join(" "))?;
    }
    Ok(())
}
