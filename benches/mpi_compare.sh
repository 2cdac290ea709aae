#!/usr/bin/env bash
# Prints the threads-vs-MPI table of the README: time per round and bytes per round of
# `strads lasso` on the ALL leukemia set, on P = 2 and 4 workers as threads in one process
# and as MPI ranks (`mpirun -np P+1`: rank 0 coordinates and schedules, P worker ranks).
# Each cell is the median of --repeat runs, run side by side (threads, MPI, threads, ...).
# Usage: benches/mpi_compare.sh [--repeat 3] [--schedules dynamic,cyclic] [--workers 2,4]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data_dir="${STRADS_DATA:-$root/../shared/data}"
data="$data_dir/lasso/all_leukemia_age.libsvm.gz"
[ -f "$data" ] || { echo "missing $data: put the shared data beside the repository or set STRADS_DATA" >&2; exit 1; }
"$root/scripts/setup"
(cd "$root" && cargo build --release -q --features mpi)
exec python3 "$here/mpi_compare.py" --data "$data" --binary "$root/target/release/strads" "$@"
