#!/usr/bin/env bash
# `mpirun --oversubscribe -np 3 spexbench run configs/quickstart.ini`: rank 0 hands
# the 216 runs to three ranks (rank 0's own worker included); runs.csv and
# summary.csv equal the serial run's apart from timings (reference: the CTest
# fixture quickstart_serial); a second mpirun reuses every stored result.
source "$SB_SOURCE_DIR/tests/cli/lib.sh"
source "$SB_SOURCE_DIR/tests/mpi/mpi_lib.sh"
REF=${SB_QUICKSTART_SERIAL:?set by CTest (fixture quickstart_serial)}
CFG="$SB_SOURCE_DIR/configs/quickstart.ini"
SAME="$SB_SOURCE_DIR/tests/scaleout/same_rows.py"
mpi 3 600 run "$CFG" --out "$TMP/mpi" --jobs 1 --threads 1 >"$TMP/out" 2>"$TMP/err" \
  && ok "mpirun -np 3 exits 0" || fail "mpirun -np 3: $(tail -20 "$TMP/err")"
grep -q "experiment 'quickstart': 216 runs on 3 ranks (3 runs at a time" "$TMP/err" && ok "three ranks, three slots" \
  || fail "start message: $(head -5 "$TMP/err")"
grep -q "held-out R²" "$TMP/out" && ok "rank 0 prints the summary table once" || fail "no summary table"
[ "$(grep -c 'held-out R²' "$TMP/out")" -eq 2 ] && ok "(once per dataset group, from rank 0 alone)" || fail "table printed $(grep -c 'held-out R²' "$TMP/out") times"
for f in runs.csv summary.csv; do
  out=$(python3 "$SAME" "$REF/$f" "$TMP/mpi/$f" 2>&1) && ok "MPI $f == serial $f apart from timings: $out" \
    || fail "MPI $f differs from the serial run: $out"
done
for f in context.json REPORT.md faithfulness.svg; do [ -s "$TMP/mpi/$f" ] && ok "wrote $f" || fail "no $f"; done
ls -d "$TMP"/spexbench-rank-* >/dev/null 2>&1 && fail "scratch folders left: $(ls -d "$TMP"/spexbench-rank-*)" \
  || ok "the ranks removed their scratch folders"
mpi 3 300 run "$CFG" --out "$TMP/mpi" --jobs 1 --threads 1 >/dev/null 2>"$TMP/err2" \
  && grep -q "216 of 216 runs already done" "$TMP/err2" && ok "a second mpirun reuses all 216 results" \
  || fail "rerun: $(tail -5 "$TMP/err2")"
finish
