#!/usr/bin/env bash
# Prints the MF table of the README: time to test RMSE 0.93 (and the RMSE reached) on
# MovieLens 100K, split "rating i (file order) is test iff i % 10 == 9", rank 10: strads with
# 1 and 2 workers vs Spark ALS (pyspark, local[2]) and surprise SVD, side by side in one run.
# Sets up a Python virtual environment in benches/.venv-mf (PyPI; Spark needs Java 17).
# Usage: benches/mf_compare.sh [--target 0.93]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
udata="$data_dir/movielens-100k/u.data"
[ -f "$udata" ] || { echo "missing $udata: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
if [ ! -x "$here/.venv-mf/bin/python" ]; then
  python3 -m venv "$here/.venv-mf"
  "$here/.venv-mf/bin/pip" install -q numpy pandas scikit-surprise pyspark
fi
(cd "$root" && cargo build --release -q)
exec "$here/.venv-mf/bin/python" "$here/mf_compare.py" --data "$udata" --binary "$root/target/release/strads" "$@"
