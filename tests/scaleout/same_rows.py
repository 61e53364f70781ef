#!/usr/bin/env python3
"""same_rows.py A.csv B.csv [N]: the rows of two runs.csv (or summary.csv) files are
equal apart from timings (columns ending in _s, `phases`): same columns, same rows
in the same order (N rows if given).  Exit 1 naming the first difference."""
import csv, sys

def rows(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        keep = [k for k in r.fieldnames if not k.endswith("_s") and "_s_" not in k and k != "phases"]
        return keep, [{k: row[k] for k in keep} for row in r]

ka, a = rows(sys.argv[1])
kb, b = rows(sys.argv[2])
if ka != kb:
    sys.exit("columns differ: %s vs %s" % (ka, kb))
if len(sys.argv) > 3 and len(a) != int(sys.argv[3]):
    sys.exit("%s: %d rows, expected %s" % (sys.argv[1], len(a), sys.argv[3]))
if len(a) != len(b):
    sys.exit("%d rows vs %d rows" % (len(a), len(b)))
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        diff = {k: (x[k], y[k]) for k in x if x[k] != y[k]}
        sys.exit("row %d (%s) differs: %s" % (i + 1, x.get("id") or x.get("label"), diff))
print("%d rows equal (%d columns compared)" % (len(a), len(ka)))
