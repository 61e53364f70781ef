#!/usr/bin/env bash
# The quickstart grid (216 runs) as three shards joined by `spexbench merge`: the
# merged runs.csv and summary.csv equal the serial run's apart from timings
# (reference: the CTest fixture quickstart_serial, tests/scaleout/quickstart_serial.sh).
source "$(dirname "$0")/lib.sh"
REF=${SB_QUICKSTART_SERIAL:?set by CTest (fixture quickstart_serial)}
CFG="$SB_SOURCE_DIR/configs/quickstart.ini"
SAME="$SB_SOURCE_DIR/tests/scaleout/same_rows.py"
for i in 1 2 3; do
  "$SB" run "$CFG" --shard $i/3 --out "$TMP/s$i" --jobs 2 --threads 1 --quiet 2>"$TMP/s$i.err" \
    && ok "shard $i/3" || fail "shard $i/3: $(cat "$TMP/s$i.err")"
done
n=$(for i in 1 2 3; do echo $(($(wc -l < "$TMP/s$i/runs.csv") - 1)); done | tr '\n' ' ')
[ "$n" = "72 72 72 " ] && ok "slices of 72 runs each" || fail "slice sizes: $n"
"$SB" merge "$TMP/s2" "$TMP/s3" "$TMP/s1" --out "$TMP/merged" --quiet 2>"$TMP/m.err" && ok "merge" || fail "merge: $(cat "$TMP/m.err")"
for f in runs.csv summary.csv; do
  out=$(python3 "$SAME" "$REF/$f" "$TMP/merged/$f" 2>&1) && ok "merged $f == serial $f apart from timings: $out" \
    || fail "merged $f differs from the serial run: $out"
done
finish
