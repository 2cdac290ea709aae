//! Data readers and sparse matrix types for strads.
//!
//! Every reader takes a [`std::io::BufRead`] (or a path, opened with transparent gzip
//! decompression by [`open`]) and returns a [`Result`]; the first bad record is reported
//! with its file and 1-based line number.
//!
//! | format | reader | layout |
//! |---|---|---|
//! | LIBSVM / svmlight | [`read_libsvm`] | `y idx:val ...`, 1-based indices |
//! | MatrixMarket | [`read_mtx_matrix`], [`read_mtx_vector`] | `coordinate` / `array`, `general` |
//! | CSV with header | [`read_csv`] | target column by name, default the last |

mod csv_reader;
mod error;
mod io;
mod libsvm;
pub mod matrix;
mod mtx;
mod shared;

use std::path::{Path, PathBuf};

pub use csv_reader::read_csv;
pub use error::{Error, Result};
pub use io::open;
pub use libsvm::read_libsvm;
pub use matrix::{even_ranges, CscMatrix, CsrMatrix};
pub use mtx::{read_mtx_matrix, read_mtx_vector};
pub use shared::{shared_data_dir, shared_data_path};

/// A design matrix with one target per row.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    /// Samples × features, CSR.
    pub x: CsrMatrix,
    /// Targets, length `x.nrows`.
    pub y: Vec<f64>,
    /// Feature names, when the format has them (CSV headers).
    pub feature_names: Option<Vec<String>>,
}

/// An input format for labeled data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// LIBSVM / svmlight.
    Libsvm,
    /// MatrixMarket X with a separate y vector.
    Mtx,
    /// CSV with a header.
    Csv,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "libsvm" | "svmlight" => Ok(Self::Libsvm),
            "mtx" | "mm" | "matrixmarket" => Ok(Self::Mtx),
            "csv" => Ok(Self::Csv),
            other => Err(Error::FormatName(other.to_string())),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Libsvm => "libsvm",
            Self::Mtx => "mtx",
            Self::Csv => "csv",
        })
    }
}

impl Format {
    /// The format named by the file extension (a trailing `.gz` is ignored):
    /// `.libsvm`/`.svm`/`.svmlight` → LIBSVM, `.mtx`/`.mmt`/`.mm` → MatrixMarket,
    /// `.csv` → CSV; otherwise `None`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "libsvm" | "svm" | "svmlight" => Some(Self::Libsvm),
            "mtx" | "mmt" | "mm" => Some(Self::Mtx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// How to read a labeled data file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// The format; `None` tells it from the file name.
    pub format: Option<Format>,
    /// CSV: the target column (default the last).
    pub target: Option<String>,
    /// MatrixMarket: the y file (default: the X file name with `.X.` replaced by `.Y.`).
    pub labels: Option<PathBuf>,
}

/// Reads labeled data from `path` in the format of `opts`.
///
/// # Errors
/// [`Error::UnknownFormat`] if the format is neither given nor clear from the name,
/// [`Error::MissingLabels`] for MatrixMarket without a y file, [`Error::Mismatch`] if y and
/// X have different lengths, and every error of the readers.
pub fn load_labeled(path: &Path, opts: &LoadOptions) -> Result<LabeledData> {
    let format = opts
        .format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| Error::UnknownFormat { path: path.to_path_buf() })?;
    match format {
        Format::Libsvm => read_libsvm(open(path)?, path),
        Format::Csv => read_csv(open(path)?, path, opts.target.as_deref()),
        Format::Mtx => {
            let ypath = match &opts.labels {
                Some(p) => p.clone(),
                None => {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    let sibling = path.with_file_name(name.replace(".X.", ".Y."));
                    if name.contains(".X.") && sibling.exists() {
                        sibling
                    } else {
                        return Err(Error::MissingLabels { path: path.to_path_buf(), tried: sibling });
                    }
                }
            };
            let x = read_mtx_matrix(open(path)?, path)?;
            let y = read_mtx_vector(open(&ypath)?, &ypath)?;
            if y.len() != x.nrows {
                return Err(Error::Mismatch {
                    path: ypath,
                    msg: format!("{} targets for the {} rows of {}", y.len(), x.nrows, path.display()),
                });
            }
            Ok(LabeledData { x, y, feature_names: None })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load(rel: &str) -> LabeledData {
        let p = shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        load_labeled(&p, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn real_lasso_files_have_their_documented_shapes() {
        let cases = [
            ("lasso/diabetes_raw.libsvm", 442, 10, Some(4420)),
            ("lasso/cox2_ic50.libsvm", 462, 255, Some(97_403)),
            ("lasso/bloodbrain.libsvm", 208, 134, Some(22_653)),
            ("lasso/tecator_fat.libsvm", 215, 100, Some(21_500)),
            ("lasso/california_housing.csv", 20_640, 8, None),
        ];
        for (rel, n, p, nnz) in cases {
            let d = load(rel);
            assert_eq!((d.x.nrows, d.x.ncols, d.y.len()), (n, p, n), "{rel}");
            if let Some(nnz) = nnz {
                assert_eq!(d.x.nnz(), nnz, "{rel}");
            }
        }
        let c = load("lasso/california_housing.csv");
        assert_eq!(c.feature_names.as_ref().map(Vec::len), Some(8));
        assert!(c.y.iter().all(|&v| v > 0.0 && v <= 5.00001), "MedHouseVal in $100k");
    }

    #[test]
    fn leukemia_gzip_is_read_transparently() {
        let d = load("lasso/all_leukemia_age.libsvm.gz");
        assert_eq!((d.x.nrows, d.x.ncols, d.x.nnz()), (123, 12_625, 1_552_875));
        assert!(d.y.iter().all(|&a| (5.0..=58.0).contains(&a)));
    }

    #[test]
    fn gzip_round_trip_and_format_detection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("d.libsvm.gz");
        let f = std::fs::File::create(&p).expect("create");
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        gz.write_all(b"1 1:2\n3 2:4\n").expect("write");
        gz.finish().expect("finish");
        let d = load_labeled(&p, &LoadOptions::default()).expect("gzip libsvm");
        assert_eq!(d.y, vec![1.0, 3.0]);
        assert_eq!(Format::from_path(Path::new("a.X.mmt")), Some(Format::Mtx));
        assert_eq!(Format::from_path(Path::new("a.txt")), None);
        let e = load_labeled(&dir.path().join("a.txt"), &LoadOptions::default()).expect_err("unknown");
        assert!(e.to_string().contains("pass --format"), "{e}");
        let e = load_labeled(&dir.path().join("missing.libsvm"), &LoadOptions::default()).expect_err("missing");
        assert!(e.to_string().starts_with("cannot read "), "{e}");
    }

    #[test]
    fn mtx_pairs_x_with_its_y_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let x = dir.path().join("t.X.mmt");
        std::fs::write(&x, "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 3\n").expect("x");
        let e = load_labeled(&x, &LoadOptions::default()).expect_err("no y");
        assert!(e.to_string().contains("--labels"), "{e}");
        std::fs::write(dir.path().join("t.Y.mmt"), "%%MatrixMarket matrix array real general\n2 1\n5\n6\n").expect("y");
        let d = load_labeled(&x, &LoadOptions::default()).expect("x and y");
        assert_eq!(d.y, vec![5.0, 6.0]);
        std::fs::write(dir.path().join("t.Y.mmt"), "%%MatrixMarket matrix array real general\n3 1\n5\n6\n7\n").expect("y");
        let e = load_labeled(&x, &LoadOptions::default()).expect_err("length");
        assert!(e.to_string().contains("3 targets for the 2 rows"), "{e}");
    }
}
