#!/usr/bin/env bash
# Golden fingerprints: every shipped scenario (scenarios/*.yaml, scenarios/examples/minimal.yaml)
# run for its first 20 simulated seconds, with its own seed, must give the fingerprint recorded
# in harness/cli/tests/golden-fingerprints.txt. The fingerprint hashes the trace, every metric
# and the audit heads, so a change that drops any of them from it (or changes what a run does)
# fails here; a change meant to alter behaviour rewrites the file with --write, and the diff of
# the file is reviewed in its commit.
#
#   scripts/golden-fingerprints.sh [--write] [COCONUT_SIM]
#       (default build/default/harness/cli/coconut-sim)
#
# Exit 0: all match (or written); 1: a mismatch, a scenario without a golden line or a golden
# line without a scenario; 2: usage or the binary missing. The short runs' gates may fail
# (20 s is too short for some): only the fingerprint is compared.
set -euo pipefail
cd "$(dirname "$0")/.."
write=0
if [ "${1:-}" = "--write" ]; then write=1; shift; fi
SIM=${1:-build/default/harness/cli/coconut-sim}
GOLDEN=harness/cli/tests/golden-fingerprints.txt
UNTIL=20s
[ -x "$SIM" ] || { echo "golden-fingerprints: $SIM is not built" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now="$out/now.txt"
for f in scenarios/*.yaml scenarios/examples/minimal.yaml; do
  n=$(basename "$f" .yaml)
  [ "$n" = gates ] && continue # the release-gate suite, not a scenario
  "$SIM" run "$f" --until "$UNTIL" --no-determinism-rerun --quiet --out "$out/$n" >/dev/null 2>&1 || true
  fp=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['fingerprint'])" \
       "$out/$n/result.json" 2>/dev/null) || fp="(no-result)"
  echo "$n $fp" >>"$now"
done

if [ "$write" = 1 ]; then
  if grep -q "(no-result)" "$now"; then
    echo "golden-fingerprints: a run gave no result; nothing written:" >&2
    grep "(no-result)" "$now" >&2
    exit 1
  fi
  {
    echo "# Fingerprints of each shipped scenario's first $UNTIL (its own seed, --no-determinism-rerun)."
    echo "# Written by scripts/golden-fingerprints.sh --write; checked by the golden_fingerprints test."
    cat "$now"
  } >"$GOLDEN"
  echo "golden-fingerprints: wrote $(wc -l <"$now") fingerprints to $GOLDEN"
  exit 0
fi

[ -f "$GOLDEN" ] || { echo "golden-fingerprints: $GOLDEN missing (run with --write)" >&2; exit 1; }
if diff <(grep -v '^#' "$GOLDEN" | sort) <(sort "$now") >"$out/diff"; then
  echo "golden-fingerprints: $(wc -l <"$now") scenarios match"
  exit 0
fi
echo "golden-fingerprints: MISMATCH ('<' golden, '>' now):"
grep -E '^[<>]' "$out/diff"
echo "If the change is meant to alter behaviour: scripts/golden-fingerprints.sh --write, and"
echo "review the file's diff in the commit. If not, the change altered a run (or the fingerprint)."
exit 1
