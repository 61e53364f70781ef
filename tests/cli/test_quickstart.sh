#!/usr/bin/env bash
# End to end on configs/quickstart.ini: outputs exist, --jobs 1 and --jobs 2 give
# identical rows apart from timings, a rerun skips finished runs, --force reruns.
source "$(dirname "$0")/lib.sh"
CFG="$SB_SOURCE_DIR/configs/quickstart.ini"
"$SB" run "$CFG" --jobs 1 --out "$TMP/j1" >"$TMP/j1.out" 2>"$TMP/j1.err" && ok "run --jobs 1" || fail "run --jobs 1: $(cat "$TMP/j1.err")"
"$SB" run "$CFG" --jobs 2 --out "$TMP/j2" >"$TMP/j2.out" 2>"$TMP/j2.err" && ok "run --jobs 2" || fail "run --jobs 2: $(cat "$TMP/j2.err")"
for f in runs.csv summary.csv context.json faithfulness.png faithfulness.svg; do
  [ -s "$TMP/j1/$f" ] && ok "wrote $f" || fail "missing $f"
done
grep -q "held-out R²" "$TMP/j1.out" && ok "summary table printed" || fail "no summary table"
python3 - "$TMP/j1/runs.csv" "$TMP/j2/runs.csv" <<'PY' && ok "jobs 1 == jobs 2 (timings aside)" || fail "jobs 1 and jobs 2 differ"
import csv, sys
timing = {"wall_s", "cpu_s", "design_s", "oracle_s", "fit_s"}
def rows(p):
    with open(p) as f:
        r = list(csv.DictReader(f))
    return [{k: v for k, v in row.items() if k not in timing and not k.endswith("_s") and k != "phases"} for row in r]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
assert not bad, [(a[i], b[i]) for i in bad[:2]]
statuses = {row["status"] for row in a}
assert "ok" in statuses, statuses
# every algorithm of the config appears, and ok rows carry an R²
algos = {row["algorithm"] for row in a}
assert {"exhaustive", "faith-banzhaf"} <= algos, algos
for row in a:
    if row["status"] == "ok":
        assert row["r2_heldout"] != "" and float(row["r2_heldout"]) > -10, row
    else:
        assert row["message"], row
PY
python3 - "$TMP/j1/context.json" <<'PY' && ok "context.json complete" || fail "context.json incomplete"
import json, sys
c = json.load(open(sys.argv[1]))
for k in ("date", "host", "commit", "dirty", "compiler", "libraries", "config_text"):
    assert k in c, k
assert "gsl" in c["libraries"] and "[experiment]" in c["config_text"]
PY
# rerun: nothing to do
"$SB" run "$CFG" --jobs 2 --out "$TMP/j1" >"$TMP/re.out" 2>"$TMP/re.err"
grep -qE "already done" "$TMP/re.err" && ok "rerun skips finished runs" || fail "rerun did not skip: $(cat "$TMP/re.err")"
cmp -s "$TMP/j1/runs.csv" "$TMP/j1/runs.csv" && ok "rerun keeps runs.csv"
before=$(stat -c %Y "$TMP/j1/runs" 2>/dev/null)
"$SB" run "$CFG" --jobs 2 --out "$TMP/j1" --force --quiet >/dev/null 2>&1 && ok "--force reruns" || fail "--force failed"
ls "$TMP/j1" | grep -q '\.tmp\.' && fail "temporary files left behind" || ok "no temporary files left"
finish
