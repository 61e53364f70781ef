#!/usr/bin/env python3
"""Print a Markdown table (algorithm x budget) from a spexbench summary.csv.

usage: summary_table.py results/<experiment>/summary.csv [--metric r2_median|r2_exact_median]

Each cell is the median over the group's runs (files x repetitions). An empty cell says
why: '–¹' with footnote 1 quoting the summary's `note` (the skip reason or error; older
summary.csv files without that column give a bare '–'). Reads stored results only.
"""
import csv
import sys

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    metric = "r2_median"
    if "--metric" in sys.argv:
        metric = sys.argv[sys.argv.index("--metric") + 1]
    rows = list(csv.DictReader(open(path)))
    groups = []
    for r in rows:
        if r["group"] not in groups:
            groups.append(r["group"])
    for g in groups:
        gr = [r for r in rows if r["group"] == g]
        budgets = sorted({int(r["budget"]) for r in gr})
        labels = []
        for r in gr:
            if r["label"] not in labels:
                labels.append(r["label"])
        print(f"\n{g} — {metric} (median over {max(int(r['count_total']) for r in gr)} runs per cell)\n")
        print("| algorithm | " + " | ".join(f"{b:,}" for b in budgets) + " |")
        print("|---|" + "---|" * len(budgets))
        notes = []
        for lab in labels:
            cells, empty = [], 0
            for b in budgets:
                m = [r for r in gr if r["label"] == lab and int(r["budget"]) == b]
                v = m[0][metric] if m else ""
                if v not in ("", None):
                    cells.append(f"{float(v):.3f}")
                    continue
                empty += 1
                note = m[0].get("note", "") if m else "not run"
                if not note:
                    cells.append("–")
                    continue
                if note not in notes:
                    notes.append(note)
                cells.append("–" + str(notes.index(note) + 1).translate(SUPERSCRIPT))
            if empty == len(budgets):
                continue
            print(f"| {lab} | " + " | ".join(cells) + " |")
        for k, note in enumerate(notes):
            print(f"\n{str(k + 1).translate(SUPERSCRIPT)} {note}")


if __name__ == "__main__":
    main()
