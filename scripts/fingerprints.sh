#!/usr/bin/env bash
# Prints every shipped scenario's fingerprint (scenarios/*.yaml and scenarios/examples/minimal.yaml),
# one "NAME FINGERPRINT" line each, from one coconut-sim binary: the check a behaviour-preserving
# change must pass (run it before and after, diff the two outputs; HACKING.md).
#
#   scripts/fingerprints.sh [COCONUT_SIM] [OUT_DIR]
#       (defaults build/default/harness/cli/coconut-sim, build/fingerprints)
#
# Each run is --no-determinism-rerun (the determinism gate's child is not needed to compare);
# result.json and gates.txt stay in OUT_DIR/NAME. Exit 1 when a run could not produce a
# fingerprint (a gate failing is not an error here: the fingerprint is still printed).
set -euo pipefail
cd "$(dirname "$0")/.."
SIM=${1:-build/default/harness/cli/coconut-sim}
OUT=${2:-build/fingerprints}
[ -x "$SIM" ] || { echo "fingerprints: $SIM is not built (cmake --build --preset default)" >&2; exit 2; }
mkdir -p "$OUT"
rc=0
for f in scenarios/*.yaml scenarios/examples/minimal.yaml; do
  n=$(basename "$f" .yaml)
  [ "$n" = gates ] && continue # the release-gate suite (docs/gates.md), not a scenario
  "$SIM" run "$f" --no-determinism-rerun --quiet --out "$OUT/$n" >/dev/null 2>&1 || true
  fp=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['fingerprint'])" \
       "$OUT/$n/result.json" 2>/dev/null) || { echo "$n (no result)"; rc=1; continue; }
  echo "$n $fp"
done
exit $rc
