//! The flags of a labeled data file (features and a target per row), shared by the
//! regression and classification apps.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use strads_datasets::{labels_sibling, open, Format, LabeledData, LoadOptions};
use strads_engine::Placement;

/// `--data FILE [--format libsvm|mtx|csv] [--labels Y.mtx] [--target COLUMN]`: a labeled
/// data file as every regression or classification app reads it; flatten it into the app's
/// command and call [`DataArgs::load`] on every process.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Input data file (LIBSVM, MatrixMarket X, or CSV with a header; `.gz` is read transparently).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Input format; by default from the file extension (.libsvm/.svm, .mtx/.mmt, .csv).
    #[arg(long, value_parser = ["libsvm", "mtx", "csv"])]
    pub format: Option<String>,
    /// MatrixMarket: the target vector y (default: the data file name with `.X.` → `.Y.`).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// CSV: the target column (default: the last column).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
}

impl DataArgs {
    /// The reader's options (every row; [`DataArgs::load`] narrows them to a placement).
    ///
    /// # Errors
    /// [`strads_datasets::Error`] for an unknown format name.
    pub fn options(&self) -> crate::Result<LoadOptions> {
        let format = self.format.as_deref().map(str::parse::<Format>).transpose()?;
        Ok(LoadOptions { format, target: self.target.clone(), labels: self.labels.clone(), shards: None })
    }

    /// Reads the rows `placement`'s process needs (see [`crate::load_rows`]).
    ///
    /// # Errors
    /// As [`crate::load_rows`].
    pub fn load(&self, placement: &Placement, whole_on_scheduler: bool) -> crate::Result<LabeledData> {
        crate::load_rows(&self.data, self.options()?, placement, whole_on_scheduler)
    }

    /// The file and 1-based line that hold the target of file row `row` (0-based), for an
    /// app's own check of the targets (a classifier's labels): LIBSVM counts the lines with
    /// a record (not blank, not only a `#` comment), CSV the non-blank lines after the header,
    /// MatrixMarket the entries of the y file (`--labels`) after its size line (array: the
    /// `row`-th, coordinate: the one whose index is `row + 1`).
    ///
    /// # Errors
    /// A file that cannot be read; [`crate::Error::Shape`] if the row is not in it.
    pub fn row_line(&self, row: usize) -> crate::Result<(PathBuf, usize)> {
        let format = self.options()?.format.or_else(|| Format::from_path(&self.data));
        let path = match format {
            Some(Format::Mtx) => self.labels.clone().or_else(|| labels_sibling(&self.data)).unwrap_or_default(),
            _ => self.data.clone(),
        };
        let (mut records, mut sized) = (0usize, false);
        for (no, line) in open(&path)?.lines().enumerate() {
            let line = line.map_err(|source| strads_datasets::Error::Io { path: path.clone(), source })?;
            let t = line.trim();
            let is_record = match format {
                Some(Format::Mtx) if t.starts_with('%') || t.is_empty() => false,
                Some(Format::Mtx) if !sized => {
                    sized = true;
                    false
                }
                Some(Format::Mtx) => {
                    let first = t.split_whitespace().next().and_then(|f| f.parse::<usize>().ok());
                    match t.split_whitespace().count() {
                        1 => true,
                        _ if first == Some(row + 1) => return Ok((path, no + 1)),
                        _ => false,
                    }
                }
                Some(Format::Csv) => !t.is_empty(),
                _ => !t.split('#').next().unwrap_or("").trim().is_empty(),
            };
            let header = format == Some(Format::Csv) && records == 0 && !sized;
            if header && is_record {
                sized = true;
                continue;
            }
            if is_record {
                if records == row {
                    return Ok((path, no + 1));
                }
                records += 1;
            }
        }
        Err(crate::Error::Shape(format!("{} has no row {}", path.display(), row + 1)))
    }
}
