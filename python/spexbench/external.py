"""Client for spexbench's `external` algorithm protocol (docs/EXTERNAL.md).

Standard library only.  An algorithm is a function

    def fit(n, budget, seed, query):
        values = query(masks)          # one float per mask
        ...
        return {(): c0, (0,): c1, (0, 3): c2}   # Möbius coefficients by feature set

and a script that ends with ``serve(fit)``.  spexbench starts the script
(``--algo external:cmd=/usr/bin/python3 my_method.py``), sends the run's n, budget and
seed, answers every ``query`` through the run's oracle (distinct masks count
against the budget, repeats are free) and scores the returned spectrum beside the
built-in algorithms.

Masks given to ``query`` may be strings of n '0'/'1' characters (feature 0 first,
'1' = kept), sequences of n 0/1 values (lists, tuples), or sets / frozensets of the
indices of kept features.  A batch that would cross the budget raises
``BudgetExceeded`` before anything is evaluated; catch it to finish with what you
have.

The result is a dict mapping feature sets (tuples, frozensets, ...) to
coefficients, read in the Möbius basis (f(x) = sum of a(S) over S ⊆ kept features),
or ``Spectrum(coefficients, basis="fourier")`` for the Walsh basis
(f(x) = sum of F(S) (-1)^{|S ∩ kept|}).

``query`` also carries the run: ``query.params`` (pass-through parameters, text),
``query.used``, ``query.design(kind, count, seed)`` (the masks a built-in design
draws), ``query.info(text)`` and ``query.phase(name, seconds)``.
"""

import json
import math
import sys
import time
import traceback

PROTOCOL_VERSION = 1
_TO_TEXT = bytes.maketrans(b"\x00\x01", b"01")  # 0/1 values -> '0'/'1'
_FROM_TEXT = bytes.maketrans(b"01", b"\x00\x01")

__all__ = ["serve", "Spectrum", "BudgetExceeded", "ProtocolError", "Session", "least_squares"]


class BudgetExceeded(Exception):
    """The batch would cross the budget; nothing was evaluated or counted."""

    def __init__(self, message, used, budget):
        super().__init__(message)
        self.used = used
        self.budget = budget


class ProtocolError(Exception):
    """The harness sent something this client does not understand (or went away)."""


class Spectrum:
    """A result in an explicit basis: ``"mobius"`` (default for plain dicts) or ``"fourier"``."""

    def __init__(self, coefficients, basis="mobius"):
        if basis not in ("mobius", "fourier"):
            raise ValueError("basis must be 'mobius' or 'fourier', not %r" % (basis,))
        self.coefficients = coefficients
        self.basis = basis


class Session:
    """The run as the program sees it; also the ``query`` callable given to fit."""

    def __init__(self, hello, reader, writer):
        if hello.get("protocol") != "spexbench-external":
            raise ProtocolError("not a spexbench external hello: %r" % (hello,))
        if hello.get("version") != PROTOCOL_VERSION:
            raise ProtocolError(
                "protocol version %r, this client speaks %d" % (hello.get("version"), PROTOCOL_VERSION))
        self._reader = reader
        self._writer = writer
        self.n = int(hello["n"])
        self.budget = int(hello["budget"])
        self.seed_hex = hello["seed"]
        self.seed = int(hello["seed"], 16)
        self.design_seed = int(hello["design_seed"], 16)
        self.noise_sigma = float(hello.get("noise_sigma", 0.0))
        self.threads = int(hello.get("threads", 1))
        self.name = hello.get("name", "")
        self.params = dict(hello.get("params", {}))
        self.designs = list(hello.get("designs", []))
        self.used = 0
        self._info = []
        self._phases = {}

    # ---- messages ---------------------------------------------------------
    def _request(self, msg):
        self._writer.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        self._writer.flush()
        line = self._reader.readline()
        if not line:
            raise ProtocolError("the harness closed the connection")
        return json.loads(line)

    def _encode(self, mask):
        n = self.n
        if isinstance(mask, str):
            if len(mask) != n or mask.strip("01"):
                raise ValueError("mask %r: expected %d characters '0'/'1'" % (mask[:80], n))
            return mask
        if isinstance(mask, (set, frozenset)):
            bits = ["0"] * n
            for i in mask:
                if not 0 <= i < n:
                    raise ValueError("mask has feature %r outside 0..%d" % (i, n - 1))
                bits[i] = "1"
            return "".join(bits)
        if len(mask) != n:
            raise ValueError("mask of length %d, expected %d 0/1 values" % (len(mask), n))
        try:  # fast path: ints / bools (or a numpy bool array's buffer)
            raw = bytes(mask)
        except (TypeError, ValueError):
            raw = b""
        if len(raw) == n and not raw.strip(b"\x00\x01"):
            return raw.translate(_TO_TEXT).decode()
        text = bytes(49 if b == 1 else 48 if b == 0 else 63 for b in mask)
        if b"?" in text:
            raise ValueError("mask values must be 0 or 1: %r" % (list(mask[:20]),))
        return text.decode()

    def __call__(self, masks):
        """Values of the masks (one float each), in order."""
        enc = [self._encode(m) for m in masks]
        r = self._request({"op": "query", "masks": enc})
        if not r.get("ok"):
            if r.get("error") == "budget":
                raise BudgetExceeded(r.get("message", "budget exceeded"), r.get("used"), r.get("budget"))
            raise ProtocolError("query refused: %r" % (r,))
        self.used = r["used"]
        return r["values"]

    def design(self, kind="uniform", count=None, seed=None, with_weights=False):
        """The masks the built-in `kind` design draws (nothing is queried).

        count defaults to the budget; seed (an int or the 16 hex digits of a run's
        "seed") defaults to this run's seed.  Masks come back as tuples of 0/1.
        with_weights=True returns (masks, weights) (weights: the regression weight of
        each mask for kind="kernel", None otherwise)."""
        msg = {"op": "design", "kind": kind}
        if count is not None:
            msg["count"] = int(count)
        if seed is not None:  # as hex: JSON integers past 2^63 are not portable
            msg["seed"] = seed if isinstance(seed, str) else "%016x" % int(seed)
        r = self._request(msg)
        if not r.get("ok"):
            raise ValueError("design refused: %s" % r.get("message"))
        masks = [tuple(m.encode().translate(_FROM_TEXT)) for m in r["masks"]]
        return (masks, r.get("weights")) if with_weights else masks

    def info(self, text):
        """Free text kept in the run's `info` column (key=value words)."""
        self._info.append(str(text))

    def phase(self, name, seconds):
        """Add seconds to a named phase of the run's timings."""
        self._phases[name] = self._phases.get(name, 0.0) + float(seconds)

    def _result(self, result):
        basis = "mobius"
        coeffs = result
        if isinstance(result, Spectrum):
            basis, coeffs = result.basis, result.coefficients
        if not isinstance(coeffs, dict):
            raise TypeError("fit must return a dict {feature set: coefficient} or a Spectrum")
        terms = {}
        for key, value in coeffs.items():
            s = tuple(sorted(int(i) for i in key))
            if len(set(s)) != len(s) or (s and not 0 <= s[0] <= s[-1] < self.n):
                raise ValueError("coefficient key %r: expected distinct feature indices 0..%d"
                                 % (key, self.n - 1))
            v = float(value)
            if not math.isfinite(v):
                raise ValueError("coefficient of %r is %r (not finite)" % (key, value))
            terms[s] = terms.get(s, 0.0) + v
        msg = {"op": "result",
               "spectrum": {"basis": basis, "n": self.n,
                            "terms": [{"set": list(s), "value": v} for s, v in terms.items()]}}
        if self._info:
            msg["info"] = " ".join(self._info)
        if self._phases:
            msg["phases"] = self._phases
        r = self._request(msg)
        if not r.get("ok"):
            raise ProtocolError("result refused: %r" % (r,))

    def _fail(self, message):
        try:
            self._writer.write(json.dumps({"op": "fail", "message": message}).encode() + b"\n")
            self._writer.flush()
        except OSError:
            pass


def serve(fit, reader=None, writer=None):
    """Run one fit for the harness and exit (status 0 on success, 1 if fit raised)."""
    reader = reader or sys.stdin.buffer
    writer = writer or sys.stdout.buffer
    line = reader.readline()
    if not line:
        print("spexbench.external: no hello on stdin (run this program through spexbench "
              "--algo external:cmd=...)", file=sys.stderr)
        sys.exit(2)
    session = Session(json.loads(line), reader, writer)
    try:
        t0 = time.perf_counter()
        result = fit(session.n, session.budget, session.seed, session)
        session.phase("program", time.perf_counter() - t0)
        session._result(result)
    except ProtocolError as e:
        print("spexbench.external: %s" % e, file=sys.stderr)
        sys.exit(3)
    except Exception as e:  # reported to the harness: a failed row with this message
        traceback.print_exc(file=sys.stderr)
        session._fail("%s: %s" % (type(e).__name__, e))
        sys.exit(1)
    sys.exit(0)


# ---- a small dense least-squares solver (no numpy needed) ---------------------

def least_squares(rows, y, ridge=0.0):
    """argmin_b ||X b - y||^2 + ridge ||b||^2 by the normal equations and a
    Cholesky factorisation (X given as a list of rows).  For small, well-posed
    problems; raises ValueError when X^T X + ridge I is not positive definite."""
    p = len(rows[0])
    g = [[0.0] * p for _ in range(p)]
    r = [0.0] * p
    for x, t in zip(rows, y):
        for i in range(p):
            xi = x[i]
            if xi == 0:
                continue
            gi = g[i]
            for j in range(i + 1):
                gi[j] += xi * x[j]
            r[i] += xi * t
    L = [[0.0] * p for _ in range(p)]
    for i in range(p):
        for j in range(i + 1):
            s = g[i][j] + (ridge if i == j else 0.0) - sum(L[i][k] * L[j][k] for k in range(j))
            if i == j:
                if s <= 0:
                    raise ValueError("least_squares: the system is singular (add ridge or samples)")
                L[i][i] = math.sqrt(s)
            else:
                L[i][j] = s / L[j][j]
    z = [0.0] * p
    for i in range(p):
        z[i] = (r[i] - sum(L[i][k] * z[k] for k in range(i))) / L[i][i]
    b = [0.0] * p
    for i in reversed(range(p)):
        b[i] = (z[i] - sum(L[k][i] * b[k] for k in range(i + 1, p))) / L[i][i]
    return b


if __name__ == "__main__":
    print(__doc__)
