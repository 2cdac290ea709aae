//! End-to-end tests of `strads generate lasso`: the files it writes are reproducible, load with
//! the crate's reader with the expected shape, and `strads lasso` solves the default problem
//! (checked by the duality gap recomputed here from the file and the written model).

mod common;

use std::path::Path;

use common::*;
use strads_datasets::{load_labeled, LoadOptions};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn same_seed_same_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b, c) = (dir.path().join("a.libsvm"), dir.path().join("b.libsvm"), dir.path().join("c.libsvm"));
    strads_ok(&["generate", "lasso", "--seed", "7", "--out", s(&a)]);
    strads_ok(&["generate", "lasso", "--seed", "7", "--out", s(&b), "--quiet"]);
    strads_ok(&["generate", "lasso", "--seed", "8", "--out", s(&c)]);
    let bytes = std::fs::read(&a).expect("a");
    assert_eq!(bytes, std::fs::read(&b).expect("b"), "same seed, same bytes");
    assert_ne!(bytes, std::fs::read(&c).expect("c"), "another seed, another problem");
}

#[test]
fn files_load_with_the_expected_shape_in_both_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = dir.path().join("p.libsvm");
    let mtx = dir.path().join("p.X.mtx");
    let args = ["--rows", "300", "--cols", "700", "--nnz-per-col", "12", "--group-size", "7", "--seed", "3"];
    strads_ok(&[&["generate", "lasso", "--out", s(&lib)][..], &args].concat());
    strads_ok(&[&["generate", "lasso", "--out", s(&mtx)][..], &args].concat());
    assert!(dir.path().join("p.Y.mtx").is_file(), "y beside X with .X. → .Y.");
    let a = load_labeled(&lib, &LoadOptions::default()).expect("libsvm loads");
    let b = load_labeled(&mtx, &LoadOptions::default()).expect("mtx loads");
    assert_eq!((a.x.nrows, a.x.ncols, a.x.nnz(), a.y.len()), (300, 700, 700 * 12, 300));
    assert_eq!(a, b, "the two formats hold the same problem");
    // A dense design when K ≥ rows.
    let dense = dir.path().join("d.libsvm");
    strads_ok(&[
        "generate",
        "lasso",
        "--rows",
        "40",
        "--cols",
        "30",
        "--nnz-per-col",
        "40",
        "--nonzeros",
        "5",
        "--out",
        s(&dense),
    ]);
    let d = load_labeled(&dense, &LoadOptions::default()).expect("dense loads");
    assert_eq!(d.x.nnz(), 40 * 30);
}

#[test]
fn lasso_converges_on_the_default_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("g.libsvm");
    let (out, sum) = (dir.path().join("coef.txt"), dir.path().join("s.json"));
    strads_ok(&["generate", "lasso", "--out", s(&data)]);
    let l = load_labeled(&data, &LoadOptions::default()).expect("loads");
    assert_eq!((l.x.nrows, l.x.ncols, l.x.nnz()), (500, 1000, 20_000));
    strads_ok(&[
        "lasso",
        "--data",
        s(&data),
        "--no-intercept",
        "--lambda-ratio",
        "0.05",
        "--quiet",
        "--out",
        s(&out),
        "--summary",
        s(&sum),
    ]);
    let js: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sum).expect("summary")).expect("json");
    assert_eq!(js["converged"], true, "{js}");
    assert_eq!((js["n"].as_u64(), js["p"].as_u64()), (Some(500), Some(1000)));
    // The oracle: λ_max and the gap recomputed from the file, without centering.
    let d = read_dense(&data);
    let lambda = js["lambda"].as_f64().expect("lambda");
    let lmax = lambda_max(&d, false);
    assert!((lambda - 0.05 * lmax).abs() <= 1e-9 * lmax, "λ {lambda} vs 0.05 × {lmax}");
    let (b0, beta) = read_model(&out, d.p);
    assert_eq!(b0, 0.0);
    let (primal, gap) = objective_and_gap(&d, lambda, b0, &beta, false);
    assert!(gap <= 1e-6 * primal * (1.0 + 1e-6) + 1e-9, "recomputed gap {gap} vs objective {primal}");
    // The correlated groups leave a sparse solution (S = 20 true non-zeros).
    let nnz = beta.iter().filter(|b| **b != 0.0).count();
    assert!((10..=100).contains(&nnz), "{nnz} non-zeros");
}

#[test]
fn bad_settings_fail_cleanly_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bad.libsvm");
    let o = s(&out);
    let cases: [(&[&str], &str); 7] = [
        (&["--rows", "0"], "invalid rows 0"),
        (&["--nnz-per-col", "0"], "invalid nnz-per-col 0"),
        (&["--group-corr", "1"], "invalid group-corr 1: must be in [0, 1)"),
        (&["--group-corr", "-0.1"], "invalid group-corr -0.1"),
        (&["--nonzeros", "1001"], "invalid nonzeros 1001"),
        (&["--noise", "-1"], "invalid noise -1"),
        (&["--group-size", "0"], "invalid group-size 0"),
    ];
    for (bad, expect) in cases {
        fails_cleanly(&[&["generate", "lasso", "--out", o][..], bad].concat(), expect, &out);
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0, "no temporary files left");
}
