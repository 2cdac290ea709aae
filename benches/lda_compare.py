"""strads lda vs tomotopy: log-likelihood per token, throughput, load time, whole-process time
and peak memory (see lda_compare.sh).

Each run is its own process under /usr/bin/time (peak resident set = its own %M): strads is the
binary; tomotopy is this script re-run with --tomotopy-run, which streams the UCI file into the
model (numpy parses blocks of lines; each document's word list is built from the vocabulary
array in one step) and reports its load and training times as JSON.
"""

import argparse
import gzip
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

BLOCK = 1 << 24  # bytes of docword lines parsed at once by the tomotopy reader


def uci_header(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return int(f.readline()), int(f.readline()), int(f.readline())


def uci_documents(path, vocab):
    """Yields each document of a UCI docword file as a list of word strings (token order:
    the file's entries, each word repeated `count` times). Documents must come in
    non-decreasing id order, as in the UCI files and `strads generate lda`."""
    import numpy as np

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for _ in range(3):
            f.readline()
        rest = b""
        cur_doc, cur_words, cur_counts = None, [], []
        last = 0
        while True:
            block = f.read(BLOCK)
            if not block:
                data, rest = rest, b""
            else:
                data = rest + block
                cut = data.rfind(b"\n") + 1
                data, rest = data[:cut], data[cut:]
            if data.strip():
                e = np.fromstring(data.decode("ascii"), dtype=np.int64, sep=" ").reshape(-1, 3)
                doc, word, count = e[:, 0], e[:, 1] - 1, e[:, 2]
                if doc[0] < last or np.any(doc[1:] < doc[:-1]):
                    sys.exit(f"{path}: documents are not in order; the tomotopy reader streams them")
                last = int(doc[-1])
                starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
                ends = np.r_[starts[1:], len(doc)]
                for s, t in zip(starts, ends):
                    d = int(doc[s])
                    if d != cur_doc:
                        if cur_doc is not None:
                            yield vocab[np.repeat(np.concatenate(cur_words), np.concatenate(cur_counts))].tolist()
                        cur_doc, cur_words, cur_counts = d, [], []
                    cur_words.append(word[s:t])
                    cur_counts.append(count[s:t])
            if not block:
                break
        if cur_doc is not None:
            yield vocab[np.repeat(np.concatenate(cur_words), np.concatenate(cur_counts))].tolist()


def tomotopy_run(a):
    """The tomotopy side, in its own process: load (read + add_doc), train, report JSON."""
    t0 = time.perf_counter()
    import numpy as np
    import tomotopy as tp

    with open(a.vocab) as f:
        vocab = np.array([w.strip() for w in f], dtype=object)
    mdl = tp.LDAModel(k=a.k, alpha=0.1, eta=0.01, seed=a.seed, min_cf=0, rm_top=0)
    tokens = 0
    for words in uci_documents(a.corpus, vocab):
        if words:
            mdl.add_doc(words)
            tokens += len(words)
    mdl.optim_interval = 0  # keep alpha fixed (the default re-estimates it)
    load = time.perf_counter() - t0
    t = time.perf_counter()
    mdl.train(a.iters, workers=a.workers)
    wall = time.perf_counter() - t
    out = {"loglik_per_token": mdl.ll_per_word, "tokens_per_s": tokens * a.iters / wall, "wall_s": wall,
           "load_s": load, "tokens": tokens, "version": tp.__version__}
    with open(a.result, "w") as f:
        json.dump(out, f)


def timed(cmd, what):
    """Runs `cmd` under /usr/bin/time; returns (seconds of the whole process, peak RSS MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if res.returncode != 0:
            sys.exit(f"{what} failed ({res.returncode}): {res.stderr[-2000:]}")
        peak_kb = int(tf.read().strip().splitlines()[-1])
    return wall, peak_kb / 1024


def run_strads(a, k):
    with tempfile.TemporaryDirectory() as d:
        s = os.path.join(d, "s.json")
        cmd = [a.binary, "lda", "--data", a.corpus, "--vocab", a.vocab, "--topics", str(k), "--iters", str(a.iters),
               "--workers", str(a.workers), "--seed", str(a.seed), "--summary", s, "-q"] + shlex.split(a.strads_args)
        proc, peak = timed(cmd, "strads")
        with open(s) as f:
            j = json.load(f)
    return {"ll": j["loglik_per_token"], "tps": j["tokens_per_s"], "train": j["wall_s"], "load": j["load_s"],
            "proc": proc, "peak": peak, "tokens": j["tokens"]}


def run_tomotopy(a, k):
    with tempfile.TemporaryDirectory() as d:
        r = os.path.join(d, "t.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--tomotopy-run", "--corpus", a.corpus, "--vocab", a.vocab,
               "--k", str(k), "--iters", str(a.iters), "--workers", str(a.workers), "--seed", str(a.seed),
               "--result", r]
        proc, peak = timed(cmd, "tomotopy")
        with open(r) as f:
            j = json.load(f)
    return {"ll": j["loglik_per_token"], "tps": j["tokens_per_s"], "train": j["wall_s"], "load": j["load_s"],
            "proc": proc, "peak": peak, "tokens": j["tokens"], "version": j["version"]}


def span(xs, fmt):
    lo, hi = min(xs), max(xs)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--binary")
    ap.add_argument("--label", default="NYT-8447", help="the corpus name in the table's heading")
    ap.add_argument("--topics", default="100,1000")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool per K; ranges are min–max")
    ap.add_argument("--strads-args", default="", help="extra strads lda flags, e.g. '--sampler mh --mh-steps 2'")
    ap.add_argument("--tomotopy-run", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--k", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.tomotopy_run:
        return tomotopy_run(a)
    if not a.binary:
        sys.exit("--binary is required")
    d, w, nnz = uci_header(a.corpus)
    header_done = False
    for k in [int(x) for x in a.topics.split(",")]:
        runs = {"strads": [], "tomotopy": []}
        for _ in range(a.repeat):
            runs["strads"].append(run_strads(a, k))
            runs["tomotopy"].append(run_tomotopy(a, k))
            if not header_done:
                s, t = runs["strads"][0], runs["tomotopy"][0]
                extra = f"; strads flags: {a.strads_args}" if a.strads_args else ""
                print(f"{a.label}: {d:,} documents, {w:,} words, {nnz:,} entries, {s['tokens']:,} tokens; "
                      f"alpha = 0.1 (fixed), beta = 0.01, {a.iters} iterations, {a.workers} threads; "
                      f"tomotopy {t['version']}; {a.repeat} run(s) each{extra}")
                print()
                print("| K | tool | loglik / token | tokens / s | train wall s | load s | process s | peak MB "
                      "| speed ratio |")
                print("|---|---|---|---|---|---|---|---|---|")
                header_done = True
        ratios = [s["tps"] / t["tps"] for s, t in zip(runs["strads"], runs["tomotopy"])]
        for tool in ["strads", "tomotopy"]:
            r = runs[tool]
            col = lambda key, fmt: span([x[key] for x in r], fmt)  # noqa: E731
            ratio = span(ratios, "{:.2f}") if tool == "strads" else "1.00"
            print(f"| {k} | {tool} | {col('ll', '{:.4f}')} | {col('tps', '{:,.0f}')} | {col('train', '{:.2f}')} "
                  f"| {col('load', '{:.2f}')} | {col('proc', '{:.2f}')} | {col('peak', '{:,.0f}')} | {ratio} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
