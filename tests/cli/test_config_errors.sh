#!/usr/bin/env bash
# Bad configs: non-zero exit, FILE:LINE in the message, no results written.
source "$(dirname "$0")/lib.sh"
base='[experiment]
name = t
budgets = 64
[dataset d]
family = fourier
n = 6
k = 3
[algorithm exhaustive]
'
check() { # name pattern config-text
  printf '%s' "$3" > "$TMP/c.ini"
  expect_fail "$1" "$2" "$SB" run "$TMP/c.ini" --out "$TMP/out-$1"
  [ -e "$TMP/out-$1/runs.csv" ] && fail "$1: wrote results" || true
}
printf '%s' "$base" > "$TMP/good.ini"
"$SB" run "$TMP/good.ini" --out "$TMP/good" --quiet && ok "baseline config runs" || fail "baseline config"
check unknown_section "c.ini:9: unknown section \[bogus\]" "$base[bogus]
x = 1
"
check unknown_key "c.ini:3: unknown key 'budgetz'" "[experiment]
name = t
budgetz = 64
"
check bad_number "c.ini:7: .*k = 'three': expected an integer" "${base/k = 3/k = three}"
check empty_grid "c.ini:6: 'n' has an empty value" "${base/n = 6/n = 6, }"
check duplicate_key "c.ini:8: key 'k' repeats the one at line 7" "${base/k = 3/k = 3
k = 4}"
check duplicate_section "c.ini:9: section \[dataset d\] repeats" "$base[dataset d]
family = soum
"
check bad_algo_param "c.ini:11: unknown key 'ordr'" "$base[algorithm fb]
algo = faith-banzhaf
ordr = 2
"
check unknown_algo "c.ini:9: unknown algorithm 'fb'" "$base[algorithm fb]
"
check missing_budgets "needs 'budgets" "${base/budgets = 64/seed = 3}"
check bad_budget "c.ini:3: budgets: 'x' is not a positive integer" "${base/budgets = 64/budgets = 64, x}"
check syntax "c.ini:4: syntax error" "[experiment]
name = t
budgets = 64
this line has no equals sign
"
check no_dataset "no \[dataset LABEL\]" "[experiment]
budgets = 64
[algorithm exhaustive]
"
expect_fail "missing config file" "nonexistent.ini: cannot open" "$SB" run "$TMP/nonexistent.ini"
finish
