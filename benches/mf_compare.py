"""strads mf vs LIBMF at scale, and vs LIBMF, Spark ALS and surprise SVD on MovieLens 100K
(see mf_compare.sh)."""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            u, i, r, _ = line.split("\t")
            rows.append((u, i, float(r)))
    train = [r for k, r in enumerate(rows) if k % 10 != 9]
    test = [r for k, r in enumerate(rows) if k % 10 == 9]
    return train, test


def strads(binary, data, workers, iters, lam, target):
    with tempfile.TemporaryDirectory() as d:
        trace, summary = os.path.join(d, "t.csv"), os.path.join(d, "s.json")
        cmd = [binary, "mf", "--data", data, "--test-every", "10", "--rank", "10", "--lambda", str(lam),
               "--iters", str(iters), "--workers", str(workers), "-q", "--trace", trace, "--summary", summary]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        whole = time.perf_counter() - t
        rows = list(csv.DictReader(open(trace)))
        s = json.load(open(summary))
    hit = next((r for r in rows if float(r["test_rmse"]) <= target), None)
    return {
        "time_to_target": float(hit["time_s"]) if hit else None,
        "iters_to_target": int(hit["iter"]) if hit else None,
        "rmse": s["test_rmse"],
        "run_s": s["wall_s"],
        "whole_s": whole,
        "iters": s["iters"],
    }


def surprise_svd(train, test, target, epochs):
    import pandas
    from surprise import SVD, Dataset, Reader, accuracy
    reader = Reader(rating_scale=(1, 5))
    tr = Dataset.load_from_df(pandas.DataFrame(train, columns=["u", "i", "r"]), reader).build_full_trainset()
    testset = [(u, i, r) for u, i, r in test]
    best, t0, hit = None, time.perf_counter(), None
    # Time to target: refit with 1..epochs epochs (surprise has no per-epoch callback) and
    # charge the time of the fit that first reaches the target.
    for n in range(1, epochs + 1):
        algo = SVD(n_factors=10, n_epochs=n, random_state=0)
        t = time.perf_counter()
        algo.fit(tr)
        fit_s = time.perf_counter() - t
        rmse = accuracy.rmse(algo.test(testset), verbose=False)
        best = rmse
        if hit is None and rmse <= target:
            hit = (fit_s, n)
    return {"time_to_target": hit[0] if hit else None, "iters_to_target": hit[1] if hit else None, "rmse": best,
            "run_s": fit_s, "whole_s": time.perf_counter() - t0, "iters": epochs}


def spark_als(train, test, target, iters):
    from pyspark.sql import SparkSession
    from pyspark.ml.recommendation import ALS
    from pyspark.ml.evaluation import RegressionEvaluator
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false") \
        .config("spark.driver.memory", "2g").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    to_df = lambda rows: spark.createDataFrame([(int(u), int(i), r) for u, i, r in rows], ["u", "i", "r"])
    tr, te = to_df(train).cache(), to_df(test).cache()
    tr.count(), te.count()
    ev = RegressionEvaluator(metricName="rmse", labelCol="r", predictionCol="prediction")
    hit, best, fit_s = None, None, None
    for n in range(1, iters + 1):
        als = ALS(rank=10, maxIter=n, regParam=0.1, userCol="u", itemCol="i", ratingCol="r",
                  coldStartStrategy="drop", seed=0)
        t = time.perf_counter()
        model = als.fit(tr)
        fit_s = time.perf_counter() - t
        best = ev.evaluate(model.transform(te))
        if hit is None and best <= target:
            hit = (fit_s, n)
    spark.stop()
    return {"time_to_target": hit[0] if hit else None, "iters_to_target": hit[1] if hit else None, "rmse": best,
            "run_s": fit_s, "whole_s": None, "iters": iters}


def timed(cmd, progress, parse, tmp):
    """Runs `cmd` under /usr/bin/time (peak RSS), timestamping each line of its `progress`
    stream ("stdout" or "stderr") as it arrives. Returns (whole seconds, peak KiB, [(t, line
    parsed by parse)], first-header time)."""
    mem = os.path.join(tmp, "mem")
    pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL} if progress == "stdout" else \
        {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    t0 = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", mem] + cmd, text=True, **pipe)
    stream = p.stdout if progress == "stdout" else p.stderr
    points, header = [], None
    for line in stream:
        t = time.perf_counter() - t0
        v = parse(line)
        if v == "header":
            header = t
        elif v is not None:
            points.append((t, v))
    if p.wait() != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    whole = time.perf_counter() - t0
    peak = int(open(mem).read().split()[-1])
    return whole, peak, points, header


def libmf_line(line):
    f = line.split()
    if f[:1] == ["iter"]:
        return "header"
    if len(f) == 4 and f[0].isdigit():
        return float(f[2])
    return None


def strads_line(line):
    f = line.split()
    if f[:1] == ["iter"] and "test" in f:
        return float(f[-1])
    return None


def libmf(binary, train, test, tmp, k, iters, l2):
    cmd = ["stdbuf", "-oL", binary, "-k", str(k), "-t", str(iters), "-s", "2", "-p", test]
    if l2 is not None:
        cmd += ["-l2", str(l2)]
    whole, peak, points, header = timed(cmd + [train, os.path.join(tmp, "libmf.model")], "stdout", libmf_line, tmp)
    return {"whole": whole, "peak": peak, "curve": points, "load": header, "build": None,
            "fit": points[-1][0] - header, "rmse": points[-1][1], "iters": len(points)}


def strads_scale(binary, train, test, tmp, extra):
    summary = os.path.join(tmp, "s.json")
    cmd = [binary, "mf", "--data", train, "--test", test, "--format", "triplets", "--rank", "10",
           "--workers", "2", "--out", os.path.join(tmp, "strads.model"), "--summary", summary] + extra
    whole, peak, points, _ = timed(cmd, "stderr", strads_line, tmp)
    s = json.load(open(summary))
    return {"whole": whole, "peak": peak, "curve": points, "load": s["load_s"], "build": s["build_s"],
            "fit": s["wall_s"], "rmse": s["test_rmse"], "iters": s["iters"], "best": s.get("best_iter")}


def span(xs, f):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    lo, hi = min(xs), max(xs)
    return f.format(lo) if f.format(lo) == f.format(hi) else f"{f.format(lo)}–{f.format(hi)}"


def scale(a):
    train, test = os.path.join(a.tmp, "train.txt"), os.path.join(a.tmp, "test.txt")
    t = time.perf_counter()
    subprocess.run([a.binary, "generate", "mf", "--ratings", str(a.ratings), "--seed", "0", "--out", train,
                    "--test-every", "10", "--test-out", test, "-q"], check=True)
    gen_s = time.perf_counter() - t
    tools = [
        ("LIBMF (-k 10 -t 10 -l2 0.05)", lambda: libmf(a.libmf, train, test, a.tmp, 10, 10, 0.05)),
        ("LIBMF defaults (-k 10: -l2 0.1, -t 20)", lambda: libmf(a.libmf, train, test, a.tmp, 10, 20, None)),
        ("strads defaults (--rank 10: weighted λ 0.1, T 3, 10 iters)", lambda: strads_scale(a.binary, train, test, a.tmp, [])),
        ("strads --early-stop 1 --iters 20", lambda: strads_scale(a.binary, train, test, a.tmp,
                                                                   ["--early-stop", "1", "--iters", "20"])),
    ]
    runs = {name: [] for name, _ in tools}
    targets = []
    for _ in range(a.repeat):
        for name, run in tools:
            r = run()
            runs[name].append(r)
            if name.startswith("LIBMF (-k 10 -t 10"):
                target = r["rmse"]
                targets.append(target)
            # Time to target: from the process start to the progress line of the first
            # iteration at or below this repeat's LIBMF 10-iteration test RMSE.
            r["to_target"] = next((tt for tt, v in r["curve"] if v <= target + 1e-12), None)
    print(f"{a.ratings:,} Netflix-shaped synthetic ratings (480,189 × 17,770; strads generate mf --seed 0, "
          f"generated and written in {gen_s:.1f} s), test = rating r with r % 10 == 9, rank 10, 2 threads, "
          f"{a.repeat} run(s), ranges min–max; target = LIBMF's 10-iteration test RMSE "
          f"({span(targets, '{:.4f}')})")
    print()
    print("| tool | whole process s | fit s | load s (read + build) | time to target s | final test RMSE | "
          "iterations | peak memory MB |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rs in runs.items():
        load = span([r["load"] for r in rs], "{:.2f}")
        if rs[0]["build"] is not None:
            load += " + " + span([r["build"] for r in rs], "{:.2f}")
        iters = span([r["iters"] for r in rs], "{}")
        if rs[0].get("best") is not None:
            iters += f" (best {span([r['best'] for r in rs], '{}')})"
        print(f"| {name} | {span([r['whole'] for r in rs], '{:.2f}')} | {span([r['fit'] for r in rs], '{:.2f}')} | "
              f"{load} | {span([r['to_target'] for r in rs], '{:.2f}')} | {span([r['rmse'] for r in rs], '{:.4f}')} | "
              f"{iters} | {span([r['peak'] / 1024 for r in rs], '{:.0f}')} |")


def libmf_ml100k(binary, data, tmp, target, iters):
    train, test = os.path.join(tmp, "ml.train"), os.path.join(tmp, "ml.test")
    with open(data) as f, open(train, "w") as tr, open(test, "w") as te:
        for k, line in enumerate(f):
            u, i, r, _ = line.split("\t")
            (te if k % 10 == 9 else tr).write(f"{u} {i} {r}\n")
    r = libmf(binary, train, test, tmp, 10, iters, None)
    hit = next(((n, tt) for n, (tt, v) in enumerate(r["curve"], 1) if v <= target), None)
    return {"time_to_target": hit[1] - r["load"] if hit else None, "iters_to_target": hit[0] if hit else None,
            "rmse": r["rmse"], "run_s": r["fit"], "whole_s": r["whole"], "iters": iters}


def ml100k(a):
    train, test = load(a.data)
    rows = []
    for w in (1, 2):
        rows.append((f"strads CCD++ (weighted λ={a.lam}, T=3)", w, strads(a.binary, a.data, w, a.iters, a.lam, a.target)))
    rows.append(("LIBMF (defaults, -k 10, 20 iterations)", 2, libmf_ml100k(a.libmf, a.data, a.tmp, a.target, 20)))
    rows.append(("Spark ALS (regParam 0.1, local[2])", 2, spark_als(train, test, a.target, a.iters)))
    rows.append(("surprise SVD (defaults, 10 factors)", 1, surprise_svd(train, test, a.target, 20)))
    print(f"MovieLens 100K, test = rating i with i % 10 == 9 (10,000), rank 10, target test RMSE {a.target}")
    print()
    print("| tool | threads | time to target (s) | iterations to target | final test RMSE | iterations run | fit s | whole process s |")
    print("|---|---|---|---|---|---|---|---|")
    fmt = lambda x, f: "-" if x is None else f.format(x)
    for name, w, r in rows:
        print(f"| {name} | {w} | {fmt(r['time_to_target'], '{:.3f}')} | {fmt(r['iters_to_target'], '{}')} | "
              f"{r['rmse']:.4f} | {r['iters']} | {fmt(r['run_s'], '{:.3f}')} | {fmt(r['whole_s'], '{:.2f}')} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["scale", "ml100k"])
    ap.add_argument("--data")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--libmf", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--target", type=float, default=0.93)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--ratings", type=int, default=10_000_000)
    a = ap.parse_args()
    if a.part == "scale":
        scale(a)
    else:
        ml100k(a)


if __name__ == "__main__":
    main()
