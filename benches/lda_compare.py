"""strads lda vs tomotopy: log-likelihood per token and throughput (see lda_compare.sh)."""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import tomotopy as tp


def read_uci(path, vocab_path):
    with open(vocab_path) as f:
        vocab = [w.strip() for w in f]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        d = int(f.readline())
        f.readline()
        f.readline()
        docs = [[] for _ in range(d)]
        for line in f:
            doc, word, count = map(int, line.split())
            docs[doc - 1].extend([vocab[word - 1]] * count)
    return docs


def run_tomotopy(docs, k, iters, workers, seed):
    mdl = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=seed, min_cf=0, rm_top=0)
    for d in docs:
        if d:
            mdl.add_doc(d)
    mdl.optim_interval = 0  # keep alpha fixed (the default re-estimates it)
    t = time.perf_counter()
    mdl.train(iters, workers=workers)
    wall = time.perf_counter() - t
    tokens = sum(len(d) for d in docs)
    return mdl.ll_per_word, tokens * iters / wall, wall


def run_strads(binary, corpus, vocab, k, iters, workers, seed):
    with tempfile.TemporaryDirectory() as d:
        s = os.path.join(d, "s.json")
        cmd = [binary, "lda", "--data", corpus, "--vocab", vocab, "--topics", str(k), "--iters", str(iters),
               "--workers", str(workers), "--seed", str(seed), "--summary", s, "-q"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"strads failed: {res.stderr}")
        with open(s) as f:
            j = json.load(f)
    return j["loglik_per_token"], j["tokens_per_s"], j["wall_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--topics", default="100,1000")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    docs = read_uci(a.corpus, a.vocab)
    tokens = sum(len(d) for d in docs)
    print(f"NYT-8447: {len(docs)} documents, {tokens} tokens; alpha = 0.1 (fixed), beta = 0.01, "
          f"{a.iters} iterations, {a.workers} threads; tomotopy {tp.__version__}")
    print()
    print("| K | tool | loglik / token | tokens / s | train wall s | speed ratio |")
    print("|---|---|---|---|---|---|")
    for k in [int(x) for x in a.topics.split(",")]:
        s_ll, s_tps, s_wall = run_strads(a.binary, a.corpus, a.vocab, k, a.iters, a.workers, a.seed)
        t_ll, t_tps, t_wall = run_tomotopy(docs, k, a.iters, a.workers, a.seed)
        print(f"| {k} | strads | {s_ll:.4f} | {s_tps:,.0f} | {s_wall:.2f} | {s_tps / t_tps:.2f} |")
        print(f"| {k} | tomotopy | {t_ll:.4f} | {t_tps:,.0f} | {t_wall:.2f} | 1.00 |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
