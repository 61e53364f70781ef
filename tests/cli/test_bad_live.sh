#!/usr/bin/env bash
# Live models that misbehave (tests/adapters/fault_model.py), through the real
# CLI: dies at start, dies mid-batch, hangs (timeout), prints garbage, NaN, too
# few lines.  The failed batch is retried once on a fresh process, where the fault
# happens again; each `fit` exits non-zero with a message naming the model and
# what went wrong; the recording holds exactly the answers received before the
# faults (and parses); a rerun with a healthy model resumes: it asks only the
# masks not yet recorded, and the finished recording has all 2^n.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
FAULT="$SRC/tests/adapters/fault_model.py"
[ -f "$FAULT" ] || { echo "skip - no $FAULT (live-model family not in this tree)"; finish; exit $?; }
N=6 # 64 masks, batches of 8
records() { "$SB" trace verify "$1" 2>&1 | grep -Eo '[0-9]+ records' | head -1 | grep -Eo '[0-9]+'; }
case_() { # name fault-args regex answers-before-fault
  local name="$1" args="$2" pat="$3" want="$4" rec="$TMP/$1.sbt.gz"
  expect_fail "$name" "$pat" "$SB" fit --dataset "command:cmd=python3 $FAULT $args,n=$N,trace=$rec,batch=8,timeout=3,start_timeout=1" \
    --algo exhaustive --budget 64 --heldout 0
  local got; got=$(records "$rec")
  [ "$got" = "$want" ] && ok "$name: recording keeps the $want answers received before the fault" \
    || fail "$name: recording has '$got' records, expected $want"
  "$SB" fit --dataset "command:cmd=python3 $FAULT --log $TMP/$name.log,n=$N,trace=$rec,batch=8" \
    --algo exhaustive --budget 64 --heldout 0 >/dev/null 2>"$TMP/$name.err" \
    && ok "$name: rerun with a healthy model finishes" || fail "$name: rerun: $(cat "$TMP/$name.err")"
  local asked; asked=$(cat "$TMP/$name.log" 2>/dev/null | wc -l)
  [ "$asked" -eq $((64 - want)) ] && [ "$(records "$rec")" = 64 ] \
    && ok "$name: rerun asked only the $((64 - want)) missing masks" || fail "$name: rerun asked $asked masks, recording $(records "$rec")"
  no_partial "$TMP" >/dev/null && ok "$name: no temp files" || fail "$name: temp files left"
}
# A failed batch is retried once on a fresh process; these faults happen again on
# it, so the fit fails, and the answers of both attempts (K each) are recorded.
case_ dies_at_start "--die-at-start" "model 'python3 .*fault_model.py --die-at-start': process exited with status 4" 0
case_ dies_mid_batch "--die-after 3" "model .*--die-after 3.*process exited with status 3.*retried once on a fresh process" 6
case_ hangs "--hang-after 3" "model .*--hang-after 3.*no complete answer within 4 s \(timeout\); process killed" 6
case_ garbage "--garbage-after 2" "model .*--garbage-after 2.*not a number: 'oops'" 4
case_ nan "--nan-after 1" "model .*--nan-after 1.*not finite" 2
# not a number, though no "garbage" text: named as such (before: a NUL line was
# taken for the end of the batch: "too few lines", and a line of spaces too)
case_ nul "--nul-after 2" "model .*--nul-after 2.*answer line 3 contains a NUL byte \(not a number\)" 4
case_ blank "--blank-after 1" "model .*--blank-after 1.*answer line 2 is blank \(spaces only; expected a number\)" 2
# framing broken (a line missing or extra: which value is whose is unknown):
# nothing of that batch is recorded, earlier batches are
case_ too_few_lines "--short" "model .*--short.*ended the batch early \(too few lines\)" 0
case_ too_many_lines "--extra" "model .*--extra.*printed more lines than masks" 0
finish
