"""A misbehaving program: pass-through parameter mode= selects the fault.

  bad_json        a line that is not JSON
  unknown_op      a JSON request with an unknown "op"
  bad_mask        a mask of the wrong length
  malformed       a result whose spectrum lacks "terms"
  wrong_n         a result spectrum for n+1 features
  nan             a result with a NaN coefficient, sent raw (not via the client)
  over_budget     asks for budget+1 masks and does not catch the refusal
  raise           fit raises ValueError
  exit            exits with status 7 after one query
  hang            sleeps (forever, from the harness's view)
  flood           writes 5 MB to stderr, then exits with status 4
  flood_hang      writes to stderr without end
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from spexbench.external import serve  # noqa: E402


def raw(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()
    return sys.stdin.readline()


def fit(n, budget, seed, query):
    mode = query.params.get("mode", "")
    if mode == "bad_json":
        raw("this is not json")
    elif mode == "unknown_op":
        raw('{"op": "frobnicate"}')
    elif mode == "bad_mask":
        raw(json.dumps({"op": "query", "masks": ["0" * (n - 1)]}))
    elif mode == "malformed":
        raw(json.dumps({"op": "result", "spectrum": {"basis": "mobius", "n": n}}))
    elif mode == "wrong_n":
        raw(json.dumps({"op": "result", "spectrum": {"basis": "mobius", "n": n + 1, "terms": []}}))
    elif mode == "nan":
        raw('{"op": "result", "spectrum": {"basis": "mobius", "n": %d, '
            '"terms": [{"set": [], "value": NaN}]}}' % n)
    elif mode == "over_budget":
        query([format(i, "0%db" % n) for i in range(budget + 1)])
    elif mode == "raise":
        raise ValueError("deliberate failure in fit")
    elif mode == "exit":
        query(["0" * n])
        sys.stderr.write("about to exit 7\n")
        sys.stderr.flush()
        os._exit(7)
    elif mode == "hang":
        time.sleep(3600)
    elif mode == "flood":
        chunk = "x" * 1023 + "\n"
        for _ in range(5 * 1024):
            sys.stderr.write(chunk)
        sys.stderr.write("last words of the flood\n")
        sys.stderr.flush()
        os._exit(4)
    elif mode == "flood_hang":
        while True:
            sys.stderr.write("spam " * 200 + "\n")
    time.sleep(3600)  # the harness should have ended this run by now


serve(fit)
