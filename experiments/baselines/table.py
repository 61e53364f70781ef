#!/usr/bin/env python3
"""Markdown tables of median held-out R² (and median queries used where they differ
from the budget) from a results/<name>/summary.csv written by `spexbench run`.
Usage: table.py results/baselines-real/summary.csv"""
import csv
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1])))
groups = defaultdict(lambda: defaultdict(dict))
budgets = sorted({int(r["budget"]) for r in rows})
order = []
for r in rows:
    if r["label"] not in order:
        order.append(r["label"])
    groups[r["group"]][r["label"]][int(r["budget"])] = r
for g, labels in groups.items():
    any_row = next(iter(next(iter(labels.values())).values()))
    print(f"\n**{g}** — median held-out R² over files ({any_row['heldout_dist']} masks); "
          "`q=` median distinct queries when below the budget; `skip` = skipped runs\n")
    print("| method | " + " | ".join(f"2^{b.bit_length() - 1}" for b in budgets) + " |")
    print("|---|" + "---|" * len(budgets))
    for lab in order:
        if lab not in labels:
            continue
        cells = []
        for b in budgets:
            r = labels[lab].get(b)
            if r is None:
                cells.append("")
                continue
            ok, tot = int(r["count_ok"]), int(r["count_total"])
            if ok == 0:
                cells.append("skip")
                continue
            c = f"{float(r['r2_median']):.3f}"
            q = float(r["queries_median"])
            if q < b:
                c += f" (q={q:.0f})"
            if ok < tot:
                c += f" [{ok}/{tot}]"
            cells.append(c)
        print(f"| {lab} | " + " | ".join(cells) + " |")
