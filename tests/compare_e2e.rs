//! End-to-end tests of `strads compare`: the files it writes (CSV tables, PNG and SVG plots)
//! checked against runs of the same settings made separately with `--trace` and `--summary`,
//! and the clean failures of bad command lines.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Deterministic columns of a Lasso trace: all but the times (which differ between runs).
fn deterministic(col: &str) -> bool {
    !col.ends_with("_s")
}

/// A CSV file as (header, rows), cells as written.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rd = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = rd.headers().expect("header").iter().map(str::to_string).collect();
    let rows = rd.records().map(|r| r.expect("a CSV row").iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// A summary JSON's scalars by `outer.inner` key, as text (numbers as serde_json prints them).
fn flat_summary(path: &Path) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, x, out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            serde_json::Value::Null => {
                out.insert(prefix.to_string(), String::new());
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("summary written")).expect("summary is JSON");
    let mut out = BTreeMap::new();
    walk("", &v, &mut out);
    out
}

fn check_png(path: &Path) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("the PNG decodes");
    assert_eq!((info.width, info.height), (960, 600), "{}", path.display());
    let px = &buf[..info.buffer_size()];
    let coloured = px.chunks(3).filter(|p| p.len() == 3 && !(p[0] == p[1] && p[1] == p[2])).count();
    assert!(coloured > 500, "{}: the lines are drawn ({coloured} coloured pixels)", path.display());
}

fn check_svg(path: &Path, legend: &[&str]) {
    let text = std::fs::read_to_string(path).expect("SVG written");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: not XML: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!((root.attribute("width"), root.attribute("height")), (Some("960"), Some("600")));
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for l in legend {
        assert!(texts.iter().any(|t| t.contains(l)), "{}: legend {l} missing", path.display());
    }
    assert!(
        texts.iter().any(|t| ["wall time (s)", "coordinate updates", "iterations ("].iter().any(|x| t.contains(x))),
        "axis label"
    );
    assert!(doc.descendants().any(|n| n.has_tag_name("polyline") || n.has_tag_name("path")), "lines drawn");
}

#[test]
fn compare_lasso_schedules_writes_tables_and_plots_that_match_separate_runs() {
    let data = data("lasso/cox2_ic50.libsvm");
    let data = data.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("cmp");
    let common = ["--data", data, "--lambda-ratio", "0.1"];
    let mut args = vec!["compare", "lasso"];
    args.extend(common);
    args.extend(["--vary", "schedule=dynamic,cyclic", "--quiet", "--out", out.to_str().expect("utf-8")]);
    strads_ok(&args);

    for f in ["runs.csv", "summary.csv", "command.txt", "runs/000/trace.csv", "runs/001/summary.json"] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let legend = ["schedule=dynamic", "schedule=cyclic"];
    for stem in ["suboptimality_vs_time", "suboptimality_vs_updates"] {
        check_png(&out.join(format!("{stem}.png")));
        check_svg(&out.join(format!("{stem}.svg")), &legend);
    }
    let leftovers: Vec<_> =
        std::fs::read_dir(tmp.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("cmp")], "no temporary directory left");

    let (runs_head, runs_rows) = read_csv(&out.join("runs.csv"));
    let (sum_head, sum_rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(runs_head[..3], ["run", "schedule", "repeat"]);
    assert_eq!(sum_rows.len(), 2, "one summary row per run");
    for (id, schedule) in [("000", "dynamic"), ("001", "cyclic")] {
        let ctx = format!("run {id} ({schedule})");
        // runs.csv holds the run's own trace, verbatim.
        let (trace_head, trace_rows) = read_csv(&out.join("runs").join(id).join("trace.csv"));
        assert_eq!(runs_head[3..], trace_head[..], "{ctx}: trace columns");
        let mine: Vec<&Vec<String>> = runs_rows.iter().filter(|r| r[0] == id).collect();
        assert!(!mine.is_empty(), "{ctx}: rows in runs.csv");
        assert_eq!(mine.len(), trace_rows.len(), "{ctx}: every trace row");
        for (r, t) in mine.iter().zip(&trace_rows) {
            assert_eq!(r[1..3], [schedule, "0"], "{ctx}");
            assert_eq!(r[3..], t[..], "{ctx}: the trace row verbatim");
        }

        // The same run made separately: the same rows up to the timings.
        let dir = tmp.path().join(format!("alone-{id}"));
        std::fs::create_dir(&dir).expect("mkdir");
        let (trace, summary) = (dir.join("trace.csv"), dir.join("summary.json"));
        let mut alone = vec!["lasso"];
        alone.extend(common);
        alone.extend(["--schedule", schedule, "--quiet"]);
        alone.extend(["--trace", trace.to_str().expect("utf-8"), "--summary", summary.to_str().expect("utf-8")]);
        strads_ok(&alone);
        let (alone_head, alone_rows) = read_csv(&trace);
        assert_eq!(alone_head, trace_head, "{ctx}");
        assert_eq!(alone_rows.len(), mine.len(), "{ctx}: as many rows as the run alone");
        for (r, a) in mine.iter().zip(&alone_rows) {
            for (k, col) in alone_head.iter().enumerate().filter(|(_, c)| deterministic(c)) {
                assert_eq!(r[3 + k], a[k], "{ctx}: column {col}");
            }
        }

        // summary.csv agrees with the run's --summary (verbatim) and, up to the timings, with
        // the run made alone.
        let row = sum_rows.iter().find(|r| r[0] == id).expect("a summary row");
        let cell = |name: &str| {
            let i = sum_head.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"));
            row[i].clone()
        };
        assert_eq!(cell("schedule"), schedule);
        assert!(!cell("time_to_goal_s").is_empty(), "{ctx}: reaches 1e-6 relative suboptimality");
        let own = flat_summary(&out.join("runs").join(id).join("summary.json"));
        for (k, v) in &own {
            assert_eq!(&cell(k), v, "{ctx}: summary {k}");
        }
        let alone = flat_summary(&summary);
        for k in
            ["objective", "relative_gap", "duality_gap", "rounds", "updates", "bytes", "nnz", "converged", "lambda"]
        {
            assert_eq!(cell(k), alone[k], "{ctx}: summary {k} as the run alone");
        }
    }
}

#[test]
fn a_bad_vary_is_one_line_before_anything_runs() {
    let data = data("lasso/cox2_ic50.libsvm");
    let data = data.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("cmp");
    let o = out.to_str().expect("utf-8");
    for (app, vary, expect) in [
        ("lasso", "colour=red", "'lasso' has no flag --colour"),
        ("lasso", "schedule=", "the list of values for 'schedule' is empty"),
        ("lasso", "schedule=dynamic,sideways", "invalid value 'sideways' for '--schedule"),
        ("lasso", "workers=1,two", "invalid value 'two' for '--workers"),
        ("lasso", "trace=a.csv", "has no flag --trace"),
        ("knn", "k=1,2", "unknown app 'knn'"),
    ] {
        fails_cleanly(&["compare", app, "--data", data, "--vary", vary, "--out", o], expect, &out);
    }
    fails_cleanly(
        &["compare", "lasso", "--data", data, "--vary", "seed=1", "--vary", "seed=2", "--out", o],
        "varied twice",
        &out,
    );
    // Values only the app's own checks reject (not clap) are found before anything runs too:
    // every combination's settings are checked up front. The first combination of each list
    // is valid and the data file does not exist, so a comparison that started its first run
    // would fail on the missing file instead.
    let missing = tmp.path().join("missing.libsvm");
    let missing = missing.to_str().expect("utf-8 path");
    for (app, extra, vary, expect) in [
        ("lasso", &[][..], "lambda-ratio=0.1,-1", "strads lasso with lambda-ratio=-1: invalid --lambda-ratio -1"),
        ("lasso", &[], "tol=1e-6,0", "strads lasso with tol=0: invalid --tol 0: must be a finite number > 0"),
        ("lasso", &[], "workers=1,0", "strads lasso with workers=0: invalid --workers 0: must be at least 1"),
        ("lasso", &[], "block-size=8,0", "with block-size=0: invalid --block-size 0"),
        ("lasso", &[], "time-limit=5,-1", "with time-limit=-1: invalid --time-limit -1"),
        ("lasso", &[], "scheduler-rank=false,true", "invalid --scheduler-rank given: must be used only under mpirun"),
        ("logreg", &[], "eval-passes=10,0", "strads logreg with eval-passes=0"),
        ("lda", &["--topics", "5"], "alpha=0.1,-1", "strads lda with alpha=-1: invalid --alpha -1"),
        ("lda", &["--topics", "5", "--blocks", "2"], "workers=2,3", "with workers=3: invalid --blocks 2"),
        ("mf", &["--rank", "3"], "test-fraction=0.1,1.5", "with test-fraction=1.5: invalid --test-fraction 1.5"),
    ] {
        let mut args = vec!["compare", app, "--data", missing];
        args.extend(extra);
        args.extend(["--vary", vary, "--out", o]);
        fails_cleanly(&args, expect, &out);
        let err = String::from_utf8_lossy(&strads(&args).stderr).to_string();
        assert!(!err.contains("failed") && !err.contains("missing.libsvm"), "no run started: {err}");
    }
    // Under an MPI launcher the rank count decides: --workers is refused before any job starts.
    fails_cleanly(
        &["compare", "lasso", "--data", missing, "--vary", "seed=1,2", "--workers", "2"]
            .into_iter()
            .chain(["--launcher", "mpirun -np 2", "--out", o])
            .collect::<Vec<_>>(),
        "invalid --workers 2: must be left out under an MPI launcher",
        &out,
    );
    // A failed run (a value no check before reading the data can see: a missing file) still
    // ends the comparison with one line, and nothing is written.
    fails_cleanly(
        &["compare", "lasso", "--data", missing, "--vary", "seed=1,2", "--out", o],
        "run 000 (seed=1) failed, nothing was written",
        &out,
    );
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 0, "no temporary directory left");
}

#[test]
fn compare_lda_and_mf_draw_their_plots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = tmp.path().join("synth");
    strads_ok(&["generate", "lda", "--out", corpus.to_str().expect("utf-8"), "--docs", "200", "--quiet"]);
    let docword = tmp.path().join("docword.synth.txt");
    let lda = tmp.path().join("lda");
    strads_ok(&[
        "compare",
        "lda",
        "--data",
        docword.to_str().expect("utf-8"),
        "--topics",
        "10",
        "--iters",
        "5",
        "--eval-every",
        "1",
        "--vary",
        "sampler=dense,sparse",
        "--quiet",
        "--out",
        lda.to_str().expect("utf-8"),
    ]);
    for stem in ["loglik_vs_time", "loglik_vs_iter"] {
        check_png(&lda.join(format!("{stem}.png")));
        check_svg(&lda.join(format!("{stem}.svg")), &["sampler=dense", "sampler=sparse"]);
    }
    let (head, rows) = read_csv(&lda.join("runs.csv"));
    assert_eq!(head[..5], ["run", "sampler", "repeat", "iter", "time_s"]);
    assert_eq!(rows.len(), 10, "5 iterations of 2 runs");

    let mf = tmp.path().join("mf");
    let ratings = data("movielens-100k/u.data");
    strads_ok(&[
        "compare",
        "mf",
        "--data",
        ratings.to_str().expect("utf-8"),
        "--test-every",
        "10",
        "--rank",
        "4",
        "--iters",
        "2",
        "--vary",
        "workers=1,2",
        "--repeat",
        "2",
        "--quiet",
        "--out",
        mf.to_str().expect("utf-8"),
    ]);
    check_png(&mf.join("rmse_vs_time.png"));
    check_svg(&mf.join("rmse_vs_time.svg"), &["workers=1, #1", "workers=2, #2"]);
    let (head, rows) = read_csv(&mf.join("summary.csv"));
    assert_eq!(head[..3], ["run", "workers", "repeat"]);
    let ids: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str())).collect();
    assert_eq!(ids, [("000", "1", "0"), ("001", "1", "1"), ("002", "2", "0"), ("003", "2", "1")]);
    let rmse = head.iter().position(|h| h == "test_rmse").expect("test_rmse column");
    assert!(rows.iter().all(|r| r[rmse] == rows[0][rmse]), "the same seed and workers: the same factors");
}

/// `--launcher "mpirun -np 2"`: every run is an MPI job of 2 ranks, with the same results as
/// 2 worker threads.
#[cfg(feature = "mpi")]
#[test]
fn a_launcher_runs_each_run_as_an_mpi_job() {
    let data = data("lasso/cox2_ic50.libsvm");
    let data = data.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mpi, threads) = (tmp.path().join("mpi"), tmp.path().join("threads"));
    let vary = ["--vary", "schedule=dynamic,cyclic", "--quiet"];
    let mut args = vec!["compare", "lasso", "--data", data, "--launcher", "mpirun --oversubscribe -np 2"];
    args.extend(vary);
    args.extend(["--out", mpi.to_str().expect("utf-8")]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_strads"))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .args(&args)
        .output()
        .expect("strads runs");
    succeeded(out, "strads compare --launcher mpirun");
    let mut args = vec!["compare", "lasso", "--data", data, "--workers", "2"];
    args.extend(vary);
    args.extend(["--out", threads.to_str().expect("utf-8")]);
    strads_ok(&args);
    for id in ["000", "001"] {
        let s = flat_summary(&mpi.join("runs").join(id).join("summary.json"));
        assert_eq!((s["backend"].as_str(), s["ranks"].as_str()), ("mpi", "2"), "run {id}");
    }
    let (head, a) = read_csv(&mpi.join("runs.csv"));
    let (_, b) = read_csv(&threads.join("runs.csv"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        // Bytes are counted by each transport (44,594 under MPI vs 44,324 on threads for the
        // dynamic run when this was written): not compared.
        for (k, col) in head.iter().enumerate().filter(|(_, c)| deterministic(c) && *c != "bytes") {
            assert_eq!(x[k], y[k], "column {col}");
        }
    }
}

/// `--log-x`: the x axes (seconds and updates) are logarithmic and say so; the tables are the
/// same as without it.
#[test]
fn log_x_draws_logarithmic_x_axes() {
    let data = data("lasso/cox2_ic50.libsvm");
    let data = data.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (log, lin) = (tmp.path().join("log"), tmp.path().join("lin"));
    for (out, extra) in [(&log, &["--log-x"][..]), (&lin, &[][..])] {
        let mut args = vec!["compare", "lasso", "--data", data, "--vary", "schedule=dynamic,cyclic", "-q"];
        args.extend(extra);
        args.extend(["--out", out.to_str().expect("utf-8")]);
        strads_ok(&args);
    }
    for stem in ["suboptimality_vs_time", "suboptimality_vs_updates"] {
        check_png(&log.join(format!("{stem}.png")));
        check_svg(&log.join(format!("{stem}.svg")), &["schedule=dynamic", "schedule=cyclic"]);
        let svg = |d: &Path| std::fs::read_to_string(d.join(format!("{stem}.svg"))).expect("svg");
        assert!(svg(&log).contains("(log scale)"), "{stem}: the x label says log scale");
        assert!(!svg(&lin).contains("(log scale)"), "{stem}: linear without --log-x");
    }
    let rows = |d: &Path| read_csv(&d.join("runs.csv")).1.iter().map(|r| r[..8].to_vec()).collect::<Vec<_>>();
    assert_eq!(rows(&log).len(), rows(&lin).len(), "the same trace rows");
}
