#!/usr/bin/env bash
# A sweep over an n = 16 shapiq table: the config loader validates the file
# (which runs an OpenMP FWHT) and must not poison the forked workers (libgomp's
# pool does not survive fork) — this hung before the probe moved to a child.
source "$(dirname "$0")/lib.sh"
SHARED="${SB_SHARED_DIR:-$SB_SOURCE_DIR/../shared}"
F="$SHARED/datasets/shapiq-v1.4.1/ImageClassifier_Game/16/model_name=vit_16_patches_1.npz"
if [ ! -f "$F" ]; then echo "SKIP: $F not found (set SB_SHARED_DIR)"; echo "0 passed, 0 failed"; exit 0; fi
cat > "$TMP/c.ini" <<INI
[experiment]
name = npz16
budgets = 256, 1344
heldout = 1000
[dataset vit]
family = npz
path = $F
[algorithm banzhaf]
[algorithm spex]
INI
if timeout 120 "$SB" run "$TMP/c.ini" --jobs 2 --out "$TMP/o" --quiet >"$TMP/out" 2>"$TMP/err"; then
  ok "n = 16 npz sweep finishes with 2 jobs"
else
  fail "n = 16 npz sweep (exit $?): $(head -c 300 "$TMP/err")"
fi
# The numbers themselves: the seeds follow the table's content (not its path),
# so these values hold wherever the file lies and however the path is written.
# banzhaf (order 1) explains about a quarter of the variance of this ViT table,
# SPEX at 1344 queries about half; SPEX's smallest design does not fit 256.
python3 - "$TMP/o/runs.csv" <<'PY' && ok "rows ok with the expected exact R²" || fail "rows"
import csv, sys
rows = {(r["algorithm"], r["budget"]): r for r in csv.DictReader(open(sys.argv[1]))}
assert len(rows) == 4, len(rows)
want = {("banzhaf", "256"): 0.2105935716, ("banzhaf", "1344"): 0.2609297348,
        ("spex", "1344"): 0.4938780414}
for k, v in want.items():
    r = rows[k]
    assert r["status"] == "ok", r
    assert abs(float(r["r2_exact"]) - v) < 1e-6, (k, r["r2_exact"], v)
assert rows[("spex", "256")]["status"] == "skipped", rows[("spex", "256")]
assert float(rows[("spex", "1344")]["r2_exact"]) > float(rows[("banzhaf", "1344")]["r2_exact"]) + 0.2
PY
finish
