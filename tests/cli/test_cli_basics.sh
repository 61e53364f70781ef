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
# --- one option parser for every command (issue 15.6): uniform messages, overflow
#     checks (before: --budget 2^64+1 was silently saturated and accepted)
F="fit --dataset fourier:n=4,k=2 --algo exhaustive"
expect_fail opt_budget_2_64 "spexbench fit: --budget '18446744073709551617': out of range \(expected an integer in 1\.\.18446744073709551615\)" "$SB" $F --budget 18446744073709551617
expect_fail opt_budget_zero "spexbench fit: --budget '0': out of range" "$SB" $F --budget 0
expect_fail opt_seed_negative "spexbench fit: --seed '-1': expected an integer in 0\.\.18446744073709551615" "$SB" $F --budget 16 --seed -1
expect_fail opt_seed_hex "spexbench fit: --seed '0x10': expected an integer" "$SB" $F --budget 16 --seed 0x10
expect_fail opt_heldout_one "spexbench fit: --heldout '1': out of range \(expected 0 or an integer in 2\.\." "$SB" $F --budget 16 --heldout 1
expect_fail opt_heldout_huge "spexbench fit: --heldout '99999999999': out of range" "$SB" $F --budget 16 --heldout 99999999999
expect_fail opt_jobs_zero "spexbench run: --jobs '0': out of range \(expected an integer in 1\.\.256\)" "$SB" run x.ini --jobs 0
expect_fail opt_threads_text "spexbench run: --threads 'many': expected an integer in 1\.\.256" "$SB" run x.ini --threads many
expect_fail opt_records_negative "spexbench trace verify: --records '-1': expected an integer" "$SB" trace verify x.sbt.gz --records -1
expect_fail opt_batch_zero "spexbench trace import: --batch '0': out of range" "$SB" trace import x.npz -o y.sbt.gz --batch 0
expect_fail opt_unknown "spexbench fit: unknown option '--bugdet'" "$SB" $F --bugdet 16
grep -q "(see spexbench fit --help)" "$TMP/err" && ok "opt_unknown: points to --help" || fail "opt_unknown: no --help pointer"
expect_fail opt_missing_value "spexbench fit: --budget needs a value \(N\)" "$SB" $F --budget
expect_fail opt_missing_required "spexbench fit: missing --budget N" "$SB" $F
expect_fail opt_bad_choice "spexbench trace export: --format 'xml': expected one of csv\|npz\|json" "$SB" trace export x.sbt.gz -o y --format xml
"$SB" $F --budget=16 --heldout=0 --json >/dev/null && ok "opt_equals: --budget=16 form" || fail "opt_equals"
"$SB" run --help > "$TMP/help"
grep -q -- "-j, --jobs N" "$TMP/help" && grep -q "default: the number of online cores" "$TMP/help" \
  && ok "run --help generated from the table" || fail "run --help"
cat > "$TMP/tiny.ini" <<'INI'
[experiment]
name = tiny
budgets = 16
heldout = 0
[dataset d]
family = fourier
n = 4
k = 2
[algorithm exhaustive]
INI
"$SB" run "$TMP/tiny.ini" --out "$TMP/tiny" 2>&1 >/dev/null | grep -q "1 runs, $(nproc) job" \
  && ok "--jobs defaults to the $(nproc) online cores" || fail "--jobs default"
expect_fail "unknown command" "unknown command" "$SB" frobnicate
finish
