#!/usr/bin/env bash
# The experiment suite (experiments/<name>/full.ini and quick.ini; docs/RESULTS.md).
#
#   scripts/reproduce.sh [--build DIR] [--jobs N]           every full variant -> results/<name>/
#   scripts/reproduce.sh --quick [--build DIR] [--jobs N]   every quick variant -> out/quick/<name>/
#   scripts/reproduce.sh --check [--build DIR] [--jobs N]   spexbench check results/<name> for each
#
# Before running it prints the expected runtime: the wall time each variant took when
# its committed results were made (context.json "sweep", with the machine's load then).
# Full variants write the committed folders, so they need a clean source tree
# (spexbench run refuses otherwise); they run under `nice`.  Every variant is run even
# if one fails; the exit status says whether all succeeded.
set -u
cd "$(dirname "$0")/.."
BUILD=build MODE=full JOBS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --check) MODE=check ;;
    --build) BUILD="$2"; shift ;;
    --jobs) JOBS="$2"; shift ;;
    *) echo "usage: $0 [--quick|--check] [--build DIR] [--jobs N]" >&2; exit 2 ;;
  esac
  shift
done
SB="$BUILD/spexbench"
[ -x "$SB" ] || { echo "reproduce: $SB not found (make build first)" >&2; exit 2; }
NAMES=$(for f in experiments/*/full.ini; do basename "$(dirname "$f")"; done)

# Expected runtime from the committed context.json files.
python3 - "$MODE" $NAMES <<'PY'
import json, os, sys
mode, names = sys.argv[1], sys.argv[2:]
if mode == "full":
    names = names + ["quickstart"]
total, unknown = 0.0, []
print(f"reproduce: {len(names)} experiment{'s' if len(names) != 1 else ''} ({mode} variant{'s' if mode != 'check' else ' checks'}); expected runtime from the committed results:")
for n in names:
    ctx = f"results/{n}/context.json" if mode == "full" else f"results/{n}/check/context.json"
    try:
        sw = json.load(open(ctx)).get("sweep") or {}
    except (OSError, ValueError):
        sw = {}
    if "wall_s" in sw:
        total += sw["wall_s"]
        load = sw.get("load_1min_start")
        print(f"  {n:28s} {sw['wall_s'] / 60:6.1f} min  ({sw.get('runs_executed', '?')} runs, "
              f"{sw.get('jobs', '?')} jobs, load {load if load is not None else '?':.3} then)"
              if isinstance(load, (int, float)) else
              f"  {n:28s} {sw['wall_s'] / 60:6.1f} min  ({sw.get('runs_executed', '?')} runs)")
    else:
        unknown.append(n)
        print(f"  {n:28s}      ?      (no measured runtime in {ctx})")
print(f"  {'total':28s} {total / 60:6.1f} min" + (f" + {len(unknown)} unknown" if unknown else "")
      + " (on the 2-core machine that made them; the load of other jobs slows it)")
PY

FAILED="" SKIPPED=""
T0=$(date +%s)
if [ "$MODE" = full ]; then
  for n in $NAMES; do
    echo "== $n"
    nice "$SB" run "experiments/$n/full.ini" ${JOBS:+--jobs "$JOBS"} || FAILED="$FAILED $n"
  done
  echo "== quickstart"
  nice "$SB" run configs/quickstart.ini ${JOBS:+--jobs "$JOBS"} --quiet || FAILED="$FAILED quickstart"
  "$SB" report --index results || FAILED="$FAILED index"
elif [ "$MODE" = quick ]; then
  for n in $NAMES; do
    echo "== $n (quick)"
    "$SB" run "experiments/$n/quick.ini" --out "out/quick/$n" --quiet ${JOBS:+--jobs "$JOBS"} \
      || FAILED="$FAILED $n"
  done
else
  for n in $NAMES; do
    [ -f "results/$n/check/runs.csv" ] || { echo "== $n: no reference (results/$n/check/)"; FAILED="$FAILED $n"; continue; }
    # the recorded tables live in ../shared/datasets (never copied in): without them the
    # real-table experiments cannot be rerun here; say so instead of failing on a missing file
    if grep -q "shared/datasets" "experiments/$n/quick.ini" && [ ! -d ../shared/datasets ]; then
      echo "== $n: SKIPPED: its data is in ../shared/datasets, which is not here"; SKIPPED="$SKIPPED $n"; continue
    fi
    t=$(date +%s)
    "$SB" check "results/$n" ${JOBS:+--jobs "$JOBS"} || FAILED="$FAILED $n"
    echo "   ($(( $(date +%s) - t )) s)"
  done
fi
echo "reproduce: $MODE done in $(( $(date +%s) - T0 )) s$([ -n "$SKIPPED" ] && echo "; SKIPPED (no ../shared/datasets):$SKIPPED")$([ -n "$FAILED" ] && echo "; FAILED:$FAILED")"
[ -z "$FAILED" ]
