"""faith-banzhaf:order=1,alpha=0 re-implemented outside the harness: least squares on
the Fourier characters of degree <= 1 over the masks the built-in draws.

Pass-through parameter design_seed=HEX: the run seed whose "uniform" design to use
(the "seed" of the faith-banzhaf run to match); default: this run's seed."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from spexbench.external import Spectrum, least_squares, serve  # noqa: E402


def fit(n, budget, seed, query):
    masks = query.design("uniform", seed=query.params.get("design_seed"))
    y = query(masks)
    sets = [()] + [(i,) for i in range(n)]
    rows = [[-1.0 if sum(m[i] for i in s) % 2 else 1.0 for s in sets] for m in masks]
    return Spectrum(dict(zip(sets, least_squares(rows, y))), basis="fourier")


serve(fit)
