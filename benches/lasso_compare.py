#!/usr/bin/env python3
"""One side-by-side table: strads Lasso schedules (dynamic / cyclic / random, 1 and 2 workers,
--staleness 0 and 2) against scikit-learn and celer, on the ALL leukemia set and on problems
made by `strads generate lasso`.

Every solver fits the same problem, F(b0, b) = 1/2 ||y - b0 - X b||^2 + lam ||b||_1 (b0 only
for the problems with an intercept); scikit-learn and celer minimize F / n, so alpha = lam / n.
The objective of every solution is recomputed here from the data and the coefficients, and so
is a relative duality gap with one formula (dual point: the residual, centered when there is an
intercept, rescaled into the dual feasible set). "Converged" means the same for everyone: a
relative suboptimality (F - F_low) / F <= 1e-6, where F_low is a certified lower bound on the
optimum, the best dual value of a reference fit (celer at tol 1e-12) and of every solution in
the table. (strads and celer stop on a gap with an extrapolated dual point, which is tighter
than the plain residual's, so the plain "relative gap" column can be above 1e-6 for them.)

* strads runs once per repeat as a subprocess with --tol 1e-6 and --time-limit; "whole" is the
  wall time of that process (start, load, fit, write the model), "fit" its summary's wall_s,
  "load" its load_s. A run stopped by the time limit is reported as NOT CONVERGED.
* scikit-learn and celer stop on their own tolerances, which scale differently, so each is run
  with tolerances 1e-2, 1e-3, ... and its row is the first tolerance whose recomputed gap is
  <= 1e-6; every run is a fresh `python -c` process that imports, loads the file and fits, so
  "whole" is what a user waits for, "fit" the time of .fit alone, "load" of reading the file.
* whole-process seconds are the range min-max over --repeat runs; fit and load seconds the
  median; updates, rounds, gap and objective those of the first run.

Usage: benches/lasso_compare.sh [--problems all-0.1,sparse-500] [--repeat 3] ...
(sets up the virtual environment, builds strads, runs this)
"""
import argparse
import hashlib
import os
import statistics
import subprocess

import numpy as np
from sklearn.datasets import load_svmlight_file

from _common import fmt_range, header, log, print_table, run_peer, run_strads, tolerance_ladder

TARGET_GAP = 1e-6
TOLERANCES = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-14]

# name -> (data: "all" or generator arguments, lambda / lambda_max, intercept, strads workers)
PROBLEMS = {
    "all-0.1": ("all", 0.1, True, [1, 2]),
    "all-0.01": ("all", 0.01, True, [1, 2]),
    "sparse-500": (["--seed", "7"], 0.0075, False, [1, 2]),
    "synth-1m": (["--rows", "20000", "--cols", "1000000", "--nnz-per-col", "10", "--nonzeros", "100", "--seed", "7"],
                 0.05, False, [1, 2]),
}

PEERS = {
    "scikit-learn": ("from sklearn.linear_model import Lasso",
                     "Lasso(alpha={alpha!r}, tol={tol!r}, fit_intercept={icpt}, max_iter=1_000_000)"),
    "celer": ("from celer import Lasso",
              "Lasso(alpha={alpha!r}, tol={tol!r}, fit_intercept={icpt}, max_iter=1000)"),
}

# Run in a fresh interpreter: import, load, fit; the timings and the model go back as JSON.
PEER_CODE = """
import time
t0 = time.perf_counter()
import json, sys
import numpy as np
from sklearn.datasets import load_svmlight_file
{imp}
t1 = time.perf_counter()
X, y = load_svmlight_file({path!r}, n_features={p})
X = X.toarray() if {dense} else X.tocsc()
t2 = time.perf_counter()
m = {make}
m.fit(X, y)
t3 = time.perf_counter()
np.save({coef!r}, np.asarray(m.coef_, dtype=float))
n_iter = getattr(m, "n_iter_", None)
json.dump({{"import_s": t1 - t0, "load_s": t2 - t1, "fit_s": t3 - t2, "intercept": float(m.intercept_),
            "n_iter": None if n_iter is None else int(np.max(n_iter))}}, sys.stdout)
"""


# problem -> the best certified lower bound on its optimum seen so far (dual values).
LOWER = {}


def rel_gap(X, y, lam, b0, b, center):
    """Relative duality gap (F - D) / F, the objective F of (b0, b) and the dual value D."""
    r = y - b0 - X @ b
    rc = r - r.mean() if center else r
    primal = 0.5 * r @ r + lam * np.abs(b).sum()
    g = X.T @ rc
    gmax = np.abs(g).max()
    s = min(1.0, lam / gmax) if gmax > 0 else 1.0
    yc = y - y.mean() if center else y
    dual = s * (yc @ rc) - 0.5 * s * s * (rc @ rc)
    return (primal - dual) / primal, primal, dual


def reference_lower_bound(X, y, lam, icpt):
    """A certified lower bound on the optimum: the dual value of a tight celer fit."""
    import celer
    n = X.shape[0]
    Xf = X
    if not isinstance(X, np.ndarray):
        Xf = X.tocsc()
        Xf.indices = Xf.indices.astype(np.int32)
        Xf.indptr = Xf.indptr.astype(np.int32)
    m = celer.Lasso(alpha=lam / n, tol=1e-12, fit_intercept=icpt, max_iter=10000).fit(Xf, y)
    return rel_gap(X, y, lam, float(m.intercept_), np.asarray(m.coef_, dtype=float), icpt)[2]


def subopt(obj, low):
    return (obj - low) / obj


def generated(binary, gen_args, cache_dir, root):
    """The file of `strads generate lasso GEN_ARGS`, made once per arguments and generator
    source (cached in cache_dir)."""
    src = os.path.join(root, "datasets", "src", "lasso_synth.rs")
    h = hashlib.sha1(" ".join(gen_args).encode())
    if os.path.exists(src):
        h.update(open(src, "rb").read())
    name = "lasso-" + "-".join(a.lstrip("-") for a in gen_args) + f"-{h.hexdigest()[:8]}.libsvm"
    path = os.path.join(cache_dir, name)
    if not os.path.exists(path):
        os.makedirs(cache_dir, exist_ok=True)
        log(f"generating {path}")
        subprocess.run([binary, "generate", "lasso", *gen_args, "--out", path], check=True)
    return path


def converged_note(flags, what):
    k = sum(flags)
    if k == len(flags):
        return "converged" + what
    if k == 0:
        return "NOT CONVERGED" + what
    return f"converged in {k}/{len(flags)} runs" + what


def strads_row(prob, a, schedule, workers, staleness, has_staleness):
    name, path, ratio, icpt, X, y, lam = prob
    runs = []
    for _ in range(a.repeat):
        cmd = [a.binary, "lasso", "--data", path, "--lambda-ratio", str(ratio), "--schedule", schedule,
               "--workers", str(workers), "--time-limit", str(a.strads_time_limit), "--quiet"]
        if not icpt:
            cmd.append("--no-intercept")
        if has_staleness:
            cmd += ["--staleness", str(staleness)]
        whole, js, b0, b = run_strads(cmd, X.shape[1], a.strads_time_limit)
        gap, obj, dual = rel_gap(X, y, lam, b0, b, icpt)
        LOWER[name] = max(LOWER[name], dual)
        runs.append((whole, js, gap, obj))
    first = runs[0]
    js = first[1]
    stops = [r[1]["stop_reason"] for r in runs]
    ok = [subopt(r[3], LOWER[name]) <= TARGET_GAP for r in runs]
    what = ""
    if "time_limit" in stops:
        what = f" (time limit {a.strads_time_limit:g} s" + ("" if all(s == "time_limit" for s in stops) else " in some runs") + ")"
    note = converged_note(ok, what)
    return [name, f"strads {schedule}", str(workers), str(staleness) if has_staleness else "n/a",
            fmt_range([r[0] for r in runs]), f"{statistics.median(r[1]['wall_s'] for r in runs):.3f}",
            f"{statistics.median(r[1]['load_s'] for r in runs):.3f}", str(js["updates"]), str(js["rounds"]),
            f"{first[2]:.1e}", first[3], note]


def peer_run(prob, a, peer, tol):
    """One fresh-process fit: (whole seconds, timings JSON, gap, objective), or None on timeout."""
    name, path, ratio, icpt, X, y, lam = prob
    imp, make = PEERS[peer]
    n, p = X.shape
    make = make.format(alpha=lam / n, tol=tol, icpt=icpt)
    dense = isinstance(X, np.ndarray)
    r = run_peer(lambda coef: PEER_CODE.format(imp=imp, path=path, p=p, dense=dense, coef=coef, make=make),
                 a.peer_time_limit)
    if r is None:
        return None
    whole, js, b = r
    gap, obj, dual = rel_gap(X, y, lam, js["intercept"], b, icpt)
    LOWER[name] = max(LOWER[name], dual)
    return whole, js, gap, obj


def peer_row(prob, a, peer):
    name = prob[0]
    p = prob[4].shape[1]
    runs, note = tolerance_ladder(TOLERANCES, lambda tol: peer_run(prob, a, peer, tol),
                                  lambda r: subopt(r[3], LOWER[name]) <= TARGET_GAP, a.repeat, f"{name}: {peer}",
                                  a.peer_time_limit)
    if not runs:
        return [name, peer, "-", "-", f"> {a.peer_time_limit:g}", "-", "-", "-", "-", "-", None, note]
    r0 = runs[0]
    n_iter = r0[1]["n_iter"]
    updates = str(n_iter * p) if peer == "scikit-learn" and n_iter is not None else "-"
    rounds = f"{n_iter} epochs" if peer == "scikit-learn" and n_iter is not None else (f"{n_iter} outer" if n_iter is not None else "-")
    return [name, peer, "1", "-", fmt_range([x[0] for x in runs]), f"{statistics.median(x[1]['fit_s'] for x in runs):.3f}",
            f"{statistics.median(x[1]['load_s'] for x in runs):.3f}", updates, rounds, f"{r0[2]:.1e}", r0[3], note]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="the ALL leukemia LIBSVM file")
    ap.add_argument("--binary", required=True, help="the strads binary")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--problems", default=",".join(PROBLEMS), help=f"subset of {','.join(PROBLEMS)} (default all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; whole-process time is their min-max")
    ap.add_argument("--schedules", default="dynamic,cyclic,random")
    ap.add_argument("--staleness", default="0,2", help="strads --staleness values (when the build has the flag)")
    ap.add_argument("--strads-time-limit", type=float, default=120.0, help="strads --time-limit, seconds")
    ap.add_argument("--peer-time-limit", type=float, default=600.0,
                    help="wall-time limit of one scikit-learn / celer process, seconds")
    ap.add_argument("--peers", default="scikit-learn,celer")
    ap.add_argument("--cache-dir", default=None, help="where generated problems are kept (default benches/.data)")
    a = ap.parse_args()
    problems = a.problems.split(",")
    for p in problems:
        if p not in PROBLEMS:
            ap.error(f"unknown problem {p!r}: choose from {','.join(PROBLEMS)}")
    cache_dir = a.cache_dir or os.path.join(a.root, "benches", ".data")
    helptext = subprocess.run([a.binary, "lasso", "--help"], check=True, capture_output=True, text=True).stdout
    has_staleness = "--staleness" in helptext
    staleness = [int(s) for s in a.staleness.split(",")] if has_staleness else [0]

    lines = header(a.root, "LASSO_COMPARE_CMD",
                   f"target relative gap {TARGET_GAP:g}, strads --time-limit {a.strads_time_limit:g} s, repeat {a.repeat}")
    if not has_staleness:
        lines.append("(this strads build has no --staleness: its runs are the synchronous engine, staleness n/a)")
    lines.append("")

    rows = []
    for name in problems:
        source, ratio, icpt, workers = PROBLEMS[name]
        path = a.data if source == "all" else generated(a.binary, source, cache_dir, a.root)
        log(f"{name}: loading {path}")
        X, y = load_svmlight_file(path)
        X = np.asarray(X.todense()) if source == "all" else X.tocsr()
        yc = y - y.mean() if icpt else y
        lam_max = np.abs(X.T @ yc).max()
        lam = ratio * lam_max
        n, p = X.shape
        nnz = np.count_nonzero(X) if isinstance(X, np.ndarray) else X.nnz
        desc = "ALL leukemia" if source == "all" else "strads generate lasso " + " ".join(source)
        lines.append(f"* `{name}`: {desc} ({os.path.basename(path)}), n = {n}, p = {p}, nnz = {nnz}, "
                     f"{'with' if icpt else 'no'} intercept, lambda = {ratio:g} lambda_max = {lam:.6g} (alpha = {lam / n:.6g})"
                     + ("" if workers == [1, 2] else f"; strads with {','.join(map(str, workers))} worker(s) only"))
        prob = (name, path, ratio, icpt, X, y, lam)
        log(f"  {name}: reference fit (celer, tol 1e-12)")
        LOWER[name] = reference_lower_bound(X, y, lam, icpt)
        for sched in a.schedules.split(","):
            for w in workers:
                for s in staleness:
                    log(f"  {name}: strads {sched} workers={w} staleness={s}")
                    rows.append(strads_row(prob, a, sched, w, s, has_staleness))
        for peer in a.peers.split(","):
            rows.append(peer_row(prob, a, peer))

    head = ["problem", "solver", "workers", "staleness", "whole process (s)", "fit (s)", "load (s)",
            "coordinate updates", "rounds", "relative gap (plain)", "suboptimality", "objective", "note"]
    cells = []
    for r in rows:
        obj = r[10]
        cells.append(r[:10] + (["-", "-"] if obj is None else [f"{max(subopt(obj, LOWER[r[0]]), 0.0):.1e}", f"{obj:.10g}"])
                     + r[11:])
    print_table(lines, head, cells,
                "whole process: min–max of the wall time of a fresh process (strads: start, load, fit, write the "
                "model; Python: interpreter start, imports, load, fit) over the repeats; fit and load: medians; "
                "scikit-learn updates = epochs × p (its coordinate descent sweeps every feature); celer reports outer "
                "iterations only; suboptimality: (F - F_low) / F with F_low the best dual value seen (a reference "
                "celer fit at tol 1e-12 and every row's plain dual point); converged: suboptimality <= 1e-6.")


if __name__ == "__main__":
    main()
