#!/usr/bin/env bash
# Prints one markdown table: strads Lasso schedules (dynamic, cyclic, random) × 1 and 2 workers ×
# --staleness 0 and 2 (when the build has that flag) against scikit-learn and celer, on the ALL
# leukemia set at 0.1 and 0.01 λ_max and on problems made by `strads generate lasso` (cached in
# benches/.data, gitignored). Sets up a Python virtual environment in benches/.venv (PyPI).
# Usage: benches/lasso_compare.sh [--problems all-0.1,all-0.01,sparse-500,synth-1m] [--repeat 3]
#        [--strads-time-limit 120] [--schedules dynamic,cyclic,random] [--staleness 0,2]
#        [--peer-time-limit 600] [--peers scikit-learn,celer]
# A full run (every problem, --repeat 3) takes about an hour on 2 cores: the random and cyclic
# schedules stop at the time limit on the harder problems.
set -euo pipefail
source "$(dirname "$0")/data.sh"
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q numpy scipy scikit-learn celer
fi
(cd "$root" && cargo build --release -q)
# The command line as typed, for the top of the table (arguments quoted only where needed).
LASSO_COMPARE_CMD="$0"
for arg in "$@"; do
  if [[ "$arg" =~ ^[A-Za-z0-9_.,:/=+-]+$ ]]; then LASSO_COMPARE_CMD+=" $arg"; else LASSO_COMPARE_CMD+=" $(printf '%q' "$arg")"; fi
done
export LASSO_COMPARE_CMD
exec "$here/.venv/bin/python" "$here/lasso_compare.py" --data "$data" --binary "$root/target/release/strads" --root "$root" "$@"
