#!/usr/bin/env bash
# `spexbench check`: a reference made with --update, then an unbroken rerun passes
# (exit 0) and a rerun with SPEX broken on purpose (the test-only switch
# SPEXBENCH_TEST_BREAK_ALGORITHMS, core/fault.h) fails (exit 1) with a table that
# names the cells, the rule and the verdict: the Chase step dropped shows in the
# noisy cells (statistical rule), a perturbed delay row in the noiseless ones
# (exact rule).  The rerun's temporary folder is removed; the switch is refused
# for committed folders and an unknown fault name is an error.  Uses the quick
# variant of experiments/synthetic-recovery (72 SPEX runs, about a second).
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
QUICK="$ROOT/experiments/synthetic-recovery/quick.ini"
export TMPDIR="$TMP/tmp"
mkdir -p "$TMPDIR" "$TMP/results/srq"
R="$TMP/results/srq"

"$SB" check "$R" --config "$QUICK" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "no reference" "$TMP/err" && ok "no reference: a clear error" \
  || fail "no reference: $(cat "$TMP/err")"

"$SB" check --update "$R" --config "$QUICK" >"$TMP/out" 2>"$TMP/err" \
  && [ -s "$R/check/runs.csv" ] && [ -s "$R/check/summary.csv" ] && [ -s "$R/check/context.json" ] \
  && ok "--update writes the reference" || fail "--update: $(cat "$TMP/err")"

"$SB" check "$R" --config "$QUICK" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && grep -q "all within tolerance" "$TMP/out" && ok "unbroken rerun passes" \
  || fail "unbroken rerun: rc=$rc $(cat "$TMP/out" "$TMP/err" | head -40)"
grep -q "12 under the exact rule" "$TMP/out" && ok "noiseless cells under the exact rule" \
  || fail "exact cells: $(tail -1 "$TMP/out")"
[ -z "$(ls -A "$TMPDIR")" ] && ok "temporary folder removed" || fail "left in TMPDIR: $(ls "$TMPDIR")"

# The Chase step dropped: the 10 dB cells of the soft decoder move.
SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase "$SB" check "$R" --config "$QUICK" \
  >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/out"
[ $rc -eq 1 ] && ok "no Chase: check fails (exit 1)" || fail "no Chase: exit $rc"
grep -q "WARNING: SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase" "$TMP/err" \
  && ok "no Chase: the switch is announced" || fail "no warning: $(cat "$TMP/err")"
grep -qE "^cell \(group \| label \| budget\) +metric +rule +reference +now +delta +tolerance +verdict" \
  "$TMP/out" && ok "table header" || fail "no table header"
grep -qE "^snr10\[k=25\] \| spex \| 2688 +support_exact +rate +1 +0 .*FAIL" "$TMP/out" \
  && ok "no Chase: exact recovery lost at 10 dB, FAIL row" || fail "no Chase: no support_exact FAIL row"
grep -qE "^snr10\[k=[0-9]+\] \| spex \| [0-9]+ +r2_exact +paired .*FAIL" "$TMP/out" \
  && ok "no Chase: R² moved beyond the paired tolerance" || fail "no Chase: no paired r2 FAIL row"
grep -qE "^noiseless.*FAIL" "$TMP/out" && fail "no Chase: a noiseless cell moved" \
  || ok "no Chase: the noiseless cells (hard = soft there) still pass"
grep -qE "OUT OF TOLERANCE$" "$TMP/out" && ok "verdict line" || fail "verdict: $(tail -1 "$TMP/out")"

# One delay row perturbed: the noiseless cells fail the exact rule.
SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-delay-row "$SB" check "$R" --config "$QUICK" \
  >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && ok "delay row: check fails (exit 1)" || fail "delay row: exit $rc"
grep -qE "^noiseless\[k=100\] \| spex \| [0-9]+ +r2_exact +exact .* 1e-09 +FAIL" "$TMP/out" \
  && ok "delay row: noiseless r2_exact fails the exact rule" \
  || fail "delay row: $(grep FAIL "$TMP/out" | head -5)"
[ -z "$(ls -A "$TMPDIR")" ] && ok "temporary folder removed after a failure" \
  || fail "left in TMPDIR: $(ls "$TMPDIR")"

# Unknown faults are errors; --tolerance is validated.
SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-typo "$SB" check "$R" --config "$QUICK" >"$TMP/out" 2>"$TMP/err"
[ $? -ne 0 ] && grep -q "unknown fault 'spex-typo'" "$TMP/err" && ok "unknown fault name refused" \
  || fail "unknown fault: $(cat "$TMP/err")"
expect_fail "--tolerance 0 refused" "--tolerance '0'" "$SB" check "$R" --tolerance 0

# The switch is refused for a folder git tracks (a throwaway repository here).
G="$TMP/repo"
mkdir -p "$G/results/x/check"
echo ref > "$G/results/x/check/runs.csv"
git -C "$G" init -q && git -C "$G" add -A \
  && git -C "$G" -c user.name=t -c user.email=t@t commit -qm ref || fail "git init"
SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase "$SB" check --update "$G/results/x" \
  --config "$QUICK" >"$TMP/out" 2>"$TMP/err"
[ $? -ne 0 ] && grep -q "refusing to write there" "$TMP/err" && [ "$(cat "$G/results/x/check/runs.csv")" = ref ] \
  && ok "--update with the switch set: refused for a committed folder" \
  || fail "tracked folder: $(cat "$TMP/err")"

# The committed reference of the experiment itself passes on this build.
if [ -s "$ROOT/results/synthetic-recovery/check/runs.csv" ]; then
  "$SB" check "$ROOT/results/synthetic-recovery" >"$TMP/out" 2>"$TMP/err" \
    && ok "committed reference results/synthetic-recovery passes" \
    || fail "committed reference: $(cat "$TMP/out" "$TMP/err" | tail -20)"
fi
finish
