# Helpers for the bad-input CLI tests (test_bad_*.sh); `source` after lib.sh.
# no_partial DIR: no leftover temporary files (*.tmp.*) anywhere under DIR.
no_partial() {
  local left
  left=$(find "$1" -name '*.tmp.*' 2>/dev/null | head -3)
  [ -z "$left" ] || { echo "leftover temp files: $left"; return 1; }
}
# results_valid DIR: runs.csv parses as CSV with one row per runs/*.json, every
# row has the header's width, every per-run JSON parses and has id and status.
# Prints "rows=N"; extra args are python asserts run with `rows` (list of dicts).
results_valid() {
  python3 - "$@" <<'PY'
import csv, glob, json, os, re, sys
d = sys.argv[1]
jsons = sorted(glob.glob(os.path.join(d, "runs", "*.json")))
jsons = [p for p in jsons if not p.endswith(".spectrum.json")]
for p in jsons:
    with open(p) as f:
        j = json.load(f)
    assert "id" in j and "status" in j, p
with open(os.path.join(d, "runs.csv"), newline="") as f:
    text = f.read()
assert text.endswith("\n"), "runs.csv does not end with a newline"
rows = list(csv.reader(text.splitlines()))
head = rows[0]
for r in rows[1:]:
    assert len(r) == len(head), ("ragged row", r)
rows = [dict(zip(head, r)) for r in rows[1:]]
assert len(rows) == len(jsons), ("rows", len(rows), "json files", len(jsons))
for expr in sys.argv[2:]:
    assert eval(expr), expr
print("rows=%d" % len(rows))
PY
}
