//! Output files, written atomically: a temporary file in the target's directory, renamed over
//! the target once complete, so a failed run never leaves a partial or corrupt file.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` atomically with the bytes produced by `fill`.
///
/// # Errors
/// [`Error::Write`] naming the path if the directory is not writable, `fill` fails, or
/// the rename fails.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let tmp = write_temp(path, fill)?;
    tmp.persist(path).map_err(|e| Error::Write { path: path.to_path_buf(), source: e.error })?;
    Ok(())
}

/// The bytes of `fill`, written and synced to a temporary file beside `path`.
fn write_temp(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<tempfile::NamedTempFile> {
    let err = |source: std::io::Error| Error::Write { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new().prefix(".strads-").suffix(".tmp").tempfile_in(dir).map_err(err)?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    Ok(tmp)
}

/// A file of a set: its name and what fills it.
pub type Part<'a> = (&'a str, Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + 'a>);

/// Writes a set of files into `dir` (created if missing): every file is written to a
/// temporary file first, and only when all are complete are they renamed into place, so a
/// failure leaves none of them.
///
/// # Errors
/// As [`write_atomic`], naming the file (or the directory) that failed.
pub fn write_atomic_set(dir: &Path, parts: Vec<Part<'_>>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_path_buf(), source })?;
    let mut done = Vec::with_capacity(parts.len());
    for (name, fill) in parts {
        let path = dir.join(name);
        let tmp = write_temp(&path, fill)?;
        done.push((path, tmp));
    }
    for (path, tmp) in done {
        tmp.persist(&path).map_err(|e| Error::Write { path, source: e.error })?;
    }
    Ok(())
}

/// Writes `rows` as CSV with a header row (from the serde field names).
///
/// # Errors
/// As [`write_atomic`].
pub fn write_csv<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for r in rows {
            csv.serialize(r).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
}

/// Writes `value` as pretty JSON followed by a newline.
///
/// # Errors
/// As [`write_atomic`].
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("model.txt");
        let e = write_atomic(&path, |w| {
            writeln!(w, "half a model")?;
            Err(std::io::Error::other("the fit failed"))
        });
        assert!(e.expect_err("fails").to_string().contains("the fit failed"));
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0, "no temporary file left");
        write_json(&path, &[1, 2]).expect("writes");
        assert_eq!(std::fs::read_to_string(&path).expect("written"), "[\n  1,\n  2\n]\n");
    }

    #[test]
    fn a_set_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("model");
        let parts: Vec<Part<'_>> = vec![
            ("a.txt", Box::new(|w: &mut dyn Write| writeln!(w, "a"))),
            ("b.txt", Box::new(|_: &mut dyn Write| Err(std::io::Error::other("no b")))),
        ];
        assert!(write_atomic_set(&out, parts).is_err());
        assert!(!out.join("a.txt").exists(), "no part of a failed set");
    }
}
