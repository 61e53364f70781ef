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
python3 - "$TMP/o/runs.csv" <<'PY' && ok "rows ok with exact R²" || fail "rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, len(rows)
ok = [r for r in rows if r["status"] == "ok"]
assert len(ok) >= 3, [(r["label"], r["budget"], r["status"], r["message"]) for r in rows]
for r in ok:
    assert r["r2_exact"] and 0 < float(r["r2_exact"]) <= 1, r
PY
finish
