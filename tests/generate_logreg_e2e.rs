//! End-to-end tests of `strads generate logreg`: the promised shape, the Lasso generator's
//! design, labels ±1 and balanced, the within-group correlation, same seed same bytes, bad
//! settings write nothing.

mod common;

use std::path::Path;

use common::*;

/// (labels, rows as (column, value) lists, 0-based) of a LIBSVM file, read here.
fn read(path: &Path) -> (Vec<String>, Vec<Vec<(usize, f64)>>) {
    let text = std::fs::read_to_string(path).expect("written");
    let mut labels = Vec::new();
    let mut rows = Vec::new();
    for l in text.lines() {
        let mut it = l.split_whitespace();
        labels.push(it.next().expect("a label").to_string());
        rows.push(
            it.map(|t| {
                let (j, v) = t.split_once(':').expect("j:v");
                (j.parse::<usize>().expect("index") - 1, v.parse::<f64>().expect("value"))
            })
            .collect(),
        );
    }
    (labels, rows)
}

#[test]
fn generate_logreg_defaults_have_the_promised_shape_and_balanced_labels() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = |name: &str| tmp.path().join(name);
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    strads_ok(&["generate", "logreg", "--seed", "7", "--out", &s(&f("a.libsvm")), "--quiet"]);
    let (labels, rows) = read(&f("a.libsvm"));
    assert_eq!(rows.len(), 500, "--rows 500 by default");
    let mut per_col = vec![0usize; 1000];
    for r in &rows {
        for &(j, _) in r {
            per_col[j] += 1;
        }
    }
    assert!(rows.iter().flatten().all(|&(j, _)| j < 1000), "--cols 1000");
    assert!(per_col.iter().all(|&c| c == 20), "--nnz-per-col 20 in every column");
    assert!(labels.iter().all(|l| l == "1.0" || l == "-1.0"), "labels ±1");
    let pos = labels.iter().filter(|l| *l == "1.0").count();
    assert!((200..=300).contains(&pos), "balanced at intercept 0: {pos} of 500 are +1");

    // The same design as `generate lasso` with the same seed; same seed, same bytes.
    strads_ok(&["generate", "lasso", "--seed", "7", "--out", &s(&f("l.libsvm")), "--quiet"]);
    assert_eq!(read(&f("l.libsvm")).1, rows, "the Lasso generator's X");
    strads_ok(&["generate", "logreg", "--seed", "7", "--out", &s(&f("b.libsvm")), "--quiet"]);
    assert_eq!(std::fs::read(f("a.libsvm")).expect("a"), std::fs::read(f("b.libsvm")).expect("b"));
    strads_ok(&["generate", "logreg", "--seed", "8", "--out", &s(&f("c.libsvm")), "--quiet"]);
    assert_ne!(std::fs::read(f("a.libsvm")).expect("a"), std::fs::read(f("c.libsvm")).expect("c"));

    // An intercept shifts the balance; MatrixMarket output puts the labels beside X.
    strads_ok(&["generate", "logreg", "--intercept", "3", "--out", &s(&f("p.X.mtx")), "--quiet"]);
    let y = std::fs::read_to_string(f("p.Y.mtx")).expect("labels beside X");
    let ys: Vec<&str> = y.lines().skip(2).collect();
    assert_eq!(ys.len(), 500);
    assert!(ys.iter().filter(|l| **l == "1.0").count() > 400, "b0 = 3: mostly +1");

    for (flag, value, expect) in
        [("--signal", "0", "invalid signal 0"), ("--group-corr", "1", "invalid group-corr 1"), ("--rows", "0", "rows")]
    {
        let out = f("bad.libsvm");
        fails_cleanly(&["generate", "logreg", flag, value, "--out", &s(&out)], expect, &out);
    }
}

#[test]
fn generate_logreg_groups_have_the_requested_correlation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("d.libsvm");
    let o = out.to_str().expect("utf-8");
    let args = ["--rows", "2000", "--cols", "40", "--nnz-per-col", "2000", "--group-size", "10"];
    let mut all = vec!["generate", "logreg", "--group-corr", "0.6", "--out", o, "--quiet"];
    all.extend(args);
    strads_ok(&all);
    let (_, rows) = read(&out);
    let mut cols = vec![vec![0.0; 2000]; 40];
    for (i, r) in rows.iter().enumerate() {
        for &(j, v) in r {
            cols[j][i] = v;
        }
    }
    let (within, across) = group_correlations(&cols, 10);
    assert!((within - 0.6).abs() < 0.05, "within-group ρ {within} vs 0.6");
    assert!(across.abs() < 0.05, "across groups ρ {across}");
}
