#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its committed seed
# corpus (coconut-kernel/lib/fuzz/corpus/<target>/, or sim/<part>/fuzz/corpus/<target>/ and
# harness/<part>/fuzz/corpus/<target>/ for the simulator's and the harness's parsers). New
# inputs go to a scratch copy, so the committed corpus only changes when someone minimises and
# commits on purpose. Targets run COCONUT_FUZZ_JOBS at a time
# (default 2: one per core of the CI machine). A crash leaves its reproducer in
# build/fuzz-artifacts/ and fails the run.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
jobs=${COCONUT_FUZZ_JOBS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/build/fuzz-artifacts"
mkdir -p "$artifacts"

# libFuzzer options of one target beyond the common ones. clang 14's entropic schedule pays a
# scan of its rare-feature list for each feature an input hits (LLVM 18 made that a bitset
# lookup): half the time of the two system fuzzers. Measured 2026-12-07, 30 s from the corpus,
# 3 seeds each way (HACKING.md, "Fuzzing"): without it they reach the same coverage (syscalls
# 4,864 vs 4,860 edges on average, trace reader 4,477 vs 4,484) with 1.5x and 2.6x the inputs;
# scenario_load_fuzz reached more with it (3,095 vs 3,007), so it keeps it.
target_options() {
  case "$1" in
    syscalls_fuzz | trace_reader_fuzz) echo "-entropic=0" ;;
    *) echo "" ;;
  esac
}

# One target: fuzz it, print its summary, exit non-zero on a finding.
run_one() {
  local bin=$1 name seed work log rc
  name=$(basename "$bin")
  seed="$root/coconut-kernel/lib/fuzz/corpus/$name"
  [ -d "$seed" ] || seed=$(ls -d "$root"/sim/*/fuzz/corpus/"$name" "$root"/harness/*/fuzz/corpus/"$name" 2>/dev/null | head -n 1)
  work=$(mktemp -d)
  [ -n "$seed" ] && [ -d "$seed" ] && cp -r "$seed/." "$work/"
  log="$artifacts/$name.log"
  set +e
  # shellcheck disable=SC2046 # the options are words
  "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
         $(target_options "$name") -artifact_prefix="$artifacts/$name-" "$work" >"$log" 2>&1
  rc=$?
  set -e
  {
    echo "fuzz: $name for ${seconds}s $(target_options "$name") ($(ls "$work" | wc -l) inputs at the end)"
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done |#[0-9]+[[:space:]]+DONE)' "$log" | sed 's/^/  /' || true
  }
  rm -rf "$work"
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz: $name FAILED (rc=$rc); reproducers in $artifacts"
    return 1
  fi
}
export -f run_one target_options
export root artifacts seconds

targets=$(find "$build" -maxdepth 5 -type f -name '*_fuzz' -perm -u+x | sort)
found=$(echo "$targets" | grep -c . || true)
[ "$found" -gt 0 ] || { echo "fuzz: no targets found in $build"; exit 1; }
echo "$targets" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} ||
  { echo "fuzz: a target failed"; exit 1; }
echo "fuzz: $found targets ran clean"
