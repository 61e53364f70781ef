#!/usr/bin/env bash
# Faults under mpirun (docs/SCALING.md, "When a rank fails"):
#  - a run whose worker crashes is a failed row, as in a serial run (same rows);
#  - a rank killed under `mpirun --enable-recovery`: rank 0 stops hearing from it,
#    its running run is a failed row (not stored), the reports are written and the
#    job ends (no hang); a rerun retries the run and completes the sweep;
#  - a rank killed under plain mpirun: Open MPI ends the job; what finished is
#    stored and a rerun resumes; the same after Ctrl-C (SIGINT to mpirun);
#  - rank 0 killed under --enable-recovery: the others end the job, no scratch left;
#  - a rank stopped by SIGTERM leaves: its run goes to the other ranks, all rows ok;
#  - refused before anything runs: a live-model dataset; ranks that expand the
#    config to other runs (other data behind the same path).
source "$SB_SOURCE_DIR/tests/cli/lib.sh"
source "$SB_SOURCE_DIR/tests/mpi/mpi_lib.sh"
SAME="$SB_SOURCE_DIR/tests/scaleout/same_rows.py"
cd "$TMP"

# ---- a crashing run
cat > crash.ini <<'INI'
[experiment]
name = crash
seed = 5
budgets = 64, 256
heldout = 500
[dataset f]
family = fourier
n = 8
k = 5
degree = 2
instances = 3
[algorithm lasso]
degree = 2
[algorithm boom]
algo = external
cmd = kill -SEGV $(awk '{print $4}' /proc/$PPID/stat)
INI
"$SB" run crash.ini --out cserial --jobs 2 --quiet 2>/dev/null
mpi 3 120 run crash.ini --out cmpi --jobs 1 --quiet 2>cmpi.err && ok "crash: sweep finishes" || fail "crash: $(tail -5 cmpi.err)"
out=$(python3 - <<'PY' 2>&1
import csv
rows = list(csv.DictReader(open("cmpi/runs.csv")))
boom = [r for r in rows if r["label"] == "boom"]
assert len(rows) == 12 and len(boom) == 6, len(rows)
assert all(r["status"] == "failed" and r["message"] == "worker crashed: Segmentation fault" for r in boom), boom[0]
assert all(r["status"] == "ok" for r in rows if r["label"] == "lasso")
PY
) && ok "crash: six failed rows 'worker crashed: Segmentation fault', six ok" || fail "crash: $out"
out=$(python3 "$SAME" cserial/runs.csv cmpi/runs.csv 12 2>&1) && ok "crash: rows equal the serial run's" || fail "crash: $out"
grep -q "Process received signal" cmpi.err && fail "crash: Open MPI's backtrace handler ran in a worker" || ok "crash: no Open MPI backtrace from the worker"

# ---- slow runs (exhaustive at n = 20: about half a second each), to fault mid-sweep
cat > slow.ini <<'INI'
[experiment]
name = slow
budgets = 1048576
heldout = 100
[dataset d]
family = fourier
n = 20
k = 5
instances = 12
[algorithm exhaustive]
INI
# start_mpi DIR MPIRUN-ARGS -- RUN-ARGS: mpirun -np 3 in the background (pid in $mp),
# returns once DIR holds 2 results; the ranks' pids in $ranks (rank order unknown:
# rank 0 is the one holding DIR/runs/.lock)
start_mpi() {
  local d=$1; shift
  local margs=()
  while [ "$1" != -- ]; do margs+=("$1"); shift; done; shift
  rm -rf "$d"
  mpirun "${margs[@]}" --oversubscribe -np 3 "$SB" run slow.ini --out "$d" --jobs 1 --threads 1 "$@" >"$d.out" 2>"$d.err" &
  mp=$!
  for _ in $(seq 600); do
    [ "$(ls "$d/runs" 2>/dev/null | grep -c '\.json$')" -ge 2 ] && break
    kill -0 $mp 2>/dev/null || break
    sleep 0.1
  done
  ranks=$(ps -o pid= --ppid $mp | tr -d ' ')
}
# a rank other than rank 0 (rank 0 holds the lock file of the results folder open)
other_rank() {
  local lock; lock=$(readlink -f "$1/runs/.lock")
  for p in $ranks; do
    ls -l /proc/$p/fd 2>/dev/null | grep -qF "$lock" || { echo $p; return; }
  done
}
# finish_mpi SECONDS: wait for mpirun (killed after SECONDS); rc in $rc, seconds in $took
finish_mpi() {
  local t0; t0=$(date +%s)
  ( sleep "$1"; kill -KILL $mp 2>/dev/null ) & local guard=$!
  wait $mp; rc=$?
  kill $guard 2>/dev/null; wait $guard 2>/dev/null
  took=$(( $(date +%s) - t0 ))
}
count() { python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open('$1/runs.csv')) if $2))"; }
stored() { ls "$1/runs" | grep -c '\.json$'; }
no_ranks_left() { ! pgrep -f "spexbench run slow.ini --out $1 " >/dev/null; }

# a rank killed under --enable-recovery: lost after --rank-timeout, failed rows, the job ends
start_mpi lost --enable-recovery -- --rank-timeout 5
victim=$(other_rank lost)
if [ -n "$victim" ]; then
  kill -KILL "$victim"
  finish_mpi 120
  [ "$took" -lt 100 ] && ok "lost rank: the job ends (${took} s, exit $rc)" || fail "lost rank: hung ($took s)"
  grep -q "spexbench: rank [12] (host .*) lost: no message for 5 s" lost.err && ok "lost rank: named" || fail "lost rank: $(grep spexbench lost.err)"
  grep -q "1 rank lost; [01] runs\? failed with it (not stored: run the same command again" lost.err \
    && ok "lost rank: says what to do" || fail "lost rank: $(grep spexbench lost.err)"
  nlost=$(count lost "r['status'] == 'failed' and 'was lost while running this run' in r['message']")
  nok=$(count lost "r['status'] == 'ok'")
  [ "$nlost" -le 1 ] && [ $((nlost + nok)) -eq 12 ] && ok "lost rank: 12 rows, $nlost failed 'was lost', $nok ok" \
    || fail "lost rank: $nlost lost, $nok ok"
  [ "$(stored lost)" -eq "$nok" ] && ok "lost rank: the lost run is not stored" || fail "lost rank: $(stored lost) stored, $nok ok"
  no_ranks_left lost && ok "lost rank: no process left" || fail "lost rank: processes left: $(pgrep -af 'run slow.ini --out lost ')"
  mpi 2 120 run slow.ini --out lost --jobs 1 --threads 1 >/dev/null 2>relost.err
  [ "$(count lost "r['status'] == 'ok'")" -eq 12 ] && grep -q "$nok of 12 runs already done" relost.err \
    && ok "lost rank: a rerun retries the lost run, reuses the rest" || fail "lost rank rerun: $(grep spexbench relost.err)"
else
  fail "lost rank: no rank to kill (ranks: $ranks)"; kill -KILL $mp; wait $mp
fi

# rank 0 killed under --enable-recovery: the other ranks end the job after --rank-timeout
start_mpi lost0 --enable-recovery -- --rank-timeout 5
lock=$(readlink -f lost0/runs/.lock); rank0=
for p in $ranks; do ls -l /proc/$p/fd 2>/dev/null | grep -qF "$lock" && rank0=$p; done
if [ -n "$rank0" ]; then
  rm -rf "$TMP"/spexbench-rank-* # (earlier jobs' killed ranks leave theirs)
  kill -KILL "$rank0"
  finish_mpi 120
  [ "$took" -lt 60 ] && ok "lost rank 0: the job ends (${took} s)" || fail "lost rank 0: $took s"
  grep -q "spexbench: rank [12]: no message from rank 0 for 5 s: ending the job" lost0.err \
    && ok "lost rank 0: the ranks say why they end it" || fail "lost rank 0: $(grep spexbench lost0.err)"
  ls -d "$TMP"/spexbench-rank-* >/dev/null 2>&1 && fail "lost rank 0: scratch folders left" || ok "lost rank 0: scratch folders removed"
  no_ranks_left lost0 && ok "lost rank 0: no process left" || fail "lost rank 0: processes left"
else
  fail "lost rank 0: not found among $ranks"; kill -KILL $mp; wait $mp
fi

# a rank killed under plain mpirun: Open MPI ends the job; the finished runs are kept
start_mpi killed --
victim=$(other_rank killed)
kill -KILL "$victim"
finish_mpi 120
[ "$took" -lt 60 ] && [ "$rc" -ne 0 ] && ok "killed rank: Open MPI ends the job (exit $rc, ${took} s)" || fail "killed rank: exit $rc after $took s"
kept=$(stored killed)
[ "$kept" -ge 2 ] && ok "killed rank: $kept finished runs stored" || fail "killed rank: $kept stored"
no_ranks_left killed && ok "killed rank: no process left" || fail "killed rank: processes left"
mpi 3 120 run slow.ini --out killed --jobs 1 --threads 1 >/dev/null 2>rekilled.err
[ "$(count killed "r['status'] == 'ok'")" -eq 12 ] && grep -q "$kept of 12 runs already done" rekilled.err \
  && ok "killed rank: a rerun resumes ($kept done) and completes" || fail "killed rank rerun: $(grep spexbench rekilled.err)"

# Ctrl-C: SIGINT to mpirun
start_mpi intr --
kill -INT $mp
finish_mpi 120
[ "$took" -lt 60 ] && [ "$rc" -ne 0 ] && ok "ctrl-c: the job ends (exit $rc, ${took} s)" || fail "ctrl-c: exit $rc after $took s"
kept=$(stored intr)
[ "$kept" -ge 2 ] && ok "ctrl-c: $kept finished runs stored" || fail "ctrl-c: $kept stored"
no_partial() { ! find "$1" -name '*.tmp.*' | grep -q .; }
no_partial intr && ok "ctrl-c: no temporary files" || fail "ctrl-c: temporary files left"
no_ranks_left intr && ok "ctrl-c: no process left" || fail "ctrl-c: processes left"

# a rank stopped by SIGTERM leaves; its run goes to the others
start_mpi left --
victim=$(other_rank left)
kill -TERM "$victim"
finish_mpi 120
[ "$rc" -eq 0 ] && ok "left rank: the sweep finishes (exit 0)" || fail "left rank: exit $rc: $(grep spexbench left.err)"
[ "$(count left "r['status'] == 'ok'")" -eq 12 ] && ok "left rank: all 12 rows ok" || fail "left rank: $(count left "r['status'] == 'ok'") ok"

# ---- refused before anything runs
printf '[experiment]\nbudgets = 8\n[dataset m]\nfamily = command\ncmd = cat\nn = 3\ntrace = t.sbt.gz\n[algorithm banzhaf]\n' > live.ini
mpi 2 60 run live.ini --out live >/dev/null 2>live.err
grep -q "live.ini:3: \[dataset m\] is a live model (command): live models are not run under mpirun" live.err \
  && ok "live model refused" || fail "live model: $(grep spexbench live.err)"
[ ! -e live ] && ok "live model: nothing written" || fail "live model: wrote live/"
mkdir -p da db
python3 - <<'PY'
import gzip, zlib
for d, scale in (("da", 1.0), ("db", 2.0)):
    recs = [(format(x, "04b")[::-1], "%.17g" % (scale * bin(x).count("1"))) for x in range(16)]
    body = "".join("r %s %s\n" % r for r in recs)
    body += "batch %d %d %08x\n" % (len(recs), len(recs), zlib.crc32(body.encode()))
    open(d + "/t.sbt.gz", "wb").write(gzip.compress(b'SBTRACE 1\nheader {"n": 4}\n') + gzip.compress(body.encode()))
    open(d + "/c.ini", "w").write("[experiment]\nname = data\nbudgets = 8\nheldout = 50\n"
                                  "[dataset t]\nfamily = trace\npath = t.sbt.gz\n[algorithm banzhaf]\n")
PY
timeout -k 10 60 mpirun --oversubscribe -np 1 --wdir "$TMP/da" "$SB" run c.ini --out "$TMP/dd" : \
  -np 1 --wdir "$TMP/db" "$SB" run c.ini --out "$TMP/dd" >/dev/null 2>dd.err
grep -q "rank 1 (host .*) expands c.ini to other runs than rank 0" dd.err && ok "ranks over other data refused" \
  || fail "other data: $(grep spexbench dd.err)"
[ ! -e dd ] && ok "other data: nothing written" || fail "other data: wrote dd/"
finish
