//! The reader as it was before the chunked rewrite (commit 082fd37, `datasets/src/csv_reader.rs`, unit tests
//! removed): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code, missing_docs, clippy::all)]

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use crate::error::{parse_err, parse_finite, Error, Result};
use crate::{CsrMatrix, LabeledData};

/// Reads CSV from `reader`; `target` names the target column (default: the last column).
/// Zeros are dropped from the sparse storage; `feature_names` holds the other headers.
///
/// # Errors
/// [`Error::Parse`] naming the line (and column) of a cell that is not a finite number or a
/// record with the wrong number of fields; [`Error::Mismatch`] if the target column does not
/// exist; [`Error::Empty`] without data rows.
pub fn read_csv<R: Read>(reader: R, source: &Path, target: Option<&str>) -> Result<LabeledData> {
    read_csv_rows(reader, source, target, None)
}

/// [`read_csv`] keeping only the records (0-based, after the header) in `keep` (all if
/// `None`); every record is still parsed and checked.
pub(crate) fn read_csv_rows<R: Read>(
    mut reader: R,
    source: &Path,
    target: Option<&str>,
    keep: Option<&Range<usize>>,
) -> Result<LabeledData> {
    // The whole text is kept so that error lines can be computed from byte offsets: the csv
    // crate's own line numbers are wrong after blank lines and with CR line ends
    // (BurntSushi/rust-csv#208). Dense CSV that fits in memory as f64 fits as text too.
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| Error::Io { path: source.to_path_buf(), source: e })?;
    let line_of = |pos: Option<&csv::Position>| pos.map_or(1, |p| line_at(&bytes, p.byte()));
    let csv_err = |e: csv::Error| parse_err(source, line_of(e.position()), e.to_string());

    let mut rdr = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(&bytes[..]);
    let headers: Vec<String> = rdr.headers().map_err(csv_err)?.iter().map(str::to_string).collect();
    if headers.is_empty() || headers.iter().all(String::is_empty) {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    let t = match target {
        Some(name) => headers.iter().position(|h| h == name).ok_or_else(|| Error::Mismatch {
            path: source.to_path_buf(),
            msg: format!("no column named '{name}' for --target (columns: {})", headers.join(", ")),
        })?,
        None => headers.len() - 1,
    };
    let names: Vec<String> = headers.iter().enumerate().filter(|(k, _)| *k != t).map(|(_, h)| h.clone()).collect();
    let mut x = CsrMatrix::with_cols(names.len());
    let mut y = Vec::new();
    let mut row = Vec::with_capacity(names.len());
    let mut rec = csv::StringRecord::new();
    // Records have as many fields as the header: the reader is not `flexible`.
    let mut records = 0usize;
    while rdr.read_record(&mut rec).map_err(csv_err)? {
        let kept = keep.map_or(true, |k| k.contains(&records));
        records += 1;
        row.clear();
        let mut col = 0u32;
        for (k, (cell, name)) in rec.iter().zip(&headers).enumerate() {
            let v = cell_value(cell, name).map_err(|m| parse_err(source, line_of(rec.position()), m))?;
            if k == t {
                if kept {
                    y.push(v);
                }
            } else {
                if v != 0.0 {
                    row.push((col, v));
                }
                col += 1;
            }
        }
        if kept {
            x.push_row(row.iter().copied());
        }
    }
    if records == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    let row_offset = keep.map_or(0, |k| k.start.min(records));
    Ok(LabeledData { x, y, feature_names: Some(names), rows_total: records, row_offset })
}

/// A cell as a finite number, or what is wrong with it (the message is only built then).
fn cell_value(cell: &str, column: &str) -> std::result::Result<f64, String> {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => parse_finite(cell, &format!("column '{}'", column.escape_debug())),
    }
}

/// The 1-based line of the record the csv reader reports at `byte`: that offset may point at
/// line ends (blank lines, the `\n` of a `\r\n`) skipped before the record, so those are
/// skipped first. `\n`, `\r\n` and a lone `\r` each end a line.
fn line_at(bytes: &[u8], byte: u64) -> usize {
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    let head = &bytes[..start];
    let lone_cr =
        head.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count() + usize::from(head.last() == Some(&b'\r'));
    1 + head.iter().filter(|&&b| b == b'\n').count() + lone_cr
}
