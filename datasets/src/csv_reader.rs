//! Dense CSV with a header row: one column is the target, the others are features.

use std::io::Read;
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
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(reader);
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        parse_err(source, line, e.to_string())
    };
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
    while rdr.read_record(&mut rec).map_err(csv_err)? {
        let line = rec.position().map_or(0, |p| p.line() as usize);
        row.clear();
        let mut col = 0u32;
        for (k, cell) in rec.iter().enumerate() {
            let v = parse_finite(cell, &format!("column '{}'", headers[k])).map_err(|m| parse_err(source, line, m))?;
            if k == t {
                y.push(v);
            } else {
                if v != 0.0 {
                    row.push((col, v));
                }
                col += 1;
            }
        }
        x.push_row(row.iter().copied());
    }
    if x.nrows == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(LabeledData { x, y, feature_names: Some(names) })
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
    }
}
