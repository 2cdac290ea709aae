//! The helpers of `datasets/src/error.rs` as they were before the chunked rewrite (commit
//! 082fd37), over the crate's own `Error`: the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code)]

pub use strads_datasets::{Error, Result};

pub(crate) fn parse_err(path: &std::path::Path, line: usize, msg: impl Into<String>) -> Error {
    Error::Parse { path: path.to_path_buf(), line, msg: msg.into() }
}

pub(crate) fn parse_finite(tok: &str, what: &str) -> std::result::Result<f64, String> {
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(format!("{what} is {v} (only finite numbers are allowed)")),
        Err(_) => Err(format!("{what} '{}' is not a number", tok.escape_debug())),
    }
}
