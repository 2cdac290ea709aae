#!/usr/bin/env bash
# Prints one markdown table: sparse (L1) logistic regression on the ALL leukemia set (B- vs
# T-lineage, labels ±1) at 0.1 and 0.01 λ_max, with and without an intercept: scikit-learn's
# LogisticRegression(l1_ratio=1.0) with the liblinear and saga solvers, celer's
# LogisticRegression (no intercept only), and `strads logreg` (every schedule, 1 and 2
# workers). Sets up a Python virtual environment in benches/.venv (PyPI), shared with
# lasso_compare.sh.
# Usage: benches/logreg_compare.sh [--problems 0.1-icpt,0.1-none,0.01-icpt,0.01-none] [--repeat 3]
#        [--peers liblinear,saga,celer] [--peer-time-limit 600] [--tolerances 1e-2,1e-3,...]
#        [--strads-workers 1,2] [--strads-schedules dynamic,cyclic,random] [--strads-time-limit 120]
set -euo pipefail
source "$(dirname "$0")/data.sh"
data="$data_dir/lasso/all_leukemia_bt.libsvm.gz"
[ -f "$data" ] || { echo "missing $data: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
if ! "$here/.venv/bin/python" -c "import numpy, scipy, sklearn, celer" 2>/dev/null; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q numpy scipy scikit-learn celer
fi
# scikit-learn >= 1.8: l1_ratio=1.0 selects the L1 penalty (penalty="l1" is deprecated there).
"$here/.venv/bin/python" - <<'EOF'
import sklearn
major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
if (major, minor) < (1, 8):
    raise SystemExit(f"scikit-learn {sklearn.__version__} in benches/.venv: >= 1.8 needed "
                     "(l1_ratio=1.0 as the L1 penalty); rm -r benches/.venv and rerun")
EOF
(cd "$root" && cargo build --release -q)
# The command line as typed, for the top of the table (arguments quoted only where needed).
LOGREG_COMPARE_CMD="$0"
for arg in "$@"; do
  if [[ "$arg" =~ ^[A-Za-z0-9_.,:/=+-]+$ ]]; then LOGREG_COMPARE_CMD+=" $arg"; else LOGREG_COMPARE_CMD+=" $(printf '%q' "$arg")"; fi
done
export LOGREG_COMPARE_CMD
exec "$here/.venv/bin/python" "$here/logreg_compare.py" --data "$data" --binary "$root/target/release/strads" --root "$root" "$@"
