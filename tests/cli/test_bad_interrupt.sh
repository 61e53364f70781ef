#!/usr/bin/env bash
# Interrupted sweeps and crashing workers.
#  - SIGINT to the whole process group (as Ctrl-C does) mid-sweep: exit 130,
#    the finished per-run JSONs are valid, runs.csv is complete (one row per
#    finished run) and parses, no temporary files; a rerun resumes and finishes.
#  - A worker killed by SIGSEGV / SIGKILL: a failed row "worker crashed: ...",
#    and the sweep goes on.
# No timing assumptions beyond "a run takes long enough to be seen": the test
# waits (up to 120 s) for the first result or worker, then signals.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
# ~0.6-3 s per run (exhaustive on 2^22 masks), 8 runs
cat > "$TMP/c.ini" <<'INI'
[experiment]
name = intr
budgets = 4194304
heldout = 100
[dataset d]
family = fourier
n = 22
k = 5
instances = 8
[algorithm exhaustive]
INI
wait_for() { # CONDITION-COMMAND...: poll every 0.1 s for up to 120 s
  for _ in $(seq 1200); do "$@" && return 0; sleep 0.1; done
  return 1
}
has_result() { compgen -G "$1/runs/*.json" >/dev/null; }

# --- SIGINT to the process group
setsid "$SB" run "$TMP/c.ini" --out "$TMP/a" --jobs 2 --threads 1 --quiet >"$TMP/a.out" 2>"$TMP/a.err" &
pid=$!
if wait_for has_result "$TMP/a"; then
  kill -INT -- "-$pid" 2>/dev/null || kill -INT "$pid"
  wait "$pid"; rc=$?
  [ "$rc" -eq 130 ] && ok "sigint: exit 130" || fail "sigint: exit $rc: $(cat "$TMP/a.err")"
  grep -Eq "interrupted by SIGINT: [0-9]+ of 8 runs finished and kept in" "$TMP/a.err" && ok "sigint: message" || fail "sigint: message: $(cat "$TMP/a.err")"
  n=$(ls "$TMP/a/runs" | grep -c '\.json$' || true)
  [ "$n" -ge 1 ] && [ "$n" -lt 8 ] && ok "sigint: $n of 8 runs kept" || fail "sigint: $n runs kept (expected 1..7)"
  out=$(results_valid "$TMP/a" "all(r['status'] == 'ok' for r in rows)" 2>&1) && ok "sigint: runs.csv complete and valid ($out)" || fail "sigint: $out"
  no_partial "$TMP/a" && ok "sigint: no temp files" || fail "sigint: temp files left"
  "$SB" run "$TMP/c.ini" --out "$TMP/a" --jobs 2 --threads 1 >"$TMP/b.out" 2>"$TMP/b.err" && ok "sigint: rerun exits 0" || fail "sigint: rerun: $(cat "$TMP/b.err")"
  grep -q "$n of 8 runs already done" "$TMP/b.err" && ok "sigint: rerun resumes ($n done)" || fail "sigint: rerun did not resume: $(cat "$TMP/b.err")"
  out=$(results_valid "$TMP/a" "len(rows) == 8" "all(r['status'] == 'ok' for r in rows)" 2>&1) && ok "sigint: rerun completes the sweep" || fail "sigint: after rerun: $out"
else
  kill -KILL -- "-$pid" 2>/dev/null; wait "$pid"
  fail "sigint: no result appeared within 120 s: $(cat "$TMP/a.err")"
fi

# --- crashing workers (SIGSEGV, then SIGKILL as from the OOM killer)
# kill_a_worker SIG DIR [ARGS]: run the sweep into DIR, send SIG to its first
# worker once that is running; sets rc (exit status) and killed (1 if signalled).
kill_a_worker() {
  local sig=$1 d=$2; shift 2
  "$SB" run "$TMP/c.ini" --out "$d" --jobs 1 --threads 1 --quiet "$@" >"$d.out" 2>"$d.err" &
  local pid=$! child
  killed=0
  for _ in $(seq 1200); do
    child=$(pgrep -P "$pid" | head -1 || true)
    if [ -n "$child" ]; then
      # seen within 0.1 s of its start (a run takes >= 0.5 s): signal it at once
      sleep 0.02
      if grep -q '^State:.*[RSD]' "/proc/$child/status" 2>/dev/null && kill "-$sig" "$child" 2>/dev/null; then
        killed=1; break
      fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid"; rc=$?
}
for sig in SEGV KILL; do
  d="$TMP/crash-$sig"
  kill_a_worker "$sig" "$d"
  if [ "$killed" -ne 1 ]; then fail "crash-$sig: never saw a worker"; continue; fi
  [ "$rc" -eq 0 ] && ok "crash-$sig: sweep finishes (exit 0)" || fail "crash-$sig: exit $rc: $(cat "$d.err")"
  # (under AddressSanitizer a SEGV is caught and the worker exits with status 1)
  [ "$sig" = SEGV ] && want="worker (crashed: Segmentation fault|exited with status 1 without a result)" \
                    || want="worker crashed: Killed"
  out=$(results_valid "$d" "len(rows) == 8" \
        "sum(r['status'] == 'failed' and re.fullmatch('$want', r['message']) is not None for r in rows) == 1" \
        "sum(r['status'] == 'ok' for r in rows) == 7" 2>&1) \
    && ok "crash-$sig: one failed row '$want', 7 ok" || fail "crash-$sig: $out"
  no_partial "$d" && ok "crash-$sig: no temp files" || fail "crash-$sig: temp files left"
done

# --- a worker killed during a --force rerun: its run's earlier file stays on disk
#     untouched, and the report shows the crash, not the earlier file's numbers.
d="$TMP/crash-KILL"
if [ -d "$d/runs" ]; then
  (cd "$d/runs" && md5sum *.json) > "$TMP/force-before.md5"
  kill_a_worker KILL "$d" --force
  [ "$killed" -eq 1 ] && [ "$rc" -eq 0 ] && ok "force-crash: sweep finishes" || fail "force-crash: killed=$killed rc=$rc: $(cat "$d.err")"
  want="worker crashed: Killed \\(an earlier result is left in that file and not reported\\)"
  out=$(results_valid "$d" "len(rows) == 8" \
        "sum(r['status'] == 'failed' and re.fullmatch('$want', r['message']) is not None for r in rows) == 1" \
        "sum(r['status'] == 'ok' for r in rows) == 7" 2>&1) \
    && ok "force-crash: the killed run is a failed row, 7 ok" || fail "force-crash: $out"
  # exactly one per-run file is unchanged (the killed run's); the others were rewritten
  same=$(cd "$d/runs" && md5sum -c "$TMP/force-before.md5" 2>/dev/null | grep -c ': OK$' || true)
  [ "$same" -eq 1 ] && ok "force-crash: the killed run's earlier file kept" || fail "force-crash: $same files unchanged (expected 1)"
fi

# --- SIGTERM to the parent alone (as `kill PID`, a job scheduler, systemd): like
#     SIGINT (issue 13.3): it stops the workers, keeps and reports the finished
#     runs, exit 143, no temp files; a rerun completes the sweep
"$SB" run "$TMP/c.ini" --out "$TMP/t" --jobs 2 --threads 1 --quiet >"$TMP/t.out" 2>"$TMP/t.err" &
pid=$!
if wait_for has_result "$TMP/t"; then
  kill -TERM "$pid"
  wait "$pid"; rc=$?
  [ "$rc" -eq 143 ] && ok "sigterm: exit 143" || fail "sigterm: exit $rc: $(cat "$TMP/t.err")"
  grep -Eq "interrupted by SIGTERM: [0-9]+ of 8 runs finished and kept in" "$TMP/t.err" && ok "sigterm: message" || fail "sigterm: message: $(cat "$TMP/t.err")"
  sleep 0.5
  pgrep -f -- "--out $TMP/t " >/dev/null && fail "sigterm: workers still running" || ok "sigterm: no worker left"
  out=$(results_valid "$TMP/t" "1 <= len(rows) < 8" "all(r['status'] == 'ok' for r in rows)" 2>&1) && ok "sigterm: finished runs kept and reported ($out)" || fail "sigterm: $out"
  no_partial "$TMP/t" && ok "sigterm: no temp files" || fail "sigterm: temp files left"
  "$SB" run "$TMP/c.ini" --out "$TMP/t" --jobs 2 --threads 1 --quiet >/dev/null 2>&1 \
    && results_valid "$TMP/t" "len(rows) == 8" >/dev/null && ok "sigterm: rerun completes the sweep" || fail "sigterm: rerun"
else
  kill -KILL "$pid"; wait "$pid"
  fail "sigterm: no result appeared within 120 s"
fi

# --- the parent killed by SIGKILL (OOM killer, kill -9): its workers die with it
#     and write nothing more (before: they ran on and kept writing results)
"$SB" run "$TMP/c.ini" --out "$TMP/k" --jobs 2 --threads 1 --quiet >/dev/null 2>&1 &
pid=$!
has_worker() { [ -n "$(pgrep -P "$pid")" ]; }
if wait_for has_worker; then
  kill -KILL "$pid"; wait "$pid" 2>/dev/null
  n1=$(ls "$TMP/k/runs" | wc -l)
  gone() { ! pgrep -f -- "--out $TMP/k " >/dev/null; }
  for _ in $(seq 10); do gone && break; sleep 0.1; done
  gone && ok "parent SIGKILL: every worker stopped within 1 s" || fail "parent SIGKILL: workers still running: $(pgrep -af -- "--out $TMP/k ")"
  sleep 4; n2=$(ls "$TMP/k/runs" | wc -l)
  [ "$n1" -eq "$n2" ] && ok "parent SIGKILL: no result written afterwards" || fail "parent SIGKILL: results kept appearing ($n1 -> $n2)"
  "$SB" run "$TMP/c.ini" --out "$TMP/k" --jobs 2 --threads 1 --quiet >/dev/null 2>&1 \
    && results_valid "$TMP/k" "len(rows) == 8" >/dev/null && no_partial "$TMP/k" \
    && ok "parent SIGKILL: a rerun completes the sweep, stale temp files removed" || fail "parent SIGKILL: rerun"
else
  kill -KILL "$pid"; wait "$pid"
  fail "parent SIGKILL: no worker seen"
fi

# --- ... and so do the live-model processes the workers started (a model in
#     its own process group, forked by `sh -c`, several levels down)
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
cat > "$TMP/live.ini" <<INI
[experiment]
name = live
budgets = 64
heldout = 0
[dataset m]
family = command
cmd = python3 $SRC/tests/adapters/fault_model.py --sleep 30 --log $TMP/live-marker
n = 6
trace = $TMP/live.sbt.gz
[algorithm exhaustive]
INI
"$SB" run "$TMP/live.ini" --out "$TMP/l" --quiet >/dev/null 2>&1 &
pid=$!
has_model() { pgrep -f -- "--log $TMP/live-marker" >/dev/null; }
if wait_for has_model; then
  kill -KILL "$pid"; wait "$pid" 2>/dev/null
  for _ in $(seq 50); do has_model || break; sleep 0.1; done
  has_model && fail "parent SIGKILL: the model process survived: $(pgrep -af -- "--log $TMP/live-marker")" \
    || ok "parent SIGKILL: the live model stopped within 5 s"
  pgrep -f -- "--out $TMP/l" >/dev/null && fail "parent SIGKILL: live worker survived" || ok "parent SIGKILL: the live worker stopped"
else
  kill -KILL "$pid"; wait "$pid"
  fail "live model: never started"
fi
for p in $(pgrep -f -- "--log $TMP/live-marker"); do kill -KILL "$p" 2>/dev/null; done
finish
