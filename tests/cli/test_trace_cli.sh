#!/usr/bin/env bash
# `spexbench trace` and the trace/npz/command datasets through the real CLI:
# import/info/verify/export round trips on the shapiq files, shapiq JSON games,
# replay (full table exact; partial table -> status unsupported naming the algorithm),
# bad inputs (each a non-zero exit naming the file, no output file left behind),
# and a live model recorded and resumed.  The shapiq files come from
# $SB_SHARED_DIR/datasets (skipped with a message if absent).
source "$(dirname "$0")/lib.sh"
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
DATA="${SB_SHARED_DIR:-$SRC/../shared}/datasets/shapiq-v1.4.1"

"$SB" trace --help | grep -q "usage: spexbench trace info" && ok "trace --help" || fail "trace --help"
for c in info import export verify; do
  "$SB" trace $c --help | grep -q "usage: spexbench trace $c" && ok "trace $c --help" || fail "trace $c --help"
done
expect_fail "unknown subcommand" "unknown subcommand 'frob'" "$SB" trace frob
expect_fail "import needs -o" "missing -o FILE" "$SB" trace import x.npz

# ---- shapiq .npz ------------------------------------------------------------
NPZ="$DATA/SentimentAnalysis_Game/14/mask_strategy=mask_1.npz"
if [ -f "$NPZ" ]; then
  "$SB" trace import "$NPZ" -o "$TMP/s.sbt.gz" --model lvwerra/distilbert-imdb --masking "[MASK] token" \
    --value-meaning "signed positive-class score" 2>/dev/null && ok "import npz" || fail "import npz"
  "$SB" trace verify "$TMP/s.sbt.gz" --full --records 16384 | grep -q "ok: n = 14, 16384 records" \
    && ok "verify full import" || fail "verify full import"
  "$SB" trace info "$TMP/s.sbt.gz" >"$TMP/info" && grep -q "16384 of 16384 masks (full table)" "$TMP/info" \
    && grep -q "lvwerra/distilbert-imdb" "$TMP/info" && grep -q "exact spectrum" "$TMP/info" \
    && ok "info" || fail "info: $(cat "$TMP/info")"
  "$SB" trace info "$NPZ" --json | python3 -c "
import json,sys; j=json.load(sys.stdin); assert j['n']==14 and j['records']==16384 and j['full'], j
e=j['energy_by_degree']; assert 0.3<e[0]<0.8 and abs(sum(e)-1)<1e-9, e" && ok "info --json on npz" || fail "info --json"
  expect_fail "import refuses to overwrite" "exists .*--force" "$SB" trace import "$NPZ" -o "$TMP/s.sbt.gz"
  # exports and round trips
  "$SB" trace export "$TMP/s.sbt.gz" -o "$TMP/s.csv" 2>/dev/null && [ "$(wc -l <"$TMP/s.csv")" -eq 16385 ] \
    && ok "export csv" || fail "export csv"
  "$SB" trace export "$TMP/s.sbt.gz" -o "$TMP/s.npz" 2>/dev/null && ok "export npz" || fail "export npz"
  "$SB" trace export "$TMP/s.npz" -o "$TMP/s2.csv" 2>/dev/null
  sort "$TMP/s.csv" >"$TMP/a"; sort "$TMP/s2.csv" >"$TMP/b"
  cmp -s "$TMP/a" "$TMP/b" && ok "npz -> trace -> npz keeps every value bit for bit" || fail "npz round trip"
  "$SB" trace export "$TMP/s.sbt.gz" -o "$TMP/s.json" 2>/dev/null && "$SB" trace export "$TMP/s.json" -o "$TMP/s3.csv" 2>/dev/null
  sort "$TMP/s3.csv" >"$TMP/c"
  cmp -s "$TMP/a" "$TMP/c" && ok "trace -> shapiq json -> csv keeps every value" || fail "json round trip"
  # datasets: exact ground truth for full tables
  for spec in "npz:$NPZ" "trace:$TMP/s.sbt.gz"; do
    out=$("$SB" fit --dataset "$spec" --algo exhaustive --budget 16384 --json --heldout 500) || { fail "fit $spec"; continue; }
    python3 -c "
import json,sys; j=json.loads(sys.argv[1]); assert j['status']=='ok' and abs(j['r2_exact']-1)<1e-9 and abs(j['r2_heldout']-1)<1e-9, j
" "$out" && ok "exhaustive on ${spec%%:*} recovers the exact spectrum" || fail "fit $spec: $out"
  done
  # damage: truncated, corrupted
  head -c 100000 "$TMP/s.sbt.gz" >"$TMP/cut.sbt.gz"
  expect_fail "truncated trace" "cut.sbt.gz: record [0-9]+" "$SB" trace verify "$TMP/cut.sbt.gz"
  python3 -c "
import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[150000]^=0x40; open(sys.argv[2],'wb').write(b)" "$TMP/s.sbt.gz" "$TMP/bad.sbt.gz"
  expect_fail "corrupted byte" "bad.sbt.gz: (record|line) [0-9]+" "$SB" trace verify "$TMP/bad.sbt.gz"
  expect_fail "fit on a damaged trace" "cut.sbt.gz" "$SB" fit --dataset "trace:$TMP/cut.sbt.gz" --algo exhaustive --budget 100
  expect_fail "export of a damaged trace" "cut.sbt.gz" "$SB" trace export "$TMP/cut.sbt.gz" -o "$TMP/never.csv"
  [ ! -e "$TMP/never.csv" ] && ok "no output file after a failed export" || fail "partial output left"
else
  echo "SKIP: $NPZ not found (set SB_SHARED_DIR); shapiq checks not run"
fi

# ---- shapiq JSON and a partial trace ----------------------------------------
python3 -c "
import json
json.dump({'metadata': {'n_players': 4, 'game_name': 'toy', 'normalization_value': 0.5,
           'player_names': ['a', 'b', 'c', 'd']},
           'data': {'Empty': 0.5, '0': 1.0, '1': 2, '0,1': 3.5, '2,3': -1}}, open('$TMP/toy.json', 'w'))
json.dump({'metadata': {'n_players': 4}, 'data': {'0,7': 1.0}}, open('$TMP/range.json', 'w'))
json.dump({'metadata': {'n_players': 4}, 'data': {'0': 'x'}}, open('$TMP/type.json', 'w'))
open('$TMP/broken.json', 'w').write('{\"metadata\": {')
"
"$SB" trace import "$TMP/toy.json" -o "$TMP/toy.sbt.gz" 2>/dev/null && "$SB" trace info "$TMP/toy.sbt.gz" | grep -q "feature_names   a | b | c | d" \
  && ok "import shapiq json with player names" || fail "import json"
expect_fail "partial trace -> unsupported naming the algorithm" "unsupported: faith-banzhaf asked .* not in trace" \
  "$SB" fit --dataset "trace:$TMP/toy.sbt.gz" --algo faith-banzhaf:order=1 --budget 10
cat >"$TMP/partial.ini" <<INI
[experiment]
name = partial
seed = 1
budgets = 4, 16
heldout = 0
[dataset toy]
family = trace
path = $TMP/toy.sbt.gz
[algorithm banzhaf]
algo = faith-banzhaf
order = 1
[algorithm exhaustive]
budgets = 16
INI
"$SB" run "$TMP/partial.ini" --out "$TMP/partial" >/dev/null 2>&1 \
  && [ "$(grep -c ',unsupported,' "$TMP/partial/runs.csv")" -eq 3 ] && grep -q "not in trace" "$TMP/partial/runs.csv" \
  && ok "sweep on a partial trace: rows with status unsupported, the sweep completes" \
  || fail "partial sweep: $(cat "$TMP/partial/runs.csv" 2>/dev/null | head -3)"
expect_fail "json index out of range" "range.json: data key \"0,7\": player 7 out of range" "$SB" trace import "$TMP/range.json" -o "$TMP/x.sbt.gz"
expect_fail "json wrong type" "type.json: data key \"0\": expected a finite number" "$SB" trace import "$TMP/type.json" -o "$TMP/x.sbt.gz"
expect_fail "json malformed" "broken.json:1: not valid JSON" "$SB" trace import "$TMP/broken.json" -o "$TMP/x.sbt.gz"
[ ! -e "$TMP/x.sbt.gz" ] && ok "no output after failed imports" || fail "partial import output"
expect_fail "export partial trace as npz" "cannot export as .npz" "$SB" trace export "$TMP/toy.sbt.gz" -o "$TMP/toy.npz"

# ---- malformed traces and npz -----------------------------------------------
: >"$TMP/empty.sbt.gz"
expect_fail "empty trace" "empty.sbt.gz: empty file" "$SB" trace verify "$TMP/empty.sbt.gz"
printf 'SBTRACE 9\nheader {"n":3}\n' | gzip >"$TMP/v9.sbt.gz"
expect_fail "wrong version" "v9.sbt.gz: line 1: trace format version 9" "$SB" trace verify "$TMP/v9.sbt.gz"
printf 'hello\n' | gzip >"$TMP/magic.sbt.gz"
expect_fail "wrong magic" "magic.sbt.gz: line 1: expected 'SBTRACE 1'" "$SB" trace info "$TMP/magic.sbt.gz"
printf 'SBTRACE 1\nheader {"n":3}\nr 0101 1\n' | gzip >"$TMP/len.sbt.gz"
expect_fail "n mismatch" "len.sbt.gz: record 1 \(line 3\): expected 3 mask bits, got 4" "$SB" trace verify "$TMP/len.sbt.gz"
printf 'SBTRACE 1\nheader {"n":3}\nr 010 NaN\n' | gzip >"$TMP/nan.sbt.gz"
expect_fail "NaN value" "nan.sbt.gz: record 1 .*not finite" "$SB" trace verify "$TMP/nan.sbt.gz"
printf 'SBTRACE 1\nheader {"n":3}\nr 010 1\nr 010 2\n' | gzip >"$TMP/dup.sbt.gz"
expect_fail "conflicting duplicate" "dup.sbt.gz: record 2 .*conflicting" "$SB" trace verify "$TMP/dup.sbt.gz"
printf 'SBTRACE 1\nheader {"n":3}\nr 010 1\nbatch 2 2 0\n' | gzip >"$TMP/count.sbt.gz"
expect_fail "record count disagrees" "count.sbt.gz: line 4: batch trailer says 2 records" "$SB" trace verify "$TMP/count.sbt.gz"
printf 'not a zip at all' >"$TMP/nz.npz"
expect_fail "npz: not a zip" "nz.npz: not a zip archive" "$SB" trace info "$TMP/nz.npz"
expect_fail "npz dataset: missing file" "nope.npz: " "$SB" fit --dataset "npz:$TMP/nope.npz" --algo exhaustive --budget 10

# ---- a live model, recorded and resumed ---------------------------------------
POLY="$SRC/experiments/adapters/poly_adapter.py"
REC="$TMP/poly.sbt.gz"
out=$("$SB" fit --dataset "command:cmd=python3 $POLY --n 8,n=8,trace=$REC,batch=32" --algo exhaustive --budget 256 --json --heldout 100)
python3 -c "
import json,sys; j=json.loads(sys.argv[1]); assert j['status']=='ok' and abs(j['r2_heldout']-1)<1e-9, j" "$out" \
  && ok "live model: exhaustive recovers the polynomial" || fail "live model fit: $out"
"$SB" trace verify "$REC" --full | grep -q "256 records" && ok "every answer recorded" || fail "recording incomplete"
out=$("$SB" fit --dataset "command:cmd=exit 7,n=8,trace=$REC" --algo exhaustive --budget 256 --json --heldout 100) \
  && ok "rerun answered from the recording without starting the model" || fail "rerun: $out"
expect_fail "model dies: clear error" "model 'exit 5': process exited with status 5" \
  "$SB" fit --dataset "command:cmd=exit 5,n=8,trace=$TMP/dead.sbt.gz" --algo exhaustive --budget 256
"$SB" trace verify "$TMP/dead.sbt.gz" | grep -q "0 records" && ok "dead model leaves a valid empty recording" || fail "dead recording"
# a sweep over a live model with two workers, then a rerun that asks the model nothing new
FAULT="$SRC/tests/adapters/fault_model.py"
cat >"$TMP/live.ini" <<INI
[experiment]
name = live
seed = 1
budgets = 16, 32
heldout = 20
[dataset live]
family = command
cmd = python3 $FAULT --log $TMP/live.log
n = 6
trace = $TMP/live.sbt.gz
batch = 8
[algorithm banzhaf]
algo = faith-banzhaf
order = 1
[algorithm exhaustive]
budgets = 64
INI
"$SB" run "$TMP/live.ini" --out "$TMP/live" --jobs 2 >"$TMP/live.out" 2>&1 && ok "run a config on a live model, 2 workers" || fail "live run: $(tail -5 "$TMP/live.out")"
asked=$(wc -l <"$TMP/live.log")
"$SB" trace verify "$TMP/live.sbt.gz" --full | grep -q "64 records" && [ "$asked" -eq 64 ] \
  && ok "every mask asked once and recorded (64 of 64)" || fail "live recording: asked $asked"
"$SB" run "$TMP/live.ini" --out "$TMP/live" --jobs 2 --force >/dev/null 2>&1 && [ "$(wc -l <"$TMP/live.log")" -eq 64 ] \
  && ok "rerun with --force asks the model nothing" || fail "rerun asked the model again"
# the harness killed (SIGKILL) mid-recording: the rerun resumes, no mask paid twice beyond the batch in flight
"$SB" fit --dataset "command:cmd=python3 $FAULT --sleep 0.1 --log $TMP/kill.log,n=7,trace=$TMP/kill.sbt.gz,batch=8" \
  --algo exhaustive --budget 128 --heldout 0 >/dev/null 2>&1 &
pid=$!
# kill mid-recording: once a few batches are answered (python starts slowly under load)
for _ in $(seq 200); do [ "$(cat "$TMP/kill.log" 2>/dev/null | wc -l)" -ge 24 ] && break; sleep 0.05; done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
before=$(wc -l <"$TMP/kill.log")
"$SB" fit --dataset "command:cmd=python3 $FAULT --log $TMP/kill.log,n=7,trace=$TMP/kill.sbt.gz,batch=8" \
  --algo exhaustive --budget 128 --heldout 0 >/dev/null 2>"$TMP/kill.err" && ok "resume after the harness was killed" || fail "resume after kill: $(cat "$TMP/kill.err")"
after=$(wc -l <"$TMP/kill.log")
"$SB" trace verify "$TMP/kill.sbt.gz" --full | grep -q "128 records" && [ "$before" -gt 0 ] && [ "$after" -le $((128 + 8)) ] \
  && ok "killed run kept its answers ($before before the kill, $after asked in all for 128 masks)" || fail "kill/resume: before=$before after=$after"

# the Hugging Face adapter's --describe needs no torch: its header feeds a recording
HF="$SRC/experiments/adapters/hf_adapter.py"
python3 "$HF" --task classify --model m --text "not a bad film" --describe "$TMP/hdr.json" 2>/dev/null \
  && python3 -c "import json; h=json.load(open('$TMP/hdr.json')); assert h['n']==4 and h['feature_names'][1]=='a', h" \
  && ok "hf_adapter --describe writes a header" || fail "hf_adapter --describe"
"$SB" fit --dataset "command:cmd=python3 $POLY --n 4,n=4,trace=$TMP/hdr.sbt.gz,header=$TMP/hdr.json" \
  --algo exhaustive --budget 16 --heldout 0 >/dev/null 2>&1 && "$SB" trace info "$TMP/hdr.sbt.gz" | grep -q "not | a | bad | film" \
  && ok "header file names the features of a recording" || fail "header file"
finish
