#!/usr/bin/env bash
# CTest fixture `quickstart_serial`: one serial run of configs/quickstart.ini into
# OUT, the reference that the shard and MPI tests compare their rows with
# (tests/cli/test_quickstart_shards.sh, tests/mpi/test_mpi_quickstart.sh).
# Usage: quickstart_serial.sh SPEXBENCH OUT
set -eu
SB=$1 OUT=$2
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
"$SB" run "$SB_SOURCE_DIR/configs/quickstart.ini" --out "$OUT" --jobs 2 --threads 1 --quiet
test "$(($(wc -l < "$OUT/runs.csv") - 1))" -eq 216
echo "ok - serial quickstart reference in $OUT"
