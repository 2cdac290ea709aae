//! The LIBSVM / svmlight format: one sample per line, `y idx:val idx:val ...` with 1-based,
//! strictly increasing feature indices; `#` starts a comment; blank lines are skipped.

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;

use crate::error::{limit, parse_err, parse_finite, Error, Result};
use crate::lines::{pair_finite_f64, parse_finite_f64, parse_u64, text, Fields, Lines};
use crate::{CsrMatrix, LabeledData};

/// The largest feature index ([`crate::MAX_DIM`]).
const MAX_INDEX: u64 = crate::MAX_DIM as u64;

/// Reads LIBSVM data from `reader`; `source` names the input in error messages.
///
/// The result has `p` = the largest feature index seen; explicit zeros are dropped.
///
/// # Errors
/// [`Error::Parse`] with the 1-based line for a malformed token, a feature index 0, not
/// increasing or above [`crate::MAX_DIM`], a number that does not parse, or a NaN/infinite value or label;
/// [`Error::Empty`] if there are no records.
pub fn read_libsvm<R: BufRead>(reader: R, source: &Path) -> Result<LabeledData> {
    read_libsvm_rows(reader, source, None)
}

/// [`read_libsvm`] keeping only the records (0-based) in `keep` (all if `None`); every
/// record is still parsed and checked, and `p` is the largest index of the whole file.
pub(crate) fn read_libsvm_rows<R: BufRead>(
    reader: R,
    source: &Path,
    keep: Option<&Range<usize>>,
) -> Result<LabeledData> {
    let mut x = CsrMatrix::with_cols(0);
    let mut records = 0usize;
    let mut y = Vec::new();
    let mut lines = Lines::new(reader, source);
    while let Some(l) = lines.next_line()? {
        let line = l.no;
        let content = match memchr::memchr(b'#', l.text) {
            Some(k) => &l.text[..k],
            None => l.text,
        };
        let mut toks = Fields::new(content);
        let Some(label) = toks.next_field() else { continue };
        let err = |msg: String| parse_err(source, line, msg);
        let label = match parse_finite_f64(label) {
            Some(v) => v,
            None => {
                let label = text(label);
                parse_finite(label, "label").map_err(|mut m| {
                    if label.contains(':') {
                        m.push_str(" (each line starts with the target value)");
                    }
                    err(m)
                })?
            }
        };
        let kept = keep.map_or(true, |k| k.contains(&records));
        records += 1;
        let mut last = 0u64;
        while let Some(pair) = toks.next_pair(pair_finite_f64) {
            let tok = match pair {
                // `index:value` with a plain index and a finite value: only the index checks.
                Ok((idx, v)) => {
                    if idx == 0 || idx > MAX_INDEX || idx <= last {
                        return Err(err(index_problem(idx, last)));
                    }
                    last = idx;
                    if v != 0.0 && kept {
                        x.indices.push((idx - 1) as u32);
                        x.values.push(v);
                    }
                    continue;
                }
                Err(tok) => tok,
            };
            let Some(colon) = memchr::memchr(b':', tok) else {
                return Err(err(format!("token '{}' is not of the form index:value", text(tok))));
            };
            let (i, v) = (&tok[..colon], &tok[colon + 1..]);
            if i == b"qid" {
                return Err(err(format!("token '{}': qid (ranking query ids) is not supported", text(tok))));
            }
            let idx = parse_u64(i).ok_or_else(|| {
                err(if !i.is_empty() && i.iter().all(u8::is_ascii_digit) {
                    format!("feature index {} is too large ({})", text(i), limit(" features"))
                } else {
                    format!("feature index '{}' is not a positive integer", text(i))
                })
            })?;
            if idx == 0 || idx > MAX_INDEX || idx <= last {
                return Err(err(index_problem(idx, last)));
            }
            last = idx;
            // Fast path without formatting; the message is only built for a bad value.
            let v = match parse_finite_f64(v) {
                Some(v) => v,
                None => parse_finite(text(v), &format!("value of feature {idx}")).map_err(err)?,
            };
            if v != 0.0 && kept {
                x.indices.push((idx - 1) as u32);
                x.values.push(v);
            }
        }
        // Features seen only with explicit zeros still count towards p.
        x.ncols = x.ncols.max(last as usize);
        if kept {
            y.push(label);
            x.indptr.push(x.indices.len());
            x.nrows += 1;
        }
    }
    if records == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    let row_offset = keep.map_or(0, |k| k.start.min(records));
    Ok(LabeledData { x, y, feature_names: None, rows_total: records, row_offset })
}

/// What is wrong with feature index `idx` after `last` (0, too large or not increasing).
#[cold]
fn index_problem(idx: u64, last: u64) -> String {
    if idx == 0 {
        "feature index 0 (indices are 1-based)".into()
    } else if idx > MAX_INDEX {
        format!("feature index {idx} is too large ({})", limit(" features"))
    } else {
        format!("feature index {idx} after {last} (indices must increase)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(s: &str) -> Result<LabeledData> {
        read_libsvm(s.as_bytes(), Path::new("t.libsvm"))
    }

    #[test]
    fn reads_rows_comments_and_blank_lines() {
        let d = read("# header\n1.5 1:2 3:-1\n\n-2 2:0.5 # note\n0\n").expect("valid");
        assert_eq!(d.y, vec![1.5, -2.0, 0.0]);
        assert_eq!((d.x.nrows, d.x.ncols, d.x.nnz()), (3, 3, 3));
        assert_eq!(d.x.row(0), (&[0u32, 2][..], &[2.0, -1.0][..]));
        assert_eq!(d.x.row(2).0.len(), 0);
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let cases = [
            ("1 1:2\n2 0:1\n", "t.libsvm:2: feature index 0"),
            ("1 1:2\n1 2:x\n", "t.libsvm:2: value of feature 2 'x' is not a number"),
            ("1 1:2\n1 2:NaN\n", "t.libsvm:2: value of feature 2 is NaN"),
            ("nan 1:2\n", "t.libsvm:1: label is NaN"),
            ("1 1:2\n\n1 3:1 2:1\n", "t.libsvm:3: feature index 2 after 3"),
            ("1 1:2\n1 5\n", "t.libsvm:2: token '5' is not of the form index:value"),
            ("abc 1:2\n", "t.libsvm:1: label 'abc' is not a number"),
            ("1:2 3:4\n", "t.libsvm:1: label '1:2' is not a number (each line starts with the target value)"),
            ("1 -3:2\n", "t.libsvm:1: feature index '-3' is not a positive integer"),
            ("1 1:inf\n", "t.libsvm:1: value of feature 1 is inf"),
            ("1 1:1\n-inf 1:1\n", "t.libsvm:2: label is -inf"),
            ("1 1:1e999\n", "t.libsvm:1: value of feature 1 is inf"),
            ("1 1:1 1:2\n", "t.libsvm:1: feature index 1 after 1"),
            ("1 1:\n", "t.libsvm:1: value of feature 1 '' is not a number"),
            ("1 :5\n", "t.libsvm:1: feature index '' is not a positive integer"),
            ("1 qid:3 1:5\n", "t.libsvm:1: token 'qid:3': qid"),
            ("1 4294967296:1\n", "t.libsvm:1: feature index 4294967296 is too large"),
            ("1 1:1\n-1 3:1 4000000000:1\n", "t.libsvm:2: feature index 4000000000 is too large (at most 268435456"),
            ("1 268435457:1\n", "t.libsvm:1: feature index 268435457 is too large"),
            ("1 18446744073709551616:1\n", "t.libsvm:1: feature index 18446744073709551616 is too large"),
        ];
        for (input, expect) in cases {
            let e = read(input).expect_err(input).to_string();
            assert!(e.starts_with(expect), "{e:?} should start with {expect:?}");
        }
        assert_eq!(
            read("\n# only a comment\n").expect_err("empty").to_string(),
            "t.libsvm: no data records (empty file?)"
        );
        assert!(matches!(read(""), Err(Error::Empty { .. })));
        let e = read_libsvm(&b"1 1:\xff\n"[..], Path::new("t.libsvm")).expect_err("not UTF-8").to_string();
        assert!(e.starts_with("t.libsvm:1: cannot read"), "{e}");
    }

    #[test]
    fn the_largest_feature_index_is_max_dim() {
        // Reading a file at the limit allocates nothing of its width (CSR storage).
        let d = read("1 3:1 268435456:2\n").expect("index 2^28 is allowed");
        assert_eq!((d.x.ncols, d.x.nnz()), (crate::MAX_DIM, 2));
        assert_eq!(d.x.row(0), (&[2u32, (crate::MAX_DIM - 1) as u32][..], &[1.0, 2.0][..]));
        // The slow path (an index:value token the fast path hands back) checks it too.
        let e = read("1 4000000000:x\n").expect_err("too large").to_string();
        assert_eq!(
            e,
            "t.libsvm:1: feature index 4000000000 is too large (at most 268435456 = 2^28 features, strads_datasets::MAX_DIM)"
        );
    }

    #[test]
    fn columns_are_the_largest_index_even_for_explicit_zeros() {
        let d = read("1 2:0 7:0\r\n2 1:1e-3\r\n").expect("valid");
        assert_eq!((d.x.nrows, d.x.ncols, d.x.nnz()), (2, 7, 1));
        assert_eq!(d.x.row(1), (&[0u32][..], &[1e-3][..]));
        let d = read("+1\n-1\n").expect("labels only");
        assert_eq!((d.x.nrows, d.x.ncols, d.y.clone()), (2, 0, vec![1.0, -1.0]));
    }

    /// Finite values: mostly moderate, sometimes zero, sometimes any finite `f64`
    /// (subnormals, extremes), all printed with `{:?}` which round-trips exactly.
    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -1e3f64..1e3,
            1 => Just(0.0),
            2 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
        ]
    }

    proptest! {
        #[test]
        fn round_trips_random_sparse_matrices(
            rows in proptest::collection::vec(
                (finite(), proptest::collection::btree_map(0u32..50, finite(), 0..8)),
                1..20)
        ) {
            let mut text = String::new();
            for (y, row) in &rows {
                text.push_str(&format!("{y:?}"));
                for (j, v) in row {
                    text.push_str(&format!(" {}:{v:?}", j + 1));
                }
                text.push('\n');
            }
            let d = read(&text).expect("valid");
            prop_assert_eq!(d.x.nrows, rows.len());
            let p = rows.iter().filter_map(|(_, r)| r.keys().next_back()).map(|&j| j as usize + 1).max();
            prop_assert_eq!(d.x.ncols, p.unwrap_or(0));
            for (i, (y, row)) in rows.iter().enumerate() {
                prop_assert_eq!(d.y[i], *y);
                let want: Vec<(u32, f64)> = row.iter().filter(|(_, v)| **v != 0.0).map(|(j, v)| (*j, *v)).collect();
                let (idx, val) = d.x.row(i);
                let got: Vec<(u32, f64)> = idx.iter().copied().zip(val.iter().copied()).collect();
                prop_assert_eq!(got, want);
            }
        }

        #[test]
        fn garbage_never_panics(lines in proptest::collection::vec("[ -~]{0,40}", 0..10)) {
            let _ = read(&lines.join("\n"));
        }

        #[test]
        fn near_valid_garbage_never_panics(
            lines in proptest::collection::vec("[-+0-9.eE:# \t]{0,30}|(-?[0-9]{1,3}( -?[0-9]{1,12}:-?[0-9.eEinfa]{0,6}){0,5})", 0..10)
        ) {
            if let Ok(d) = read(&lines.join("\n")) {
                prop_assert_eq!(d.y.len(), d.x.nrows);
                prop_assert!(d.x.values.iter().all(|v| v.is_finite() && *v != 0.0));
            }
        }
    }
}
