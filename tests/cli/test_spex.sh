#!/usr/bin/env bash
# SPEX through the CLI: exact recovery of a planted spectrum, budget-derived b,
# the minimum-budget skip, parameter errors, and n = 2^17 (streamed design).
source "$(dirname "$0")/lib.sh"
"$SB" fit --dataset fourier:n=100,k=20,degree=4,seed=2 --algo spex:decoder=hard,refit=ols \
  --budget 6000 >"$TMP/fit.out" 2>&1 && ok "fit spex" || fail "fit spex: $(cat "$TMP/fit.out")"
grep -qE "^r2_exact +1$" "$TMP/fit.out" && ok "spex recovers the planted spectrum" || fail "spex accuracy: $(cat "$TMP/fit.out")"
grep -q "b=5 t=5 C=3 P=41 samples=3936" "$TMP/fit.out" && ok "budget 6000 -> b = 5 at n = 100" || fail "spex b: $(cat "$TMP/fit.out")"
grep -qE "transform\+peel=.*refit=" "$TMP/fit.out" && ok "spex phases" || fail "spex phases"
"$SB" fit --dataset fourier:n=100,k=20,degree=4,snr_db=10,seed=2 --algo spex --budget 6000 >"$TMP/fit2.out" 2>&1 \
  && grep -qE "^r2_exact +0\.9" "$TMP/fit2.out" && ok "spex lasso at 10 dB" || fail "spex noisy: $(cat "$TMP/fit2.out")"
"$SB" fit --dataset fourier:n=131072,k=10,degree=3,seed=1 --algo spex:b=5 --budget 9000 --heldout 100 \
  >"$TMP/fit3.out" 2>&1 && grep -qE "^r2_exact +1$" "$TMP/fit3.out" \
  && ok "spex at n = 2^17 (beyond the old 65,536 limit)" || fail "spex large n: $(cat "$TMP/fit3.out")"
for t in 1 2; do
  "$SB" fit --dataset fourier:n=20000,k=20,degree=4,snr_db=10,seed=4 --algo spex:b=6 --budget 20000 \
    --heldout 0 --threads $t --coefficients "$TMP/coef$t.json" >/dev/null 2>&1
done
cmp -s "$TMP/coef1.json" "$TMP/coef2.json" && ok "spex: 1 and 2 threads give the same coefficients" \
  || fail "spex threads change the result"
expect_fail "spex minimum budget" "minimum of 360 queries" "$SB" fit --dataset fourier:n=100 --algo spex --budget 100
expect_fail "spex bad decoder" "decoder" "$SB" fit --dataset fourier:n=10 --algo spex:decoder=medium --budget 5000
finish
