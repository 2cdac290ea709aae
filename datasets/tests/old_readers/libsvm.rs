//! The reader as it was before the chunked rewrite (commit 082fd37, `datasets/src/libsvm.rs`, unit tests
//! removed): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code, missing_docs, clippy::all)]

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;

use crate::error::{parse_err, parse_finite, Error, Result};
use crate::io::next_line;
use crate::{CsrMatrix, LabeledData};

/// Reads LIBSVM data from `reader`; `source` names the input in error messages.
///
/// The result has `p` = the largest feature index seen; explicit zeros are dropped.
///
/// # Errors
/// [`Error::Parse`] with the 1-based line for a malformed token, a feature index 0 or not
/// increasing, a number that does not parse, or a NaN/infinite value or label;
/// [`Error::Empty`] if there are no records.
pub fn read_libsvm<R: BufRead>(reader: R, source: &Path) -> Result<LabeledData> {
    read_libsvm_rows(reader, source, None)
}

/// [`read_libsvm`] keeping only the records (0-based) in `keep` (all if `None`); every
/// record is still parsed and checked, and `p` is the largest index of the whole file.
pub(crate) fn read_libsvm_rows<R: BufRead>(
    mut reader: R,
    source: &Path,
    keep: Option<&Range<usize>>,
) -> Result<LabeledData> {
    let mut x = CsrMatrix::with_cols(0);
    let mut records = 0usize;
    let mut y = Vec::new();
    let mut buf = String::new();
    let mut line = 0;
    let mut row: Vec<(u32, f64)> = Vec::new();
    while next_line(&mut reader, &mut buf, source, line + 1)? {
        line += 1;
        let content = match buf.find('#') {
            Some(k) => &buf[..k],
            None => &buf[..],
        };
        let mut toks = content.split_ascii_whitespace();
        let Some(label) = toks.next() else { continue };
        let err = |msg: String| parse_err(source, line, msg);
        let label = parse_finite(label, "label").map_err(|mut m| {
            if label.contains(':') {
                m.push_str(" (each line starts with the target value)");
            }
            err(m)
        })?;
        let kept = keep.map_or(true, |k| k.contains(&records));
        records += 1;
        row.clear();
        let mut last = 0u64;
        for tok in toks {
            let (i, v) =
                tok.split_once(':').ok_or_else(|| err(format!("token '{tok}' is not of the form index:value")))?;
            if i == "qid" {
                return Err(err(format!("token '{tok}': qid (ranking query ids) is not supported")));
            }
            let idx: u64 = i.parse().map_err(|_| err(format!("feature index '{i}' is not a positive integer")))?;
            if idx == 0 {
                return Err(err("feature index 0 (indices are 1-based)".into()));
            }
            if idx > u64::from(u32::MAX) {
                return Err(err(format!("feature index {idx} is too large")));
            }
            if idx <= last {
                return Err(err(format!("feature index {idx} after {last} (indices must increase)")));
            }
            last = idx;
            // Fast path without formatting; the message is only built for a bad value.
            let v = match v.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => parse_finite(v, &format!("value of feature {idx}")).map_err(err)?,
            };
            if v != 0.0 {
                row.push(((idx - 1) as u32, v));
            }
        }
        // Features seen only with explicit zeros still count towards p.
        x.ncols = x.ncols.max(last as usize);
        if kept {
            y.push(label);
            x.push_row(row.iter().copied());
        }
    }
    if records == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    let row_offset = keep.map_or(0, |k| k.start.min(records));
    Ok(LabeledData { x, y, feature_names: None, rows_total: records, row_offset })
}
