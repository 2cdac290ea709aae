//! The reader as it was before the chunked rewrite (commit 082fd37, `datasets/src/mtx.rs`, unit tests
//! removed): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code, missing_docs, clippy::all)]

use std::io::BufRead;
use std::path::Path;

use crate::error::{parse_err, parse_finite, Error, Result};
use crate::io::next_line;
use crate::CsrMatrix;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Coordinate { pattern: bool },
    Array,
}

/// Header and size line: layout, rows, cols, entries (rows × cols for arrays); the line
/// number of the size line.
fn read_header(
    reader: &mut dyn BufRead,
    buf: &mut String,
    source: &Path,
) -> Result<(Layout, usize, usize, usize, usize)> {
    let mut line = 1;
    if !next_line(reader, buf, source, line)? {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    let head: Vec<String> = buf.split_whitespace().map(str::to_ascii_lowercase).collect();
    if head.len() < 5 || head[0] != "%%matrixmarket" || head[1] != "matrix" {
        return Err(parse_err(source, 1, "expected a header '%%MatrixMarket matrix coordinate real general'"));
    }
    let layout = match (head[2].as_str(), head[3].as_str()) {
        ("coordinate", "real" | "integer" | "double") => Layout::Coordinate { pattern: false },
        ("coordinate", "pattern") => Layout::Coordinate { pattern: true },
        ("array", "real" | "integer" | "double") => Layout::Array,
        (l, f) => return Err(parse_err(source, 1, format!("unsupported MatrixMarket layout '{l} {f}'"))),
    };
    if head[4] != "general" {
        return Err(parse_err(source, 1, format!("unsupported MatrixMarket symmetry '{}' (only general)", head[4])));
    }
    loop {
        line += 1;
        if !next_line(reader, buf, source, line)? {
            return Err(parse_err(source, line, "missing the size line after the header"));
        }
        let t = buf.trim();
        if !t.is_empty() && !t.starts_with('%') {
            break;
        }
    }
    let nums: Vec<&str> = buf.split_whitespace().collect();
    let want = if layout == Layout::Array { 2 } else { 3 };
    let parsed: Option<Vec<usize>> = nums.iter().map(|s| s.parse().ok()).collect();
    match parsed {
        Some(v) if v.len() == want => {
            // Row and column numbers are stored as u32 (CSR columns, CSC rows).
            if let Some(&big) = v[..2].iter().find(|&&d| u32::try_from(d).is_err()) {
                return Err(parse_err(source, line, format!("dimension {big} is too large (at most {})", u32::MAX)));
            }
            let entries = if layout == Layout::Array {
                v[0].checked_mul(v[1]).ok_or_else(|| parse_err(source, line, "rows × cols overflows"))?
            } else {
                v[2]
            };
            Ok((layout, v[0], v[1], entries, line))
        }
        _ => {
            Err(parse_err(source, line, format!("size line '{}' should be {} non-negative integers", buf.trim(), want)))
        }
    }
}

/// Reads the entries: calls `put(line, row, col, value)` (0-based) for each.
fn read_entries(
    reader: &mut dyn BufRead,
    buf: &mut String,
    source: &Path,
    (layout, rows, cols, entries, mut line): (Layout, usize, usize, usize, usize),
    mut put: impl FnMut(usize, usize, usize, f64) -> Result<()>,
) -> Result<()> {
    let mut seen = 0;
    while next_line(reader, buf, source, line + 1)? {
        line += 1;
        let t = buf.trim();
        if t.is_empty() || t.starts_with('%') {
            continue;
        }
        let err = |msg: String| parse_err(source, line, msg);
        if seen == entries {
            return Err(err(format!("more entries than the {entries} the size line declares")));
        }
        // Up to 4 tokens, without allocating: one more than any layout needs.
        let mut toks = [""; 4];
        let mut ntok = 0;
        for (slot, tok) in toks.iter_mut().zip(t.split_whitespace()) {
            *slot = tok;
            ntok += 1;
        }
        match layout {
            Layout::Array => {
                if ntok != 1 {
                    return Err(err(format!("expected one value per line, found '{t}'")));
                }
                let v = parse_finite(toks[0], "value").map_err(err)?;
                put(line, seen % rows, seen / rows, v)?;
            }
            Layout::Coordinate { pattern } => {
                let need = if pattern { 2 } else { 3 };
                if ntok != need {
                    return Err(err(format!(
                        "expected '{}', found '{t}'",
                        if pattern { "row col" } else { "row col value" }
                    )));
                }
                let idx = |s: &str, what: &str, max: usize| -> Result<usize> {
                    match s.parse::<usize>() {
                        Ok(k) if k >= 1 && k <= max => Ok(k - 1),
                        _ => Err(parse_err(source, line, format!("{what} index '{s}' is outside 1..={max}"))),
                    }
                };
                let i = idx(toks[0], "row", rows)?;
                let j = idx(toks[1], "column", cols)?;
                let v = if pattern { 1.0 } else { parse_finite(toks[2], "value").map_err(err)? };
                put(line, i, j, v)?;
            }
        }
        seen += 1;
    }
    if seen != entries {
        return Err(parse_err(source, line, format!("found {seen} entries, the size line declares {entries}")));
    }
    Ok(())
}

/// Reads a MatrixMarket matrix (coordinate or array) as CSR, shape as declared.
///
/// # Errors
/// [`Error::Parse`] with the line for a bad header or size line, an index out of range, a
/// duplicate entry, a non-finite value, or an entry count that disagrees with the size line;
/// [`Error::Empty`] for an empty file.
pub fn read_mtx_matrix<R: BufRead>(reader: R, source: &Path) -> Result<CsrMatrix> {
    read_mtx_rows(reader, source, |rows| 0..rows).map(|(x, _)| x)
}

/// [`read_mtx_matrix`] keeping only the rows `keep(n)` (0-based) of the declared `n`; every
/// entry is still parsed and checked. Returns the kept rows and `n`.
pub(crate) fn read_mtx_rows<R: BufRead>(
    mut reader: R,
    source: &Path,
    keep: impl FnOnce(usize) -> std::ops::Range<usize>,
) -> Result<(CsrMatrix, usize)> {
    let mut buf = String::new();
    let header = read_header(&mut reader, &mut buf, source)?;
    let (total_rows, cols, size_line) = (header.1, header.2, header.4);
    let kept = keep(total_rows);
    let kept = kept.start.min(total_rows)..kept.end.min(total_rows);
    let rows = kept.len();
    // (row, col, value, line); only entries actually present are stored, whatever the
    // size line declares.
    let mut triplets: Vec<(u32, u32, f64, usize)> = Vec::new();
    read_entries(&mut reader, &mut buf, source, header, |line, i, j, v| {
        // Both fit u32: read_header checked the dimensions and read_entries the indices.
        // Rows outside `kept` are checked but not stored (their duplicates are left to the
        // reader that keeps them).
        if kept.contains(&i) {
            triplets.push((i as u32, j as u32, v, line));
        }
        Ok(())
    })?;
    triplets.sort_unstable_by_key(|t| (t.0, t.1));
    for w in triplets.windows(2) {
        if (w[0].0, w[0].1) == (w[1].0, w[1].1) {
            let line = w[0].3.max(w[1].3);
            return Err(parse_err(source, line, format!("duplicate entry ({}, {})", w[0].0 + 1, w[0].1 + 1)));
        }
    }
    triplets.retain(|t| t.2 != 0.0);
    let first = kept.start as u32;
    for t in &mut triplets {
        t.0 -= first;
    }
    let mut indptr = alloc(rows + 1, source, size_line)?;
    indptr.push(0);
    let mut k = 0;
    for i in 0..rows {
        while k < triplets.len() && triplets[k].0 as usize == i {
            k += 1;
        }
        indptr.push(k);
    }
    let x = CsrMatrix {
        nrows: rows,
        ncols: cols,
        indptr,
        indices: triplets.iter().map(|t| t.1).collect(),
        values: triplets.iter().map(|t| t.2).collect(),
    };
    Ok((x, total_rows))
}

/// An empty vector with room for `n` elements, or an error (naming the size line) if the
/// declared size cannot be allocated.
fn alloc<T>(n: usize, source: &Path, line: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| parse_err(source, line, format!("cannot allocate the declared size ({n} elements)")))?;
    Ok(v)
}

/// Reads a MatrixMarket vector: an `n × 1` (or `1 × n`) array or coordinate matrix, missing
/// coordinate entries being zero.
///
/// # Errors
/// As [`read_mtx_matrix`]; also [`Error::Parse`] naming the size line if neither dimension
/// is 1, and [`Error::Empty`] for a vector of length 0.
pub fn read_mtx_vector<R: BufRead>(mut reader: R, source: &Path) -> Result<Vec<f64>> {
    let mut buf = String::new();
    let header = read_header(&mut reader, &mut buf, source)?;
    let (rows, cols, size_line) = (header.1, header.2, header.4);
    if rows != 1 && cols != 1 {
        return Err(parse_err(
            source,
            size_line,
            format!("expected a vector (n × 1 or 1 × n), found a {rows} × {cols} matrix"),
        ));
    }
    // Store what is present first: the declared length is only allocated once the entries
    // have matched the size line.
    let mut entries: Vec<(usize, f64, usize)> = Vec::new();
    read_entries(&mut reader, &mut buf, source, header, |line, i, j, v| {
        entries.push((i.max(j), v, line));
        Ok(())
    })?;
    entries.sort_by_key(|e| e.0);
    for w in entries.windows(2) {
        if w[0].0 == w[1].0 {
            let line = w[0].2.max(w[1].2);
            return Err(parse_err(source, line, format!("duplicate entry for element {}", w[0].0 + 1)));
        }
    }
    let n = if cols == 1 { rows } else { cols };
    let mut y = alloc(n, source, size_line)?;
    y.resize(n, 0.0);
    for (k, v, _) in entries {
        y[k] = v;
    }
    if y.is_empty() {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(y)
}
