#!/usr/bin/env bash
# Reports: REPORT.md after a run and from `spexbench report DIR` (the same text),
# runs.csv's header is the documented column table, fit --json has no key
# outside it, a failing gnuplot on --force leaves no old figure beside new CSVs,
# the results index lists every experiment, and `make demo` writes where git
# does not track.
source "$(dirname "$0")/lib.sh"
cat > "$TMP/c.ini" <<'INI'
[experiment]
name = rep
description = report test, with a | pipe
budgets = 16, 64
heldout = 200
[dataset d]
family = fourier
n = 6
k = 3
instances = 2
[algorithm exhaustive]
[algorithm fb2]
algo = faith-banzhaf
order = 2
[algorithm lime]
INI
OUT="$TMP/rep"
"$SB" run "$TMP/c.ini" --out "$OUT" --threads 1 >"$TMP/run.out" 2>"$TMP/run.err" \
  && ok "run" || fail "run: $(cat "$TMP/run.err")"
[ -s "$OUT/REPORT.md" ] && ok "REPORT.md written" || fail "no REPORT.md"
grep -q "^| exhaustive | skipped \[1\] | 1.000 \[1.000, 1.000\] |" "$OUT/REPORT.md" \
  && ok "REPORT.md: a skipped cell names its reason" || fail "REPORT.md cells: $(grep exhaustive "$OUT/REPORT.md")"
grep -q "| \[1\] | 2 | skipped: exhaustive: needs 2^6 = 64 queries, budget is 16 |" "$OUT/REPORT.md" \
  && ok "REPORT.md: reasons listed with counts" || fail "REPORT.md reasons: $(grep -A4 'Runs not ok' "$OUT/REPORT.md")"
grep -q "report test, with a | pipe" "$OUT/REPORT.md" && grep -q '!\[faithfulness' "$OUT/REPORT.md" \
  && ok "REPORT.md: description and figure" || fail "REPORT.md header"
grep -q "why runs are not ok" "$TMP/run.out" && ok "printed table lists reasons" || fail "no reasons in table"

# The same report rebuilt from runs.csv + context.json (what a committed folder keeps)
cp "$OUT/REPORT.md" "$TMP/REPORT.run.md"
"$SB" report "$OUT" 2>"$TMP/rep.err" && ok "report DIR" || fail "report DIR: $(cat "$TMP/rep.err")"
diff "$TMP/REPORT.run.md" "$OUT/REPORT.md" >"$TMP/diff" && ok "report DIR == REPORT.md of the run" \
  || fail "report DIR differs: $(head -20 "$TMP/diff")"
"$SB" report "$OUT" --print >"$TMP/print.md" 2>/dev/null && cmp -s "$TMP/print.md" "$OUT/REPORT.md" \
  && ok "report --print" || fail "report --print"
ls "$OUT" | grep -q '\.tmp\.' && fail "temporary files left" || ok "no temporary files"

# runs.csv header == the documented table; fit --json keys are documented columns
"$SB" report --columns >"$TMP/cols.md" && ok "report --columns" || fail "report --columns"
python3 - "$OUT/runs.csv" "$TMP/cols.md" "$OUT/summary.csv" <<'PY' && ok "CSV headers are the column tables" || fail "CSV headers differ from the tables"
import csv, re, sys
doc = open(sys.argv[2]).read()
runs_doc, summ_doc = doc.split("### summary.csv")
names = lambda t: re.findall(r"^\| `([^`]+)` \|", t, re.M)
assert next(csv.reader(open(sys.argv[1]))) == names(runs_doc), "runs.csv"
assert next(csv.reader(open(sys.argv[3]))) == names(summ_doc), "summary.csv"
rows = list(csv.DictReader(open(sys.argv[3])))
skipped = [r for r in rows if r["count_ok"] == "0"]
assert skipped and all(r["note"].startswith("skipped: ") for r in skipped), skipped
PY
out=$("$SB" fit --dataset fourier:n=6,k=3,seed=1 --algo lime --budget 32 --heldout 100 --json 2>&1)
python3 -c "
import json, re, sys
j = json.loads(sys.argv[1]); doc = open(sys.argv[2]).read()
cols = set(re.findall(r'^\| \`([^\`]+)\` \|', doc, re.M))
extra = set(j) - cols
assert not extra, extra
assert j['master_seed'] == 1 and j['status'] == 'ok' and j['phases']['design'] >= 0, j
" "$out" "$TMP/cols.md" && ok "fit --json keys are documented columns" || fail "fit --json: $out"

# gnuplot fails on a --force rerun: exit 0 with a warning, no old figure left
mkdir -p "$TMP/badbin"
printf '#!/bin/sh\necho "broken gnuplot" >&2\nexit 1\n' >"$TMP/badbin/gnuplot"
chmod +x "$TMP/badbin/gnuplot"
[ -s "$OUT/faithfulness.svg" ] && [ -s "$OUT/faithfulness.png" ] && ok "figures drawn" || fail "no figures"
PATH="$TMP/badbin:$PATH" "$SB" run "$TMP/c.ini" --out "$OUT" --threads 1 --force --quiet \
  >/dev/null 2>"$TMP/force.err" && ok "--force with a failing gnuplot exits 0" || fail "--force: $(cat "$TMP/force.err")"
grep -q "gnuplot failed" "$TMP/force.err" && ok "warning names gnuplot" || fail "no warning: $(cat "$TMP/force.err")"
[ ! -e "$OUT/faithfulness.png" ] && [ ! -e "$OUT/faithfulness.svg" ] \
  && ok "old figures removed" || fail "old figures left beside new CSVs"
grep -q "No figure: gnuplot failed" "$OUT/REPORT.md" && ok "REPORT.md says there is no figure" || fail "REPORT.md figure line"
grep -q "broken gnuplot" "$OUT/gnuplot.log" && ok "gnuplot.log kept" || fail "no gnuplot.log"
"$SB" report "$OUT" --figures 2>/dev/null && [ -s "$OUT/faithfulness.svg" ] && [ ! -e "$OUT/gnuplot.log" ] \
  && ok "report --figures redraws" || fail "report --figures"
grep -q "<text" "$OUT/faithfulness.svg" && ok "SVG text stays text" || fail "SVG without text elements"

# bad input: not a results folder, a broken runs.csv
expect_fail report_no_context "$TMP/none/context.json" "$SB" report "$TMP/none"
cp -r "$OUT" "$TMP/broken"
printf 'x,y\n' >>"$TMP/broken/runs.csv"
expect_fail report_bad_row "broken/runs.csv: row [0-9]+: 2 fields, the header has" "$SB" report "$TMP/broken"
expect_fail report_usage "usage: spexbench report" "$SB" report

# a stored result with a key of the wrong type: a failed row saying so, never a crash
cp -r "$OUT" "$TMP/typed"
f=$(ls "$TMP/typed/runs/"*.json | head -1)
python3 -c "
import json, sys; j = json.load(open(sys.argv[1])); j['budget'] = 'many'; json.dump(j, open(sys.argv[1], 'w'))" "$f"
"$SB" run "$TMP/c.ini" --out "$TMP/typed" --threads 1 --quiet 2>/dev/null \
  && grep -q "stored result unreadable: .*key 'budget': expected an integer" "$TMP/typed/runs.csv" \
  && ok "unreadable stored result is a failed row" || fail "typed: $(grep -c failed "$TMP/typed/runs.csv")"

# the index: every experiment folder, prose kept
mkdir -p "$TMP/idx"
cp -r "$OUT" "$TMP/idx/one" && cp -r "$OUT" "$TMP/idx/two"
printf '# results\n\nProse.\n' >"$TMP/idx/README.md"
"$SB" report --index "$TMP/idx" 2>/dev/null && grep -q "^Prose.$" "$TMP/idx/README.md" \
  && grep -q "^| \[one\](one/) | report test, with a \\\\| pipe | 12 (10 ok, 2 skipped, 0 failed)" "$TMP/idx/README.md" \
  && grep -q "^| \[two\](two/)" "$TMP/idx/README.md" && ok "report --index" || fail "report --index: $(cat "$TMP/idx/README.md")"

# the committed index lists every committed experiment
missing=""
for d in "$SB_SOURCE_DIR"/results/*/; do
  name=$(basename "$d")
  [ -e "$d/context.json" ] || continue
  grep -q "(${name}/)" "$SB_SOURCE_DIR/results/README.md" || missing="$missing $name"
done
[ -z "$missing" ] && ok "results/README.md lists every experiment" \
  || fail "results/README.md lacks:$missing (run: spexbench report --index results)"

# make demo writes where git does not track
grep -qE '^\s*@\$\(BUILD\)/spexbench run configs/quickstart.ini --out out/quickstart' "$SB_SOURCE_DIR/Makefile" \
  && ok "make demo writes out/quickstart" || fail "make demo target"
if git -C "$SB_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$SB_SOURCE_DIR" check-ignore -q out/quickstart/runs.csv \
    && ok "out/quickstart is ignored by git" || fail "out/quickstart is not ignored"
fi
finish
