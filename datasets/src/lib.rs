//! Data readers and sparse matrix types for strads.
//!
//! Every reader takes a [`std::io::BufRead`] (or a path, opened with transparent gzip
//! decompression) and returns a [`Result`]; the first bad record is reported with its file
//! and 1-based line number.

pub mod matrix;

pub use matrix::{even_ranges, CscMatrix, CsrMatrix};
