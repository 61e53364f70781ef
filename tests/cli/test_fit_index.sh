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
assert m["index"] == "FSII" and m["max_order"] == 2 and m["min_order"] == 1, m
assert m["n_players"] == 10 and m["estimated"] is True and m["estimation_budget"] == 1024, m
assert len(d["data"]) == 10 + 45, len(d["data"])
assert "0,1" in d["data"] and "Empty" not in d["data"]
PY
then ok "export has shapiq's layout"; else fail "export layout"; fi
expect_fail "unknown index" "unknown interaction index" \
  "$SB" fit --dataset $D --algo kernelshap --budget 64 --index XYZ
expect_fail "--export without --index" "need --index" \
  "$SB" fit --dataset $D --algo kernelshap --budget 64 --export "$TMP/x.json"
"$SB" fit --dataset $D --algo kernelshap --budget 200 --heldout 0 --threads 1 --json \
  --index SV --top 3 >"$TMP/j" 2>"$TMP/err"
if python3 -c "import json,sys; d=json.load(open('$TMP/j')); assert d['index']['name']=='SV' and len(d['index']['top'])==3" ; then
  ok "--json carries the index"; else fail "--json index: $(head -c 300 "$TMP/j")"; fi
finish
