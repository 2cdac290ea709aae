#!/usr/bin/env python3
"""One side-by-side table: L1 logistic regression on ALL leukemia B/T, strads and its peers.

The data: 123 x 12,625, labels +1 T-lineage / -1 B-lineage; the solvers: scikit-learn
(liblinear, saga), celer and `strads logreg` (its rows: the STRADS SLOT below).

The problem, for every solver, with labels y in {-1, +1}:

    F(b0, b) = sum_i log(1 + exp(-y_i (b0 + x_i^T b))) + lam ||b||_1

(b0 = 0 without an intercept). lam = ratio * lam_max with lam_max the smallest lam for which
b = 0 is optimal: ||X^T (y01 - mean(y01))||_inf with an intercept, ||X^T (y01 - 1/2)||_inf
without (y01: the labels as 0/1).

Objective scaling of the peers (all solve the same minimizer with C = 1 / lam):
* scikit-learn LogisticRegression(l1_ratio=1.0) minimizes C * sum_i loss_i + ||b||_1
  = F / lam: its `tol` is on that scale. liblinear penalizes the intercept as well (it is an
  extra feature of value intercept_scaling): with an intercept its problem is not quite F, so
  it runs with intercept_scaling = 100 (penalty lam / 100 on b0) and its objective is the one
  recomputed here, which shows the difference. saga does not penalize b0.
* celer LogisticRegression minimizes sum_i loss_i + (1 / C) ||b||_1 = F; no intercept
  (fit_intercept=True is not supported), so celer runs on the no-intercept problems only.

Every objective is recomputed here from the data and the coefficients, with a relative
duality gap from one formula: the dual point u_i = sigmoid(-y_i z_i) (z the fitted margins),
shifted so that sum_i y_i u_i = 0 when there is an intercept, rescaled by
s = min(1, lam / ||X^T (y * u)||_inf) into the feasible set; D = sum_i H(s u_i) with H the
binary entropy (nats). "Converged" = relative gap (F - D) / F <= 1e-6 (TARGET_GAP).

Each peer runs in a fresh `python -c` process (import, load, fit), with tolerances 1e-2,
1e-3, ... until its recomputed gap reaches the target; its row is that tolerance, repeated
--repeat times: "whole" = wall time of the process (min-max), "fit" = .fit alone (median).

Usage: benches/logreg_compare.sh [--problems 0.1-icpt,0.01-none] [--repeat 3] [--peers saga]
(sets up the virtual environment, builds strads, runs this)
"""
import argparse
import os
import statistics
import subprocess

import numpy as np
from sklearn.datasets import load_svmlight_file

from _common import fmt_range, header, log, print_table, run_peer, run_strads, tolerance_ladder

TARGET_GAP = 1e-6
TOLERANCES = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12]

# name -> (lambda / lambda_max, intercept)
PROBLEMS = {
    "0.1-icpt": (0.1, True),
    "0.1-none": (0.1, False),
    "0.01-icpt": (0.01, True),
    "0.01-none": (0.01, False),
}

# peer -> (import, constructor with {C}, {tol}, {icpt}; whether it fits an intercept)
PEERS = {
    "liblinear": ("from sklearn.linear_model import LogisticRegression",
                  "LogisticRegression(l1_ratio=1.0, solver='liblinear', C={C!r}, tol={tol!r}, fit_intercept={icpt}, "
                  "intercept_scaling=100.0, max_iter=100_000)", True),
    "saga": ("from sklearn.linear_model import LogisticRegression",
             "LogisticRegression(l1_ratio=1.0, solver='saga', C={C!r}, tol={tol!r}, fit_intercept={icpt}, "
             "max_iter=1_000_000)", True),
    "celer": ("from celer import LogisticRegression",
              "LogisticRegression(C={C!r}, tol={tol!r}, fit_intercept=False, max_iter=1000)", False),
}

# Run in a fresh interpreter: import, load, fit; the timings and the model go back as JSON.
PEER_CODE = """
import time
t0 = time.perf_counter()
import json, sys, warnings
import numpy as np
from sklearn.datasets import load_svmlight_file
{imp}
t1 = time.perf_counter()
X, y = load_svmlight_file({path!r})
X = X.toarray()
t2 = time.perf_counter()
m = {make}
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    m.fit(X, y)
t3 = time.perf_counter()
np.save({coef!r}, np.asarray(m.coef_, dtype=float).ravel())
n_iter = getattr(m, "n_iter_", None)
icpt = np.asarray(getattr(m, "intercept_", 0.0), dtype=float).ravel()
json.dump({{"import_s": t1 - t0, "load_s": t2 - t1, "fit_s": t3 - t2,
            "intercept": float(icpt[0]) if icpt.size else 0.0,
            "classes": [float(c) for c in m.classes_],
            "n_iter": None if n_iter is None else int(np.max(n_iter)),
            "warnings": sorted({{type(x.message).__name__ for x in w}})}}, sys.stdout)
"""


def lambda_max(X, y, icpt):
    y01 = (y + 1) / 2
    return float(np.abs(X.T @ (y01 - (y01.mean() if icpt else 0.5))).max())


def objective(X, y, lam, b0, b):
    """F(b0, b) with a numerically stable log(1 + exp(-m))."""
    m = y * (b0 + X @ b)
    return float(np.logaddexp(0.0, -m).sum() + lam * np.abs(b).sum())


def entropy(u):
    u = np.clip(u, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(np.where(u > 0, u * np.log(u), 0.0) + np.where(u < 1, (1 - u) * np.log1p(-u), 0.0))
    return float(h.sum())


def rel_gap(X, y, lam, b0, b, icpt):
    """(relative duality gap, F, D) of (b0, b); the gap is nan if no feasible dual point is
    found this way (the intercept shift leaves [0, 1])."""
    primal = objective(X, y, lam, b0, b)
    u = 1.0 / (1.0 + np.exp(y * (b0 + X @ b)))  # sigmoid(-y z)
    if icpt:
        u = u - y * np.mean(y * u)  # sum_i y_i u_i = 0 (y_i^2 = 1)
        if u.min() < 0.0 or u.max() > 1.0:
            return float("nan"), primal, float("-inf")
    g = np.abs(X.T @ (y * u)).max()
    s = min(1.0, lam / g) if g > 0 else 1.0
    dual = entropy(s * u)
    return (primal - dual) / primal, primal, dual


# ---- STRADS SLOT ---------------------------------------------------------------------------
# `strads logreg` (issue 11), with the flags and files of `strads lasso`:
#   strads logreg --data F --lambda-ratio R [--no-intercept] --schedule S --workers P --tol T
#                 --time-limit L --quiet --summary s.json --out coef.txt
# Its own stopping rule is a relative duality gap <= --tol (1e-6 here, the target); its
# objective and gap are recomputed from --out like every other row. A build without the
# subcommand gets one placeholder row per problem.
def strads_has_logreg(binary):
    try:
        r = subprocess.run([binary, "logreg", "--help"], capture_output=True, text=True)
    except OSError:
        return False
    return r.returncode == 0


def strads_rows(prob, a):
    name, path, ratio, icpt, X, y, lam = prob
    if not a.strads_available:
        return [[name, "strads logreg", "-", "-", "-", "-", "-", "-", None,
                 "SLOT: not in this build (issue 11); rerun once `strads logreg` exists"]]
    rows = []
    for schedule in a.strads_schedules.split(","):
        for workers in [int(w) for w in a.strads_workers.split(",")]:
            runs = []
            for _ in range(a.repeat):
                cmd = [a.binary, "logreg", "--data", path, "--lambda-ratio", str(ratio), "--schedule", schedule,
                       "--workers", str(workers), "--tol", "1e-6", "--time-limit", str(a.strads_time_limit), "--quiet"]
                if not icpt:
                    cmd.append("--no-intercept")
                whole, js, b0, b = run_strads(cmd, X.shape[1], a.strads_time_limit)
                gap, obj, _ = rel_gap(X, y, lam, b0, b, icpt)
                runs.append((whole, js, gap, obj, int(np.count_nonzero(b))))
            whole, js, gap, obj, nnz = runs[0]
            ok = all(r[2] <= TARGET_GAP for r in runs)
            rows.append([name, f"strads logreg {schedule}", str(workers), "-",
                         fmt_range([r[0] for r in runs]), f"{statistics.median(r[1]['wall_s'] for r in runs):.3f}",
                         str(nnz), f"{gap:.1e}", obj,
                         ("converged" if ok else "NOT CONVERGED") + f" ({js.get('stop_reason', '?')})"])
    return rows
# ---- end of the STRADS SLOT ----------------------------------------------------------------


def peer_run(prob, a, peer, tol):
    """One fresh-process fit: (whole seconds, timings JSON, gap, objective, nnz), or None on
    timeout."""
    name, path, ratio, icpt, X, y, lam = prob
    imp, make, _ = PEERS[peer]
    make = make.format(C=1.0 / lam, tol=tol, icpt=icpt)
    r = run_peer(lambda coef: PEER_CODE.format(imp=imp, path=path, coef=coef, make=make), a.peer_time_limit)
    if r is None:
        return None
    whole, js, b = r
    # scikit-learn's coef_ is for classes_[1]: +1 here (classes sorted -1, +1).
    assert js["classes"] == [-1.0, 1.0], js["classes"]
    gap, obj, _ = rel_gap(X, y, lam, js["intercept"], b, icpt)
    return whole, js, gap, obj, int(np.count_nonzero(b))


def peer_row(prob, a, peer):
    name = prob[0]
    runs, note = tolerance_ladder(a.tolerances, lambda tol: peer_run(prob, a, peer, tol),
                                  lambda r: r[2] <= TARGET_GAP, a.repeat, f"{name}: {peer}", a.peer_time_limit)
    if not runs:
        return [name, peer, "1", "-", f"> {a.peer_time_limit:g}", "-", "-", "-", None, note]
    whole, js, gap, obj, nnz = runs[0]
    if js["warnings"]:
        note += f"; warned: {', '.join(js['warnings'])}"
    iters = "-" if js["n_iter"] is None else str(js["n_iter"])
    return [name, peer, "1", iters, fmt_range([x[0] for x in runs]),
            f"{statistics.median(x[1]['fit_s'] for x in runs):.3f}", str(nnz), f"{gap:.1e}", obj, note]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="the ALL leukemia B/T LIBSVM file (all_leukemia_bt.libsvm.gz)")
    ap.add_argument("--binary", required=True, help="the strads binary")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--problems", default=",".join(PROBLEMS), help=f"subset of {','.join(PROBLEMS)} (default all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; whole-process time is their min-max")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--peer-time-limit", type=float, default=600.0,
                    help="wall-time limit of one peer process, seconds")
    ap.add_argument("--tolerances", default=",".join(f"{t:g}" for t in TOLERANCES),
                    help="the peers' tolerance ladder, tried in order until the target gap")
    ap.add_argument("--strads-workers", default="1,2")
    ap.add_argument("--strads-schedules", default="dynamic,cyclic,random")
    ap.add_argument("--strads-time-limit", type=float, default=120.0, help="strads --time-limit, seconds")
    a = ap.parse_args()
    a.tolerances = [float(t) for t in a.tolerances.split(",")]
    problems = a.problems.split(",")
    for p in problems:
        if p not in PROBLEMS:
            ap.error(f"unknown problem {p!r}: choose from {','.join(PROBLEMS)}")
    for p in a.peers.split(","):
        if p not in PEERS:
            ap.error(f"unknown peer {p!r}: choose from {','.join(PEERS)}")
    a.strads_available = strads_has_logreg(a.binary)

    lines = header(a.root, "LOGREG_COMPARE_CMD", f"target relative gap {TARGET_GAP:g}, repeat {a.repeat}"
                   + ("" if a.strads_available else "; this strads build has no `logreg` (strads rows are a slot)"))
    lines.append("")

    log(f"loading {a.data}")
    X, y = load_svmlight_file(a.data)
    X = np.asarray(X.todense())
    labels = sorted(set(y.tolist()))
    if labels != [-1.0, 1.0]:
        raise SystemExit(f"{a.data}: labels {labels}, expected -1 and +1")
    n, p = X.shape
    rows = []
    for name in problems:
        ratio, icpt = PROBLEMS[name]
        lam_max = lambda_max(X, y, icpt)
        lam = ratio * lam_max
        lines.append(f"* `{name}`: ALL leukemia B/T ({os.path.basename(a.data)}), n = {n}, p = {p}, "
                     f"{'with' if icpt else 'no'} intercept, lambda = {ratio:g} lambda_max = {lam:.6g} "
                     f"(lambda_max = {lam_max:.6g}; scikit-learn and celer C = 1/lambda = {1 / lam:.6g})")
        prob = (name, a.data, ratio, icpt, X, y, lam)
        rows.extend(strads_rows(prob, a))
        for peer in a.peers.split(","):
            if icpt and not PEERS[peer][2]:
                rows.append([name, peer, "-", "-", "-", "-", "-", "-", None, "no intercept support"])
                continue
            rows.append(peer_row(prob, a, peer))

    head = ["problem", "solver", "workers", "iterations", "whole process (s)", "fit (s)", "nnz",
            "relative gap", "objective", "note"]
    cells = [r[:8] + ["-" if r[8] is None else f"{r[8]:.10g}"] + r[9:] for r in rows]
    print_table(lines, head, cells,
                "objective: sum_i log(1 + exp(-y_i (b0 + x_i^T b))) + lambda ||b||_1, recomputed from each solver's "
                "coefficients; relative gap: (F - D) / F with the dual point described in logreg_compare.py; whole "
                "process: min-max wall time of a fresh process (Python: interpreter start, imports, load, fit) over "
                "the repeats; fit: median of .fit alone; iterations: the peer's n_iter_ (liblinear/saga epochs, celer "
                "outer iterations).")


if __name__ == "__main__":
    main()
