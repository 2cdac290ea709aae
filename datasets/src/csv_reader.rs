//! Dense CSV with a header row: one column is the target, the others are features.

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use crate::error::{parse_err, parse_finite, Error, Result};
use crate::lines::parse_finite_f64;
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
    match parse_finite_f64(cell.as_bytes()) {
        Some(v) => Ok(v),
        None => parse_finite(cell, &format!("column '{}'", column.escape_debug())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str, t: Option<&str>) -> Result<LabeledData> {
        read_csv(s.as_bytes(), Path::new("d.csv"), t)
    }

    #[test]
    fn target_defaults_to_last_column() {
        let d = read("a,b,y\n1,0,3\n4,5,6\n", None).expect("valid");
        assert_eq!(d.y, vec![3.0, 6.0]);
        assert_eq!(d.feature_names.as_deref(), Some(&["a".to_string(), "b".to_string()][..]));
        assert_eq!(d.x.row(0), (&[0u32][..], &[1.0][..]));
        let d = read("a,b,y\n1,0,3\n4,5,6\n", Some("a")).expect("valid");
        assert_eq!(d.y, vec![1.0, 4.0]);
        assert_eq!(d.x.row(1), (&[0u32, 1][..], &[5.0, 6.0][..]));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = read("a,y\n1,2\n3,x\n", None).expect_err("bad cell").to_string();
        assert!(e.starts_with("d.csv:3: column 'y' 'x' is not a number"), "{e}");
        let e = read("a,y\n1,2\n3\n", None).expect_err("short row").to_string();
        assert!(e.starts_with("d.csv:3:"), "{e}");
        let e = read("a,y\n1,2\n", Some("z")).expect_err("no column").to_string();
        assert!(e.contains("no column named 'z'"), "{e}");
        let e = read("a,y\n", None).expect_err("no rows").to_string();
        assert!(e.contains("no data records"), "{e}");
        let e = read("a,y\n1,NaN\n", None).expect_err("nan").to_string();
        assert!(e.starts_with("d.csv:2: column 'y' is NaN"), "{e}");
        let e = read("a,y\n1,2\n\n3,4,5\n", None).expect_err("long row").to_string();
        assert!(e.starts_with("d.csv:4:"), "{e}");
        let e = read("a,y\n,2\n", None).expect_err("empty cell").to_string();
        assert!(e.starts_with("d.csv:2: column 'a' '' is not a number"), "{e}");
        let e = read("a,y\n1,inf\n", None).expect_err("inf").to_string();
        assert!(e.starts_with("d.csv:2: column 'y' is inf"), "{e}");
        let e = read("", None).expect_err("empty file").to_string();
        assert!(e.contains("no data records"), "{e}");
        // Line numbers stay right after blank lines and with CRLF / CR line ends, where the
        // csv crate's own positions are off.
        let cases = [
            ("a,y\n1,2\n\n\n3,x\n", "d.csv:5: column 'y' 'x'"),
            ("a,y\r\n1,2\r\n\r\n3,4\r\n5,x\r\n", "d.csv:5: column 'y' 'x'"),
            ("a,y\r1,2\r\r3,x", "d.csv:4: column 'y' 'x'"),
            ("\u{feff}a,y\r\n1,2\r\n\r\n3,4,5\r\n", "d.csv:4: CSV error"),
            ("\n\na,y\n1,x\n", "d.csv:4: column 'y' 'x'"),
            ("a,y\n1,x", "d.csv:2: column 'y' 'x'"),
            ("a,\"y\nz\"\n1,\"2\n3\"\n", "d.csv:3: column 'y\\nz' '2\\n3' is not a number"),
        ];
        for (input, expect) in cases {
            let e = read(input, None).expect_err(input).to_string();
            assert!(e.starts_with(expect), "{input:?}: {e:?} should start with {expect:?}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn bom_crlf_spaces_and_zero_columns() {
        let d = read("\u{feff}a, b ,y\r\n0, 0 ,1\r\n0,2e0,-1\r\n", Some("y")).expect("valid");
        assert_eq!(d.feature_names.as_deref(), Some(&["a".to_string(), "b".to_string()][..]));
        assert_eq!((d.x.nrows, d.x.ncols, d.x.nnz()), (2, 2, 1));
        assert_eq!(d.y, vec![1.0, -1.0]);
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(lines in proptest::collection::vec("[ -~\r]{0,20}|[0-9.,eE\"-]{0,12}", 0..8), t in proptest::option::of("[a-c]")) {
            let _ = read(&lines.join("\n"), t.as_deref());
        }
    }
}
