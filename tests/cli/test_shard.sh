#!/usr/bin/env bash
# Shards and merge on a small grid (runs in the Release and the sanitizer passes;
# the quickstart-size check is test_quickstart_shards.sh):
#  - --shard argument errors; --shard under a multi-rank mpirun refused;
#  - three slices are disjoint, cover the grid and are balanced per algorithm x budget;
#  - their merge (folders in any order) equals a serial run apart from timings
#    (runs.csv and summary.csv), and a rerun of a slice reuses all it stored;
#  - merge refuses, writing nothing: a missing slice or run (named), another config,
#    the same config text over other data, another N, a slice twice, another commit,
#    a folder that is not a slice, --out equal to a slice; --partial writes what is there.
source "$(dirname "$0")/lib.sh"
cat >"$TMP/c.ini" <<'INI'
[experiment]
name = shards
seed = 5
budgets = 64, 256
heldout = 500
[dataset f]
family = fourier
n = 8
k = 5
degree = 2
instances = 3
[dataset h]
family = hierarchical
n = 10
k = 3
degree = 2
instances = 2
[algorithm lasso]
degree = 2
[algorithm banzhaf]
[algorithm kernelshap]
INI
cd "$TMP"
# ---- arguments
expect_fail shard_zero "--shard '0/3': expected I/N" "$SB" run c.ini --shard 0/3 --out s
expect_fail shard_past "--shard '4/3': shard 4 of 3 does not exist" "$SB" run c.ini --shard 4/3 --out s
expect_fail shard_noslash "--shard '3': expected I/N" "$SB" run c.ini --shard 3 --out s
expect_fail shard_words "--shard 'a/b': expected I/N" "$SB" run c.ini --shard a/b --out s
expect_fail shard_n0 "--shard '1/0': expected I/N" "$SB" run c.ini --shard 1/0 --out s
expect_fail shard_big "--shard '1/100001': expected I/N" "$SB" run c.ini --shard 1/100001 --out s
expect_fail shard_neg "--shard '-1/3': expected I/N" "$SB" run c.ini --shard -1/3 --out s
expect_fail shard_no_out "--shard 1/3 needs --out DIR" "$SB" run c.ini --shard 1/3
expect_fail shard_mpirun "--shard and mpirun do not combine" env OMPI_COMM_WORLD_SIZE=3 "$SB" run c.ini --shard 1/3 --out s
expect_fail rank_timeout_alone "--rank-timeout applies under mpirun only" "$SB" run c.ini --rank-timeout 5
if grep -q '^SPEXBENCH_MPI:BOOL=ON' "$SB_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
  echo "# (an MPI build: mpirun itself is tested in tests/mpi/)"
else
  expect_fail mpirun_without_mpi "started by mpirun with 3 ranks, but this spexbench was built without MPI" \
    env OMPI_COMM_WORLD_SIZE=3 "$SB" run c.ini --out s
fi
[ ! -e s ] && ok "no folder written by a refused command" || fail "a refused command wrote s/"

# ---- serial, three slices, merge
"$SB" run c.ini --out serial --jobs 2 --quiet 2>err.txt && ok "serial run" || fail "serial: $(cat err.txt)"
for i in 1 2 3; do
  "$SB" run c.ini --shard $i/3 --out s$i --jobs 2 >s$i.out 2>s$i.err && ok "shard $i/3" || fail "shard $i/3: $(cat s$i.err)"
done
grep -q "shard 2/3: 10 of the 30 runs of 'shards'" s2.err && ok "shard says its slice" || fail "shard message: $(cat s2.err)"
python3 - <<'PY' && ok "slices disjoint, complete, balanced per algorithm x budget" || fail "slices wrong"
import csv, json, collections
grid = [r["id"] for r in csv.DictReader(open("serial/runs.csv"))]
seen = {}
for i in (1, 2, 3):
    j = json.load(open("s%d/shard.json" % i))
    assert j["shard"] == i and j["shards"] == 3 and j["grid_runs"] == 30 and j["shard_runs"] == [10, 10, 10], j
    rows = list(csv.DictReader(open("s%d/runs.csv" % i)))
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in j["runs"]), i
    for e in j["runs"]:
        assert e["id"] not in seen and grid[e["index"]] == e["id"], e
        seen[e["id"]] = i
assert sorted(seen) == sorted(grid)
strata = collections.defaultdict(collections.Counter)
for r in csv.DictReader(open("serial/runs.csv")):
    strata[(r["label"], r["budget"])][seen[r["id"]]] += 1
for k, c in strata.items():  # 5 datasets per stratum over 3 shards: 2/2/1 in some order
    assert max(c.values()) - min(c[s] for s in (1, 2, 3)) <= 1, (k, c)
PY
grep -q "shard 1 of 3 (10 of the 30 runs" s1/context.json && ok "a slice's own report says it is a slice" || fail "slice context.json"
"$SB" merge s3 s1 s2 --out merged >merge.out 2>merge.err && ok "merge" || fail "merge: $(cat merge.err)"
grep -q "merging 3 shard folders of 'shards': 30 of 30 runs into merged" merge.err && ok "merge message" || fail "merge message: $(cat merge.err)"
grep -q "held-out R²" merge.out && ok "merge prints the summary table" || fail "no table"
# same_rows A B FILE: the non-timing columns of FILE equal, row for row
same_rows() {
  python3 - "$1/$3" "$2/$3" <<'PY'
import csv, sys
def rows(p):
    with open(p) as f:
        return [{k: v for k, v in r.items() if not k.endswith("_s") and not k.startswith("wall_s")
                 and not k.startswith("cpu_s") and k != "phases"} for r in csv.DictReader(f)]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert len(a) == len(b) > 0, (len(a), len(b))
bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
assert not bad, [(a[i], b[i]) for i in bad[:1]]
PY
}
for f in runs.csv summary.csv; do
  out=$(same_rows serial merged $f 2>&1) && ok "merged $f == serial $f (timings aside)" || fail "merged $f differs: $out"
done
for f in context.json REPORT.md faithfulness.svg faithfulness.png; do
  [ -s merged/$f ] && ok "merged $f written" || fail "merged $f missing"
done
[ "$(ls merged/runs/*.json | wc -l)" -eq 30 ] && ok "every per-run result copied" || fail "merged/runs: $(ls merged/runs | wc -l) files"
[ ! -e merged/shard.json ] && ok "the merged folder is not a slice" || fail "shard.json copied"
python3 -c "import json,sys; c=json.load(open('merged/context.json')); assert c['runs']==30 and c['description']=='' and 'shard' not in c['description']" \
  && ok "merged context.json is the whole grid's" || fail "merged context.json"
"$SB" run c.ini --out merged --jobs 2 >/dev/null 2>rerun.err && grep -q "30 of 30 runs already done" rerun.err \
  && ok "a serial rerun over the merged folder reuses every result" || fail "rerun over merged: $(cat rerun.err)"
"$SB" run c.ini --shard 2/3 --out s2 >/dev/null 2>re2.err && grep -q "10 of 10 runs already done" re2.err \
  && ok "a shard's rerun reuses its stored runs" || fail "shard rerun: $(cat re2.err)"

# ---- refusals (nothing written) and --partial
refuse() { # NAME PATTERN MERGE-ARGS...
  local name=$1 pat=$2; shift 2
  rm -rf mout # (not "out": lib.sh's expect_fail keeps stdout in $TMP/out)
  expect_fail "$name" "$pat" "$SB" merge "$@" --out mout
  [ ! -e mout ] || fail "$name: wrote mout/"
}
refuse missing_shard "10 of the 30 runs are missing: shard 2/3 \(10 runs\) is not among the folders" s1 s3
cp -r s2 s2x
victim=$(python3 -c "import json; print(json.load(open('s2x/shard.json'))['runs'][4]['id'])")
rm s2x/runs/$victim.json
refuse missing_run "1 of the 30 runs are missing: $victim \(shard 2, in s2x\): no result stored;.*--shard I/N" s1 s2x s3
refuse not_a_shard "serial: no shard.json: not a folder written by" s1 s2 s3 serial
cp -r s1 s1b
refuse twice "s1 and s1b are both shard 1/3" s1 s1b s2 s3
sed 's/^seed = 5/seed = 6/' c.ini > c6.ini
"$SB" run c6.ini --shard 3/3 --out o3 --quiet 2>/dev/null
refuse other_config "s1 and o3 are shards of different configs" s1 s2 o3
"$SB" run c.ini --shard 2/2 --out n2 --quiet 2>/dev/null
refuse other_count "s1 is shard 1/3 and n2 is shard 2/2" s1 n2
python3 - <<'PY'
import json, shutil
shutil.copytree("s3", "s3c")
j = json.load(open("s3c/shard.json")); j["commit"] = "0123456789abcdef0123456789abcdef01234567"
json.dump(j, open("s3c/shard.json", "w"))
PY
refuse other_commit "s1 was run by commit .* and s3c by commit 0123456789ab" s1 s2 s3c
python3 - <<'PY'
import json
j = json.load(open("s3c/shard.json")); j["format"] = 2
json.dump(j, open("s3c/shard.json", "w"))
PY
refuse other_format "s3c/shard.json: format 2 \(this spexbench reads format 1\)" s1 s2 s3c
echo '{"format": 1' > s3c/shard.json
refuse bad_json "s3c/shard.json:" s1 s2 s3c
# a stored result that is not the run its shard.json lists (another identity): missing, with why
cp -r s1 s1i
python3 - <<'PY'
import json
j = json.load(open("s1i/shard.json")); e = j["runs"][0]
r = json.load(open("s1i/runs/%s.json" % e["id"])); r["identity"] = r["identity"].replace('"budget":', '"budget":1')
json.dump(r, open("s1i/runs/%s.json" % e["id"], "w"))
PY
refuse changed_result "1 of the 30 runs are missing: .*budget changed" s1i s2 s3
expect_fail out_is_input "--out s1 is the shard folder s1" "$SB" merge s1 s2 s3 --out s1
expect_fail merge_no_dirs "missing DIR" "$SB" merge --out mout
expect_fail merge_no_out "missing --out OUT" "$SB" merge s1 s2 s3
# the same config text over other data (a trace file next to each copy of the config)
mkdir -p da db
python3 - <<'PY'
import gzip, zlib
for d, scale in (("da", 1.0), ("db", 2.0)):
    recs = [(format(x, "04b")[::-1], "%.17g" % (scale * bin(x).count("1") + 0.5 * (x & 1))) for x in range(16)]
    body = "".join("r %s %s\n" % r for r in recs)
    body += "batch %d %d %08x\n" % (len(recs), len(recs), zlib.crc32(body.encode()))
    open(d + "/t.sbt.gz", "wb").write(gzip.compress(b'SBTRACE 1\nheader {"n": 4}\n') + gzip.compress(body.encode()))
    open(d + "/c.ini", "w").write("[experiment]\nname = data\nbudgets = 8\nheldout = 50\n"
                                  "[dataset t]\nfamily = trace\npath = t.sbt.gz\n[algorithm banzhaf]\n[algorithm lasso]\n")
PY
"$SB" run da/c.ini --shard 1/2 --out ta --quiet 2>/dev/null && "$SB" run db/c.ini --shard 2/2 --out tb --quiet 2>/dev/null \
  && ok "slices of one config text over two data files" || fail "data slices did not run"
refuse other_data "ta and tb ran the same config text over different runs" ta tb
# --partial: what is there, the missing named on stderr
rm -rf part
"$SB" merge s1 s3 --out part --partial --quiet 2>part.err && ok "--partial exits 0" || fail "--partial: $(cat part.err)"
grep -q "merge --partial: 10 of the 30 runs are missing: shard 2/3" part.err && ok "--partial names the missing slice" || fail "--partial message: $(cat part.err)"
[ "$(($(wc -l < part/runs.csv) - 1))" -eq 20 ] && ok "--partial: 20 rows" || fail "--partial: $(wc -l < part/runs.csv) lines"
finish
