//! The flags of a labeled data file (features and a target per row), shared by the
//! regression and classification apps.

use std::path::PathBuf;

use clap::Args;
use strads_datasets::{Format, LabeledData, LoadOptions};
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
}
