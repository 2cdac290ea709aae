//! The one place that finds the real data used by tests and benchmarks.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The shared data directory: `$STRADS_DATA` if set (the data directory itself), else
/// `../shared/data` beside the repository (found from this crate's source location, so it
/// works from any crate's tests and benches).
///
/// # Errors
/// [`Error::MissingData`] (with instructions) if the directory does not exist.
pub fn shared_data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("STRADS_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
    };
    if dir.is_dir() {
        // Tidy `.../datasets/../../shared/data` for messages; keep it as is if that fails.
        Ok(dir.canonicalize().unwrap_or(dir))
    } else {
        Err(Error::MissingData { path: dir })
    }
}

/// `rel` (e.g. `"lasso/diabetes_raw.libsvm"`) inside the shared data directory. Tests use
/// it as `shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"))`, so that missing data
/// fails loudly with instructions.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_data_or_explains_how_to_get_it() {
        let dir = shared_data_dir().unwrap_or_else(|e| panic!("{e}"));
        assert!(dir.join("README.md").is_file(), "{}", dir.display());
        let p = shared_data_path("lasso/diabetes_raw.libsvm").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.is_file());
        let e = shared_data_path("lasso/no-such-file.libsvm").expect_err("missing").to_string();
        assert!(e.contains("lasso/no-such-file.libsvm") && e.contains("set STRADS_DATA"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
