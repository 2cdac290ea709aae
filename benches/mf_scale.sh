#!/usr/bin/env bash
# Prints the MF scale table of the README: seconds per outer CCD++ iteration and peak memory
# on Netflix-shaped synthetic ratings (480,189 × 17,770, heavy-tailed degrees), 2 workers,
# default hyperparameters (weighted λ 0.1, 3 inner iterations). Peak memory is the whole
# process's maximum resident set (/usr/bin/time %M, KiB), generation and shards included.
# With REPEAT > 1 every cell is a range min–max over the runs.
# Usage: benches/mf_scale.sh [RATINGS (default 100000000)] [RANKS (default "10 50")] [ITERS (default 2)] [REPEAT (default 1)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ratings="${1:-100000000}"
ranks="${2:-10 50}"
iters="${3:-2}"
repeat="${4:-1}"
(cd "$root" && cargo build --release -q)
echo "| ratings | rank | workers | generate s | build s | s / outer iteration | train RMSE | peak memory |"
echo "|---|---|---|---|---|---|---|---|"
for k in $ranks; do
  tmp="$(mktemp -d)"
  for r in $(seq 1 "$repeat"); do
    /usr/bin/time -f "%M" -o "$tmp/mem.$r" "$root/target/release/strads" mf --synthetic "$ratings" --rank "$k" \
        --iters "$iters" --workers 2 -q --summary "$tmp/s.$r.json"
  done
  python3 - "$tmp" "$repeat" "$ratings" "$k" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{tmp}/s.{r}.json")) for r in range(1, n + 1)]
mem = [int(open(f"{tmp}/mem.{r}").read().split()[-1]) / 1024 / 1024 for r in range(1, n + 1)]
def span(xs, f):
    lo, hi = f.format(min(xs)), f.format(max(xs))
    return lo if lo == hi else f"{lo}–{hi}"
print(f"| {int(sys.argv[3]):,} | {sys.argv[4]} | 2 | {span([s['load_s'] for s in runs], '{:.1f}')} | "
      f"{span([s['build_s'] for s in runs], '{:.1f}')} | {span([s['wall_s'] / s['iters'] for s in runs], '{:.2f}')} | "
      f"{span([s['train_rmse'] for s in runs], '{:.4f}')} | {span(mem, '{:.2f}')} GiB |")
PY
  rm -rf "$tmp"
done
