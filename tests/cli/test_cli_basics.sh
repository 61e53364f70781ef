#!/usr/bin/env bash
# --help/--version/list, `fit` on every synthetic family, and bad arguments.
source "$(dirname "$0")/lib.sh"
"$SB" --help | grep -q "usage: spexbench" && ok "--help" || fail "--help"
"$SB" --version | grep -qE "^spexbench [0-9]" && ok "--version" || fail "--version"
for c in run fit list; do "$SB" $c --help | grep -q "usage: spexbench $c" && ok "$c --help" || fail "$c --help"; done
"$SB" list | grep -q "exhaustive" && ok "list shows algorithms" || fail "list"
"$SB" list --params | grep -q "order=" && ok "list --params" || fail "list --params"
for spec in "fourier:n=10,k=8,degree=3,seed=1" "soum:n=10,k=8,max_order=3,seed=2" \
            "hierarchical:n=10,k=3,degree=3,seed=3"; do
  out=$("$SB" fit --dataset "$spec" --algo exhaustive --budget 1024 --json) || { fail "fit $spec"; continue; }
  python3 -c "
import json,sys; j=json.loads(sys.argv[1])
assert j['status']=='ok' and j['queries_used']==1024 and abs(j['r2_exact']-1)<1e-9 and abs(j['r2_heldout']-1)<1e-9, j
for k in ('algorithm','dataset','n','budget','queries_used','r2_heldout','r2_exact','wall_s'): assert k in j, k
" "$out" && ok "fit exhaustive on ${spec%%:*} is exact" || fail "fit $spec: $out"
done
"$SB" fit --dataset fourier:n=40,k=10,degree=2,seed=4 --algo faith-banzhaf:order=2 --budget 3000 \
  --coefficients "$TMP/c.json" >"$TMP/fit.out" && ok "fit faith-banzhaf order 2" || fail "fit fb2"
python3 -c "
import json; s=json.load(open('$TMP/c.json')); assert s['basis']=='fourier' and s['n']==40 and len(s['terms'])==1+40+780
" && ok "--coefficients writes the spectrum JSON" || fail "--coefficients"
grep -qE "r2_exact +(1|0\.99)" "$TMP/fit.out" && ok "fb2 recovers a degree-2 function" || fail "fb2 accuracy: $(cat "$TMP/fit.out")"
expect_fail "unknown algorithm" "unknown algorithm 'nope'.*available" "$SB" fit --dataset fourier:n=8 --algo nope --budget 10
expect_fail "bad algo param" "unknown parameter 'ordr'" "$SB" fit --dataset fourier:n=8 --algo faith-banzhaf:ordr=2 --budget 10
expect_fail "bad dataset family" "unknown family 'fourie'" "$SB" fit --dataset fourie:n=8 --algo exhaustive --budget 10
expect_fail "missing n" "'n' is required" "$SB" fit --dataset fourier:k=3 --algo exhaustive --budget 10
expect_fail "bad budget" "--budget" "$SB" fit --dataset fourier:n=8 --algo exhaustive --budget -3
expect_fail "exhaustive refuses n > 30" "n = 40 is too large" "$SB" fit --dataset fourier:n=40,k=3 --algo exhaustive --budget 100000
expect_fail "unknown command" "unknown command" "$SB" frobnicate
finish
