#!/usr/bin/env bash
# Live models on a pool of persistent servers, through the real CLI
# (docs/LIVE_MODELS.md), with tests/adapters/fault_model.py:
#   - a --jobs 2 sweep over a model with workers=2: one start-up per process for
#     the whole sweep ({worker} and SPEXBENCH_WORKER), no mask asked twice, the
#     recording valid; a --force rerun starts no model at all;
#   - shared_design = true: several algorithms pay for one design;
#   - a process that dies once is restarted and its batch retried: the sweep
#     succeeds; a model that always dies gives failed rows, other datasets go on;
#   - a sweep killed with SIGKILL takes its pool server and models with it, and
#     the rerun asks only what is missing;
#   - `spexbench serve` on a Unix socket and on TCP loopback answers sweeps and
#     fits elsewhere (`command:connect=...`), its models started once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
FAULT="$SRC/tests/adapters/fault_model.py"
command -v python3 >/dev/null || { echo "skip - python3 not found"; finish; exit $?; }

# cfg NAME DATASET-LINES [EXPERIMENT-LINES]: a config with four uniform-design
# algorithms, budgets 32 and 64, two repetitions (16 runs per dataset).
cfg() {
  cat >"$TMP/$1.ini" <<EOF
[experiment]
name = $1
budgets = 32, 64
repetitions = 2
heldout = 50
${3:-}

$2

[algorithm lime]
[algorithm banzhaf]
[algorithm lasso]
[algorithm faith-banzhaf]
EOF
}
records() { "$SB" trace verify "$1" 2>&1 | grep -Eo '[0-9]+ records' | head -1 | grep -Eo '[0-9]+'; }
nlines() { cat "$@" 2>/dev/null | wc -l; }

# ---- 1. persistent servers over a --jobs 2 sweep -------------------------------
cfg pool "[dataset m]
family = command
cmd = python3 $FAULT --starts $TMP/starts.log --log $TMP/w{worker}.log --sleep 0.01
n = 9
trace = $TMP/pool.sbt.gz
workers = 2
batch = 8"
if "$SB" run "$TMP/pool.ini" --out "$TMP/pool" --jobs 2 >"$TMP/out" 2>"$TMP/err"; then
  ok "sweep over a live model with workers=2 and --jobs 2"
else
  fail "sweep: $(tail -5 "$TMP/err")"
fi
v=$(results_valid "$TMP/pool" "all(r['status'] == 'ok' for r in rows)" "len(rows) == 16" \
  "all(int(r['live_asked']) >= int(r['live_asked_heldout']) >= 0 for r in rows)" \
  "sum(int(r['live_asked_heldout']) for r in rows) >= 50" 2>&1) \
  && ok "16 ok rows, live_asked and live_asked_heldout in runs.csv ($v)" || fail "rows: $v"
[ "$(nlines "$TMP/starts.log")" = 2 ] && [ "$(cut -d' ' -f2 "$TMP/starts.log" | sort | tr '\n' ' ')" = "0 1 " ] \
  && ok "one start-up per model process for the whole sweep (SPEXBENCH_WORKER 0 and 1)" \
  || fail "start-ups: $(cat "$TMP/starts.log")"
[ -s "$TMP/w0.log" ] && [ -s "$TMP/w1.log" ] && ok "both processes answered ({worker} in the command)" \
  || fail "w0.log / w1.log: $(nlines "$TMP/w0.log") / $(nlines "$TMP/w1.log") lines"
dups=$(cat "$TMP"/w?.log | sort | uniq -d | wc -l)
asked=$(nlines "$TMP"/w?.log)
[ "$dups" = 0 ] && ok "no mask asked twice ($asked asked)" || fail "$dups masks asked more than once"
[ "$(records "$TMP/pool.sbt.gz")" = "$asked" ] && ok "the recording holds every answer ($asked)" \
  || fail "recording has $(records "$TMP/pool.sbt.gz") records, $asked asked"
grep -q "live model .*2 processes, 2 start-ups, $asked masks answered by the model" "$TMP/err" \
  && ok "the sweep reports its pool server's statistics" || fail "no statistics line: $(grep 'live model' "$TMP/err")"
"$SB" run "$TMP/pool.ini" --out "$TMP/pool" --jobs 2 --force >/dev/null 2>"$TMP/err2" \
  && [ "$(nlines "$TMP/starts.log")" = 2 ] && [ "$(nlines "$TMP"/w?.log)" = "$asked" ] \
  && ok "--force rerun: every answer from the recording, no model started" \
  || fail "rerun: starts $(nlines "$TMP/starts.log"), asked $(nlines "$TMP"/w?.log): $(tail -3 "$TMP/err2")"
v=$(results_valid "$TMP/pool" "all(r['live_asked'] == '0' and r['live_asked_heldout'] == '0' for r in rows)" 2>&1) \
  && ok "--force rerun: live_asked = 0 in every row" || fail "rerun rows: $v"

# ---- 2. shared_design: one design for every uniform-design algorithm ---------
for mode in true false; do
  cfg "shared-$mode" "[dataset m]
family = command
cmd = python3 $FAULT --log $TMP/shared-$mode.log
n = 10
workers = 2" "heldout = 0
shared_design = $mode"
  sed -i 's/^heldout = 50$//' "$TMP/shared-$mode.ini"
  "$SB" run "$TMP/shared-$mode.ini" --out "$TMP/shared-$mode" --jobs 2 >/dev/null 2>"$TMP/err" \
    || fail "shared_design = $mode: $(tail -3 "$TMP/err")"
done
s_t=$(nlines "$TMP/shared-true.log"); s_f=$(nlines "$TMP/shared-false.log")
# 4 algorithms x 2 budgets x 2 repetitions; shared: the pool's first 64 masks per repetition
[ "$s_t" -le 128 ] && [ "$s_f" -gt 200 ] \
  && ok "shared_design: the model answers $s_t masks (at most 2 x 64) instead of $s_f" \
  || fail "shared_design: $s_t masks asked with, $s_f without"
# the identities differ, so a stored result of one mode is never reused by the other
sed 's/^shared_design = true$/shared_design = false/' "$TMP/shared-true.ini" >"$TMP/switch.ini"
"$SB" run "$TMP/switch.ini" --out "$TMP/shared-true" --jobs 2 >/dev/null 2>"$TMP/err" \
  && grep -q "16 stored results are not the same run.*shared_design_seed changed from .* to (none)" "$TMP/err" \
  && ok "shared_design = false does not reuse the shared results (16 rerun)" \
  || fail "mode switch: $(grep stored "$TMP/err")"
"$SB" run "$TMP/shared-true.ini" --out "$TMP/shared-true" --jobs 2 >/dev/null 2>"$TMP/err" \
  && grep -q "16 stored results are not the same run.*shared_design_seed changed from (none)" "$TMP/err" \
  && ok "and back: shared_design = true reruns them again (16)" \
  || fail "mode switch back: $(grep stored "$TMP/err")"

# ---- 3. faults: once (retried, the sweep succeeds), always (failed rows) ------
cfg faults "[dataset once]
family = command
cmd = python3 $FAULT --die-after 20 --once $TMP/once.flag --starts $TMP/once-starts.log
n = 8
trace = $TMP/once.sbt.gz
batch = 8

[dataset dead]
family = command
cmd = python3 $FAULT --die-at-start
n = 8

[dataset synthetic]
family = fourier
n = 8
k = 4
degree = 2"
"$SB" run "$TMP/faults.ini" --out "$TMP/faults" --jobs 2 >/dev/null 2>"$TMP/err" \
  && ok "a sweep with faulty models finishes (failed rows, exit 0)" || fail "faults sweep: $(tail -3 "$TMP/err")"
v=$(results_valid "$TMP/faults" \
  "all(r['status'] == 'ok' for r in rows if r['group'] in ('once', 'synthetic'))" \
  "all(r['status'] == 'failed' and 'exited with status 4' in r['message'] for r in rows if r['group'] == 'dead')" \
  "len(rows) == 48" 2>&1) && ok "dies once: retried, all ok; always dies: failed rows naming it; others ok" \
  || fail "fault rows: $v"
[ "$(nlines "$TMP/once-starts.log")" = 2 ] && ok "the process that died was restarted once (2 start-ups)" \
  || fail "start-ups after one death: $(nlines "$TMP/once-starts.log")"

# ---- 4. a sweep killed with SIGKILL ------------------------------------------
cfg kill "[dataset m]
family = command
cmd = python3 $FAULT --log $TMP/kill.log --sleep 0.05 --starts $TMP/kill-starts.log
n = 10
trace = $TMP/kill.sbt.gz
workers = 2
batch = 8"
"$SB" run "$TMP/kill.ini" --out "$TMP/kill" --jobs 2 >/dev/null 2>&1 &
RUNNER=$!
for _ in $(seq 100); do [ "$(nlines "$TMP/kill.log")" -ge 40 ] && break; sleep 0.1; done
kill -9 "$RUNNER" 2>/dev/null
wait "$RUNNER" 2>/dev/null
gone=0
for _ in $(seq 100); do
  if ! pgrep -f "$TMP/kill" >/dev/null; then gone=1; break; fi
  sleep 0.1
done
[ "$gone" = 1 ] && ok "SIGKILL of the runner: its pool server and model processes are gone" \
  || fail "left running: $(pgrep -af "$TMP/kill")"
before=$(nlines "$TMP/kill.log"); rec=$(records "$TMP/kill.sbt.gz")
[ -n "$rec" ] && ok "the recording is valid after the kill ($rec of $before answers recorded)" \
  || fail "recording after kill: $("$SB" trace verify "$TMP/kill.sbt.gz" 2>&1)"
"$SB" run "$TMP/kill.ini" --out "$TMP/kill" --jobs 2 --force >/dev/null 2>"$TMP/err" \
  && ok "the rerun completes" || fail "rerun after kill: $(tail -3 "$TMP/err")"
dups=$(sort "$TMP/kill.log" | uniq -d | wc -l)
# at most the batches in flight when the runner died are asked again
[ "$dups" -le 32 ] && [ "$(records "$TMP/kill.sbt.gz")" = "$(sort -u "$TMP/kill.log" | wc -l)" ] \
  && ok "the rerun asked only what was missing ($dups in-flight masks asked again)" \
  || fail "after the kill: $dups masks asked twice; recording $(records "$TMP/kill.sbt.gz")"

# ---- 5. spexbench serve: a model on a socket ---------------------------------
"$SB" serve --listen "unix:$TMP/m.sock" --cmd "python3 $FAULT --starts $TMP/srv-starts.log" \
  --workers 2 --batch 8 2>"$TMP/serve.err" &
SERVER=$!
for _ in $(seq 50); do [ -S "$TMP/m.sock" ] && break; sleep 0.1; done
cfg remote "[dataset m]
family = command
connect = unix:$TMP/m.sock
n = 9
trace = $TMP/remote.sbt.gz
workers = 4"
"$SB" run "$TMP/remote.ini" --out "$TMP/remote" --jobs 2 >/dev/null 2>"$TMP/err" \
  && ok "sweep through spexbench serve (unix socket)" || fail "remote sweep: $(tail -3 "$TMP/err")"
first=$(records "$TMP/remote.sbt.gz")
rm -f "$TMP"/remote.sbt.gz*  # the harness forgets: everything is asked again
"$SB" run "$TMP/remote.ini" --out "$TMP/remote" --jobs 2 --force >/dev/null 2>"$TMP/err" \
  && [ "$(records "$TMP/remote.sbt.gz")" = "$first" ] \
  && ok "a second sweep against the same server recorded the same $first answers" \
  || fail "second remote sweep: $(records "$TMP/remote.sbt.gz") vs $first: $(tail -3 "$TMP/err")"
kill -TERM "$SERVER"; wait "$SERVER"
grep -q "2 processes, 2 start-ups" "$TMP/serve.err" && grep -Eq "\(([1-9][0-9]*) more from memory" "$TMP/serve.err" \
  && ok "the server started its 2 processes once and answered the second sweep from memory" \
  || fail "serve statistics: $(tail -2 "$TMP/serve.err")"
[ ! -e "$TMP/m.sock" ] && ok "the socket file is removed at exit" || fail "socket file left"
"$SB" serve --listen tcp:127.0.0.1:0 --cmd "python3 $FAULT" 2>"$TMP/tcp.err" &
SERVER=$!
for _ in $(seq 50); do grep -q "on tcp:" "$TMP/tcp.err" && break; sleep 0.1; done
ADDR=$(grep -o 'tcp:127.0.0.1:[0-9]*' "$TMP/tcp.err" | head -1)
"$SB" fit --dataset "command:connect=$ADDR,n=6,trace=$TMP/tcp.sbt.gz,workers=2,batch=8" \
  --algo exhaustive --budget 64 --heldout 0 >/dev/null 2>"$TMP/err" \
  && [ "$(records "$TMP/tcp.sbt.gz")" = 64 ] && ok "fit through spexbench serve on TCP loopback ($ADDR)" \
  || fail "tcp fit: $(tail -3 "$TMP/err")"
kill -TERM "$SERVER"; wait "$SERVER"
expect_fail "serve without --cmd" "missing --cmd CMD" "$SB" serve --listen tcp:127.0.0.1:0
expect_fail "serve on a bad address" "expected tcp:HOST:PORT" "$SB" serve --listen nonsense --cmd true
no_partial "$TMP" >/dev/null && ok "no temp files" || fail "temp files left"
finish
