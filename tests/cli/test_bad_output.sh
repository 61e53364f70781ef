#!/usr/bin/env bash
# Output failures: an unwritable results directory, a report file that cannot be
# replaced, and a full disk (simulated with RLIMIT_FSIZE, which works as root and
# without mounting anything).  Each gives a non-zero exit and a message naming
# the file; nothing recorded before is lost and no temporary files are left.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
cat > "$TMP/c.ini" <<'INI'
[experiment]
name = out
budgets = 16, 64
heldout = 100
[dataset d]
family = fourier
n = 4, 6
k = 3
[algorithm exhaustive]
[algorithm fb]
algo = faith-banzhaf
INI
run() { "$SB" run "$TMP/c.ini" --quiet --threads 1 "$@"; }

# 1. --out below a regular file: mkdir fails, naming the path.
: > "$TMP/plain"
expect_fail out_under_file "$TMP/plain/res: cannot create directory: Not a directory" run --out "$TMP/plain/res"

# 2. --out in a read-only directory (chmod does not stop root: skip then).
mkdir -p "$TMP/ro" && chmod 500 "$TMP/ro"
if [ "$(id -u)" -ne 0 ] && ! touch "$TMP/ro/probe" 2>/dev/null; then
  expect_fail out_readonly "$TMP/ro/res.*(cannot create directory|not writable): Permission denied|not writable" run --out "$TMP/ro/res"
  [ -e "$TMP/ro/res" ] && fail "out_readonly: created files" || ok "out_readonly: nothing created"
else
  echo "skip - out_readonly: running as root, chmod 500 does not stop writes (covered by out_under_file)"
fi
chmod 700 "$TMP/ro"

# 3. runs.csv cannot be replaced (a directory is in the way): the report fails
#    naming it; the per-run results are complete and a later run reports them.
mkdir -p "$TMP/blocked/runs.csv"
expect_fail report_blocked "blocked/runs.csv: exists and is not a regular file" run --out "$TMP/blocked"
n=$(ls "$TMP/blocked/runs/" | grep -c '\.json$')
[ "$n" -eq 8 ] && ok "report_blocked: 8 per-run results kept" || fail "report_blocked: $n per-run results"
no_partial "$TMP/blocked" && ok "report_blocked: no temp files" || fail "report_blocked: temp files left"
rmdir "$TMP/blocked/runs.csv"
"$SB" run "$TMP/c.ini" --threads 1 --out "$TMP/blocked" >/dev/null 2>"$TMP/err" && grep -q "8 of 8 runs already done" "$TMP/err" \
  && ok "report_blocked: rerun reuses all 8 results" || fail "report_blocked: rerun: $(cat "$TMP/err")"
results_valid "$TMP/blocked" "len(rows) == 8" >/dev/null && ok "report_blocked: runs.csv valid after rerun" || fail "report_blocked: runs.csv invalid"

# 4. Disk full on a fresh directory: every write fails with EFBIG; non-zero exit,
#    the message names the file, no partial files, no runs.csv.
# (stderr goes through a pipe: the size limit would also stop writes to a file)
full() {
  ( trap '' XFSZ; ulimit -f 0; exec "$SB" run "$TMP/c.ini" --quiet --threads 1 "$@" ) 2>&1 >/dev/null | cat >&2
  return "${PIPESTATUS[0]}"
}
expect_fail disk_full_fresh "full1/runs.csv: write failed: File too large" full --out "$TMP/full1"
[ -e "$TMP/full1/runs.csv" ] && fail "disk_full_fresh: runs.csv exists" || ok "disk_full_fresh: no runs.csv"
grep -q "runs/.*\.json: write failed: File too large" "$TMP/err" && ok "disk_full_fresh: per-run write errors reported" || fail "disk_full_fresh: no per-run error: $(head -c 300 "$TMP/err")"
no_partial "$TMP/full1" && ok "disk_full_fresh: no temp files" || fail "disk_full_fresh: temp files left"

# 5. Disk full while rerunning a finished sweep with --force: nothing recorded is
#    lost (runs.csv and every per-run JSON are byte-identical afterwards).
run --out "$TMP/full2" || fail "disk_full_force: first run failed"
(cd "$TMP/full2" && find . -type f -name '*.json' -o -name '*.csv' | sort | xargs md5sum) > "$TMP/before.md5"
expect_fail disk_full_force "full2/runs.csv: write failed: File too large" full --out "$TMP/full2" --force
(cd "$TMP/full2" && md5sum -c --quiet "$TMP/before.md5") && ok "disk_full_force: earlier results intact" || fail "disk_full_force: results changed"
no_partial "$TMP/full2" && ok "disk_full_force: no temp files" || fail "disk_full_force: temp files left"

# 6. Results folders that are not one (issue 13.2): refused before anything is
#    written.  Run from a scratch working directory, which must stay empty.
mkdir -p "$TMP/cwd/sub" && : > "$TMP/cwd/sub/keep"
outcase() { # name pattern --out-value
  cd "$TMP/cwd/sub" && expect_fail "$1" "$2" "$SB" run "$TMP/c.ini" --quiet --threads 1 --out "$3"
  cd - >/dev/null
  [ "$(ls -A "$TMP/cwd/sub")" = keep ] && [ "$(ls -A "$TMP/cwd")" = sub ] && ok "$1: nothing written" \
    || fail "$1: wrote $(ls -A "$TMP/cwd" "$TMP/cwd/sub" | tr '\n' ' ')"
}
outcase out_empty "--out '': expected the name of a folder" ""
outcase out_dot "--out '\.': refusing to write results into the current directory" "."
outcase out_dotdot "--out '\.\.': refusing to write results into the current directory or one of its parents" ".."
outcase out_dotdot_slash "--out '\./\.\./': refusing" "./../"
outcase out_root "--out '/': refusing to write results into the root directory" "/"
outcase out_control "--out: the name contains a control character" "$(printf 'a\tb')"
outcase out_is_file "--out 'keep': exists and is a regular file, not a directory" "keep"
outcase out_foreign "holds no spexbench results .*name a new or empty folder" "$TMP/cwd"
# the default folder name comes from a validated experiment name (test_bad_config)
# 7. Output files that are directories (issue 13.5)
mkdir -p "$TMP/adir"
python3 -c "
import json
json.dump({'metadata': {'n_players': 2}, 'data': {'Empty': 0, '0': 1, '1': 2, '0,1': 4}}, open('$TMP/g.json', 'w'))"
expect_fail export_to_dir "-o $TMP/adir: is a directory; -o names the output file" "$SB" trace export "$TMP/g.json" -o "$TMP/adir" --format csv --force
expect_fail import_to_dir "-o $TMP/adir: is a directory" "$SB" trace import "$TMP/g.json" -o "$TMP/adir" --force
expect_fail coefficients_to_dir "--coefficients $TMP/adir: is a directory" "$SB" fit --dataset fourier:n=4,k=2 --algo exhaustive --budget 16 --coefficients "$TMP/adir"
[ -z "$(ls -A "$TMP/adir")" ] && ok "output directories left untouched" || fail "wrote into $TMP/adir"
# 8. Two sweeps into one folder at once: the second is refused (one lock per folder)
cat > "$TMP/slow.ini" <<'INI'
[experiment]
name = slow
budgets = 4194304
heldout = 0
[dataset d]
family = fourier
n = 22
k = 3
instances = 4
[algorithm exhaustive]
INI
"$SB" run "$TMP/slow.ini" --out "$TMP/busy" --jobs 1 --threads 1 --quiet >/dev/null 2>&1 &
bg=$!
for _ in $(seq 300); do [ -e "$TMP/busy/runs/.lock" ] && break; sleep 0.1; done
expect_fail concurrent_sweep "busy/runs: another spexbench run is writing results there" "$SB" run "$TMP/slow.ini" --out "$TMP/busy" --quiet
kill -TERM "$bg" 2>/dev/null; wait "$bg" 2>/dev/null
# 9. A full disk while recording a live model's answers: the message gives the
#    true errno (before: "No such process", left over from an earlier kill())
FAULT="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/adapters/fault_model.py"
( trap '' XFSZ; ulimit -f 2; exec "$SB" fit --dataset "command:cmd=python3 $FAULT,n=10,trace=$TMP/rec.sbt.gz,batch=64" \
    --algo exhaustive --budget 1024 --heldout 0 ) >/dev/null 2>"$TMP/full.err"
grep -q "rec.sbt.gz: write failed: File too large" "$TMP/full.err" && ! grep -q "No such process" "$TMP/full.err" \
  && ok "recording_disk_full: 'File too large', no stale errno" || fail "recording_disk_full: $(cat "$TMP/full.err")"
finish
