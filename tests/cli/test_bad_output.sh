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
finish
