//! Errors of the readers: each displays as one line naming the file and, where there is
//! one, the 1-based line of the first bad record.

use std::path::PathBuf;

/// Errors of the readers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A malformed record.
    #[error("{}:{line}: {msg}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        msg: String,
    },
    /// The file holds no data records.
    #[error("{}: no data records (empty file?)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Inputs that do not fit together (e.g. X and y of different lengths).
    #[error("{}: {msg}", path.display())]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What does not fit.
        msg: String,
    },
    /// The format cannot be told from the file name.
    #[error("{}: cannot tell the format from the file name; pass --format (libsvm, mtx or csv)", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Options that do not apply to the input (e.g. a CSV target column for LIBSVM data).
    #[error("{0}")]
    Options(String),
    /// A bad setting of a generator: strads's one parameter error type, its name as on the
    /// command line (`nnz-per-col`); displayed without the dashes, `invalid rows 0: ...`.
    #[error("invalid {} {}: must be {}", .0.name, .0.value, .0.expect)]
    InvalidParameter(#[from] strads_core::InvalidParameter),
    /// An unknown format name.
    #[error("unknown format '{0}': expected libsvm, mtx or csv")]
    FormatName(String),
    /// A MatrixMarket X file without its y file.
    #[error("{}: MatrixMarket data needs its target vector: pass --labels FILE ({})", path.display(), labels_hint(tried.as_deref()))]
    MissingLabels {
        /// The X file.
        path: PathBuf,
        /// The sibling y file looked for (`None` if the name has no `.X.` to replace).
        tried: Option<PathBuf>,
    },
    /// The shared data directory or a file in it is missing.
    #[error("test data {} not found: place the strads shared data directory beside the repository (../shared/data) or set STRADS_DATA to it; see README 'Data'", path.display())]
    MissingData {
        /// The path tried.
        path: PathBuf,
    },
}

/// The parenthesis of [`Error::MissingLabels`].
fn labels_hint(tried: Option<&std::path::Path>) -> String {
    match tried {
        Some(p) => format!("{} does not exist", p.display()),
        None => "the file name has no '.X.' to derive the '.Y.' file name from".to_string(),
    }
}

/// Result alias of the readers.
pub type Result<T> = std::result::Result<T, Error>;

/// A [`Error::Parse`] for `path` at `line`.
pub(crate) fn parse_err(path: &std::path::Path, line: usize, msg: impl Into<String>) -> Error {
    Error::Parse { path: path.to_path_buf(), line, msg: msg.into() }
}

/// The parenthesis of a "too large" error: `at most 268435456 = 2^28<unit>, strads_datasets::MAX_DIM`
/// (`unit` e.g. `" features"`).
#[cold]
pub(crate) fn limit(unit: &str) -> String {
    format!("at most {} = 2^{}{unit}, strads_datasets::MAX_DIM", crate::MAX_DIM, crate::MAX_DIM.trailing_zeros())
}

/// Parses a finite `f64`, or explains what the token was.
pub(crate) fn parse_finite(tok: &str, what: &str) -> std::result::Result<f64, String> {
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(format!("{what} is {v} (only finite numbers are allowed)")),
        // Escaped so that the message stays on one line (CSV cells may hold newlines).
        Err(_) => Err(format!("{what} '{}' is not a number", tok.escape_debug())),
    }
}
