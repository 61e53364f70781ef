# The `external` algorithm end to end (docs/EXTERNAL.md): the two worked examples
# run through `spexbench run` beside spex on a synthetic dataset; a Python
# re-implementation of faith-banzhaf:order=1 on the built-in's masks gives its R²;
# and misbehaving programs are failed rows, never a hung sweep or a leftover process.
source "$(dirname "$0")/lib.sh"
SRC="${SB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
PY=/usr/bin/python3 # Debian's python3, not a pyenv one on PATH
if [ ! -x "$PY" ]; then echo "skip: $PY not found"; exit 0; fi

# ---- 1. the examples beside spex -----------------------------------------------
cat >"$TMP/ext.ini" <<EOF
[experiment]
name = external-demo
seed = 7
budgets = 400, 1200
heldout = 2000

[dataset fourier-n12]
family = fourier
n = 12
k = 10
degree = 2
instances = 1

[algorithm spex]

[algorithm pairwise]
algo = external
cmd = $PY $SRC/examples/external/pairwise.py
name = pairwise
ridge = 1e-9

[algorithm adaptive]
algo = external
cmd = $PY $SRC/examples/external/adaptive.py
EOF
if "$SB" run "$TMP/ext.ini" --out "$TMP/ext" --jobs 2 --threads 1 --quiet 2>"$TMP/err"; then
  ok "sweep with external algorithms runs"
else
  fail "sweep: $(cat "$TMP/err")"
fi
if "$PY" - "$TMP/ext/runs" <<'PY'
import glob, json, sys
rows = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/*.json")]
assert len(rows) == 6, len(rows)
seen = set()
for r in rows:
    lab = r["label"]
    seen.add(lab)
    assert r["status"] == "ok", (lab, r["budget"], r["message"])
    assert 0 < r["queries_used"] <= r["budget"], (lab, r["queries_used"], r["budget"])
    if lab != "spex":
        # a degree-2 function: pairwise least squares is exact, the adaptive screen nearly
        floor = 0.999 if lab == "pairwise" else 0.95
        assert r["r2_heldout"] >= floor, (lab, r["budget"], r["r2_heldout"])
        assert r["queries_used"] == r["budget"], (lab, r["queries_used"])
        assert "batches=" in r["info"], r["info"]
    if lab == "pairwise":
        assert "ridge=1e-9" in r["params"], r["params"]  # pass-through, part of the run id
    if lab == "adaptive":
        assert "batches=2" in r["info"] and "screened=" in r["info"], r["info"]
assert seen == {"spex", "pairwise", "adaptive"}, seen
PY
then ok "external rows: ok, R² sensible, queries_used <= budget"; else fail "external rows"; fi

# ---- 2. faith-banzhaf:order=1 re-implemented on the same masks --------------------
D=fourier:n=10,k=15,degree=3,seed=3
"$SB" fit --dataset $D --algo faith-banzhaf:order=1,alpha=0 --budget 80 --heldout 3000 \
  --threads 1 --json >"$TMP/fb.json" 2>"$TMP/err" || fail "faith-banzhaf fit: $(cat "$TMP/err")"
SEED=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['seed'])" "$TMP/fb.json")
"$SB" fit --dataset $D --budget 80 --heldout 3000 --threads 1 --json \
  --algo "external:cmd=$PY $SRC/tests/external/fb1.py,design_seed=$SEED" >"$TMP/x.json" \
  2>"$TMP/err" || fail "external fb1 fit: $(cat "$TMP/err")"
if "$PY" - "$TMP/fb.json" "$TMP/x.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["status"] == b["status"] == "ok", (a["message"], b["message"])
assert a["seed"] != b["seed"]  # different runs: the design came through design_seed
for k in ("r2_heldout", "r2_exact"):
    assert abs(a[k] - b[k]) <= 1e-9, (k, a[k], b[k])
assert 0.05 < a["r2_heldout"] < 0.999, a["r2_heldout"]
assert a["queries_used"] == b["queries_used"] == 80
PY
then ok "external faith-banzhaf:order=1 gives the built-in's R² to 1e-9"
else fail "faith-banzhaf re-implementation: $(head -c 300 "$TMP/x.json")"; fi

# ---- 3. budget accounting and repeats through the protocol ------------------------
if "$SB" fit --dataset $D --budget 16 --heldout 0 --threads 1 --json \
     --algo "external:cmd=$PY $SRC/tests/external/probe.py" >"$TMP/p.json" 2>"$TMP/err" &&
   "$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['status'] == 'ok' and 'probe=passed' in r['info'], r
assert r['queries_used'] == 16 and r['queries_asked'] > 24, r" "$TMP/p.json"; then
  ok "budget cannot be exceeded, repeats are free"
else
  fail "probe: $(cat "$TMP/err") $(head -c 400 "$TMP/p.json")"
fi

# ---- 4. faults in a sweep: failed rows, bounded time, no leftovers ------------------
MARK="sbxt$$"
{
  cat <<EOF
[experiment]
name = external-faults
seed = 1
budgets = 16
heldout = 100

[dataset f]
family = fourier
n = 8
k = 5
degree = 2
EOF
  for m in hang exit wrong_n flood_hang bad_json; do
    case $m in hang | flood_hang) t=1 ;; *) t=60 ;; esac # 1 s where the fault is silence
    printf '\n[algorithm %s]\nalgo = external\ncmd = %s %s/tests/external/faulty.py %s\nmode = %s\ntimeout = %s\nname = faulty-%s\n' \
      "$m" "$PY" "$SRC" "$MARK" "$m" "$t" "$m"
  done
} >"$TMP/faults.ini"
start=$(date +%s)
"$SB" run "$TMP/faults.ini" --out "$TMP/faults" --jobs 2 --threads 1 --quiet 2>"$TMP/err"
rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -eq 0 ] && [ $took -lt 60 ]; then ok "faulty programs: sweep ends (${took}s)"
else fail "faulty sweep: rc $rc after ${took}s: $(cat "$TMP/err")"; fi
if "$PY" - "$TMP/faults/runs" <<'PY'
import glob, json, sys
want = {"hang": "no message within 1 s (timeout)", "exit": "exited with status 7",
        "wrong_n": "result spectrum has n = 9, this run has n = 8",
        "flood_hang": "stderr ends: 'pam spam", "bad_json": "is not a JSON object"}
rows = {json.load(open(p))["label"]: json.load(open(p)) for p in glob.glob(sys.argv[1] + "/*.json")}
assert set(rows) == set(want), sorted(rows)
for lab, r in rows.items():
    assert r["status"] == "failed", (lab, r["status"])
    assert r["message"].startswith("external 'faulty-%s': " % lab), r["message"]
    assert want[lab] in r["message"], (lab, r["message"])
PY
then ok "each fault is a failed row naming the program and the fault"
else fail "fault rows"; fi
sleep 0.2
if pgrep -f "$MARK" >/dev/null; then fail "processes left behind: $(pgrep -fa "$MARK")"
else ok "no program outlives its run"; fi

# ---- 5. config errors ------------------------------------------------------------
printf '[experiment]\nname = x\nbudgets = 16\n[dataset f]\nfamily = fourier\nn = 8\n[algorithm e]\nalgo = external\ntimeout = 5\n' >"$TMP/nocmd.ini"
expect_fail "external without cmd" "nocmd.ini:[0-9]+: .*'cmd' is required" "$SB" run "$TMP/nocmd.ini" --out "$TMP/nc"
printf '[experiment]\nname = x\nbudgets = 16\n[dataset f]\nfamily = fourier\nn = 8\n[algorithm e]\nalgo = external\ncmd = true\n9bad = 1\n' >"$TMP/badkey.ini"
expect_fail "pass-through key that is not a plain name" "badkey.ini:10: unknown key '9bad'" "$SB" run "$TMP/badkey.ini" --out "$TMP/bk"
finish
