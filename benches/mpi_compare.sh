#!/usr/bin/env bash
# Prints the threads-vs-MPI table of the README: time per round and bytes per round of
# `strads lasso` on the ALL leukemia set, on P = 2 and 4 workers as threads in one process
# and as MPI ranks (`mpirun -np P`: P ranks of one worker each; rank 0 also coordinates).
# Each cell is the median of --repeat runs, run side by side (threads, MPI, threads, ...).
# Usage: benches/mpi_compare.sh [--repeat 3] [--schedules dynamic,cyclic] [--workers 2,4]
set -euo pipefail
source "$(dirname "$0")/data.sh"
"$root/scripts/setup"
(cd "$root" && cargo build --release -q --features mpi)
exec python3 "$here/mpi_compare.py" --data "$data" --binary "$root/target/release/strads" "$@"
