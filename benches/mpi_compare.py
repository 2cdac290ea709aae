"""Threads vs MPI for `strads lasso`: time and bytes per round (see mpi_compare.sh)."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(cmd, env):
    with tempfile.TemporaryDirectory() as d:
        summary, coef = os.path.join(d, "s.json"), os.path.join(d, "coef.txt")
        res = subprocess.run(cmd + ["--summary", summary, "--out", coef, "-q"], env=env, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr}")
        with open(summary) as f, open(coef, "rb") as g:
            return json.load(f), g.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--schedules", default="dynamic,cyclic")
    ap.add_argument("--workers", default="2,4")
    a = ap.parse_args()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    print(f"ALL leukemia (n = 123, p = 12,625), lambda = 0.1 lambda_max, tol 1e-6; median of {a.repeat} runs; "
          f"{os.cpu_count()} cores")
    print()
    print("| schedule | P | backend | rounds | wall s | us / round | comm us / round | bytes / round | identical coef |")
    print("|---|---|---|---|---|---|---|---|---|")
    for schedule in a.schedules.split(","):
        for p in [int(w) for w in a.workers.split(",")]:
            base = [a.binary, "lasso", "--data", a.data, "--schedule", schedule]
            threads = base + ["--workers", str(p)]
            mpi = ["mpirun", "--oversubscribe", "-np", str(p)] + base
            results = {"threads": [], "mpi": []}
            objectives = set()
            for _ in range(a.repeat):
                for name, cmd in (("threads", threads), ("mpi", mpi)):
                    s, coef = run(cmd, env)
                    results[name].append(s)
                    objectives.add(coef)
            for name in ("threads", "mpi"):
                rs = results[name]
                rounds = rs[0]["rounds"]
                wall = statistics.median(s["wall_s"] for s in rs)
                comm = statistics.median(s["phases"]["comm_s"] for s in rs)
                bpr = rs[0]["bytes_per_round"]
                same = "yes" if len(objectives) == 1 else "NO"
                print(f"| {schedule} | {p} | {name} | {rounds} | {wall:.3f} | {1e6 * wall / rounds:.1f} | "
                      f"{1e6 * comm / rounds:.1f} | {bpr:,.0f} | {same} |")


if __name__ == "__main__":
    main()
