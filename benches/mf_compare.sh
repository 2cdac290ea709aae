#!/usr/bin/env bash
# Prints the MF tables of the README, side by side in one run:
#  * scale (default): strads vs LIBMF on N Netflix-shaped synthetic ratings (default 10M, written by
#    `strads generate mf --seed 0`, rating r is test iff r % 10 == 9), rank 10, 2 threads: whole-process,
#    fit and load seconds, time to LIBMF's 10-iteration test RMSE, final test RMSE, peak memory;
#    --repeat N gives ranges over N runs.
#  * ml100k (--ml100k): MovieLens 100K (rating i is test iff i % 10 == 9), time to test RMSE 0.93:
#    strads (1 and 2 workers) vs LIBMF, Spark ALS (pyspark, local[2]) and surprise SVD. Sets up a
#    Python virtual environment in benches/.venv-mf (PyPI; Spark needs Java 17).
# LIBMF is built by this script in a temporary directory from ../shared/peers/libmf (its own sources,
# left where they are; set LIBMF_SRC to use another checkout).
# Usage: benches/mf_compare.sh [--repeat 3] [--ratings 10000000] [--ml100k] [--target 0.93]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
libmf_src="${LIBMF_SRC:-$root/../shared/peers/libmf}"
[ -f "$libmf_src/mf-train.cpp" ] || { echo "missing LIBMF sources in $libmf_src: set LIBMF_SRC" >&2; exit 1; }
ml=0
args=()
for a in "$@"; do
  if [ "$a" = "--ml100k" ]; then ml=1; else args+=("$a"); fi
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# LIBMF: compiled from its sources into the temporary directory (the flags of its Makefile).
mkdir "$tmp/libmf"
g++ -Wall -O3 -pthread -std=c++0x -march=native -fopenmp -DUSESSE -DUSEOMP -c -fPIC \
    -o "$tmp/libmf/mf.o" "$libmf_src/mf.cpp"
g++ -Wall -O3 -pthread -std=c++0x -march=native -fopenmp -DUSESSE -DUSEOMP \
    -o "$tmp/libmf/mf-train" "$libmf_src/mf-train.cpp" "$tmp/libmf/mf.o" -I"$libmf_src"
(cd "$root" && cargo build --release -q)
bin="$root/target/release/strads"
if [ "$ml" = 1 ]; then
  udata="$data_dir/movielens-100k/u.data"
  [ -f "$udata" ] || { echo "missing $udata: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
  if [ ! -x "$here/.venv-mf/bin/python" ]; then
    python3 -m venv "$here/.venv-mf"
    "$here/.venv-mf/bin/pip" install -q numpy pandas scikit-surprise pyspark
  fi
  "$here/.venv-mf/bin/python" "$here/mf_compare.py" ml100k --data "$udata" --binary "$bin" \
      --libmf "$tmp/libmf/mf-train" --tmp "$tmp" "${args[@]}"
  exit 0
fi
python3 "$here/mf_compare.py" scale --binary "$bin" --libmf "$tmp/libmf/mf-train" --tmp "$tmp" "${args[@]}"
