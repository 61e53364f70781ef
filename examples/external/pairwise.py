#!/usr/bin/env python3
"""Random masks + least squares on every Möbius term of order <= 2 (standard library only).

  spexbench fit --dataset soum:n=10,k=20,max_order=2,seed=1 --budget 512 \
      --algo "external:cmd=/usr/bin/python3 examples/external/pairwise.py,name=pairwise"

Pass-through parameter: ridge=1e-6 (the ridge penalty).
"""
import itertools
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from spexbench.external import least_squares, serve  # noqa: E402


def fit(n, budget, seed, query):
    rng = random.Random(seed)
    masks = set()
    while len(masks) < min(budget, 2 ** n):  # distinct uniform masks
        masks.add(tuple(rng.randint(0, 1) for _ in range(n)))
    masks = sorted(masks)
    y = query(masks)
    sets = [()] + [(i,) for i in range(n)] + list(itertools.combinations(range(n), 2))
    rows = [[1.0 if all(m[i] for i in s) else 0.0 for s in sets] for m in masks]
    beta = least_squares(rows, y, ridge=float(query.params.get("ridge", "1e-6")))
    return dict(zip(sets, beta))  # Möbius coefficients: f(x) = sum over S ⊆ x of a(S)


serve(fit)
