#!/usr/bin/env bash
# Prints the Lasso comparison table of the README: strads schedules vs scikit-learn and celer
# on the ALL leukemia set. Sets up a Python virtual environment in benches/.venv (PyPI).
# Usage: benches/lasso_compare.sh [--ratios 0.1,0.01] [--repeat 3] [--schedules dynamic,cyclic]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
data="$data_dir/lasso/all_leukemia_age.libsvm.gz"
[ -f "$data" ] || { echo "missing $data: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q numpy scipy scikit-learn celer
fi
(cd "$root" && cargo build --release -q)
exec "$here/.venv/bin/python" "$here/lasso_compare.py" --data "$data" --binary "$root/target/release/strads" "$@"
