//! Helpers shared by the end-to-end tests: the real data (through the one helper that honours
//! `STRADS_DATA`), running the `strads` binary, and an independent reader of the inputs and
//! outputs (written here, not the crate's readers, so that the oracles do not share code
//! with what they check).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a file in the shared data directory; fails the test with instructions if missing.
pub fn data(rel: &str) -> PathBuf {
    strads_datasets::shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `strads` with `args`.
pub fn strads(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strads")).args(args).output().expect("the strads binary runs")
}

/// Runs `strads` and fails the test with its stderr unless it succeeds.
pub fn strads_ok(args: &[&str]) -> Output {
    succeeded(strads(args), &format!("strads {}", args.join(" ")))
}

/// `out`, or a test failure naming `what` with its stderr if it did not succeed.
pub fn succeeded(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A dense design matrix and target, read independently of the crate's readers.
pub struct Dense {
    pub x: Vec<Vec<f64>>,
    pub y: Vec<f64>,
    pub p: usize,
}

/// Reads a LIBSVM file (optionally gzip) or a CSV file with a header (target last).
pub fn read_dense(path: &Path) -> Dense {
    let bytes = std::fs::read(path).expect("data file readable");
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut s).expect("gzip data");
        s
    } else {
        String::from_utf8(bytes).expect("utf-8 data")
    };
    if path.extension().is_some_and(|e| e == "csv") {
        let mut lines = text.lines();
        let p = lines.next().expect("header").split(',').count() - 1;
        let mut x = Vec::new();
        let mut y = Vec::new();
        for l in lines.filter(|l| !l.trim().is_empty()) {
            let v: Vec<f64> = l.split(',').map(|s| s.trim().parse().expect("number")).collect();
            y.push(v[p]);
            x.push(v[..p].to_vec());
        }
        return Dense { x, y, p };
    }
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut y = Vec::new();
    let mut p = 0;
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut it = l.split_whitespace();
        y.push(it.next().expect("label").parse().expect("label number"));
        let row: Vec<(usize, f64)> = it
            .map(|t| {
                let (i, v) = t.split_once(':').expect("idx:val");
                (i.parse::<usize>().expect("index") - 1, v.parse().expect("value"))
            })
            .collect();
        p = p.max(row.iter().map(|e| e.0 + 1).max().unwrap_or(0));
        rows.push(row);
    }
    let x = rows
        .into_iter()
        .map(|r| {
            let mut d = vec![0.0; p];
            for (j, v) in r {
                d[j] = v;
            }
            d
        })
        .collect();
    Dense { x, y, p }
}

/// Reads a `--out` model file: (intercept, coefficients of length `p`).
pub fn read_model(path: &Path, p: usize) -> (f64, Vec<f64>) {
    let text = std::fs::read_to_string(path).expect("model file");
    let mut lines = text.lines();
    let first = lines.next().expect("intercept line");
    let b0 = first.strip_prefix("intercept ").expect("starts with 'intercept '").parse().expect("number");
    let mut beta = vec![0.0; p];
    for l in lines {
        let (j, v) = l.split_once(' ').expect("'<feature> <value>'");
        let j: usize = j.parse().expect("feature index");
        assert!(j >= 1 && j <= p, "feature index {j} out of 1..={p}");
        beta[j - 1] = v.parse().expect("value");
    }
    (b0, beta)
}

/// Column means (zero when `center` is false), for the optimality checks.
pub fn means(d: &Dense, center: bool) -> (Vec<f64>, f64) {
    let n = d.x.len() as f64;
    if !center {
        return (vec![0.0; d.p], 0.0);
    }
    let mx = (0..d.p).map(|j| d.x.iter().map(|r| r[j]).sum::<f64>() / n).collect();
    (mx, d.y.iter().sum::<f64>() / n)
}

/// Residual `y − b0 − Xβ`.
pub fn residual(d: &Dense, b0: f64, beta: &[f64]) -> Vec<f64> {
    d.x.iter().zip(&d.y).map(|(row, y)| y - b0 - row.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>()).collect()
}

/// `x_jᵀr` for every feature.
pub fn xt(d: &Dense, r: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; d.p];
    for (row, ri) in d.x.iter().zip(r) {
        for (gj, a) in g.iter_mut().zip(row) {
            *gj += a * ri;
        }
    }
    g
}

/// λ_max = ‖X̃ᵀỹ‖∞ (centered when `center`).
pub fn lambda_max(d: &Dense, center: bool) -> f64 {
    let my = if center { d.y.iter().sum::<f64>() / d.y.len() as f64 } else { 0.0 };
    let yc: Vec<f64> = d.y.iter().map(|y| y - my).collect();
    // x̃_jᵀỹ = x_jᵀỹ since Σỹ = 0 (with centering), so the columns need no centering.
    let g = xt(d, &yc);
    g.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// The primal objective and the duality gap of (b0, β) at λ, recomputed from the data.
pub fn objective_and_gap(d: &Dense, lambda: f64, b0: f64, beta: &[f64], center: bool) -> (f64, f64) {
    let r = residual(d, b0, beta);
    let n = r.len() as f64;
    // With an intercept the dual point must sum to zero: use the centered residual.
    let rm = if center { r.iter().sum::<f64>() / n } else { 0.0 };
    let rc: Vec<f64> = r.iter().map(|v| v - rm).collect();
    let primal = 0.5 * r.iter().map(|v| v * v).sum::<f64>() + lambda * beta.iter().map(|b| b.abs()).sum::<f64>();
    let g = xt(d, &rc);
    let dn = g.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let s = if dn > lambda { lambda / dn } else { 1.0 };
    let (_, my) = means(d, center);
    let yr: f64 = d.y.iter().zip(&rc).map(|(y, r)| (y - my) * r).sum();
    let rr: f64 = rc.iter().map(|v| v * v).sum();
    let dual = s * yr - 0.5 * s * s * rr;
    (primal, primal - dual)
}

/// Plain serial cyclic coordinate descent with an intercept (on explicitly centered data),
/// run until no coefficient moves by more than `1e-13 (1 + |β|)` in a sweep.
pub fn serial_cd(d: &Dense, lambda: f64) -> (f64, Vec<f64>) {
    let n = d.x.len();
    let (mx, my) = means(d, true);
    // Column-major centered copy for contiguous sweeps.
    let cols: Vec<Vec<f64>> = (0..d.p).map(|j| d.x.iter().map(|r| r[j] - mx[j]).collect()).collect();
    let norms: Vec<f64> = cols.iter().map(|c| c.iter().map(|v| v * v).sum()).collect();
    let mut r: Vec<f64> = d.y.iter().map(|y| y - my).collect();
    let mut beta = vec![0.0; d.p];
    for _sweep in 0..100_000 {
        let mut max_change: f64 = 0.0;
        for j in 0..d.p {
            if norms[j] == 0.0 {
                continue;
            }
            let c = &cols[j];
            let z = c.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() + norms[j] * beta[j];
            let shrunk = if z > lambda {
                z - lambda
            } else if z < -lambda {
                z + lambda
            } else {
                0.0
            };
            let new = shrunk / norms[j];
            let delta = new - beta[j];
            if delta != 0.0 {
                for i in 0..n {
                    r[i] -= c[i] * delta;
                }
                beta[j] = new;
                max_change = max_change.max(delta.abs() / (1.0 + new.abs()));
            }
        }
        if max_change < 1e-13 {
            break;
        }
    }
    let b0 = my - mx.iter().zip(&beta).map(|(m, b)| m * b).sum::<f64>();
    (b0, beta)
}

/// Runs `strads` with `args`, expecting a clean failure: non-zero exit, one line of stderr
/// containing `expect`, no panic, and nothing at `out`.
pub fn fails_cleanly(args: &[&str], expect: &str, out: &Path) {
    let res = strads(args);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success(), "{args:?} should fail");
    assert!(err.contains(expect), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!out.exists(), "no output after a failure: {}", out.display());
}

/// The numeric rows of a trace CSV (header skipped), every cell parsed as a number.
pub fn read_trace(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .expect("trace")
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().expect("number")).collect())
        .collect()
}

/// The mean Pearson correlation of the column pairs within a group (columns `g·size ..
/// (g+1)·size`) and across groups: the oracle of the generators' correlated groups.
pub fn group_correlations(cols: &[Vec<f64>], size: usize) -> (f64, f64) {
    let corr = |a: &[f64], b: &[f64]| {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    };
    let (mut within, mut across) = (Vec::new(), Vec::new());
    for i in 0..cols.len() {
        for j in i + 1..cols.len() {
            let c = corr(&cols[i], &cols[j]);
            if i / size == j / size {
                within.push(c);
            } else {
                across.push(c);
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    (mean(&within), mean(&across))
}
