"""bench_external's program: asks for the run's "uniform" design (the masks
faith-banzhaf draws) and queries it in batches of `batch` masks (0 = all at once),
returning the mean as a constant.  mode=none: hello and result only (start-up cost)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from spexbench.external import serve  # noqa: E402


def fit(n, budget, seed, query):
    if query.params.get("mode") == "none":
        return {(): 0.0}
    masks = query.design("uniform")
    batch = int(query.params.get("batch", "0")) or len(masks)
    total = 0.0
    for i in range(0, len(masks), batch):
        total += sum(query(masks[i:i + batch]))
    return {(): total / len(masks)}


serve(fit)
