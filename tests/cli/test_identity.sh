#!/usr/bin/env bash
# Run identity (issue 13.1): a stored result is reused only if it is the same
# result, and a dataset is what its content is.
#  - changing heldout, heldout_distribution or save_spectra, replacing the data file
#    behind a `path =`, or a result stored by an older spexbench: the run is rerun,
#    and stderr says which and why (before: the old numbers were reused, exit 0);
#  - the same config run from another working directory, and a renamed copy of the
#    data file in another folder: the same seeds and the same R² (before: seeds
#    hashed the path as spelled);
#  - repetitions = 2: distinct seeds and results per repetition, one held-out set.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
# game FILE N SCALE: a full 2^N table as a trace (via a shapiq JSON game)
game() {
  python3 - "$1.json" "$2" "$3" <<'PY'
import json, sys
path, n, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = {}
for x in range(1 << n):
    s = [i for i in range(n) if x >> i & 1]
    v = scale * (len(s) + 0.7 * (0 in s and 1 in s) - 0.4 * (2 in s and 3 in s) + 0.1 * ((x * 7919) % 13))
    data[",".join(map(str, s)) if s else "Empty"] = v
json.dump({"metadata": {"n_players": n}, "data": data}, open(path, "w"))
PY
  "$SB" trace import "$1.json" -o "$1" --force >/dev/null 2>&1
}
mkdir -p "$TMP/exp/data" "$TMP/elsewhere"
game "$TMP/exp/data/g.sbt.gz" 6 1.0
cat > "$TMP/exp/c.ini" <<'INI'
[experiment]
name = ident
seed = 3
budgets = 24, 40
heldout = 300
[dataset g]
family = trace
path = data/g.sbt.gz
[algorithm fb]
algo = faith-banzhaf
[algorithm lasso]
degree = 1
INI
col() { # col CSV COLUMNS...: the given columns of every row, one row per line
  python3 - "$@" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(",".join(r[c] for c in sys.argv[2:]))
PY
}
run() { "$SB" run "$@" --jobs 2 --threads 1 >"$TMP/out" 2>"$TMP/err"; }
run "$TMP/exp/c.ini" --out "$TMP/r1" && ok "first run" || fail "first run: $(cat "$TMP/err")"
col "$TMP/r1/runs.csv" seed r2_heldout r2_exact > "$TMP/r1.cols"

# --- the same config from another working directory, spelled relatively
(cd "$TMP/exp" && "$SB" run c.ini --out ../r2 --jobs 1 --threads 1 >/dev/null 2>"$TMP/err2") \
  && ok "run from the config's directory" || fail "run from the config's directory: $(cat "$TMP/err2")"
col "$TMP/r2/runs.csv" seed r2_heldout r2_exact > "$TMP/r2.cols"
cmp -s "$TMP/r1.cols" "$TMP/r2.cols" && ok "another working directory: same seeds and R²" \
  || fail "another working directory changed the numbers: $(diff "$TMP/r1.cols" "$TMP/r2.cols" | head -4)"
# --- a renamed copy of the data file in another folder
cp "$TMP/exp/data/g.sbt.gz" "$TMP/elsewhere/renamed.sbt.gz"
sed "s|path = data/g.sbt.gz|path = $TMP/elsewhere/renamed.sbt.gz|" "$TMP/exp/c.ini" > "$TMP/elsewhere/c.ini"
run "$TMP/elsewhere/c.ini" --out "$TMP/r3" && ok "run on a renamed copy" || fail "renamed copy: $(cat "$TMP/err")"
col "$TMP/r3/runs.csv" seed r2_heldout r2_exact > "$TMP/r3.cols"
cmp -s "$TMP/r1.cols" "$TMP/r3.cols" && ok "renamed copy: same seeds and R²" \
  || fail "a renamed copy changed the numbers: $(diff "$TMP/r1.cols" "$TMP/r3.cols" | head -4)"

# --- stale stored results are rerun, with the reason
stale() { # name sed-expression reason-regex
  sed "$2" "$TMP/exp/c.ini" > "$TMP/exp/c2.ini"
  run "$TMP/exp/c2.ini" --out "$TMP/r1" || { fail "$1: exit $?: $(cat "$TMP/err")"; return; }
  if grep -Eq "4 stored results are not the same run and will be rerun \(e\.g\. .*: $3" "$TMP/err" \
     && ! grep -q "already done" "$TMP/err"; then ok "$1: all 4 runs rerun, reason given"
  else fail "$1: $(cat "$TMP/err")"; fi
  cp "$TMP/exp/c2.ini" "$TMP/exp/c.ini"
}
stale heldout 's/heldout = 300/heldout = 500/' "heldout changed from 300 to 500"
python3 - "$TMP/r1/runs" <<'PY' && ok "heldout: the stored results carry the new count" || fail "heldout: stored results not updated"
import glob, json, sys
js = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/*.json")]
assert len(js) == 4 and all(json.loads(j["identity"])["heldout"] == 500 for j in js), [j.get("identity") for j in js]
PY
stale heldout_distribution 's/heldout = 500/heldout = 500\nheldout_distribution = sizes/' \
  'heldout_dist changed from "uniform" to "sizes"'
game "$TMP/exp/data/g.sbt.gz" 6 2.0 # the data file replaced under the same path
stale data_replaced 's/seed = 3/seed = 3/' "the data file's content changed"
run "$TMP/exp/c.ini" --out "$TMP/r1" && grep -q "4 of 4 runs already done" "$TMP/err" \
  && ok "unchanged: all 4 reused" || fail "unchanged rerun: $(cat "$TMP/err")"
stale save_spectra 's/seed = 3/seed = 3\nsave_spectra = true/' "save_spectra is on and its spectrum is missing"
ls "$TMP/r1/runs/"*.spectrum.json >/dev/null 2>&1 && ok "save_spectra: spectra written" || fail "save_spectra: no spectra"
# a result stored by an older version (no identity) is not trusted
python3 - "$TMP/r1/runs" <<'PY'
import glob, json, sys
for p in glob.glob(sys.argv[1] + "/*.json"):
    if p.endswith(".spectrum.json"): continue
    j = json.load(open(p)); del j["identity"]; json.dump(j, open(p, "w"))
PY
stale older_result 's/seed = 3/seed = 3/' "it was stored before run identities"
# results made with the test-only fault switch are never reused for real ones, nor back
SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase run "$TMP/exp/c.ini" --out "$TMP/r1"
grep -q '4 stored results are not the same run.*fault_injection changed from (none) to "spex-no-chase"' "$TMP/err" \
  && ok "fault switch set: stored results rerun" || fail "fault switch set: $(cat "$TMP/err")"
run "$TMP/exp/c.ini" --out "$TMP/r1"
grep -q '4 stored results are not the same run.*fault_injection changed from "spex-no-chase" to (none)' "$TMP/err" \
  && ok "fault switch unset: the broken results rerun" || fail "fault switch unset: $(cat "$TMP/err")"
results_valid "$TMP/r1" "len(rows) == 4" "all(r['status'] == 'ok' for r in rows)" >/dev/null \
  && ok "after the reruns: 4 valid rows" || fail "after the reruns: invalid results"

# --- an external program edited under the same command: rerun (algo_content)
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -x /usr/bin/python3 ]; then
  cat > "$TMP/prog.py" <<EOF
import runpy, sys
sys.path.insert(0, "$SRC/python")
runpy.run_path("$SRC/examples/external/pairwise.py", run_name="__main__")
EOF
  cat > "$TMP/ext.ini" <<EOF
[experiment]
name = ext
budgets = 40
heldout = 300
[dataset d]
family = fourier
n = 8
k = 6
degree = 2
[algorithm prog]
algo = external
cmd = /usr/bin/python3 $TMP/prog.py
EOF
  run "$TMP/ext.ini" --out "$TMP/ext" && ok "external program: first run" || fail "external first run: $(cat "$TMP/err")"
  run "$TMP/ext.ini" --out "$TMP/ext" && grep -q "1 of 1 runs already done" "$TMP/err" \
    && ok "external program unchanged: reused" || fail "external unchanged: $(cat "$TMP/err")"
  echo "# edited" >> "$TMP/prog.py"
  run "$TMP/ext.ini" --out "$TMP/ext" && grep -q "1 stored result is not the same run.*algo_content changed" "$TMP/err" \
    && ok "external program edited: rerun, reason given" || fail "external edited: $(cat "$TMP/err")"
fi

# --- a dataset's keys in another order: the same dataset (spec, seeds, numbers)
keyorder() { # DIR KEYS...
  local d=$1; shift
  { printf '[experiment]\nname = ko\nbudgets = 40\nheldout = 200\n[dataset d]\nfamily = fourier\ninstances = 2\n'
    printf '%s\n' "$@"; printf '[algorithm faith-banzhaf]\n'; } > "$TMP/$d.ini"
  run "$TMP/$d.ini" --out "$TMP/$d" || fail "key order $d: $(cat "$TMP/err")"
  col "$TMP/$d/runs.csv" dataset_spec seed r2_heldout r2_exact > "$TMP/$d.cols"
}
keyorder ko1 "n = 8" "k = 5" "degree = 2, 3"
keyorder ko2 "degree = 2, 3" "k = 5" "n = 8"
[ -s "$TMP/ko1.cols" ] && cmp -s "$TMP/ko1.cols" "$TMP/ko2.cols" \
  && ok "dataset keys in another order: same specs, seeds and R²" \
  || fail "key order changed the dataset: $(diff "$TMP/ko1.cols" "$TMP/ko2.cols" | head -4)"

# --- repetitions: each repetition its own seed and numbers, one held-out set
cat > "$TMP/rep.ini" <<'INI'
[experiment]
name = rep
budgets = 40
repetitions = 3
heldout = 300
[dataset d]
family = fourier
n = 8
k = 6
degree = 2
snr_db = 10
[algorithm faith-banzhaf]
INI
run "$TMP/rep.ini" --out "$TMP/rep" && ok "repetitions = 3 runs" || fail "repetitions: $(cat "$TMP/err")"
python3 - "$TMP/rep" <<'PY' && ok "repetitions: distinct seeds and R², the same held-out seed" || fail "repetitions"
import csv, glob, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/runs.csv")))
assert sorted(r["repetition"] for r in rows) == ["0", "1", "2"], rows
assert len({r["seed"] for r in rows}) == 3 and len({r["r2_heldout"] for r in rows}) == 3, rows
ids = [json.loads(json.load(open(p))["identity"]) for p in glob.glob(sys.argv[1] + "/runs/*.json")]
assert len({i["heldout_seed"] for i in ids}) == 1 and len({i["design_seed"] for i in ids}) == 3, ids
PY
no_partial "$TMP" && ok "no temp files" || fail "temp files left"
finish
