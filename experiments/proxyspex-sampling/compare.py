#!/usr/bin/env python3
"""Paired against distinct sampling, per dataset group x budget, from stored runs.

usage: compare.py RESULTS_DIR [--a distinct] [--b paired]

Reads RESULTS_DIR/runs.csv only (never runs anything).  For each group x budget and
each metric (held-out R², exact R²) it prints:
  - the median over all runs (files x repetitions) for A and B, and B - A;
  - the seed noise of that difference (files held fixed): a bootstrap that redraws,
    for every file, its repetitions with replacement for A and for B (1,000 draws,
    fixed seed) gives the standard deviation of B - A, scaled by sqrt(r/(r-1)) for r
    repetitions (resampling r values understates their variance by (r-1)/r);
  - the range of the per-repetition medians over files (what one seed's 20-file
    median can be);
  - how many files B beats A on (R² averaged over repetitions per file);
  - the verdict: "lower" if B - A < -2 SE (B less faithful beyond seed noise),
    "higher" if B - A > 2 SE, else "same".
B is "at least as faithful everywhere" if no cell of either metric is "lower".
"""
import csv
import math
import random
import statistics
import sys
from collections import defaultdict


def boot_se(va, vb, draws=1000):
    """Seed-noise SE of median(B) - median(A): repetitions redrawn within each file."""
    rng = random.Random(2026)
    files = sorted({f for rep in va.values() for f in rep} & {f for rep in vb.values() for f in rep})
    per_a = {f: [rep[f] for rep in va.values() if f in rep] for f in files}
    per_b = {f: [rep[f] for rep in vb.values() if f in rep] for f in files}
    diffs = []
    for _ in range(draws):
        pa = [rng.choice(per_a[f]) for f in files for _ in per_a[f]]
        pb = [rng.choice(per_b[f]) for f in files for _ in per_b[f]]
        diffs.append(statistics.median(pb) - statistics.median(pa))
    r = min(len(v) for v in list(per_a.values()) + list(per_b.values()))
    return statistics.stdev(diffs) * math.sqrt(r / (r - 1)) if r > 1 else float("nan")


def rep_range(v):
    meds = [statistics.median(rep.values()) for rep in v.values()]
    return f"{min(meds):.3f}–{max(meds):.3f}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    a = sys.argv[sys.argv.index("--a") + 1] if "--a" in sys.argv else "distinct"
    b = sys.argv[sys.argv.index("--b") + 1] if "--b" in sys.argv else "paired"
    rows = [r for r in csv.DictReader(open(f"{root}/runs.csv")) if r["status"] == "ok"]
    # (group, budget, label, metric) -> {rep: {dataset: value}}
    vals = defaultdict(lambda: defaultdict(dict))
    groups, budgets = [], set()
    for r in rows:
        if r["label"] not in (a, b):
            continue
        if r["group"] not in groups:
            groups.append(r["group"])
        budgets.add(int(r["budget"]))
        for metric in ("r2_heldout", "r2_exact"):
            if r[metric] != "":
                key = (r["group"], int(r["budget"]), r["label"], metric)
                vals[key][int(r["repetition"])][r["dataset"]] = float(r[metric])
    verdicts = []
    for metric, title in (("r2_heldout", "held-out R²"), ("r2_exact", "exact R²")):
        print(f"\n### {title}: median over files x repetitions\n")
        print(f"| group | budget | {a} | {b} | {b} − {a} | 2 SE | files {b} better | verdict "
              f"| one-seed medians {a} | one-seed medians {b} |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for g in groups:
            for bud in sorted(budgets):
                va, vb = vals[(g, bud, a, metric)], vals[(g, bud, b, metric)]
                if not va or not vb:
                    continue
                pool_a = [x for rep in va.values() for x in rep.values()]
                pool_b = [x for rep in vb.values() for x in rep.values()]
                ma, mb = statistics.median(pool_a), statistics.median(pool_b)

                se2 = 2 * boot_se(va, vb)
                files = sorted({f for rep in va.values() for f in rep})
                wins = 0
                for f in files:
                    fa = [rep[f] for rep in va.values() if f in rep]
                    fb = [rep[f] for rep in vb.values() if f in rep]
                    wins += statistics.mean(fb) > statistics.mean(fa)
                d = mb - ma
                verdict = "lower" if d < -se2 else ("higher" if d > se2 else "same")
                verdicts.append(verdict)
                print(f"| {g} | {bud:,} | {ma:.3f} | {mb:.3f} | {d:+.3f} | {se2:.3f} | "
                      f"{wins}/{len(files)} | {verdict} | {rep_range(va)} | {rep_range(vb)} |")
    ok = "lower" not in verdicts
    print(f"\n{b} at least as faithful as {a} in every cell: {'yes' if ok else 'no'}")


if __name__ == "__main__":
    main()
