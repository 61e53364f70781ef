#!/usr/bin/env bash
# Bad configs beyond test_config_errors.sh: every error exits non-zero, names
# FILE:LINE (or FILE when the whole file is wrong) and creates no results at all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
base='[experiment]
name = t
budgets = 64
heldout = 0
[dataset d]
family = fourier
n = 6
k = 3
[algorithm exhaustive]
'
check() { # name pattern config-text
  printf '%s' "$3" > "$TMP/c.ini"
  expect_fail "$1" "$2" "$SB" run "$TMP/c.ini" --out "$TMP/out-$1"
  [ -e "$TMP/out-$1" ] && fail "$1: created $TMP/out-$1" || true
}
# --- unknown sections and keys
check unknown_family_key "c.ini:8: unknown key 'kk' for dataset family fourier" "${base/k = 3/kk = 3}"
check unknown_family "c.ini:6: unknown dataset family 'fourierr' \(available: fourier" "${base/family = fourier/family = fourierr}"
check key_before_section "c.ini:1: 'x' appears before any \[section\]" "x = 1
$base"
check section_typo "c.ini:10: unknown section \[algorithms x\]" "$base[algorithms x]
"
check no_experiment "c.ini: missing \[experiment\] section" "[dataset d]
family = fourier
n = 4
"
check no_algorithm "c.ini: no \[algorithm LABEL\]" "${base/\[algorithm exhaustive\]/}"
check dataset_without_family "c.ini:5: \[dataset d\] needs 'family" "${base/family = fourier/}"
check dataset_missing_param "c.ini:5: \[dataset d\] needs 'n'" "${base/n = 6/}"
# --- dataset values the family rejects: a config error naming the section and the value
check dataset_n_zero "c.ini:5: \[dataset d\] n = 0: expected 1..1048576" "${base/n = 6/n = 0}"
check dataset_grid_value "c.ini:5: \[dataset d\] k = 99 exceeds the 62 sets of size 1..5" "${base/k = 3/k = 3, 99}"
check dataset_hier_rho "c.ini:5: \[dataset d\] rho = 2: expected \(0, 1\]" "${base/fourier/hierarchical
rho = 2}"
cbase=${base/k = 3/cmd = true}
check dataset_command_timeout "c.ini:5: \[dataset d\] dataset command: start_timeout must be >= 0" "${cbase/fourier/command
start_timeout = -1}"
# --- bad numbers (each names the key and the line)
check seed_negative "c.ini:3: seed = '-1': expected an integer >= 0" "${base/name = t/name = t
seed = -1}"
check seed_overflow "c.ini:3: seed = '99999999999999999999999'" "${base/name = t/name = t
seed = 99999999999999999999999}"
check repetitions_zero "c.ini:3: repetitions = '0'" "${base/name = t/name = t
repetitions = 0}"
check heldout_one "c.ini:4: heldout = '1': expected 0 \(none\) or an integer >= 2" "${base/heldout = 0/heldout = 1}"
check budget_zero "c.ini:3: budgets: '0' is not a positive integer" "${base/budgets = 64/budgets = 0}"
check budget_float "c.ini:3: budgets: '6.5' is not a positive integer" "${base/budgets = 64/budgets = 6.5}"
check budget_hex "c.ini:3: budgets: '0x40' is not a positive integer" "${base/budgets = 64/budgets = 0x40}"
check instances_zero "c.ini:9: instances = '0'" "${base/k = 3/k = 3
instances = 0}"
check double_param "c.ini:9: .*amp_min = 'abc'" "${base/k = 3/k = 3
amp_min = abc}"
check algo_param_type "c.ini:12: .*order = '1.5'" "$base[algorithm fb]
algo = faith-banzhaf
order = 1.5
"
check bool_param "c.ini:3: save_spectra = 'maybe'" "${base/name = t/name = t
save_spectra = maybe}"
check bad_enum "c.ini:3: heldout_distribution = 'normal'" "${base/name = t/name = t
heldout_distribution = normal}"
check bad_name "c.ini:2: name = 'a/b'" "${base/name = t/name = a\/b}"
# --- empty grids
check empty_budgets "c.ini:3: 'budgets' has an empty value" "${base/budgets = 64/budgets =}"
check empty_grid_lead "c.ini:7: 'n' has an empty value" "${base/n = 6/n = , 6}"
check empty_grid_algo "c.ini:12: 'order' has an empty value" "$base[algorithm fb]
algo = faith-banzhaf
order = 1,,2
"
# --- duplicates
check duplicate_experiment_key "c.ini:4: key 'budgets' repeats the one at line 3" "${base/budgets = 64/budgets = 64
budgets = 128}"
check duplicate_algo_key "c.ini:13: key 'order' repeats the one at line 12" "$base[algorithm fb]
algo = faith-banzhaf
order = 1
order = 2
"
check duplicate_algo_section "c.ini:10: section \[algorithm exhaustive\] repeats the one at line 9" "$base[algorithm   exhaustive]
"
# --- grids that expand beyond SB_CONFIG_MAX_RUNS (an OOM kill before the limit)
check too_many_runs "c.ini: the config expands to more than 1000000 runs" "${base/name = t/name = t
repetitions = 100000}
[dataset e]
family = fourier
n = 4
k = 1
instances = 100000
"
check too_many_instances "c.ini:5: \[dataset d\] expands to more than 1000000 dataset instances" "${base/k = 3/k = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
instances = 100000}"
# --- repeated grid values and repeated runs (issue 13.1: counted twice before)
check repeated_budget "c.ini:3: budgets: 64 is listed twice" "${base/budgets = 64/budgets = 64, 128, 64}"
check repeated_seed "c.ini:9: 'seed' lists 5 twice" "${base/k = 3/k = 3
seed = 5, 5}"
check repeated_param "c.ini:12: 'order' lists 01 twice" "$base[algorithm fb]
algo = faith-banzhaf
order = 1, 01
"
check repeated_algorithm "c.ini:12: \[algorithm fb2\] repeats \[algorithm fb\] \(line 10\)" "$base[algorithm fb]
algo = faith-banzhaf
[algorithm fb2]
algo = faith-banzhaf
"
check repeated_dataset "c.ini:12: \[dataset e\] repeats the dataset fourier:n=6,k=3,seed=4" "${base/k = 3/k = 3
seed = 4}
[dataset e]
family = fourier
n = 6
k = 3
seed = 4
"
# --- names that would write outside results/<name>/ (issue 13.2)
check name_dotdot "c.ini:2: name = '..': it must start with a letter or a digit" "${base/name = t/name = ..}"
check name_dot "c.ini:2: name = '.'" "${base/name = t/name = .}"
check name_empty "c.ini:2: name = '': it is empty" "${base/name = t/name =}"
check name_control "c.ini:2: name = 'a\?b': it contains a control character" "${base/name = t/name = a$'\x01'b}"
printf '%s' "${base/name = t
/}" > "$TMP/my exp.ini"
expect_fail name_from_file "my exp.ini: the experiment name taken from the file name = 'my exp'" \
  "$SB" run "$TMP/my exp.ini" --out "$TMP/out-myexp"
# --- numbers at the edge (issue 13.4)
check budget_2_64 "c.ini:3: budgets: '18446744073709551616' is out of range" "${base/budgets = 64/budgets = 18446744073709551616}"
check heldout_memory "c.ini:4: heldout = '4294967295': held-out set of 4294967295 masks .* more than this machine's" "${base/heldout = 0/heldout = 4294967295}"
check dataset_seed_negative "c.ini:9: .*seed = '-1': expected an integer in 0\.\." "${base/k = 3/k = 3
seed = -1}"
# --- INI text (issue 13.5): a BOM is accepted; lines have no length limit
printf '\xef\xbb\xbf%s' "$base" > "$TMP/bom.ini"
"$SB" run "$TMP/bom.ini" --out "$TMP/out-bom" --quiet 2>"$TMP/err" && ok "bom: a UTF-8 byte-order mark is accepted" || fail "bom: $(cat "$TMP/err")"
long=$(seq -s ', ' 1 70)
printf '%s' "${base/budgets = 64/budgets = $long}" > "$TMP/long.ini"
"$SB" run "$TMP/long.ini" --out "$TMP/out-long" --quiet 2>"$TMP/err" \
  && [ "$(($(wc -l < "$TMP/out-long/runs.csv") - 1))" -eq 70 ] && ok "long_line: all 70 budgets of a ${#long}-byte line" \
  || fail "long_line: $(cat "$TMP/err"; head -c 200 "$TMP/out-long/runs.csv" 2>/dev/null)"
check param_comma "c.ini:7: cmd = 'a,b': a parameter value cannot contain a comma" "${base/family = fourier
n = 6
k = 3/family = command
cmd = a\\,b
n = 3}"
# --- data paths (issues 13.3, 13.5): never read a FIFO, device or directory;
# a comma inside a file name is written '\,'
python3 - "$TMP/g.json" <<'PY'
import json, sys
data = {",".join(str(i) for i in range(3) if x >> i & 1) or "Empty": float(x) for x in range(8)}
json.dump({"metadata": {"n_players": 3}, "data": data}, open(sys.argv[1], "w"))
PY
"$SB" trace import "$TMP/g.json" -o "$TMP/x,y.sbt.gz" >/dev/null 2>&1
tbase=${base/family = fourier
n = 6
k = 3/family = trace}
printf '%s' "${tbase/trace/trace
path = x\\,y.sbt.gz}" > "$TMP/comma.ini"
"$SB" run "$TMP/comma.ini" --out "$TMP/out-comma" --quiet 2>"$TMP/err" && ok "comma_escape: path = x\\,y.sbt.gz reads x,y.sbt.gz" || fail "comma_escape: $(cat "$TMP/err")"
check comma_unescaped "c.ini:7: path 'x' matches no file .*write '\\\\,' for a comma inside a file name" "${tbase/trace/trace
path = x,y.sbt.gz}"
mkfifo "$TMP/pipe.sbt.gz"; mkdir "$TMP/folder.sbt.gz"
printf '%s' "${tbase/trace/trace
path = pipe.sbt.gz}" > "$TMP/c.ini"
expect_fail data_fifo "c.ini:7: .*pipe.sbt.gz: is a FIFO \(named pipe\), not a regular file" timeout 20 "$SB" run "$TMP/c.ini" --out "$TMP/out-fifo"
check data_directory "c.ini:7: .*folder.sbt.gz: is a directory, not a regular file" "${tbase/trace/trace
path = folder.sbt.gz}"
check data_device "c.ini:7: /dev/null: is a character device, not a regular file" "${tbase/trace/trace
path = /dev/null}"
cbase=${base/k = 3/cmd = true}
check live_trace_dev_null "c.ini:5: \[dataset d\] dataset command: trace = /dev/null: is a character device, not a regular file" "${cbase/fourier/command
trace = /dev/null}"
# --- not a text config
printf '[experiment]\nname = t\0\nbudgets = 64\n' > "$TMP/nul.ini"
expect_fail nul_byte "nul.ini: contains a NUL byte" "$SB" run "$TMP/nul.ini" --out "$TMP/out-nul"
expect_fail config_is_directory "$TMP: cannot read: is a directory" "$SB" run "$TMP" --out "$TMP/out-dir"
[ -e "$TMP/out-nul" ] || [ -e "$TMP/out-dir" ] && fail "wrote results for an unreadable config" || ok "no results for unreadable configs"
# --- missing dataset files: only with a file-backed family (npz, trace)
fam=$("$SB" list 2>/dev/null | grep -Eo '^ *(npz|trace)\b' | head -1 | tr -d ' ' || true)
if [ -n "$fam" ]; then
  check missing_dataset_file "c.ini:7: path 'nope/\*.$fam' matches no file" "${base/family = fourier
n = 6
k = 3/family = $fam
path = nope/*.$fam}"
else
  echo "skip - missing_dataset_file: no file-backed dataset family (npz/trace) in this build yet"
fi
finish
