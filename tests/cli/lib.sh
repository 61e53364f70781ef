# Helpers for CLI tests: `source` it; $SB is the spexbench binary (first argument).
set -u
SB="$1"
TMP=$(mktemp -d /tmp/sbcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
PASSES=0
ok()   { PASSES=$((PASSES+1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS+1)); echo "FAIL - $*"; }
# expect_fail NAME PATTERN CMD...: non-zero exit and stderr matching PATTERN
expect_fail() {
  local name="$1" pat="$2"; shift 2
  if "$@" >"$TMP/out" 2>"$TMP/err"; then fail "$name: exited 0"; return; fi
  if grep -qE -- "$pat" "$TMP/err"; then ok "$name"; else fail "$name: stderr lacks /$pat/: $(head -c 400 "$TMP/err")"; fi
}
finish() { echo "$PASSES passed, $FAILS failed"; [ "$FAILS" -eq 0 ]; }
