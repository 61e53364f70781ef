#!/usr/bin/env python3
"""A tiny model for the spexbench line protocol (docs/TRACE_FORMAT.md, "Live models").

f(x) = 1 + 2*x0 - 1.5*x1*x2 + 0.75*x3*x4*x5 - 0.5*x0*x6   (x_i = 1 keeps feature i;
terms whose features are >= n are dropped).  A fixed low-degree polynomial, so
exact recovery is easy to check; CI runs it end to end through `spexbench fit`.

Protocol: read masks (lines of n '0'/'1' characters) until an empty line, then
print one value per mask, in order, then an empty line, and flush.  Exit at end of input.
Usage: python3 poly_adapter.py --n N
"""
import argparse
import sys

TERMS = [((), 1.0), ((0,), 2.0), ((1, 2), -1.5), ((3, 4, 5), 0.75), ((0, 6), -0.5)]


def value(mask, n):
    return sum(c for s, c in TERMS if all(i < n and mask[i] == "1" for i in s))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True, help="number of features")
    n = ap.parse_args().n
    batch = []
    for line in sys.stdin:
        line = line.strip()
        if line:
            if len(line) != n or set(line) - {"0", "1"}:
                sys.stderr.write(f"poly_adapter: bad mask {line!r} (n = {n})\n")
                return 2
            batch.append(line)
            continue
        sys.stdout.write("".join(f"{value(m, n)!r}\n" for m in batch) + "\n")
        sys.stdout.flush()
        batch = []
    return 0


if __name__ == "__main__":
    sys.exit(main())
