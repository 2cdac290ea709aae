"""Helpers shared by the comparison scripts (lasso_compare.py, logreg_compare.py): running
strads and peer processes, reading strads model files, the tolerance ladder of the peers, the
table's header lines and the markdown table itself."""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fmt_range(xs):
    """`lo` or `lo–hi` (3 decimals) of a list of seconds."""
    lo, hi = min(xs), max(xs)
    return f"{lo:.3f}" if len(xs) == 1 or f"{lo:.3f}" == f"{hi:.3f}" else f"{lo:.3f}–{hi:.3f}"


def read_model(path, p):
    """A strads linear model file (--out): `intercept <v>`, then `<feature> <value>` lines
    (1-based). Returns (b0, b) with b of length p."""
    b = np.zeros(p)
    b0 = 0.0
    with open(path) as f:
        for line in f:
            k, v = line.split()
            if k == "intercept":
                b0 = float(v)
            else:
                b[int(k) - 1] = float(v)
    return b0, b


def run_strads(cmd, p, time_limit):
    """Runs a strads fit (cmd without --summary/--out, which are added) once: (whole-process
    seconds, the summary JSON, b0, b)."""
    with tempfile.TemporaryDirectory() as d:
        summ, coef = os.path.join(d, "s.json"), os.path.join(d, "coef.txt")
        t = time.perf_counter()
        subprocess.run(cmd + ["--summary", summ, "--out", coef], check=True, timeout=2 * time_limit + 600)
        whole = time.perf_counter() - t
        with open(summ) as f:
            js = json.load(f)
        b0, b = read_model(coef, p)
    return whole, js, b0, b


def run_peer(code, time_limit):
    """Runs `python -c code` in a fresh interpreter; the code writes the model to the path
    given as {coef} (formatted in by the caller through `coef_path`) and its timings as JSON
    on stdout. Returns (whole-process seconds, the JSON, the coefficients), or None on timeout."""
    with tempfile.TemporaryDirectory() as d:
        coef = os.path.join(d, "coef.npy")
        t = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, "-c", code(coef)], check=True, capture_output=True, text=True,
                                 timeout=time_limit)
        except subprocess.TimeoutExpired:
            return None
        whole = time.perf_counter() - t
        return whole, json.loads(out.stdout), np.load(coef)


def tolerance_ladder(tolerances, run, converged, repeat, label, time_limit):
    """Runs a peer at each tolerance in turn until `converged(result)`, then `repeat - 1` more
    times at that tolerance. Returns (runs, note): the runs of the row (the first run that
    converged and its repeats; else the last run), and a note (`converged, tol=..`, or why
    not). `runs` is empty when the first tolerance already timed out."""
    last = None
    for tol in tolerances:
        log(f"  {label} tol={tol:g}")
        r = run(tol)
        if r is None:
            note = f"NOT CONVERGED (time limit {time_limit:g} s at tol={tol:g})"
            if last is None:
                return [], note
            break
        last = (r, tol)
        if converged(r):
            runs = [r] + [run(tol) for _ in range(repeat - 1)]
            return [x for x in runs if x is not None], f"converged, tol={tol:g}"
    else:
        note = f"NOT CONVERGED (tolerances down to {tolerances[-1]:g})"
    return [last[0]], note + f"; row: tol={last[1]:g}"


def header(root, cmd_env, extra):
    """The first lines of a table: the command as typed, then strads's revision, the cores and
    the Python packages' versions, then `extra`."""
    import sklearn
    import celer
    rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return [f"$ {os.environ.get(cmd_env) or shlex.join(sys.argv)}", "",
            f"strads {rev}{' (modified)' if dirty else ''}, {os.cpu_count()} cores, python {sys.version.split()[0]}, "
            f"scikit-learn {sklearn.__version__}, celer {celer.__version__}, numpy {np.__version__}; " + extra]


def print_table(lines, head, rows, footer):
    """Prints the header lines, the markdown table (rows of strings) and the footer."""
    print("\n".join(lines))
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print("\n" + footer)
