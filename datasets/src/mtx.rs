//! MatrixMarket: `coordinate` (sparse `i j v` triplets, 1-based) and `array` (dense,
//! column-major) real matrices, as STRADS's Lasso reads them (`*.X.mmt` and `*.Y.mmt`).

use std::io::{BufRead, Read};
use std::path::Path;

use crate::error::{limit, parse_err, parse_finite, Error, Result};
use crate::lines::{parse_finite_f64, parse_u64, text, trim_ascii_line, words_unicode_ascii, Lines};
use crate::CsrMatrix;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Coordinate { pattern: bool },
    Array,
}

/// Header and size line: layout, rows, cols, entries (rows × cols for arrays); the line
/// number of the size line.
fn read_header<R: Read>(lines: &mut Lines<'_, R>, source: &Path) -> Result<(Layout, usize, usize, usize, usize)> {
    let Some(first) = lines.next_line()? else {
        return Err(Error::Empty { path: source.to_path_buf() });
    };
    let head: Vec<String> = first.as_str().split_whitespace().map(str::to_ascii_lowercase).collect();
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
    let (size, line) = loop {
        let Some(l) = lines.next_line()? else {
            return Err(parse_err(source, lines.line_no() + 1, "missing the size line after the header"));
        };
        let t = l.as_str().trim();
        if !t.is_empty() && !t.starts_with('%') {
            break (l.as_str(), l.no);
        }
    };
    let nums: Vec<&str> = size.split_whitespace().collect();
    let want = if layout == Layout::Array { 2 } else { 3 };
    // A number beyond usize is a dimension too large, not a malformed size line.
    let parsed: Option<Vec<usize>> = nums
        .iter()
        .map(|s| s.parse().ok().or_else(|| s.bytes().all(|b| b.is_ascii_digit()).then_some(usize::MAX)))
        .collect();
    match parsed {
        Some(v) if v.len() == want => {
            // Row and column numbers are stored as u32 (CSR columns, CSC rows), and the apps
            // allocate dense state per row and column: at most MAX_DIM of each.
            if let Some(&big) = v[..2].iter().find(|&&d| d > crate::MAX_DIM) {
                return Err(parse_err(source, line, format!("dimension {big} is too large ({})", limit(""))));
            }
            let entries = if layout == Layout::Array {
                v[0].checked_mul(v[1]).ok_or_else(|| parse_err(source, line, "rows × cols overflows"))?
            } else {
                v[2]
            };
            Ok((layout, v[0], v[1], entries, line))
        }
        _ => Err(parse_err(
            source,
            line,
            format!("size line '{}' should be {} non-negative integers", size.trim(), want),
        )),
    }
}

/// Reads the entries: calls `put(line, row, col, value)` (0-based) for each.
fn read_entries<R: Read>(
    lines: &mut Lines<'_, R>,
    source: &Path,
    (layout, rows, cols, entries, size_line): (Layout, usize, usize, usize, usize),
    mut put: impl FnMut(usize, usize, usize, f64) -> Result<()>,
) -> Result<()> {
    let mut seen = 0;
    while let Some(l) = lines.next_line()? {
        let line = l.no;
        // `str::trim` and `split_whitespace`: on bytes for ASCII lines, on text otherwise.
        let ascii = l.is_ascii();
        let t: &[u8] = if ascii { trim_ascii_line(l.text) } else { l.as_str().trim().as_bytes() };
        if t.is_empty() || t[0] == b'%' {
            continue;
        }
        let err = |msg: String| parse_err(source, line, msg);
        if seen == entries {
            return Err(err(format!("more entries than the {entries} the size line declares")));
        }
        // Up to 4 tokens, without allocating: one more than any layout needs.
        let mut toks: [&[u8]; 4] = [b""; 4];
        let mut ntok = 0;
        if ascii {
            for (slot, tok) in toks.iter_mut().zip(words_unicode_ascii(t)) {
                *slot = tok;
                ntok += 1;
            }
        } else {
            for (slot, tok) in toks.iter_mut().zip(text(t).split_whitespace()) {
                *slot = tok.as_bytes();
                ntok += 1;
            }
        }
        let value = |tok: &[u8]| match parse_finite_f64(tok) {
            Some(v) => Ok(v),
            None => parse_finite(text(tok), "value").map_err(err),
        };
        match layout {
            Layout::Array => {
                if ntok != 1 {
                    return Err(err(format!("expected one value per line, found '{}'", text(t))));
                }
                put(line, seen % rows, seen / rows, value(toks[0])?)?;
            }
            Layout::Coordinate { pattern } => {
                let need = if pattern { 2 } else { 3 };
                if ntok != need {
                    return Err(err(format!(
                        "expected '{}', found '{}'",
                        if pattern { "row col" } else { "row col value" },
                        text(t)
                    )));
                }
                let idx = |s: &[u8], what: &str, max: usize| -> Result<usize> {
                    match parse_u64(s).and_then(|k| usize::try_from(k).ok()) {
                        Some(k) if k >= 1 && k <= max => Ok(k - 1),
                        _ => Err(parse_err(source, line, format!("{what} index '{}' is outside 1..={max}", text(s)))),
                    }
                };
                let i = idx(toks[0], "row", rows)?;
                let j = idx(toks[1], "column", cols)?;
                let v = if pattern { 1.0 } else { value(toks[2])? };
                put(line, i, j, v)?;
            }
        }
        seen += 1;
    }
    if seen != entries {
        let line = lines.line_no().max(size_line);
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
    reader: R,
    source: &Path,
    keep: impl FnOnce(usize) -> std::ops::Range<usize>,
) -> Result<(CsrMatrix, usize)> {
    let mut lines = Lines::new(reader, source);
    let header = read_header(&mut lines, source)?;
    let (total_rows, cols, size_line) = (header.1, header.2, header.4);
    let kept = keep(total_rows);
    let kept = kept.start.min(total_rows)..kept.end.min(total_rows);
    let rows = kept.len();
    // (row, col, value, line); only entries actually present are stored, whatever the
    // size line declares.
    let mut triplets: Vec<(u32, u32, f64, usize)> = Vec::new();
    read_entries(&mut lines, source, header, |line, i, j, v| {
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
pub fn read_mtx_vector<R: BufRead>(reader: R, source: &Path) -> Result<Vec<f64>> {
    let mut lines = Lines::new(reader, source);
    let header = read_header(&mut lines, source)?;
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
    read_entries(&mut lines, source, header, |line, i, j, v| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Result<CsrMatrix> {
        read_mtx_matrix(s.as_bytes(), Path::new("x.mtx"))
    }

    #[test]
    fn reads_coordinate_in_any_order() {
        let x =
            m("%%MatrixMarket matrix coordinate real general\n% c\n2 3 3\n2 1 5\n1 3 -1.5\n1 1 2\n").expect("valid");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (2, 3, 3));
        assert_eq!(x.row(0), (&[0u32, 2][..], &[2.0, -1.5][..]));
        assert_eq!(x.row(1), (&[0u32][..], &[5.0][..]));
    }

    #[test]
    fn reads_vectors() {
        let y =
            read_mtx_vector("%%MatrixMarket matrix array real general\n3 1\n1\n2.5\n-3\n".as_bytes(), Path::new("y"))
                .expect("array");
        assert_eq!(y, vec![1.0, 2.5, -3.0]);
        let y =
            read_mtx_vector("%%MatrixMarket matrix coordinate real general\n3 1 1\n2 1 4\n".as_bytes(), Path::new("y"))
                .expect("coordinate");
        assert_eq!(y, vec![0.0, 4.0, 0.0]);
    }

    #[test]
    fn errors_name_the_line() {
        let h = "%%MatrixMarket matrix coordinate real general\n";
        let cases = [
            (format!("{h}2 2 2\n1 1 1\n3 1 1\n"), "x.mtx:4: row index '3' is outside 1..=2"),
            (format!("{h}2 2 2\n1 1 1\n0 1 1\n"), "x.mtx:4: row index '0' is outside"),
            (format!("{h}2 2 2\n1 1 1\n1 1 2\n"), "x.mtx:4: duplicate entry (1, 1)"),
            (format!("{h}2 2 2\n1 1 nan\n"), "x.mtx:3: value is NaN"),
            (format!("{h}2 2 3\n1 1 1\n"), "x.mtx:3: found 1 entries, the size line declares 3"),
            (format!("{h}2 2 1\n1 1 1\n2 2 2\n"), "x.mtx:4: more entries"),
            (format!("{h}2 x 1\n"), "x.mtx:2: size line"),
            ("hello\n".to_string(), "x.mtx:1: expected a header"),
            (
                "%%MatrixMarket matrix coordinate real symmetric\n".to_string(),
                "x.mtx:1: unsupported MatrixMarket symmetry",
            ),
            (
                "%%MatrixMarket matrix coordinate complex general\n".to_string(),
                "x.mtx:1: unsupported MatrixMarket layout 'coordinate complex'",
            ),
            ("%%MatrixMarket matrix array pattern general\n".to_string(), "x.mtx:1: unsupported MatrixMarket layout"),
            ("%%MatrixMarket vector coordinate real general\n".to_string(), "x.mtx:1: expected a header"),
            (format!("{h}% only comments\n"), "x.mtx:3: missing the size line"),
            (format!("{h}2 2\n"), "x.mtx:2: size line '2 2' should be 3 non-negative integers"),
            (format!("{h}2 2 1\n1 1\n"), "x.mtx:3: expected 'row col value', found '1 1'"),
            (format!("{h}2 2 1\n1 3 1\n"), "x.mtx:3: column index '3' is outside 1..=2"),
            (format!("{h}2 2 1\n1 1 inf\n"), "x.mtx:3: value is inf"),
            (format!("{h}2 2 1\n1 1 abc\n"), "x.mtx:3: value 'abc' is not a number"),
            (format!("{h}5000000000 2 0\n"), "x.mtx:2: dimension 5000000000 is too large"),
            (format!("{h}2 4000000000 1\n1 1 1\n"), "x.mtx:2: dimension 4000000000 is too large (at most 268435456"),
            (format!("{h}268435457 2 0\n"), "x.mtx:2: dimension 268435457 is too large"),
            (format!("{h}99999999999999999999999 2 0\n"), "x.mtx:2: dimension 18446744073709551615 is too large"),
            (format!("{h}2 2 1\n1 4000000000 1\n"), "x.mtx:3: column index '4000000000' is outside 1..=2"),
            (
                "%%MatrixMarket matrix array real general\n268435456 268435456\n".to_string(),
                "x.mtx:2: found 0 entries, the size line declares 72057594037927936",
            ),
            (
                "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n".to_string(),
                "x.mtx:5: found 3 entries, the size line declares 4",
            ),
            (
                "%%MatrixMarket matrix array real general\n2 1\n1 2\n".to_string(),
                "x.mtx:3: expected one value per line",
            ),
        ];
        for (input, expect) in &cases {
            let e = m(input).expect_err(input).to_string();
            assert!(e.starts_with(expect), "{e:?} should start with {expect:?}");
        }
        assert!(m("").expect_err("empty").to_string().contains("no data records"));
    }

    #[test]
    fn reads_array_pattern_integer_and_drops_zeros() {
        // Column-major array: 2 × 3.
        let x = m("%%MatrixMarket matrix array real general\n2 3\n1\n0\n3\n4\n0\n6\n").expect("array");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (2, 3, 4));
        assert_eq!(x.row(0), (&[0u32, 1][..], &[1.0, 3.0][..]));
        assert_eq!(x.row(1), (&[1u32, 2][..], &[4.0, 6.0][..]));
        let x = m("%%matrixmarket MATRIX Coordinate Pattern General\n3 2 2\n3 2\n1 1\n").expect("pattern");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (3, 2, 2));
        assert_eq!(x.row(1).0.len(), 0);
        assert_eq!(x.row(2), (&[1u32][..], &[1.0][..]));
        let x =
            m("%%MatrixMarket matrix coordinate integer general\r\n\r\n2 2 2\r\n1 2 7\r\n2 1 0\r\n").expect("integer");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (2, 2, 1));
        assert_eq!(x.row(0), (&[1u32][..], &[7.0][..]));
        let x = m("%%MatrixMarket matrix coordinate real general\n0 0 0\n").expect("empty matrix");
        assert_eq!((x.nrows, x.ncols, x.indptr.len()), (0, 0, 1));
    }

    #[test]
    fn dimensions_up_to_max_dim_are_read_without_allocating_them() {
        let x =
            m("%%MatrixMarket matrix coordinate real general\n3 268435456 1\n2 268435456 -1\n").expect("at the limit");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (3, crate::MAX_DIM, 1));
        assert_eq!(x.row(1), (&[(crate::MAX_DIM - 1) as u32][..], &[-1.0][..]));
        let v = |s: &str| read_mtx_vector(s.as_bytes(), Path::new("y.mtx"));
        let e = v("%%MatrixMarket matrix coordinate real general\n4000000000 1 1\n1 1 1\n").expect_err("huge");
        assert!(e.to_string().starts_with("y.mtx:2: dimension 4000000000 is too large"), "{e}");
    }

    #[test]
    fn vector_errors_name_the_line() {
        let v = |s: &str| read_mtx_vector(s.as_bytes(), Path::new("y.mtx")).expect_err(s).to_string();
        let a = "%%MatrixMarket matrix array real general\n";
        let c = "%%MatrixMarket matrix coordinate real general\n";
        let cases = [
            (format!("{a}2 2\n1\n2\n3\n4\n"), "y.mtx:2: expected a vector (n × 1 or 1 × n), found a 2 × 2 matrix"),
            (format!("{a}3 1\n1\nNaN\n3\n"), "y.mtx:4: value is NaN"),
            (format!("{a}3 1\n1\n2\n"), "y.mtx:4: found 2 entries, the size line declares 3"),
            (format!("{c}1 3 2\n1 2 1\n1 2 5\n"), "y.mtx:4: duplicate entry for element 2"),
            (format!("{c}3 1 1\n1 2 1\n"), "y.mtx:3: column index '2' is outside 1..=1"),
            (format!("{a}0 1\n"), "y.mtx: no data records"),
        ];
        for (input, expect) in &cases {
            let e = v(input);
            assert!(e.starts_with(expect), "{e:?} should start with {expect:?}");
        }
        let y = read_mtx_vector(format!("{c}1 3 1\n1 3 -2\n").as_bytes(), Path::new("y")).expect("row vector");
        assert_eq!(y, vec![0.0, 0.0, -2.0]);
    }

    /// A header (valid or not) followed by size lines and entries that are often nearly valid.
    fn mtx_garbage() -> impl Strategy<Value = String> {
        let header = prop_oneof![
            Just("%%MatrixMarket matrix coordinate real general"),
            Just("%%MatrixMarket matrix coordinate pattern general"),
            Just("%%MatrixMarket matrix array real general"),
            Just("%%MatrixMarket matrix coordinate real symmetric"),
            Just(""),
        ];
        let line = prop_oneof![
            "[ -~]{0,30}",
            "[0-9]{1,20}( [0-9]{1,20}){0,3}",
            "[0-4]{1,2} [0-4]{1,2}( -?[0-9.eE]{1,5})?",
            "%[ -~]{0,10}",
        ];
        (header, proptest::collection::vec(line, 0..10)).prop_map(|(h, l)| format!("{h}\n{}", l.join("\n")))
    }

    proptest! {
        #[test]
        fn garbage_never_panics(lines in proptest::collection::vec("[ -~]{0,30}", 0..8)) {
            let text = format!("%%MatrixMarket matrix coordinate real general\n{}", lines.join("\n"));
            let _ = m(&text);
            let _ = read_mtx_vector(text.as_bytes(), Path::new("y"));
        }

        #[test]
        fn near_valid_garbage_never_panics(text in mtx_garbage()) {
            if let Ok(x) = m(&text) {
                prop_assert_eq!(x.indptr.len(), x.nrows + 1);
                prop_assert_eq!(x.indptr[x.nrows], x.nnz());
                prop_assert!(x.indices.iter().all(|&j| (j as usize) < x.ncols));
            }
            if let Ok(y) = read_mtx_vector(text.as_bytes(), Path::new("y")) {
                prop_assert!(!y.is_empty() && y.iter().all(|v| v.is_finite()));
            }
        }
    }
}
