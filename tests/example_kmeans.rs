//! `examples/kmeans.rs`, an app written against the public API only, built by `cargo test`
//! and run here: against a serial oracle (Lloyd's algorithm written out below, with the same
//! seed rows), for 1 and 3 worker threads, and (with the `mpi` feature) `mpirun -np 3` = 3
//! threads bit for bit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The example's binary, built beside this test's (`target/<profile>/examples/kmeans`).
fn kmeans_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = dir.join("examples").join(format!("kmeans{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} missing: a whole `cargo test` builds the examples (with `--test example_kmeans` alone, \
         first `cargo build --release --features mpi --example kmeans`)",
        bin.display()
    );
    bin
}

fn read_centroids(path: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("centroids written");
    text.lines().map(|l| l.split(' ').map(|v| v.parse().expect("a number")).collect()).collect()
}

/// The example's seed rows (the same seeded draw; copied, as an outside test would).
fn seed_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rand::seq::index::sample(&mut rng, n, k.min(n)).into_vec()
}

/// Serial Lloyd's algorithm from the seed rows, until an iteration lowers W by at most `tol`
/// relative (the example's rule with `--block k`): the centroids and W.
fn lloyd(x: &[Vec<f64>], k: usize, seed: u64, tol: f64) -> (Vec<Vec<f64>>, f64) {
    let mut mu: Vec<Vec<f64>> = seed_rows(x.len(), k, seed).into_iter().map(|r| x[r].clone()).collect();
    let dist = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum::<f64>();
    let nearest = |mu: &[Vec<f64>], row: &[f64]| {
        (0..k).map(|c| (c, dist(row, &mu[c]))).fold((0, f64::INFINITY), |b, (c, d)| if d < b.1 { (c, d) } else { b })
    };
    let mut last: Option<f64> = None;
    loop {
        let mut sums = vec![(vec![0.0; x[0].len()], 0usize); k];
        for row in x {
            let (c, _) = nearest(&mu, row);
            sums[c].0.iter_mut().zip(row).for_each(|(a, b)| *a += b);
            sums[c].1 += 1;
        }
        for (m, (s, n)) in mu.iter_mut().zip(sums) {
            if n > 0 {
                *m = s.iter().map(|v| v / n as f64).collect();
            }
        }
        let w: f64 = x.iter().map(|row| nearest(&mu, row).1).sum();
        if last.is_some_and(|l| l - w <= tol * w) {
            return (mu, w);
        }
        last = Some(w);
    }
}

fn run_kmeans(cmd: &mut Command, what: &str) {
    let out = cmd.output().expect("kmeans runs");
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_example_app_matches_serial_lloyd_on_threads_and_mpi() {
    let data = data("lasso/diabetes_raw.libsvm");
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = kmeans_bin();
    let (k, seed) = (4, 5);
    let dense = read_dense(&data);
    let (want, w_want) = lloyd(&dense.x, k, seed, 1e-9);
    let mut outs = Vec::new();
    for workers in [1, 3] {
        let out = dir.path().join(format!("c{workers}.txt"));
        let summary = dir.path().join(format!("s{workers}.json"));
        let args = ["--data", data.to_str().expect("utf-8"), "--k", "4", "--seed", "5", "--quiet"];
        run_kmeans(
            Command::new(&bin)
                .args(args)
                .args(["--workers", &workers.to_string(), "--out"])
                .arg(&out)
                .arg("--summary")
                .arg(&summary),
            &format!("kmeans --workers {workers}"),
        );
        let got = read_centroids(&out);
        assert_eq!(got.len(), k);
        for (g, w) in got.iter().zip(&want) {
            for (a, b) in g.iter().zip(w) {
                assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{workers} workers: centroid {g:?} vs Lloyd {w:?}");
            }
        }
        let js: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).expect("summary")).expect("json");
        let w = js["sse"].as_f64().expect("sse");
        assert!((w - w_want).abs() <= 1e-9 * w_want, "W {w} vs Lloyd's {w_want}");
        assert_eq!(js["stop_reason"], "converged", "{js}");
        outs.push(std::fs::read(&out).expect("centroids"));
    }
    // A block of 2 of the 4 centroids per round: another schedule, the same kind of optimum.
    let out = dir.path().join("block.txt");
    run_kmeans(
        Command::new(&bin)
            .args([
                "--data",
                data.to_str().expect("utf-8"),
                "--k",
                "4",
                "--seed",
                "5",
                "--block",
                "2",
                "-q",
                "--workers",
                "2",
            ])
            .arg("--out")
            .arg(&out),
        "kmeans --block 2",
    );
    assert_eq!(read_centroids(&out).len(), k);

    if cfg!(feature = "mpi") {
        let out = dir.path().join("mpi.txt");
        run_kmeans(
            Command::new("mpirun")
                .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
                .args(["--oversubscribe", "-np", "3"])
                .arg(&bin)
                .args(["--data", data.to_str().expect("utf-8"), "--k", "4", "--seed", "5", "--quiet", "--out"])
                .arg(&out),
            "mpirun -np 3 kmeans",
        );
        assert_eq!(std::fs::read(&out).expect("centroids"), outs[1], "mpirun -np 3 = 3 threads, bit for bit");
    }
}

#[test]
fn the_example_app_rejects_bad_flags_in_one_line() {
    let data = data("lasso/diabetes_raw.libsvm");
    let bin = kmeans_bin();
    for (args, expect) in [
        (&["--k", "0"][..], "kmeans: error: invalid --k 0: must be at least 1"),
        (&["--k", "3", "--block", "4"][..], "kmeans: error: invalid --block 4: must be in 1..=k"),
        (&["--k", "3", "--time-limit", "-1"][..], "kmeans: error: invalid --time-limit -1"),
    ] {
        let out = Command::new(&bin).arg("--data").arg(&data).args(args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(expect), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
