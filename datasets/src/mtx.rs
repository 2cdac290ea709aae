//! MatrixMarket: `coordinate` (sparse `i j v` triplets, 1-based) and `array` (dense,
//! column-major) real matrices, as STRADS's Lasso reads them (`*.X.mmt` and `*.Y.mmt`).

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
            return Err(Error::Empty { path: source.to_path_buf() });
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
            let entries = if layout == Layout::Array { v[0] * v[1] } else { v[2] };
            Ok((layout, v[0], v[1], entries, line))
        }
        _ => Err(parse_err(
            source,
            line,
            format!("size line '{}' should be {} non-negative integers", buf.trim(), want),
        )),
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
        let toks: Vec<&str> = t.split_whitespace().collect();
        match layout {
            Layout::Array => {
                if toks.len() != 1 {
                    return Err(err(format!("expected one value per line, found '{t}'")));
                }
                let v = parse_finite(toks[0], "value").map_err(err)?;
                put(line, seen % rows, seen / rows, v)?;
            }
            Layout::Coordinate { pattern } => {
                let need = if pattern { 2 } else { 3 };
                if toks.len() != need {
                    return Err(err(format!("expected '{}', found '{t}'", if pattern { "row col" } else { "row col value" })));
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
pub fn read_mtx_matrix<R: BufRead>(mut reader: R, source: &Path) -> Result<CsrMatrix> {
    let mut buf = String::new();
    let header = read_header(&mut reader, &mut buf, source)?;
    let (rows, cols) = (header.1, header.2);
    if u32::try_from(cols).is_err() {
        return Err(parse_err(source, header.4, format!("{cols} columns is too many")));
    }
    let mut triplets: Vec<(usize, u32, f64, usize)> = Vec::new();
    read_entries(&mut reader, &mut buf, source, header, |line, i, j, v| {
        triplets.push((i, j as u32, v, line));
        Ok(())
    })?;
    triplets.sort_unstable_by_key(|t| (t.0, t.1));
    for w in triplets.windows(2) {
        if (w[0].0, w[0].1) == (w[1].0, w[1].1) {
            let line = w[0].3.max(w[1].3);
            return Err(parse_err(source, line, format!("duplicate entry ({}, {})", w[0].0 + 1, w[0].1 + 1)));
        }
    }
    let mut m = CsrMatrix::with_cols(cols);
    let mut k = 0;
    for i in 0..rows {
        let start = k;
        while k < triplets.len() && triplets[k].0 == i {
            k += 1;
        }
        m.push_row(triplets[start..k].iter().filter(|t| t.2 != 0.0).map(|t| (t.1, t.2)));
    }
    Ok(m)
}

/// Reads a MatrixMarket vector: an `n × 1` (or `1 × n`) array or coordinate matrix, missing
/// coordinate entries being zero.
///
/// # Errors
/// As [`read_mtx_matrix`], and [`Error::Mismatch`] if neither dimension is 1.
pub fn read_mtx_vector<R: BufRead>(mut reader: R, source: &Path) -> Result<Vec<f64>> {
    let mut buf = String::new();
    let header = read_header(&mut reader, &mut buf, source)?;
    let (rows, cols) = (header.1, header.2);
    if rows != 1 && cols != 1 {
        return Err(Error::Mismatch {
            path: source.to_path_buf(),
            msg: format!("expected a vector (n × 1), found a {rows} × {cols} matrix"),
        });
    }
    let mut y = vec![0.0; rows.max(cols)];
    let mut set = vec![false; y.len()];
    read_entries(&mut reader, &mut buf, source, header, |line, i, j, v| {
        let k = i.max(j);
        if std::mem::replace(&mut set[k], true) {
            return Err(parse_err(source, line, format!("duplicate entry for element {}", k + 1)));
        }
        y[k] = v;
        Ok(())
    })?;
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
        let x = m("%%MatrixMarket matrix coordinate real general\n% c\n2 3 3\n2 1 5\n1 3 -1.5\n1 1 2\n").expect("valid");
        assert_eq!((x.nrows, x.ncols, x.nnz()), (2, 3, 3));
        assert_eq!(x.row(0), (&[0u32, 2][..], &[2.0, -1.5][..]));
        assert_eq!(x.row(1), (&[0u32][..], &[5.0][..]));
    }

    #[test]
    fn reads_vectors() {
        let y = read_mtx_vector("%%MatrixMarket matrix array real general\n3 1\n1\n2.5\n-3\n".as_bytes(), Path::new("y"))
            .expect("array");
        assert_eq!(y, vec![1.0, 2.5, -3.0]);
        let y = read_mtx_vector("%%MatrixMarket matrix coordinate real general\n3 1 1\n2 1 4\n".as_bytes(), Path::new("y"))
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
            ("%%MatrixMarket matrix coordinate real symmetric\n".to_string(), "x.mtx:1: unsupported MatrixMarket symmetry"),
        ];
        for (input, expect) in &cases {
            let e = m(input).expect_err(input).to_string();
            assert!(e.starts_with(expect), "{e:?} should start with {expect:?}");
        }
        assert!(m("").expect_err("empty").to_string().contains("no data records"));
    }

    proptest! {
        #[test]
        fn garbage_never_panics(lines in proptest::collection::vec("[ -~]{0,30}", 0..8)) {
            let text = format!("%%MatrixMarket matrix coordinate real general\n{}", lines.join("\n"));
            let _ = m(&text);
            let _ = read_mtx_vector(text.as_bytes(), Path::new("y"));
        }
    }
}
