//! The fitted Lasso model and its text format: the kit's linear model.

/// A fitted linear model `ŷ = intercept + Σ_j β_j x_j` (the kit's [`strads_kit::LinearModel`]:
/// `write_text` writes the `--out` file, `predict` the fitted values).
pub type LassoModel = strads_kit::LinearModel;
