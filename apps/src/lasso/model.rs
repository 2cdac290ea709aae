//! The fitted Lasso model and its text format.

use std::io::Write;

use serde::Serialize;

/// A fitted linear model `ŷ = intercept + Σ_j β_j x_j`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LassoModel {
    /// The unpenalized intercept (0 without one).
    pub intercept: f64,
    /// Coefficients, length `p`, indexed by 0-based feature number.
    pub coef: Vec<f64>,
}

impl LassoModel {
    /// Number of non-zero coefficients.
    pub fn nnz(&self) -> usize {
        self.coef.iter().filter(|&&b| b != 0.0).count()
    }

    /// Writes the model as text: first line `intercept <value>`, then one line
    /// `<feature index> <value>` per non-zero coefficient, with 1-based feature indices as
    /// in LIBSVM input. Values are written in the shortest form that reads back to the same
    /// `f64` (Rust's `{:?}` formatting), so the file round-trips bit for bit.
    ///
    /// # Errors
    /// Any error of `out`.
    pub fn write_text(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(out, "intercept {:?}", self.intercept)?;
        for (j, &b) in self.coef.iter().enumerate() {
            if b != 0.0 {
                writeln!(out, "{} {:?}", j + 1, b)?;
            }
        }
        Ok(())
    }

    /// Predictions `ŷ_i` for the rows of `x` (CSR, `n × p'`; features beyond `p` count 0).
    pub fn predict(&self, x: &strads_datasets::CsrMatrix) -> Vec<f64> {
        (0..x.nrows)
            .map(|i| {
                let (idx, val) = x.row(i);
                self.intercept
                    + idx
                        .iter()
                        .zip(val)
                        .map(|(&j, &v)| self.coef.get(j as usize).copied().unwrap_or(0.0) * v)
                        .sum::<f64>()
            })
            .collect()
    }
}
