#!/usr/bin/env python3
"""Test model for the live-model protocol with injected faults.

Value of a mask: int(mask, 2) / 8 - 1 (mask read as a binary number, feature 0 first).
Options (K counts answers given by this process, across batches):
  --log FILE         append every mask answered to FILE (to count model calls)
  --die-after K      exit with status 3 instead of giving answer K+1
  --hang-after K     sleep forever instead of giving answer K+1
  --garbage-after K  print 'oops' as answer K+1
  --nan-after K      print 'nan' as answer K+1
  --nul-after K      print a NUL byte as answer K+1
  --blank-after K    print a line of spaces as answer K+1
  --short            answer one line fewer than asked (then the empty line)
  --extra            print one line more than asked (then the empty line)
  --no-end-after B   omit the empty line that ends a batch after the first B batches
  --die-at-start     exit with status 4 before reading anything
  --sleep S          sleep S seconds before answering each batch (a slow model)
  --slow-worker W    apply --sleep only in the process with SPEXBENCH_WORKER=W
  --starts FILE      append "PID WORKER" to FILE at start (WORKER: $SPEXBENCH_WORKER or -)
  --fault-worker W   inject the --*-after / --die-at-start fault only in the process
                     with SPEXBENCH_WORKER=W
  --once FILE        inject the --*-after / --die-at-start fault only if FILE does not
                     exist yet, creating it when the fault fires (a fault that happens once
                     per test, not once per process)
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    for k in ("die", "hang", "garbage", "nan", "nul", "blank"):
        ap.add_argument(f"--{k}-after", type=int, default=-1)
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--extra", action="store_true")
    ap.add_argument("--no-end-after", type=int, default=-1)
    ap.add_argument("--die-at-start", action="store_true")
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--slow-worker")
    ap.add_argument("--starts")
    ap.add_argument("--once")
    ap.add_argument("--fault-worker")
    a = ap.parse_args()
    worker = os.environ.get("SPEXBENCH_WORKER", "-")
    if a.starts:
        with open(a.starts, "a") as f:
            f.write(f"{os.getpid()} {worker}\n")
    if a.slow_worker is not None and a.slow_worker != worker:
        a.sleep = 0.0

    def fire():
        """True if a fault should happen now (always, or the first time with --once)."""
        if a.fault_worker is not None and a.fault_worker != worker:
            return False
        if not a.once:
            return True
        try:
            fd = os.open(a.once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    if a.die_at_start and fire():
        sys.exit(4)
    given = 0
    batches = 0
    batch = []
    log = open(a.log, "a") if a.log else None
    for line in sys.stdin:
        line = line.strip()
        if line:
            batch.append(line)
            continue
        if a.sleep:
            time.sleep(a.sleep)
        todo = batch[:-1] if a.short else batch
        for m in todo:
            if given == a.die_after and fire():
                sys.stdout.flush()
                sys.exit(3)
            if given == a.hang_after and fire():
                sys.stdout.flush()
                time.sleep(3600)
            if given == a.garbage_after and fire():
                out = "oops"
            elif given == a.nan_after and fire():
                out = "nan"
            elif given == a.nul_after:
                out = "\0"
            elif given == a.blank_after:
                out = "   "
            else:
                out = repr(int(m[::-1], 2) / 8 - 1)
            if log:
                log.write(m + "\n")
                log.flush()
            sys.stdout.write(out + "\n")
            sys.stdout.flush()
            given += 1
        if a.extra:
            sys.stdout.write("42\n")
        if a.no_end_after < 0 or batches < a.no_end_after:
            sys.stdout.write("\n")
        batches += 1
        sys.stdout.flush()
        batch = []


if __name__ == "__main__":
    main()
