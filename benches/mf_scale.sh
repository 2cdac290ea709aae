#!/usr/bin/env bash
# Prints the MF scale table of the README: seconds per outer CCD++ iteration and peak memory
# on Netflix-shaped synthetic ratings (480,189 × 17,770, heavy-tailed degrees), 2 workers.
# Usage: benches/mf_scale.sh [RATINGS (default 100000000)] [RANKS (default "10 50")] [ITERS (default 2)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ratings="${1:-100000000}"
ranks="${2:-10 50}"
iters="${3:-2}"
(cd "$root" && cargo build --release -q)
echo "| ratings | rank | workers | generate s | s / outer iteration | train RMSE | peak memory |"
echo "|---|---|---|---|---|---|---|"
for k in $ranks; do
  tmp="$(mktemp -d)"
  /usr/bin/time -f "%M" -o "$tmp/mem" "$root/target/release/strads" mf --synthetic "$ratings" --rank "$k" \
      --iters "$iters" --workers 2 -q --summary "$tmp/s.json"
  python3 - "$tmp/s.json" "$tmp/mem" "$ratings" "$k" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
mem_kb = int(open(sys.argv[2]).read().split()[-1])
print(f"| {int(sys.argv[3]):,} | {sys.argv[4]} | 2 | {s['load_s']:.1f} | {s['wall_s'] / s['iters']:.2f} | "
      f"{s['train_rmse']:.4f} | {mem_kb / 1024 / 1024:.2f} GiB |")
PY
  rm -rf "$tmp"
done
