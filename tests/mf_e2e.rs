//! End-to-end tests of `strads mf` on the real ratings in ../shared/data, checked by
//! independent oracles: RMSEs recomputed here from the written factors and the data files.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary written")).expect("summary is JSON")
}

/// Reads `W.txt` / `H.txt`: id → factor row.
fn read_factors(path: &Path) -> HashMap<String, Vec<f64>> {
    std::fs::read_to_string(path)
        .expect("factors")
        .lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            let id = f.next().expect("id").to_string();
            (id, f.map(|x| x.parse().expect("value")).collect())
        })
        .collect()
}

/// `(user, item, rating)` of u.data, parsed here.
fn udata(path: &Path) -> Vec<(String, String, f64)> {
    std::fs::read_to_string(path)
        .expect("u.data")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().expect("rating"))
        })
        .collect()
}

fn mf(args: &[&str]) -> std::process::Output {
    let mut all = vec!["mf"];
    all.extend(args);
    strads_ok(&all)
}

#[test]
fn movielens_100k_reaches_test_rmse_0_93_and_the_factors_reproduce_it() {
    let path = data("movielens-100k/u.data");
    let p = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, sum, trace) = (dir.path().join("model"), dir.path().join("s.json"), dir.path().join("t.csv"));
    // The engine's staleness bound (the scheduler running one round ahead) through the same
    // checks.
    for (workers, staleness) in [("1", "0"), ("2", "0"), ("2", "1")] {
        mf(&[
            "--data",
            p,
            "--test-every",
            "10",
            "--rank",
            "10",
            "--lambda",
            "0.1",
            "--iters",
            "10",
            "--workers",
            workers,
            "--staleness",
            staleness,
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
            "--summary",
            sum.to_str().expect("utf-8"),
            "--trace",
            trace.to_str().expect("utf-8"),
        ]);
        let s = summary(&sum);
        let test_rmse = s["test_rmse"].as_f64().expect("test_rmse");
        assert!(test_rmse <= 0.93, "{workers} workers, staleness {staleness}: test RMSE {test_rmse}");
        assert_eq!(s["staleness"].as_u64(), Some(staleness.parse().expect("n")));
        let all = udata(&path);
        let train: Vec<_> = all.iter().enumerate().filter(|(i, _)| i % 10 != 9).map(|(_, r)| r).collect();
        let distinct = |f: &dyn Fn(&(String, String, f64)) -> &String| {
            train.iter().map(|r| f(r)).collect::<std::collections::HashSet<_>>().len() as u64
        };
        let (users, items) = (distinct(&|r| &r.0), distinct(&|r| &r.1));
        assert_eq!(
            (s["users"].as_u64(), s["items"].as_u64(), s["ratings"].as_u64()),
            (Some(users), Some(items), Some(90_000))
        );
        assert_eq!(s["test_ratings"].as_u64(), Some(10_000));
        assert_eq!(
            (s["rank"].as_u64(), s["iters"].as_u64(), s["workers"].as_u64()),
            (Some(10), Some(10), Some(workers.parse().expect("n")))
        );
        // Recompute both RMSEs from the written factors and the file (rating i is test iff
        // i % 10 == 9); unseen test ids fall back to the training mean, predictions are clamped
        // to the training range [1, 5].
        let (w, h) = (read_factors(&out.join("W.txt")), read_factors(&out.join("H.txt")));
        assert_eq!((w.len() as u64, h.len() as u64), (users, items));
        assert!(w.values().chain(h.values()).all(|r| r.len() == 10));
        let mean = train.iter().map(|r| r.2).sum::<f64>() / train.len() as f64;
        let predict = |u: &str, i: &str| match (w.get(u), h.get(i)) {
            (Some(a), Some(b)) => a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>().clamp(1.0, 5.0),
            _ => mean,
        };
        let rmse = |rs: &mut dyn Iterator<Item = &(String, String, f64)>| {
            let (mut sse, mut n) = (0.0, 0.0);
            for (u, i, r) in rs {
                sse += (r - predict(u, i)).powi(2);
                n += 1.0;
            }
            (sse / n).sqrt()
        };
        let test = rmse(&mut all.iter().enumerate().filter(|(i, _)| i % 10 == 9).map(|(_, r)| r));
        assert!((test - test_rmse).abs() < 1e-9, "test RMSE {test} recomputed vs {test_rmse}");
        // The training RMSE is reported unclamped: recompute it so.
        let train_sse: f64 =
            train.iter().map(|(u, i, r)| (r - w[u].iter().zip(&h[i]).map(|(x, y)| x * y).sum::<f64>()).powi(2)).sum();
        let train_rmse = (train_sse / train.len() as f64).sqrt();
        let reported = s["train_rmse"].as_f64().expect("train_rmse");
        assert!((train_rmse - reported).abs() < 1e-9, "train RMSE {train_rmse} recomputed vs {reported}");
        // The trace: one row per iteration, the objective never rising.
        let rows = read_trace(&trace);
        assert_eq!(rows.len(), 10);
        assert!(rows.windows(2).all(|r| r[1][2] <= r[0][2] * (1.0 + 1e-12)), "objective rises: {rows:?}");
    }
}

#[test]
fn same_seed_same_factors_and_recommendations() {
    let path = data("movielens-100k/u.data");
    let p = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        mf(&[
            "--data",
            p,
            "--rank",
            "8",
            "--iters",
            "3",
            "--workers",
            "3",
            "--seed",
            "5",
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
    }
    for f in ["W.txt", "H.txt"] {
        assert!(std::fs::read(a.join(f)).expect("a") == std::fs::read(b.join(f)).expect("b"), "{f} differs");
    }
    let out =
        mf(&["recommend", "--model", a.to_str().expect("utf-8"), "--user", "196", "--top", "5", "--exclude-rated", p]);
    let text = String::from_utf8_lossy(&out.stdout);
    let items: Vec<&str> = text.lines().map(|l| l.split('\t').next().expect("item")).collect();
    assert_eq!(items.len(), 5, "{text}");
    // None of them rated by user 196 in u.data; scores in decreasing order.
    let rated: Vec<String> = udata(&path).into_iter().filter(|r| r.0 == "196").map(|r| r.1).collect();
    assert!(items.iter().all(|i| !rated.iter().any(|r| r == i)), "{text}");
    let scores: Vec<f64> = text.lines().map(|l| l.split('\t').nth(1).expect("score").parse().expect("f64")).collect();
    assert!(scores.windows(2).all(|s| s[0] >= s[1]));
}

#[test]
fn other_rating_files_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, lambda) in [("movielens-latest-small-2016/ratings.csv", "0.1"), ("jester5k/ratings.tsv", "0.05")] {
        let path = data(rel);
        let sum = dir.path().join("s.json");
        mf(&[
            "--data",
            path.to_str().expect("utf-8"),
            "--test-fraction",
            "0.1",
            "--split-seed",
            "3",
            "--rank",
            "10",
            "--lambda",
            lambda,
            "--iters",
            "5",
            "--workers",
            "2",
            "-q",
            "--summary",
            sum.to_str().expect("utf-8"),
        ]);
        let s = summary(&sum);
        let (train, test) = (s["train_rmse"].as_f64().expect("train"), s["test_rmse"].as_f64().expect("test"));
        assert!(train.is_finite() && test.is_finite() && train < test * 1.5, "{rel}: train {train}, test {test}");
        // Better than predicting the mean rating: the scale of these errors.
        let limit = if rel.starts_with("jester") { 5.0 } else { 1.1 };
        assert!(test < limit, "{rel}: test RMSE {test}");
    }
}

#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    let nonnum = write("a.data", "1\t2\t5\n1\t3\tgood\n");
    let two = write("b.data", "1\t2\t5\n1\t3\n");
    let good = write("c.data", "1\t2\t5\n2\t3\t1\n");
    let header = write("d.csv", "user,film,rating\n1,2,5\n");
    let late = write("e.csv", &format!("userId,movieId,rating\n{}1,2,x\n", "1,2,5\n".repeat(30)));
    let out = dir.path().join("out");
    let o = out.to_str().expect("utf-8");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--data", &nonnum, "--rank", "2"], "a.data:2: rating 'good' is not a finite number"),
        (vec!["--data", &two, "--rank", "2"], "b.data:2: expected user, item and rating: 2 field(s) found"),
        (vec!["--data", &header, "--rank", "2", "--workers", "2"], "d.csv:1: the header 'user,film,rating' needs"),
        (vec!["--data", &late, "--rank", "2", "--workers", "3"], "e.csv:32: rating 'x' is not a finite number"),
        (vec!["--data", &good, "--rank", "0"], "invalid --rank 0"),
        (vec!["--data", &good, "--rank", "2", "--lambda", "-1"], "invalid --lambda -1"),
        (vec!["--data", &good, "--rank", "2", "--test-fraction", "1.5"], "invalid --test-fraction 1.5"),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["mf", "--out", o];
        args.extend(extra.iter().copied());
        fails_cleanly(&args, expect, &out);
    }
}

/// `--early-stop 2` on MovieLens 100K with little regularization (so the test RMSE turns up):
/// it stops two iterations after the best one, writes that iteration's factors (their test
/// RMSE recomputed here from the files) and reports it.
#[test]
fn early_stop_writes_the_best_iteration() {
    let path = data("movielens-100k/u.data");
    let p = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, sum, trace) = (dir.path().join("model"), dir.path().join("s.json"), dir.path().join("t.csv"));
    let (o, s, t) = (out.to_str().expect("utf-8"), sum.to_str().expect("utf-8"), trace.to_str().expect("utf-8"));
    mf(&[
        "--data",
        p,
        "--test-every",
        "10",
        "--rank",
        "10",
        "--lambda",
        "0.03",
        "--iters",
        "50",
        "--early-stop",
        "2",
        "--workers",
        "2",
        "-q",
        "--out",
        o,
        "--summary",
        s,
        "--trace",
        t,
    ]);
    let s = summary(&sum);
    let rows = read_trace(&trace);
    let best = s["best_iter"].as_u64().expect("best_iter") as usize;
    assert_eq!(s["iters"].as_u64(), Some(rows.len() as u64));
    assert_eq!(rows.len(), best + 2, "stopped two evaluations after the best");
    let min = rows.iter().map(|r| r[4]).fold(f64::INFINITY, f64::min);
    assert_eq!(rows[best - 1][4], min);
    let reported = s["test_rmse"].as_f64().expect("test_rmse");
    assert!((reported - min).abs() < 1e-5, "summary {reported} vs best in the trace {min}");
    let all = udata(&path);
    let train: Vec<_> = all.iter().enumerate().filter(|(i, _)| i % 10 != 9).map(|(_, r)| r).collect();
    let mean = train.iter().map(|r| r.2).sum::<f64>() / train.len() as f64;
    let (w, h) = (read_factors(&out.join("W.txt")), read_factors(&out.join("H.txt")));
    let (mut sse, mut n) = (0.0, 0.0);
    for (u, i, r) in all.iter().enumerate().filter(|(k, _)| k % 10 == 9).map(|(_, r)| r) {
        let pred = match (w.get(u), h.get(i)) {
            (Some(a), Some(b)) => a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>().clamp(1.0, 5.0),
            _ => mean,
        };
        sse += (r - pred).powi(2);
        n += 1.0;
    }
    let rmse = (sse / n).sqrt();
    assert!((rmse - reported).abs() < 1e-9, "written factors give {rmse}, reported {reported}");
}

/// `strads generate mf` writes the ratings of `strads mf --synthetic N --split-seed S` in
/// LIBMF's `user item rating` form, split r % 10 == 9: line counts, integer ids in range, 1–5
/// stars, and a fit on the files sees the same training and test counts as `--synthetic`.
#[test]
fn generate_mf_writes_the_synthetic_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tr, te) = (dir.path().join("train.txt"), dir.path().join("test.txt"));
    let (trs, tes) = (tr.to_str().expect("utf-8"), te.to_str().expect("utf-8"));
    strads_ok(&[
        "generate",
        "mf",
        "--ratings",
        "5000",
        "--seed",
        "3",
        "--out",
        trs,
        "--test-every",
        "10",
        "--test-out",
        tes,
        "-q",
    ]);
    for (path, n) in [(&tr, 4500), (&te, 500)] {
        let text = std::fs::read_to_string(path).expect("written");
        let lines: Vec<Vec<u64>> =
            text.lines().map(|l| l.split(' ').map(|x| x.parse().expect("integer")).collect()).collect();
        assert_eq!(lines.len(), n);
        assert!(lines.iter().all(|f| f.len() == 3 && f[0] < 480_189 && f[1] < 17_770 && (1..=5).contains(&f[2])));
    }
    let (s1, s2) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let (s1s, s2s) = (s1.to_str().expect("utf-8"), s2.to_str().expect("utf-8"));
    mf(&["--data", trs, "--test", tes, "--format", "triplets", "--rank", "3", "--iters", "2", "-q", "--summary", s1s]);
    mf(&[
        "--synthetic",
        "5000",
        "--split-seed",
        "3",
        "--test-every",
        "10",
        "--rank",
        "3",
        "--iters",
        "2",
        "-q",
        "--summary",
        s2s,
    ]);
    let (a, b) = (summary(&s1), summary(&s2));
    for key in ["ratings", "test_ratings", "users", "items"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

/// The factors of a fit through the library's whole-file path (`load_ratings`,
/// `Ratings::split` with the test ratings drawn here from the seeded ChaCha8 stream, one
/// `f64` per rating, and `fit` on `workers` threads), as `strads mf --out` writes them.
fn library_factors(path: &Path, fraction: Option<(f64, u64)>, workers: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    use rand::{Rng, SeedableRng};
    use strads_apps::mf::{fit, MfParams, Reg};
    let (mut users, mut items) = (strads_datasets::IdMap::default(), strads_datasets::IdMap::default());
    let all = strads_datasets::load_ratings(path, None, &mut users, &mut items).expect("ratings");
    let (mut train, test) = match fraction {
        Some((f, split_seed)) => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(split_seed);
            let is_test: Vec<bool> = (0..all.len()).map(|_| rng.random::<f64>() < f).collect();
            let (train, test) = all.split(|r| is_test[r]);
            (train, Some(test))
        }
        None => (all, None),
    };
    let params =
        MfParams { rank: 6, lambda: 0.1, reg: Reg::Weighted, iters: 3, inner_iters: 3, seed, early_stop: None };
    let backend = strads_engine::Backend::Threads { workers };
    let config = strads_engine::RunConfig::new(workers);
    let f = fit(&backend, &mut train, test, params, &config, |_| {}).expect("fit").expect("the coordinator's fit");
    let write = |ids: &[String], cols: &[Vec<f64>]| {
        let mut out = String::new();
        for (i, id) in ids.iter().enumerate() {
            out.push_str(id);
            for c in cols {
                out.push_str(&format!(" {:?}", c[i]));
            }
            out.push('\n');
        }
        out.into_bytes()
    };
    (write(&train.user_ids, &f.w), write(&train.item_ids, &f.h))
}

/// `strads mf` reads the ratings by byte shares (each worker's part; on threads one process
/// reads all of them), and rebuilds ids, split, counts and mean from what the workers read:
/// with 1 and 3 workers it writes the same bytes as the library's fit on the whole file's
/// ratings (ids in order of first appearance, training ids first), for triplets with a
/// random test split, for CSV with its header, and for Jester.
#[test]
fn the_sharded_reader_fits_what_the_whole_file_reader_fits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("model");
    let o = out.to_str().expect("utf-8");
    // Jester: 363,209 ratings, decimal ratings.
    for (rel, fraction) in [
        ("movielens-100k/u.data", Some((0.1, 3))),
        ("movielens-latest-small-2016/ratings.csv", None),
        ("jester5k/ratings.tsv", None),
    ] {
        let path = data(rel);
        let p = path.to_str().expect("utf-8");
        for workers in [1, 3] {
            let w = workers.to_string();
            let mut args = vec!["--data", p, "--rank", "6", "--iters", "3", "--seed", "4", "--workers", &w, "-q"];
            let (f, s);
            if let Some((fr, seed)) = fraction {
                (f, s) = (fr.to_string(), seed.to_string());
                args.extend(["--test-fraction", &f, "--split-seed", &s]);
            }
            args.extend(["--out", o]);
            mf(&args);
            let (wt, ht) = library_factors(&path, fraction, workers, 4);
            assert!(std::fs::read(out.join("W.txt")).expect("W") == wt, "{rel}, {workers} workers: W.txt differs");
            assert!(std::fs::read(out.join("H.txt")).expect("H") == ht, "{rel}, {workers} workers: H.txt differs");
        }
    }
}
