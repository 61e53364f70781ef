#!/usr/bin/env bash
# MPI speed-up of a sweep on this machine: the config run by `spexbench run --jobs 1`
# (serial, one run at a time), then by `mpirun --oversubscribe -np K` for K = 1, 2, 3
# (one run at a time per rank, one thread per run), back to back, each into a fresh
# folder.  Prints wall seconds, the CPU seconds of the whole job (children included)
# and the load average before each, and checks that every MPI runs.csv equals the
# serial one apart from timings.
# Usage: bench/scaleout/speedup.sh [CONFIG] [BUILD]   (an MPI build: make MPI=1)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CFG=${1:-$SRC/configs/quickstart.ini}
SB=${2:-$SRC/build}/spexbench
OUT=$(mktemp -d /tmp/sbspeedup.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
measure() { # NAME CMD...: one line "NAME wall cpu load"
  local name=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$@" >/dev/null 2>"$OUT/$name.err" || {
    echo "$name failed: $(tail -3 "$OUT/$name.err")"; return 1; }
  read -r wall user sys < "$OUT/time"
  printf "%-10s %8.1f %8.1f %6s\n" "$name" "$wall" "$(echo "$user + $sys" | bc)" "$load"
}
printf "%-10s %8s %8s %6s   (%s, %s)\n" "" "wall s" "CPU s" "load" "$(basename "$CFG")" "$(nproc) cores"
measure serial "$SB" run "$CFG" --out "$OUT/serial" --jobs 1 --threads 1 --quiet
for k in 1 2 3; do
  measure "np=$k" mpirun --oversubscribe -np $k "$SB" run "$CFG" --out "$OUT/np$k" --jobs 1 --threads 1 --quiet
  python3 "$SRC/tests/scaleout/same_rows.py" "$OUT/serial/runs.csv" "$OUT/np$k/runs.csv" >/dev/null \
    || echo "np=$k: rows differ from the serial run"
done
