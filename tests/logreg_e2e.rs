//! End-to-end tests of `strads logreg` on ALL leukemia (B- vs T-lineage, labels ±1,
//! 123 × 12,625), checked by oracles written here: the KKT conditions recomputed from the
//! data and the written model, and the objective of a plain serial cyclic CDN reference.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::*;

const ALL: &str = "lasso/all_leukemia_bt.libsvm.gz";

/// The data, column-major (`cols[j][i]`), labels ±1.
struct Cols {
    cols: Vec<Vec<f64>>,
    y: Vec<f64>,
}

fn all_leukemia() -> &'static Cols {
    static DATA: OnceLock<Cols> = OnceLock::new();
    DATA.get_or_init(|| {
        let d = read_dense(&data(ALL));
        let cols = (0..d.p).map(|j| d.x.iter().map(|r| r[j]).collect()).collect();
        Cols { cols, y: d.y }
    })
}

/// `log(1 + e^{−z})`.
fn loss(z: f64) -> f64 {
    if z > 0.0 {
        (-z).exp().ln_1p()
    } else {
        -z + z.exp().ln_1p()
    }
}

fn margins(d: &Cols, b0: f64, beta: &[f64]) -> Vec<f64> {
    let mut m = vec![b0; d.y.len()];
    for (col, &b) in d.cols.iter().zip(beta) {
        if b != 0.0 {
            m.iter_mut().zip(col).for_each(|(mi, x)| *mi += b * x);
        }
    }
    m
}

/// `F(β₀, β) = Σ log(1 + exp(−yᵢmᵢ)) + λ‖β‖₁`.
fn objective(d: &Cols, lambda: f64, b0: f64, beta: &[f64]) -> f64 {
    let m = margins(d, b0, beta);
    d.y.iter().zip(&m).map(|(y, m)| loss(y * m)).sum::<f64>() + lambda * beta.iter().map(|b| b.abs()).sum::<f64>()
}

/// `λ_max = ‖Xᵀ(y₀₁ − c)‖∞`, `c = ȳ₀₁` with an intercept, ½ without.
fn lambda_max(d: &Cols, intercept: bool) -> f64 {
    let y01: Vec<f64> = d.y.iter().map(|y| (y + 1.0) / 2.0).collect();
    let c = if intercept { y01.iter().sum::<f64>() / y01.len() as f64 } else { 0.5 };
    d.cols.iter().map(|col| col.iter().zip(&y01).map(|(x, y)| x * (y - c)).sum::<f64>().abs()).fold(0.0, f64::max)
}

/// Largest KKT violation relative to λ: `|g_j + λ sign β_j|` on the support, `|g_j| − λ` off
/// it, `|Σ yᵢσ(−yᵢmᵢ)|` for the intercept, with the loss gradient `g = −Xᵀ(y∘σ(−y∘m))`.
fn kkt(d: &Cols, lambda: f64, b0: f64, beta: &[f64], intercept: bool) -> f64 {
    let m = margins(d, b0, beta);
    let yu: Vec<f64> = d.y.iter().zip(&m).map(|(y, m)| y / (1.0 + (y * m).exp())).collect();
    let mut worst: f64 = if intercept { yu.iter().sum::<f64>().abs() } else { 0.0 };
    for (col, &b) in d.cols.iter().zip(beta) {
        let g = -col.iter().zip(&yu).map(|(x, v)| x * v).sum::<f64>();
        worst = worst.max(if b != 0.0 { (g + lambda * b.signum()).abs() } else { g.abs() - lambda });
    }
    worst / lambda
}

/// Plain serial cyclic CDN [Yuan et al. 2010, Sec. 4.1.2]: per coordinate the Newton
/// direction of the L1-regularized quadratic model and the Armijo line search (β = ½,
/// σ = 0.01), the intercept likewise without penalty. Cycles over a working set (the
/// support and the most violating features) until its KKT conditions hold to
/// `max(1e-11 λ, 1e-3 × the largest violation)`, and grows the set until the KKT conditions
/// hold everywhere to `1e-10 λ`.
fn serial_cdn(d: &Cols, lambda: f64, intercept: bool) -> (f64, Vec<f64>) {
    let (n, p) = (d.y.len(), d.cols.len());
    let mut beta = vec![0.0; p + 1];
    let mut m = vec![0.0; n];
    let ones = vec![1.0; n];
    // (g_j, h_j) and the KKT violation of coordinate j (p: the intercept).
    let grad = |j: usize, beta: &[f64], m: &[f64]| -> (f64, f64, f64) {
        let (col, pen) = if j == p { (&ones, 0.0) } else { (&d.cols[j], lambda) };
        let (mut g, mut h) = (0.0, 1e-12);
        for i in 0..n {
            let u = 1.0 / (1.0 + (d.y[i] * m[i]).exp());
            g -= col[i] * d.y[i] * u;
            h += col[i] * col[i] * u * (1.0 - u);
        }
        let b = beta[j];
        let viol = if b != 0.0 || j == p { (g + pen * b.signum()).abs() } else { g.abs() - pen };
        (g, h, viol)
    };
    let step = |j: usize, beta: &mut Vec<f64>, m: &mut Vec<f64>| -> f64 {
        let (col, pen) = if j == p { (&ones, 0.0) } else { (&d.cols[j], lambda) };
        let (g, h, viol) = grad(j, beta, m);
        let b = beta[j];
        let dir = if g + pen <= h * b {
            -(g + pen) / h
        } else if g - pen >= h * b {
            -(g - pen) / h
        } else {
            -b
        };
        if dir == 0.0 {
            return viol;
        }
        // ℓ(z + δ) − ℓ(z) = log(1 + σ(−z)(e^{−δ} − 1)): accurate however small the step.
        let u: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + (d.y[i] * m[i]).exp())).collect();
        let decrease = g * dir + pen * ((b + dir).abs() - b.abs());
        let mut alpha = 1.0;
        for _ in 0..60 {
            let change: f64 = (0..n).map(|i| (u[i] * (-d.y[i] * alpha * dir * col[i]).exp_m1()).ln_1p()).sum();
            // Rounding of |b + αd| − |b| for tiny steps is no evidence against a step.
            if change + pen * ((b + alpha * dir).abs() - b.abs()) <= 0.01 * alpha * decrease + 1e-14 * n as f64 {
                beta[j] = b + alpha * dir;
                m.iter_mut().zip(col).for_each(|(mi, x)| *mi += alpha * dir * x);
                break;
            }
            alpha *= 0.5;
        }
        viol
    };
    for _ in 0..1000 {
        let viol: Vec<f64> = (0..p).chain(intercept.then_some(p)).map(|j| grad(j, &beta, &m).2).collect();
        let worst = viol.iter().copied().fold(0.0, f64::max);
        if worst <= 1e-10 * lambda {
            break;
        }
        let support: Vec<usize> = (0..p).filter(|&j| beta[j] != 0.0).collect();
        let mut top: Vec<usize> = (0..p).filter(|&j| beta[j] == 0.0 && viol[j] > 0.0).collect();
        top.sort_by(|&a, &b| viol[b].total_cmp(&viol[a]).then(a.cmp(&b)));
        top.truncate(support.len().max(10));
        let set: Vec<usize> = support.into_iter().chain(top).chain(intercept.then_some(p)).collect();
        for _ in 0..100_000 {
            let w = set.iter().map(|&j| step(j, &mut beta, &mut m)).fold(0.0, f64::max);
            if w <= (1e-11 * lambda).max(1e-3 * worst) {
                break;
            }
        }
    }
    let b0 = beta.pop().unwrap_or(0.0);
    (b0, beta)
}

/// Every schedule with 1, 2 and 4 workers at `ratio × λ_max`: the written model satisfies the
/// KKT conditions to `1e-4 λ` and its objective is within `1e-6` (relative) of the serial
/// reference's.
fn converges_everywhere(ratio: f64, intercept: bool) {
    let d = all_leukemia();
    let lambda = ratio * lambda_max(d, intercept);
    let (rb0, rbeta) = serial_cdn(d, lambda, intercept);
    let reference = objective(d, lambda, rb0, &rbeta);
    eprintln!("reference at {ratio} λ_max, intercept {intercept}: F = {reference}");
    let rk = kkt(d, lambda, rb0, &rbeta, intercept);
    assert!(rk <= 1e-9, "the reference is not optimal: KKT {rk:e} λ");
    let path = data(ALL);
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, sum) = (dir.path().join("coef.txt"), dir.path().join("s.json"));
    let r = ratio.to_string();
    for schedule in ["dynamic", "cyclic", "random"] {
        for workers in ["1", "2", "4"] {
            let mut args = vec!["logreg", "--data", path.to_str().expect("utf-8"), "--lambda-ratio", &r];
            args.extend(["--schedule", schedule, "--workers", workers, "--tol", "1e-9", "-q"]);
            args.extend(["--out", out.to_str().expect("utf-8"), "--summary", sum.to_str().expect("utf-8")]);
            if !intercept {
                args.push("--no-intercept");
            }
            strads_ok(&args);
            let what = format!("{ratio} λ_max, intercept {intercept}, {schedule}, {workers} workers");
            let (b0, beta) = read_model(&out, d.cols.len());
            assert!(intercept || b0 == 0.0, "{what}: an intercept without --no-intercept");
            let v = kkt(d, lambda, b0, &beta, intercept);
            assert!(v <= 1e-4, "{what}: KKT violated by {v:e} λ");
            let f = objective(d, lambda, b0, &beta);
            assert!((f - reference).abs() <= 1e-6 * reference, "{what}: objective {f} vs reference {reference}");
            let s: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&sum).expect("summary")).expect("json");
            assert_eq!(s["stop_reason"], "converged", "{what}");
            assert!((s["lambda"].as_f64().expect("lambda") - lambda).abs() <= 1e-9 * lambda, "{what}: λ");
        }
    }
}

#[test]
fn all_leukemia_tenth_lambda_max_with_intercept() {
    converges_everywhere(0.1, true);
}

#[test]
fn all_leukemia_tenth_lambda_max_without_intercept() {
    converges_everywhere(0.1, false);
}

#[test]
fn all_leukemia_hundredth_lambda_max_with_intercept() {
    converges_everywhere(0.01, true);
}

#[test]
fn all_leukemia_hundredth_lambda_max_without_intercept() {
    converges_everywhere(0.01, false);
}

/// A small deterministic problem with labels written by `label(±1)`, a comment line first.
fn write_small(path: &Path, label: impl Fn(i32) -> String) {
    let mut text = String::from("# a comment line\n");
    for i in 0..40 {
        let y = if (i * 7) % 5 < 2 { 1 } else { -1 };
        let a = ((i * 13) % 11) as f64 / 10.0 - 0.5 + 0.3 * y as f64;
        text += &format!("{} 1:{a} 2:{} 3:{}\n", label(y), (i % 3) as f64 - 1.0, ((i * 5) % 7) as f64 / 7.0);
    }
    std::fs::write(path, text).expect("written");
}

#[test]
fn zero_one_labels_are_read_as_minus_one_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    write_small(Path::new(&file("pm.libsvm")), |y| y.to_string());
    write_small(Path::new(&file("01.libsvm")), |y| if y > 0 { "1".into() } else { "0".into() });
    for (data, out) in [("pm.libsvm", "pm.txt"), ("01.libsvm", "01.txt")] {
        strads_ok(&[
            "logreg",
            "--data",
            &file(data),
            "--lambda-ratio",
            "0.05",
            "--tol",
            "1e-10",
            "-q",
            "--out",
            &file(out),
        ]);
    }
    let (a, b) = (std::fs::read(file("pm.txt")).expect("model"), std::fs::read(file("01.txt")).expect("model"));
    assert!(a == b, "0/1 labels gave another model than ±1 labels");
}

#[test]
fn a_label_other_than_minus_one_zero_one_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("bad.libsvm");
    // Row 5 of the file (line 6, after the comment line) has label 2.
    write_small(&data, |y| y.to_string());
    let text = std::fs::read_to_string(&data).expect("read");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let rest = lines[5].split_once(' ').expect("a label").1.to_string();
    lines[5] = format!("2 {rest}");
    std::fs::write(&data, lines.join("\n") + "\n").expect("written");
    let out = dir.path().join("coef.txt");
    let sum = dir.path().join("s.json");
    for workers in ["1", "3"] {
        let args = ["logreg", "--data", data.to_str().expect("utf-8"), "--workers", workers, "-q"];
        let r = strads(
            &[&args[..], &["--out", out.to_str().expect("utf-8"), "--summary", sum.to_str().expect("utf-8")]].concat(),
        );
        assert!(!r.status.success(), "a label 2 was accepted");
        let err = String::from_utf8_lossy(&r.stderr);
        let want = format!("{}:6: label 2 is not -1, 0 or 1", data.display());
        assert!(err.contains(&want), "stderr: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!out.exists() && !sum.exists(), "no output after an error");
    }
}
