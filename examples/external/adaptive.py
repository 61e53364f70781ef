#!/usr/bin/env python3
"""An adaptive method: screen, then spend the rest of the budget where it matters.

Stage 1 spends half the budget on uniform masks and fits a linear model (Fourier
degree 1: the Banzhaf values).  Stage 2 keeps the k features with the largest
effects -- k as large as half of the remaining budget can fit pairwise terms for --
queries the remaining budget, and refits degree 1 plus all pairs among the k.  Which
pairs are modelled depends on the first answers, so this cannot be a fixed design.

  spexbench fit --dataset soum:n=12,k=20,max_order=2,seed=1 --budget 600 \
      --algo "external:cmd=/usr/bin/python3 examples/external/adaptive.py,name=adaptive"
"""
import itertools
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from spexbench.external import BudgetExceeded, Spectrum, least_squares, serve  # noqa: E402


def character(mask, s):
    return -1.0 if sum(mask[i] for i in s) % 2 else 1.0


def fit(n, budget, seed, query):
    rng = random.Random(seed)
    seen = set()

    def draw(count):  # fresh distinct uniform masks
        out = []
        while len(out) < count and len(seen) < 2 ** n:
            m = tuple(rng.randint(0, 1) for _ in range(n))
            if m not in seen:
                seen.add(m)
                out.append(m)
        return out

    linear = [()] + [(i,) for i in range(n)]
    stage1 = draw(budget // 2)
    y1 = query(stage1)
    b1 = least_squares([[character(m, s) for s in linear] for m in stage1], y1, ridge=1e-9)

    rest = budget - len(stage1)
    k = 2
    while k < n and (k + 1) * k // 2 + n + 1 <= rest // 2:
        k += 1
    top = sorted(sorted(range(n), key=lambda i: -abs(b1[i + 1]))[:k])
    pairs = list(itertools.combinations(top, 2))
    stage2 = draw(rest)
    try:
        y2 = query(stage2)
    except BudgetExceeded:  # cannot happen here; shows how to finish with what we have
        stage2, y2 = [], []

    sets = linear + pairs
    masks, y = stage1 + stage2, y1 + y2
    beta = least_squares([[character(m, s) for s in sets] for m in masks], y, ridge=1e-9)
    query.info("screened=%d pairs=%d" % (k, len(pairs)))
    return Spectrum(dict(zip(sets, beta)), basis="fourier")


serve(fit)
