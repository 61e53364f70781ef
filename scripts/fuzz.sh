#!/usr/bin/env bash
# Run every libFuzzer target fuzz_<name> in BUILD (default build-fuzz) for
# FUZZ_SECONDS each (default 60), seeded from the committed corpus
# tests/fuzz/corpus/<name>/ (read only) with the dictionary tests/fuzz/<name>.dict
# if present; new inputs go to FUZZ_WORK/<target>/corpus (default
# BUILD/fuzz-work), so the repository is never touched.  Exits non-zero if a target finds a crash, a leak,
# a timeout or an out-of-memory; the reproducer is left in FUZZ_WORK/<target>/.
# FUZZ_TARGETS="fuzz_npz fuzz_trace" limits the run to those targets.
# Prints one summary line per target: executions and seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
WORK=${FUZZ_WORK:-$BUILD/fuzz-work}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
shopt -s nullglob
targets=("$BUILD"/fuzz_*)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz_* targets in $BUILD" >&2; exit 2; }
for bin in "${targets[@]}"; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  t=$(basename "$bin")
  if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $t "* ]]; then continue; fi
  mkdir -p "$WORK/$t/corpus"
  name=${t#fuzz_}
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  log="$WORK/$t/log.txt"
  echo "== $t: ${SECS}s (log: $log)"
  if "$bin" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
       -print_final_stats=1 -artifact_prefix="$WORK/$t/" "${dict[@]}" \
       "$WORK/$t/corpus" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
    echo "   ok: $runs executions in ${SECS}s"
  else
    status=1
    echo "   FAILED: see $log; reproducers:" "$WORK/$t"/{crash,leak,timeout,oom,slow-unit}-* 2>/dev/null || true
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 || true
  fi
done
exit $status
