# Sourced by the benchmark scripts: sets $here, $root and $data (the ALL leukemia set from
# ../shared/data or $STRADS_DATA), or stops with where to get it.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
data="$data_dir/lasso/all_leukemia_age.libsvm.gz"
[ -f "$data" ] || { echo "missing $data: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
