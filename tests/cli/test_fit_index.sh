# `spexbench fit --index/--order/--top/--export` (issue 5): prints the top
# interactions and writes shapiq's InteractionValues JSON layout.
source "$(dirname "$0")/lib.sh"
D=soum:n=10,k=20,max_order=3,seed=1
if "$SB" fit --dataset $D --algo faith-shap:order=2 --budget 1024 --heldout 0 --threads 1 \
     --index FSII --order 2 --top 5 --export "$TMP/fsii.json" >"$TMP/out" 2>"$TMP/err"; then
  ok "fit --index FSII runs"
else
  fail "fit --index FSII: $(cat "$TMP/err")"
fi
if grep -q "FSII of order 2, top 5" "$TMP/out" && [ "$(grep -cE '^  \(' "$TMP/out")" -eq 5 ]; then
  ok "prints the top 5"
else
  fail "top-5 listing missing: $(cat "$TMP/out")"
fi
if python3 - "$TMP/fsii.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["object_name"] == "InteractionValues" and d["data_type"] == "interaction_values"
m = d["metadata"]
assert m["index"] == "FSII" and m["max_order"] == 2 and m["min_order"] == 0, m
assert m["n_players"] == 10 and m["estimated"] is True and m["estimation_budget"] == 1024, m
assert len(d["data"]) == 1 + 10 + 45, len(d["data"])
assert list(d["data"])[:2] == ["Empty", "0"] and "0,1" in d["data"]
assert d["data"]["Empty"] == m["baseline_value"]  # FSII's ∅ is the baseline f(∅)
PY
then ok "export has shapiq's layout"; else fail "export layout"; fi

# Values (issue 13.6): on a game of Möbius degree <= 2, FSII of order 2 is the Möbius
# transform itself and SII has closed forms; the exact (exhaustive) export must hold
# exactly those numbers, computed here from the exact Fourier coefficients, and the
# faith-shap export above (all 2^10 masks) the same FSII values.
D2=soum:n=10,k=20,max_order=2,seed=1
for ix in FSII SII; do
  "$SB" fit --dataset $D2 --algo exhaustive --budget 1024 --heldout 0 --threads 1 \
    --coefficients "$TMP/F.json" --index $ix --order 2 --export "$TMP/ex_$ix.json" \
    >/dev/null 2>"$TMP/err" || fail "exhaustive --index $ix: $(cat "$TMP/err")"
done
"$SB" fit --dataset $D2 --algo faith-shap:order=2 --budget 1024 --heldout 0 --threads 1 \
  --index FSII --order 2 --export "$TMP/fs.json" >/dev/null 2>"$TMP/err" || fail "faith-shap: $(cat "$TMP/err")"
if python3 - "$TMP/F.json" "$TMP/ex_FSII.json" "$TMP/ex_SII.json" "$TMP/fs.json" <<'PY'
import itertools, json, sys
F, fsii, sii, fs = (json.load(open(p)) for p in sys.argv[1:5])
n = F["n"]
four = {tuple(t["set"]): t["value"] for t in F["terms"]}
# Möbius from Fourier: a(S) = (-2)^|S| sum_{T ⊇ S} F(T)
sets = [()] + [(i,) for i in range(n)] + list(itertools.combinations(range(n), 2))
a = {S: (-2) ** len(S) * sum(v for T, v in four.items() if set(S) <= set(T)) for S in sets}
assert max(len(T) for T, v in four.items() if abs(v) > 1e-12) <= 2
key = lambda S: ",".join(map(str, S)) if S else "Empty"
def close(x, y, tol=1e-9):
    assert abs(x - y) <= tol * max(1.0, abs(y)), (x, y)
for f in (fsii, sii):
    m = f["metadata"]
    assert m["estimated"] is False and m["estimation_budget"] is None and m["min_order"] == 0, m
    close(m["baseline_value"], a[()])  # f(∅)
for S in sets:  # FSII of order 2 of a degree-2 game = its Möbius coefficients; ∅ = f(∅)
    close(fsii["data"][key(S)], a[S])
    close(fs["data"][key(S)], a[S], 1e-7)  # estimated from all masks: the same numbers
sii_of = lambda S: sum(v / (len(T) - len(S) + 1) for T, v in a.items() if set(S) <= set(T))
for S in sets:  # SII keeps its own ∅ term: a(∅) + sum a(i)/2 + sum a(ij)/3
    close(sii["data"][key(S)], sii_of(S))
assert abs(sii["data"]["Empty"] - a[()]) > 1e-6  # not the baseline
assert fs["metadata"]["estimated"] is True and fs["metadata"]["estimation_budget"] == 1024
PY
then ok "exported FSII and SII values and ∅ terms are the exact ones"
else fail "export values"; fi
expect_fail "unknown index" "unknown interaction index" \
  "$SB" fit --dataset $D --algo kernelshap --budget 64 --index XYZ
expect_fail "--export without --index" "need --index" \
  "$SB" fit --dataset $D --algo kernelshap --budget 64 --export "$TMP/x.json"
"$SB" fit --dataset $D --algo kernelshap --budget 200 --heldout 0 --threads 1 --json \
  --index SV --top 3 >"$TMP/j" 2>"$TMP/err"
if python3 -c "import json,sys; d=json.load(open('$TMP/j')); assert d['index']['name']=='SV' and len(d['index']['top'])==3" ; then
  ok "--json carries the index"; else fail "--json index: $(head -c 300 "$TMP/j")"; fi
finish
