#!/usr/bin/env bash
# Prints the Lasso comparison table of the README: strads schedules vs scikit-learn and celer
# on the ALL leukemia set. Sets up a Python virtual environment in benches/.venv (PyPI).
# Usage: benches/lasso_compare.sh [--ratios 0.1,0.01] [--repeat 3] [--schedules dynamic,cyclic]
set -euo pipefail
source "$(dirname "$0")/data.sh"
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q numpy scipy scikit-learn celer
fi
(cd "$root" && cargo build --release -q)
exec "$here/.venv/bin/python" "$here/lasso_compare.py" --data "$data" --binary "$root/target/release/strads" "$@"
