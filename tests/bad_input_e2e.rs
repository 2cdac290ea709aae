//! Bad input through the `strads` binary, every reader (issue 11): an index, id or dimension
//! near 2³² gives one line `strads: error: FILE:LINE: ...` and a non-zero exit, not an
//! allocation abort or a panic, and no output file; a missing file is reported as missing
//! (`No such file`), whatever its name says about its format.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Writes `text` to `dir/name`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `strads app --data data extra... --out/--summary/--trace` in `dir` expecting a clean
/// failure: non-zero exit without a panic or an abort (a signal has no exit code), one line
/// on stderr starting `strads: error: {want}`, and none of the output files written.
fn rejects(dir: &Path, app: &str, data: &Path, extra: &[&str], want: &str) {
    let (out, summary, trace) = (dir.join("out"), dir.join("summary.json"), dir.join("trace.csv"));
    let mut args = vec![app, "--data", s(data), "--out", s(&out), "--summary", s(&summary), "--trace", s(&trace)];
    args.push("--quiet");
    args.extend(extra);
    let res = strads(&args);
    let err = String::from_utf8_lossy(&res.stderr);
    let what = format!("strads {}", args.join(" "));
    assert!(!res.status.success(), "{what} should fail");
    assert!(res.status.code().is_some_and(|c| c != 101), "{what}: exit {:?} (a panic or a signal): {err}", res.status);
    assert!(!err.contains("panicked") && !err.contains("memory allocation"), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line expected: {err}");
    let want = format!("strads: error: {want}");
    assert!(err.starts_with(&want), "{what}: {err:?} should start with {want:?}");
    for f in [&out, &summary, &trace] {
        assert!(!f.exists(), "{what}: {} written after a failure", f.display());
    }
}

/// `FILE:LINE: ` for `dir/name`.
fn at(dir: &Path, name: &str, line: usize) -> String {
    format!("{}:{line}: ", dir.join(name).display())
}

/// What a missing `dir/name` says.
fn missing(dir: &Path, name: &str) -> String {
    format!("cannot read {}: No such file", dir.join(name).display())
}

const LIMIT: &str = "is too large (at most 268435456 = 2^28";

#[test]
fn lasso_readers_reject_huge_indices_and_missing_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path();
    let mm = "%%MatrixMarket matrix coordinate real general\n";
    let y2 = "%%MatrixMarket matrix array real general\n2 1\n1\n2\n";
    for y in ["cols.Y.mmt", "rows.Y.mmt", "idx.Y.mmt"] {
        write(d, y, y2);
    }
    let cases = [
        // The example, today an abort allocating 32 GB.
        (
            write(d, "x.libsvm", "1 4000000000:1\n"),
            format!("{}feature index 4000000000 {LIMIT} features", at(d, "x.libsvm", 1)),
        ),
        (
            write(d, "x2.libsvm", "1 1:1\n-1 2:1 268435457:1\n"),
            format!("{}feature index 268435457 {LIMIT}", at(d, "x2.libsvm", 2)),
        ),
        (
            write(d, "cols.X.mmt", &format!("{mm}2 4000000000 1\n1 1 1\n")),
            format!("{}dimension 4000000000 {LIMIT}", at(d, "cols.X.mmt", 2)),
        ),
        (
            write(d, "rows.X.mmt", &format!("{mm}4000000000 2 1\n1 1 1\n")),
            format!("{}dimension 4000000000 {LIMIT}", at(d, "rows.X.mmt", 2)),
        ),
        (
            write(d, "idx.X.mmt", &format!("{mm}2 2 2\n1 1 1\n2 4000000000 1\n")),
            format!("{}column index '4000000000' is outside 1..=2", at(d, "idx.X.mmt", 4)),
        ),
    ];
    for (data, want) in &cases {
        rejects(d, "lasso", data, &[], want);
    }
    // Gzip changes nothing.
    let gz = d.join("x.libsvm.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("create"), Default::default());
    std::io::Write::write_all(&mut enc, b"1 1:2\n1 4000000000:1\n").expect("gzip");
    enc.finish().expect("gzip");
    rejects(d, "lasso", &gz, &[], &format!("{}feature index 4000000000 {LIMIT}", at(d, "x.libsvm.gz", 2)));
    // A huge y vector given with --labels.
    let x = write(d, "ok.mtx", &format!("{mm}2 2 1\n1 1 1\n"));
    let y = write(d, "huge.y.mtx", &format!("{mm}4000000000 1 1\n1 1 1\n"));
    rejects(d, "lasso", &x, &["--labels", s(&y)], &format!("{}dimension 4000000000", at(d, "huge.y.mtx", 2)));
    // Missing files, with a known extension, an ambiguous one and none; a missing --labels.
    for name in ["none.libsvm", "none.csv", "none.X.mmt", "none.txt", "none"] {
        rejects(d, "lasso", &d.join(name), &[], &missing(d, name));
    }
    rejects(d, "lasso", &x, &["--labels", s(&d.join("none.y.mtx"))], &missing(d, "none.y.mtx"));
}

#[test]
fn lda_readers_reject_huge_ids_and_missing_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path();
    let k = ["--topics", "2", "--iters", "1"];
    let cases = [
        (write(d, "x.ldac", "1 4000000000:1\n"), format!("{}word id 4000000000 {LIMIT} words", at(d, "x.ldac", 1))),
        (
            write(d, "c.ldac", "1 0:1\n1 3:4000000000\n"),
            format!("{}count 4000000000 of word 3 {LIMIT} tokens", at(d, "c.ldac", 2)),
        ),
        (
            write(d, "docword.w.txt", "2\n4000000000\n1\n1 3999999999 1\n"),
            format!("{}header: W (vocabulary size) 4000000000 {LIMIT}", at(d, "docword.w.txt", 2)),
        ),
        (
            write(d, "docword.d.txt", "4000000000\n3\n1\n3999999999 1 1\n"),
            format!("{}header: D (documents) 4000000000 {LIMIT}", at(d, "docword.d.txt", 1)),
        ),
        (
            write(d, "docword.i.txt", "2\n3\n2\n1 1 1\n2 4000000000 1\n"),
            format!("{}wordID 4000000000 outside 1..=3 (the header's W)", at(d, "docword.i.txt", 5)),
        ),
        (
            write(d, "docword.c.txt", "2\n3\n1\n1 1 4000000000\n"),
            format!("{}count 4000000000 {LIMIT} tokens", at(d, "docword.c.txt", 4)),
        ),
    ];
    for (data, want) in &cases {
        rejects(d, "lda", data, &k, want);
    }
    let tokens = write(d, "t.tok", "0 x 1 2\n1 x 4000000000\n");
    let mut args = k.to_vec();
    args.extend(["--format", "tokens"]);
    rejects(d, "lda", &tokens, &args, &format!("{}word id 4000000000 {LIMIT} words", at(d, "t.tok", 2)));
    for name in ["docword.none.txt", "none.ldac", "none"] {
        rejects(d, "lda", &d.join(name), &k, &missing(d, name));
    }
    let ok = write(d, "ok.ldac", "1 0:2\n1 1:1\n");
    let mut args = k.to_vec();
    let vocab = d.join("vocab.none.txt");
    args.extend(["--vocab", s(&vocab)]);
    rejects(d, "lda", &ok, &args, &missing(d, "vocab.none.txt"));
}

#[test]
fn mf_readers_reject_out_of_range_indices_and_missing_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path();
    let k = ["--rank", "2", "--iters", "1"];
    let mm = "%%MatrixMarket matrix coordinate real general\n";
    let cases = [
        (
            write(d, "r.mtx", &format!("{mm}3 3 2\n1 1 5\n4000000000 2 3\n")),
            format!("{}row (user) index '4000000000' is outside 1..=3", at(d, "r.mtx", 4)),
        ),
        (
            write(d, "c.mtx", &format!("{mm}3 3 1\n1 4000000000 5\n")),
            format!("{}column (item) index '4000000000' is outside 1..=3", at(d, "c.mtx", 3)),
        ),
        (
            write(d, "h.mtx", &format!("{mm}3 4000000000 1\n1 1 5\n")),
            format!("{}dimension 4000000000 {LIMIT}", at(d, "h.mtx", 2)),
        ),
    ];
    for (data, want) in &cases {
        rejects(d, "mf", data, &k, want);
    }
    for name in ["none.data", "none.csv", "none.mtx", "none"] {
        rejects(d, "mf", &d.join(name), &k, &missing(d, name));
    }
    let ok = write(d, "ok.data", "1 1 5\n2 1 3\n1 2 4\n2 2 1\n");
    let mut args = k.to_vec();
    let test = d.join("test.none.data");
    args.extend(["--test", s(&test)]);
    rejects(d, "mf", &ok, &args, &missing(d, "test.none.data"));
}

/// In triplet files ids are arbitrary strings mapped to dense indices in order of first
/// appearance: an id near 2³² (or beyond u64) is an id like any other, and the run works.
#[test]
fn mf_triplet_ids_near_2_32_are_plain_ids() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path();
    let data =
        write(d, "big.data", "4000000000 18446744073709551616 5\n7 4000000000 3\n4000000000 4000000000 4\n7 1 2\n");
    let out = d.join("out");
    strads_ok(&["mf", "--data", s(&data), "--rank", "2", "--iters", "2", "--quiet", "--out", s(&out)]);
    let ids = |f: &str| -> Vec<String> {
        let text = std::fs::read_to_string(out.join(f)).expect("factor file");
        text.lines().map(|l| l.split_whitespace().next().expect("id").to_string()).collect()
    };
    assert_eq!(ids("W.txt"), ["4000000000", "7"]);
    assert_eq!(ids("H.txt"), ["18446744073709551616", "4000000000", "1"]);
}
