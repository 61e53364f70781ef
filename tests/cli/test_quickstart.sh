#!/usr/bin/env bash
# End to end on configs/quickstart.ini: outputs exist; --jobs 1 and --jobs 2 give
# identical rows apart from timings; the numbers are the committed ones
# (results/quickstart/summary.csv, every R² median to 1e-6: any change to a seed,
# a design, a fit or a metric shows here); a rerun reuses every stored result and
# rewrites byte-identical CSVs; --force really reruns (every per-run file is
# replaced) and gives the same rows.
source "$(dirname "$0")/lib.sh"
CFG="$SB_SOURCE_DIR/configs/quickstart.ini"
REF="$SB_SOURCE_DIR/results/quickstart/summary.csv"
"$SB" run "$CFG" --jobs 1 --out "$TMP/j1" >"$TMP/j1.out" 2>"$TMP/j1.err" && ok "run --jobs 1" || fail "run --jobs 1: $(cat "$TMP/j1.err")"
"$SB" run "$CFG" --jobs 2 --out "$TMP/j2" >"$TMP/j2.out" 2>"$TMP/j2.err" && ok "run --jobs 2" || fail "run --jobs 2: $(cat "$TMP/j2.err")"
for f in runs.csv summary.csv context.json faithfulness.png faithfulness.svg; do
  [ -s "$TMP/j1/$f" ] && ok "wrote $f" || fail "missing $f"
done
grep -q "held-out R²" "$TMP/j1.out" && ok "summary table printed" || fail "no summary table"
# same_rows A B: runs.csv rows equal apart from timings (exit 1 with the first difference)
same_rows() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
timing = {"wall_s", "cpu_s", "design_s", "oracle_s", "fit_s"}
def rows(p):
    with open(p) as f:
        r = list(csv.DictReader(f))
    return [{k: v for k, v in row.items() if k not in timing and not k.endswith("_s") and k != "phases"} for row in r]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert len(a) == len(b) == 216, (len(a), len(b))
bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
assert not bad, [(a[i], b[i]) for i in bad[:2]]
PY
}
out=$(same_rows "$TMP/j1/runs.csv" "$TMP/j2/runs.csv" 2>&1) && ok "jobs 1 == jobs 2 (timings aside)" || fail "jobs 1 and jobs 2 differ: $out"
python3 - "$TMP/j1/summary.csv" "$REF" "$TMP/j1/runs.csv" <<'PY' && ok "numbers equal the committed summary" || fail "numbers differ from $REF"
import csv, math, sys
def load(p):
    return {(r["group"], r["label"], r["budget"]): r for r in csv.DictReader(open(p))}
got, ref = load(sys.argv[1]), load(sys.argv[2])
assert set(got) == set(ref) and len(ref) == 72, (len(got), len(ref))
for k, r in ref.items():
    g = got[k]
    assert g["count_ok"] == r["count_ok"] and g["count_total"] == r["count_total"], (k, g, r)
    for c in ("r2_median", "r2_q1", "r2_q3", "r2_exact_median", "queries_median"):
        if r[c] == "":
            assert g[c] == "", (k, c, g[c])
        else:
            assert abs(float(g[c]) - float(r[c])) <= 1e-6 * max(1.0, abs(float(r[c]))), (k, c, g[c], r[c])
# and what they mean: exhaustive at 2^12 queries recovers the noisy n = 12 function
# up to its 30 dB noise (R² about 0.999); every R² is at most 1
rows = list(csv.DictReader(open(sys.argv[3])))
ex = [r for r in rows if r["group"] == "fourier-n12" and r["algorithm"] == "exhaustive" and r["budget"] == "4096"]
assert len(ex) == 3 and all(r["status"] == "ok" and 0.99 < float(r["r2_heldout"]) <= 1 for r in ex), ex
for r in rows:
    if r["status"] == "ok":
        assert r["r2_heldout"] != "" and float(r["r2_heldout"]) <= 1 + 1e-12, r
    else:
        assert r["status"] in ("skipped", "failed") and r["message"], r
assert {r["algorithm"] for r in rows} >= {"exhaustive", "spex", "proxyspex", "faith-banzhaf"}
PY
python3 - "$TMP/j1/context.json" <<'PY' && ok "context.json complete" || fail "context.json incomplete"
import json, sys
c = json.load(open(sys.argv[1]))
for k in ("date", "host", "commit", "dirty", "compiler", "libraries", "config_text"):
    assert k in c, k
assert "gsl" in c["libraries"] and "[experiment]" in c["config_text"]
PY
# rerun: every stored result reused, the CSVs rewritten byte for byte
cp "$TMP/j1/runs.csv" "$TMP/runs.before"; cp "$TMP/j1/summary.csv" "$TMP/summary.before"
"$SB" run "$CFG" --jobs 2 --out "$TMP/j1" >"$TMP/re.out" 2>"$TMP/re.err"
grep -q "216 of 216 runs already done" "$TMP/re.err" && ok "rerun reuses all 216 stored results" || fail "rerun did not reuse: $(cat "$TMP/re.err")"
grep -q "will be rerun" "$TMP/re.err" && fail "rerun found stale results: $(cat "$TMP/re.err")" || ok "no stored result is stale"
cmp -s "$TMP/j1/runs.csv" "$TMP/runs.before" && cmp -s "$TMP/j1/summary.csv" "$TMP/summary.before" \
  && ok "rerun keeps runs.csv and summary.csv byte-identical" || fail "rerun changed runs.csv or summary.csv"
# --force: every per-run file replaced (atomic rename: a new inode), same rows
(cd "$TMP/j1/runs" && stat -c '%n %i' *.json | sort) > "$TMP/inodes.before"
"$SB" run "$CFG" --jobs 2 --out "$TMP/j1" --force --quiet >/dev/null 2>"$TMP/force.err" && ok "--force exits 0" || fail "--force failed: $(cat "$TMP/force.err")"
(cd "$TMP/j1/runs" && stat -c '%n %i' *.json | sort) > "$TMP/inodes.after"
same=$(join "$TMP/inodes.before" "$TMP/inodes.after" | awk '$2 == $3' | wc -l)
total=$(wc -l < "$TMP/inodes.after")
[ "$total" -eq 216 ] && [ "$same" -eq 0 ] && ok "--force rewrote all 216 per-run results" || fail "--force: $same of $total per-run files not rewritten"
out=$(same_rows "$TMP/runs.before" "$TMP/j1/runs.csv" 2>&1) && ok "--force gives the same rows" || fail "--force changed rows: $out"
ls "$TMP/j1" "$TMP/j1/runs" | grep -q '\.tmp\.' && fail "temporary files left behind" || ok "no temporary files left"
finish
