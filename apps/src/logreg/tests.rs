//! Unit tests of the logistic-regression app.
