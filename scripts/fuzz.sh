#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its committed seed
# corpus (coconut-kernel/lib/fuzz/corpus/<target>/). New inputs go to a scratch copy, so the
# committed corpus only changes when someone minimises and commits on purpose.
# A crash leaves its reproducer in build/fuzz-artifacts/ and fails the run.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/build/fuzz-artifacts"
mkdir -p "$artifacts"
found=0
for bin in $(find "$build" -maxdepth 5 -type f -name '*_fuzz' -perm -u+x | sort); do
  name=$(basename "$bin")
  seed="$root/coconut-kernel/lib/fuzz/corpus/$name"
  # Simulator parts keep their seeds beside their fuzzers (sim/<part>/fuzz/corpus/<target>/).
  [ -d "$seed" ] || seed=$(ls -d "$root"/sim/*/fuzz/corpus/"$name" 2>/dev/null | head -n 1)
  work=$(mktemp -d)
  [ -d "$seed" ] && cp -r "$seed/." "$work/"
  echo "fuzz: $name for ${seconds}s ($(ls "$work" | wc -l) seeds)"
  log="$artifacts/$name.log"
  set +e
  "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
         -artifact_prefix="$artifacts/$name-" "$work" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" | sed 's/^/  /' || true
  rm -rf "$work"
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz: $name FAILED (rc=$rc); reproducers in $artifacts"
    exit 1
  fi
  found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "fuzz: no targets found in $build"; exit 1; }
echo "fuzz: $found targets ran clean"
