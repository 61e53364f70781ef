"""Per-query cost of explaining a Python model through the library, against the CLI
on the same dataset and design (docs/PYTHON.md quotes its output).

The Python model is the dataset itself: f(X) = truth.eval(X) with the dataset's
exact spectrum, so both paths compute the same numbers and every extra second on
the Python path is the crossing (C -> ctypes callback -> numpy unpack -> the model
-> values back).  Figures are medians over REPS runs of the "oracle" phase (time
inside the model's evaluation, as the harness records it) and of the run's wall
time; the CLI is `spexbench fit --json` on the same spec, algorithm, budget, seed.

  SPEXBENCH_LIBRARY=build/libspexbench.so.0 PYTHONPATH=python \\
    /usr/bin/python3 python/benchmarks/bench_explain_overhead.py build/spexbench
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import spexbench

CASES = [  # (spec, algorithm, budget)
    ("fourier:n=64,k=40,degree=3,snr_db=inf,seed=1", "spex", 20000),
    ("fourier:n=256,k=50,degree=4,snr_db=inf,seed=7", "spex", 60000),
    ("fourier:n=20,k=30,degree=3,snr_db=inf,seed=3", "faith-banzhaf:order=2", 2000),
    ("fourier:n=20,k=30,degree=3,snr_db=inf,seed=3", "permutation-shapley", 2000),
]
REPS = int(os.environ.get("REPS", "5"))


def median(xs):
    return statistics.median(xs)


def cli_run(cli, spec, algo, budget):
    out = subprocess.run([cli, "fit", "--dataset", spec, "--algo", algo, "--budget", str(budget),
                          "--heldout", "0", "--threads", "1", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "build/spexbench"
    print(f"load: {os.getloadavg()[0]:.2f} (1-min); {REPS} reps each; median seconds")
    print(f"{'algorithm':24} {'n':>4} {'queries':>8} {'batches':>7} {'CLI oracle':>11} "
          f"{'Py oracle':>10} {'µs/query':>9} {'µs/batch':>9} {'CLI wall':>9} {'Py wall':>9}")
    for spec, algo, budget in CASES:
        truth = spexbench.Dataset(spec).truth
        n = truth.n
        batches = []

        def model(X):
            batches.append(len(X))
            return truth.eval(X)
        c_oracle, c_wall, p_oracle, p_wall, used = [], [], [], [], None
        for _ in range(REPS):
            ref = cli_run(cli, spec, algo, budget)
            c_oracle.append(ref["phases"]["oracle"])
            c_wall.append(ref["wall_s"])
            batches.clear()
            t0 = time.perf_counter()
            res = spexbench.explain(model, n, algo=algo, budget=budget, seed=1, threads=1)
            p_wall.append(time.perf_counter() - t0)
            p_oracle.append(res.metrics["phases"]["oracle"])
            used = res.metrics["queries_used"]
        nb = len(batches)
        extra = median(p_oracle) - median(c_oracle)
        print(f"{algo:24} {n:>4} {used:>8} {nb:>7} {median(c_oracle):>11.5f} {median(p_oracle):>10.5f} "
              f"{1e6 * extra / used:>9.2f} {1e6 * extra / max(1, nb):>9.1f} "
              f"{median(c_wall):>9.4f} {median(p_wall):>9.4f}")


def crossing():
    """CPU µs per call and per mask of a trivial model (zeros) reached through the
    library (Dataset.eval -> C -> callback -> unpack), minus calling it directly."""
    print("\ncrossing C -> Python for a trivial model (CPU µs, median of 5):")
    print(f"{'n':>5} {'batch':>6} {'per call':>9} {'per mask':>9}")
    for n in (16, 256):
        for batch in (1, 100, 10000):
            calls = max(20, 200000 // batch // (n // 16))
            X = np.random.default_rng(0).random((batch, n)) < 0.5
            zeros = np.zeros(batch)
            ds = spexbench.Dataset.from_function(lambda M: zeros[:len(M)], n)
            ds.eval(X)
            samples = []
            for _ in range(5):
                t0 = time.process_time()
                for _ in range(calls):
                    ds.eval(X)
                t1 = time.process_time()
                for _ in range(calls):
                    zeros[:len(X)].copy()
                samples.append((t1 - t0 - (time.process_time() - t1)) / calls)
            per = median(samples) * 1e6
            print(f"{n:>5} {batch:>6} {per:>9.1f} {per / batch:>9.3f}")


if __name__ == "__main__":
    main()
    crossing()
