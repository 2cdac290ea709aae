//! Data readers and sparse matrix types for strads.
//!
//! Every reader takes a [`std::io::BufRead`] (or a path, opened with transparent gzip
//! decompression by [`open`], the inflating done by a thread of its own) and returns a
//! [`Result`]; the first bad record is reported with its file and 1-based line number.
//! Readers take their input in 1 MiB chunks, find lines with `memchr` and parse numbers
//! from the bytes (`lexical-core`, with the standard library's parser deciding anything
//! unusual), without a `String` per line; `examples/load_speed.rs` times them.
//!
//! | format | reader | layout |
//! |---|---|---|
//! | LIBSVM / svmlight | [`read_libsvm`] | `y idx:val ...`, 1-based indices |
//! | MatrixMarket | [`read_mtx_matrix`], [`read_mtx_vector`] | `coordinate` / `array`, `general` |
//! | CSV with header | [`read_csv`] | target column by name, default the last |
//! | UCI bag-of-words | [`read_uci`] | `docword` files, `D`, `W`, `NNZ` header |
//! | LDA-C | [`read_ldac`] | `N id:count ...`, 0-based |
//! | STRADS token lists | [`read_tokens`] | two skipped fields, then word ids |
//! | ratings | [`load_ratings`], [`load_ratings_shard`] (a range of workers' byte shares) | MovieLens `u.data` / `ratings.dat`, CSV, triplets, MatrixMarket |
//!
//! Every dimension a file declares or implies (features, matrix rows and columns, words,
//! documents, the count of one word in one document) is at most [`MAX_DIM`] = 2²⁸; a larger
//! one is an error naming the file and line, before anything of that size is allocated. A
//! missing input file is reported as missing ([`Error::Io`]) before its format is guessed.
//!
//! Generators: [`lasso_synth`] (seeded sparse Lasso problems with correlated column groups,
//! written back as LIBSVM or MatrixMarket), [`logreg_synth`] (the same designs with labels ±1
//! from the logistic model) and [`synthetic_ratings`] (Netflix-shaped ratings).

mod corpus;
mod csv_reader;
mod error;
mod io;
mod lasso_synth;
pub mod lda_synth;
mod libsvm;
mod lines;
pub mod matrix;
mod mtx;
mod ratings;
mod shard;
mod shared;
mod synthetic;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use corpus::{
    check_nnz, load_corpus, read_corpus_shards, read_ldac, read_tokens, read_uci, read_vocab, vocab_fits, Corpus,
    CorpusFormat, CorpusShards,
};
pub use csv_reader::read_csv;
pub use error::{Error, Result};
pub use io::open;
pub use lasso_synth::{lasso_synth, logreg_synth, LassoProblem, LassoSynthParams, LogRegSynthParams};
pub use lda_synth::{zipf_weights, CorpusStats, LdaSynth, LdaSynthParams};
pub use libsvm::read_libsvm;
pub use matrix::{even_ranges, weighted_ranges, CscMatrix, CsrMatrix};
pub use mtx::{read_mtx_matrix, read_mtx_vector};
pub use ratings::{load_ratings, load_ratings_shard, read_ratings, IdMap, Ratings, RatingsFormat, RatingsShard};
pub use shard::{head, Boundaries, ShareRead, TextShares};
pub use shared::{shared_data_dir, shared_data_path};
pub use synthetic::{synthetic_ratings, SyntheticShape, NETFLIX_ITEMS, NETFLIX_USERS};

/// The largest dimension the readers accept: features (LIBSVM indices, MatrixMarket columns),
/// MatrixMarket rows, words (UCI `W`, LDA-C and token-list word ids + 1), documents (UCI `D`),
/// and the count of one word in one document: 2²⁸ = 268,435,456.
///
/// Indices are stored as `u32`, but the apps allocate dense state per feature or word (the
/// Lasso about 110 bytes a feature, measured at 2²⁴ features; LDA about 60 bytes a word),
/// so a file implying 2³² features could only end in an allocation abort. 2²⁸ keeps a run
/// at the limit within tens of GiB and is 5× the widest public LIBSVM data (kdd2012,
/// 54.7M features); an index beyond it is a corrupt file or ids that need remapping.
pub const MAX_DIM: usize = 1 << 28;

/// [`Error::Io`] naming `path` unless it exists: checked before a format is guessed from the
/// name, so that a missing file is reported as missing.
fn must_exist(path: &Path) -> Result<()> {
    std::fs::metadata(path).map(|_| ()).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// `given`, or the format `from_name` reads off `path`'s name, once `path` is known to exist
/// ([`must_exist`]).
///
/// # Errors
/// [`Error::Io`] for a missing `path`; [`Error::Options`] asking for `--format` (one of
/// `choices`) when the name tells no `what` format.
fn format_of<F>(
    path: &Path,
    given: Option<F>,
    from_name: impl FnOnce(&Path) -> Option<F>,
    what: &str,
    choices: &str,
) -> Result<F> {
    must_exist(path)?;
    given.or_else(|| from_name(path)).ok_or_else(|| {
        Error::Options(format!(
            "{}: cannot tell the {what} format from the file name; pass --format ({choices})",
            path.display()
        ))
    })
}

/// A design matrix with one target per row: `x` is `n × p` (samples × features), `y` has
/// length `n`; or, when read with [`LoadOptions::shards`], the rows
/// `row_offset..row_offset + x.nrows` of a file of `rows_total` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    /// Samples × features, CSR (`p` columns, from the whole file).
    pub x: CsrMatrix,
    /// Targets, length `x.nrows`.
    pub y: Vec<f64>,
    /// Feature names (length `p`), when the format has them (CSV headers).
    pub feature_names: Option<Vec<String>>,
    /// Rows in the whole file.
    pub rows_total: usize,
    /// The file row (0-based) of `x`'s first row.
    pub row_offset: usize,
}

/// A contiguous run of row shards: the `n` rows of a file split by [`even_ranges`] into
/// `of` shards (worker `k` owns shard `k`), of which the shards `shards` are wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowShards {
    /// The wanted shards (may be empty: then only `n` and `p` are read).
    pub shards: Range<usize>,
    /// Shards in all (`P`, ≥ 1).
    pub of: usize,
}

impl RowShards {
    /// The file rows of the wanted shards, for a file of `n` rows.
    pub fn rows(&self, n: usize) -> Range<usize> {
        if self.shards.is_empty() || self.of == 0 {
            return 0..0;
        }
        let r = even_ranges(n, self.of);
        let end = self.shards.end.min(self.of);
        let start = self.shards.start.min(end);
        if start == end {
            return 0..0;
        }
        r[start].start..r[end - 1].end
    }
}

/// An input format for labeled data. Parses from (and displays as) its command-line name
/// `libsvm`, `mtx` or `csv` (`svmlight`, `mm` and `matrixmarket` are accepted too, in any
/// case), so it can be used directly as a clap `value_parser`.
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
        match s.to_ascii_lowercase().as_str() {
            "libsvm" | "svmlight" => Ok(Self::Libsvm),
            "mtx" | "mm" | "matrixmarket" => Ok(Self::Mtx),
            "csv" => Ok(Self::Csv),
            _ => Err(Error::FormatName(s.to_string())),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Format {
    /// Every format, in the order of [`Format::name`]'s list.
    pub const ALL: [Format; 3] = [Format::Libsvm, Format::Mtx, Format::Csv];

    /// The command-line name: `"libsvm"`, `"mtx"` or `"csv"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Libsvm => "libsvm",
            Self::Mtx => "mtx",
            Self::Csv => "csv",
        }
    }

    /// The format named by the file extension (a trailing `.gz` is ignored):
    /// `.libsvm`/`.svm`/`.svmlight` → LIBSVM, `.mtx`/`.mmt`/`.mm` → MatrixMarket,
    /// `.csv` → CSV; otherwise `None` (`.txt` and the like are ambiguous: no guess).
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

/// How to read a labeled data file (all fields default to `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// The format; `None` tells it from the file name.
    pub format: Option<Format>,
    /// CSV: the target column (default the last).
    pub target: Option<String>,
    /// MatrixMarket: the y file (default: the X file name with `.X.` replaced by `.Y.`).
    pub labels: Option<PathBuf>,
    /// Keep only these row shards (a worker rank's own rows); `None` keeps every row.
    /// Every row is still parsed and checked; LIBSVM and CSV files are read twice (first to
    /// count the rows), MatrixMarket once (its size line gives the rows).
    pub shards: Option<RowShards>,
}

/// Reads labeled data from `path` (gzip or not) in the format of `opts`, else the one named
/// by the file extension. MatrixMarket X is paired with its y vector from `opts.labels`, or
/// else from the sibling file named by [`labels_sibling`].
///
/// # Errors
/// [`Error::Io`] if the file is missing or unreadable; [`Error::UnknownFormat`] if the format
/// is neither given nor clear from the name;
/// [`Error::Options`] if `target` is given for a format other than CSV or `labels` for one
/// other than MatrixMarket; [`Error::MissingLabels`] for MatrixMarket without a y file;
/// [`Error::Mismatch`] if y and X have different lengths; and every error of [`open`] and
/// the readers.
pub fn load_labeled(path: &Path, opts: &LoadOptions) -> Result<LabeledData> {
    must_exist(path)?;
    let format = opts
        .format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| Error::UnknownFormat { path: path.to_path_buf() })?;
    if opts.target.is_some() && format != Format::Csv {
        return Err(Error::Options(format!("--target applies to csv input, not {format} ({})", path.display())));
    }
    if opts.labels.is_some() && format != Format::Mtx {
        return Err(Error::Options(format!("--labels applies to mtx input, not {format} ({})", path.display())));
    }
    let shards = opts.shards.as_ref();
    // LIBSVM and CSV do not declare their row count: count the rows first.
    let keep = |read: &dyn Fn(Option<&Range<usize>>) -> Result<LabeledData>| -> Result<LabeledData> {
        match shards {
            None => read(None),
            Some(s) => read(Some(&s.rows(read(Some(&(0..0)))?.rows_total))),
        }
    };
    match format {
        Format::Libsvm => keep(&|k| libsvm::read_libsvm_rows(open(path)?, path, k)),
        Format::Csv => keep(&|k| csv_reader::read_csv_rows(open(path)?, path, opts.target.as_deref(), k)),
        Format::Mtx => {
            let ypath = match &opts.labels {
                Some(p) => p.clone(),
                None => match labels_sibling(path) {
                    Some(sibling) if sibling.is_file() => sibling,
                    tried => return Err(Error::MissingLabels { path: path.to_path_buf(), tried }),
                },
            };
            let mut kept = 0..0;
            let (x, rows_total) = mtx::read_mtx_rows(open(path)?, path, |n| {
                kept = shards.map_or(0..n, |s| s.rows(n));
                kept.clone()
            })?;
            let y = read_mtx_vector(open(&ypath)?, &ypath)?;
            if y.len() != rows_total {
                return Err(Error::Mismatch {
                    path: ypath,
                    msg: format!("{} targets for the {} rows of {}", y.len(), rows_total, path.display()),
                });
            }
            let y = y[kept.clone()].to_vec();
            Ok(LabeledData { x, y, feature_names: None, rows_total, row_offset: kept.start })
        }
    }
}

/// The STRADS name of the y file of a MatrixMarket X file: `.X.` replaced by `.Y.` in the
/// file name (`data.X.mmt` → `data.Y.mmt`); `None` if the name has no `.X.`.
pub fn labels_sibling(x_path: &Path) -> Option<PathBuf> {
    let name = x_path.file_name()?.to_str()?;
    name.contains(".X.").then(|| x_path.with_file_name(name.replacen(".X.", ".Y.", 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load(rel: &str) -> LabeledData {
        let p = shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        load_labeled(&p, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads a real file and checks its shape `n × p` (and `nnz` when given).
    fn check_shape(rel: &str, n: usize, p: usize, nnz: Option<usize>) -> LabeledData {
        let d = load(rel);
        assert_eq!((d.x.nrows, d.x.ncols, d.y.len()), (n, p, n), "{rel}");
        if let Some(nnz) = nnz {
            assert_eq!(d.x.nnz(), nnz, "{rel}");
        }
        assert!(d.y.iter().chain(&d.x.values).all(|v| v.is_finite()), "{rel}");
        d
    }

    #[test]
    fn real_diabetes_raw() {
        let d = check_shape("lasso/diabetes_raw.libsvm", 442, 10, Some(4420));
        assert!(d.feature_names.is_none());
    }

    #[test]
    fn real_cox2_ic50() {
        check_shape("lasso/cox2_ic50.libsvm", 462, 255, Some(97_403));
    }

    #[test]
    fn real_bloodbrain() {
        check_shape("lasso/bloodbrain.libsvm", 208, 134, Some(22_653));
    }

    #[test]
    fn real_tecator_fat() {
        check_shape("lasso/tecator_fat.libsvm", 215, 100, Some(21_500));
    }

    #[test]
    fn real_california_housing_csv() {
        let d = check_shape("lasso/california_housing.csv", 20_640, 8, None);
        let names = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"];
        assert_eq!(d.feature_names.as_deref(), Some(&names.map(String::from)[..]));
        assert!(d.y.iter().all(|&v| v > 0.0 && v <= 5.00001), "MedHouseVal in $100k");
        // Naming the target explicitly gives the same data.
        let p = shared_data_path("lasso/california_housing.csv").unwrap_or_else(|e| panic!("{e}"));
        let opts = LoadOptions { target: Some("MedHouseVal".into()), ..LoadOptions::default() };
        assert_eq!(load_labeled(&p, &opts).unwrap_or_else(|e| panic!("{e}")), d);
        // Another target column moves MedHouseVal into the features.
        let opts = LoadOptions { target: Some("MedInc".into()), ..LoadOptions::default() };
        let m = load_labeled(&p, &opts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.feature_names.as_ref().and_then(|f| f.last()).map(String::as_str), Some("MedHouseVal"));
        assert_eq!(m.y[0], d.x.row(0).1[0]);
    }

    #[test]
    fn real_leukemia_gzip_is_read_transparently() {
        let d = check_shape("lasso/all_leukemia_age.libsvm.gz", 123, 12_625, Some(1_552_875));
        assert!(d.y.iter().all(|&a| (5.0..=58.0).contains(&a)), "age in years");
        // Dense rows written in full: every row holds every feature.
        assert!(d.x.indptr.windows(2).all(|w| w[1] - w[0] == 12_625));
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
        assert_eq!(Format::from_path(Path::new("dir.csv/noext")), None);
        assert_eq!(Format::from_path(Path::new("A.SVM.GZ")), Some(Format::Libsvm));
        assert_eq!(Format::from_path(Path::new("t.csv.gz")), Some(Format::Csv));
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().expect("round trip"), f);
        }
        assert_eq!("MatrixMarket".parse::<Format>().expect("alias"), Format::Mtx);
        let e = "arff".parse::<Format>().expect_err("unknown").to_string();
        assert_eq!(e, "unknown format 'arff': expected libsvm, mtx or csv");
        let opts = LoadOptions { target: Some("y".into()), ..LoadOptions::default() };
        let e = load_labeled(&p, &opts).expect_err("target for libsvm").to_string();
        assert!(e.starts_with("--target applies to csv input, not libsvm"), "{e}");
        let txt = dir.path().join("a.txt");
        // Missing: said so, whether or not the name tells the format.
        for name in ["a.txt", "missing.libsvm", "noext"] {
            let e = load_labeled(&dir.path().join(name), &LoadOptions::default()).expect_err("missing").to_string();
            assert!(e.starts_with("cannot read ") && e.contains(name) && e.contains("No such file"), "{e}");
        }
        std::fs::write(&txt, "1 1:2\n").expect("write");
        let e = load_labeled(&txt, &LoadOptions::default()).expect_err("unknown");
        assert!(e.to_string().contains("pass --format"), "{e}");
        let opts = LoadOptions { format: Some(Format::Libsvm), ..LoadOptions::default() };
        assert_eq!(load_labeled(&txt, &opts).expect("--format libsvm").y, vec![1.0]);
    }

    /// Every labeled format: an index or dimension near 2³² is a one-line error naming the
    /// file and line (not an allocation abort); a missing file says it is missing.
    #[test]
    fn huge_indices_and_missing_files_in_every_labeled_format() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        let h = "%%MatrixMarket matrix coordinate real general\n";
        for y in ["t.Y.mmt", "big.Y.mmt", "rows.Y.mmt"] {
            write(y, "%%MatrixMarket matrix array real general\n2 1\n1\n2\n");
        }
        let cases = [
            (write("big.libsvm", "1 1:1\n2 4000000000:1\n"), "big.libsvm:2: feature index 4000000000 is too large"),
            (write("big.X.mmt", &format!("{h}2 4000000000 1\n1 1 1\n")), "big.X.mmt:2: dimension 4000000000"),
            (write("rows.X.mmt", &format!("{h}4000000000 2 1\n1 1 1\n")), "rows.X.mmt:2: dimension 4000000000"),
            (write("t.X.mmt", &format!("{h}2 2 1\n1 4000000000 1\n")), "t.X.mmt:3: column index '4000000000'"),
        ];
        for (path, expect) in &cases {
            let e = load_labeled(path, &LoadOptions::default()).expect_err(expect).to_string();
            let expect = format!("{}/{expect}", dir.path().display());
            assert!(e.starts_with(&expect) && !e.contains('\n'), "{e:?} should start with {expect:?}");
        }
        let y = write("y.mtx", &format!("{h}4000000000 1 1\n1 1 1\n"));
        let opts = LoadOptions { labels: Some(y), ..LoadOptions::default() };
        let x = write("x.mtx", &format!("{h}2 2 1\n1 1 1\n"));
        let e = load_labeled(&x, &opts).expect_err("huge y").to_string();
        assert!(e.starts_with(&format!("{}:2: dimension 4000000000", dir.path().join("y.mtx").display())), "{e}");
        let opts = LoadOptions { labels: Some(dir.path().join("none.mtx")), ..LoadOptions::default() };
        let e = load_labeled(&x, &opts).expect_err("missing y").to_string();
        assert!(e.contains("none.mtx") && e.contains("No such file"), "{e}");
        for name in ["none.csv", "none.X.mmt", "none.libsvm.gz"] {
            let e = load_labeled(&dir.path().join(name), &LoadOptions::default()).expect_err(name).to_string();
            assert!(e.starts_with("cannot read ") && e.contains(name) && e.contains("No such file"), "{e}");
        }
    }

    /// Rows of shards `shards` of `of`, loaded alone, equal the same rows of the whole file.
    fn check_shards(path: &Path, opts: &LoadOptions, of: usize) {
        let whole = load_labeled(path, opts).unwrap_or_else(|e| panic!("{e}"));
        let n = whole.x.nrows;
        let ranges = even_ranges(n, of);
        for shards in [0..0, 0..1, 1..of, 0..of, of - 1..of] {
            let o = LoadOptions { shards: Some(RowShards { shards: shards.clone(), of }), ..opts.clone() };
            let part = load_labeled(path, &o).unwrap_or_else(|e| panic!("{e}"));
            let rows = if shards.is_empty() { 0..0 } else { ranges[shards.start].start..ranges[shards.end - 1].end };
            assert_eq!((part.rows_total, part.row_offset, part.x.nrows), (n, rows.start, rows.len()), "{shards:?}");
            assert_eq!(part.x.ncols, whole.x.ncols);
            assert_eq!(part.y, whole.y[rows.clone()].to_vec());
            for (i, r) in rows.enumerate() {
                assert_eq!(part.x.row(i), whole.x.row(r), "row {r}");
            }
        }
    }

    #[test]
    fn shards_read_only_their_rows_in_every_format() {
        let p = shared_data_path("lasso/cox2_ic50.libsvm").unwrap_or_else(|e| panic!("{e}"));
        check_shards(&p, &LoadOptions::default(), 3);
        let p = shared_data_path("lasso/california_housing.csv").unwrap_or_else(|e| panic!("{e}"));
        check_shards(&p, &LoadOptions::default(), 4);
        let dir = tempfile::tempdir().expect("tempdir");
        let x = dir.path().join("t.X.mmt");
        std::fs::write(
            &x,
            "%%MatrixMarket matrix coordinate real general\n5 3 6\n1 1 1\n5 3 2\n2 2 3\n4 1 4\n3 3 5\n4 2 6\n",
        )
        .expect("x");
        std::fs::write(dir.path().join("t.Y.mmt"), "%%MatrixMarket matrix array real general\n5 1\n1\n2\n3\n4\n5\n")
            .expect("y");
        check_shards(&x, &LoadOptions::default(), 2);
        check_shards(&x, &LoadOptions::default(), 5);
    }

    #[test]
    fn mtx_pairs_x_with_its_y_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let x = dir.path().join("t.X.mmt");
        std::fs::write(&x, "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 3\n").expect("x");
        let e = load_labeled(&x, &LoadOptions::default()).expect_err("no y").to_string();
        assert!(e.contains("pass --labels FILE") && e.contains("t.Y.mmt does not exist"), "{e}");
        let plain = dir.path().join("plain.mtx");
        std::fs::copy(&x, &plain).expect("copy");
        let e = load_labeled(&plain, &LoadOptions::default()).expect_err("no y").to_string();
        assert!(e.contains("pass --labels FILE") && e.contains("no '.X.'"), "{e}");
        std::fs::write(dir.path().join("other.mtx"), "%%MatrixMarket matrix coordinate real general\n1 2 1\n1 2 9\n")
            .expect("y");
        let opts = LoadOptions { labels: Some(dir.path().join("other.mtx")), ..LoadOptions::default() };
        assert_eq!(load_labeled(&plain, &opts).expect("explicit labels").y, vec![0.0, 9.0]);
        assert_eq!(labels_sibling(Path::new("d/a.X.mmt.gz")), Some(PathBuf::from("d/a.Y.mmt.gz")));
        std::fs::write(dir.path().join("t.Y.mmt"), "%%MatrixMarket matrix array real general\n2 1\n5\n6\n").expect("y");
        let d = load_labeled(&x, &LoadOptions::default()).expect("x and y");
        assert_eq!(d.y, vec![5.0, 6.0]);
        std::fs::write(dir.path().join("t.Y.mmt"), "%%MatrixMarket matrix array real general\n3 1\n5\n6\n7\n")
            .expect("y");
        let e = load_labeled(&x, &LoadOptions::default()).expect_err("length");
        assert!(e.to_string().contains("3 targets for the 2 rows"), "{e}");
    }
}
