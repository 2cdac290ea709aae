//! The one place that finds the real data used by tests and benchmarks.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The shared data directory: `$STRADS_DATA` if set, else `../shared/data` beside the
/// repository.
///
/// # Errors
/// [`Error::MissingData`] (with instructions) if the directory does not exist.
pub fn shared_data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("STRADS_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::MissingData { path: dir })
    }
}

/// `rel` inside the shared data directory.
///
/// # Errors
/// [`Error::MissingData`] (with instructions) if the file does not exist.
pub fn shared_data_path(rel: &str) -> Result<PathBuf> {
    let p = shared_data_dir()?.join(rel);
    if p.exists() {
        Ok(p)
    } else {
        Err(Error::MissingData { path: p })
    }
}
