#!/usr/bin/env bash
# Every test: install what is missing, build the default and sanitizer presets, run all tests
# in both (unit, property, differential, kernel-flags build, benchmark smoke runs), build
# coconut-kernel/ as a Linux 6.12 module against Debian's headers, then run the fuzzers for a
# bounded time each. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

FUZZ_SECONDS=${COCONUT_FUZZ_SECONDS:-45}
LOG_DIR=build/ci-logs
mkdir -p "$LOG_DIR"

echo "== default preset: build and test"
cmake --preset default >/dev/null
cmake --build --preset default
# coconut-sim on PATH (/usr/local/bin) for the README's commands, where this user may write it.
if [ -w /usr/local/bin ]; then
  cmake --install build/default --prefix /usr/local >/dev/null
  coconut-sim help >/dev/null || { echo "coconut-sim is not on PATH after cmake --install" >&2; exit 1; }
fi
ctest --preset default 2>&1 | tee "$LOG_DIR/ctest-default.log"

echo "== planted bugs, the fast subset (mutants/, docs/testing.md): each caught by its guards"
# In this checkout and its build (CI's is a fresh clone); the patches come back out and the
# targets are rebuilt before the next step. The whole catalogue: ctest --preset nightly.
scripts/mutants.sh --fast --in-place build/default

echo "== dev preset: every gtest case a CTest test (listed, then back to the default preset)"
cmake --preset dev >/dev/null
cases=$(ctest --test-dir build/default -N | sed -n 's/^Total Tests: //p')
cmake --preset default >/dev/null
[ "${cases:-0}" -gt 300 ] || { echo "dev preset: only ${cases:-0} tests discovered" >&2; exit 1; }
echo "dev preset: $cases tests"

echo "== Linux 6.12 module build (Kbuild)"
scripts/build-module.sh

echo "== coconut.ko under QEMU (TCG): calls, agentfs, fuzzer, unload/reload"
scripts/qemu-boot.sh

echo "== co-simulation parity (coconut-sim cosim): the same calls in the simulator and in coconut.ko"
# Shipped traces (Maya; every call kind of the format, refusals and output digests included),
# and a whole scenario simulated and then replayed in the guest.
for input in traces/maya-workstation.jsonl traces/cosim-coverage.jsonl scenarios/revocation-race.yaml; do
  scripts/cosim.sh "$input" --quiet
done

echo "== the release gate, --quick (coconut-sim gate, docs/gates.md): every gate, cosim included"
# But the benchmark ratios: on a shared 2-core runner they are noise-bound (cap_present at 256
# caps measured 1.3x-2.1x against its 2x target in one session, docs/gates.md), so CI runs the
# benchmarks as smoke tests and the release run (quiet machine, full suite) judges them.
gate_start=$(date +%s)
build/default/harness/cli/coconut-sim gate --release ci-quick --quick --skip benchmarks \
  --out build/default/gate-quick
echo "gate --quick: $(( $(date +%s) - gate_start )) s (report: build/default/gate-quick/index.html)"

echo "== fork patches apply to linux-source-6.12"
scripts/check-patches.sh

echo "== asan preset (ASan + UBSan): build and test"
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan 2>&1 | tee "$LOG_DIR/ctest-asan.log"

echo "== fuzz preset: ${FUZZ_SECONDS}s per target from the committed corpus"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
scripts/fuzz.sh build/fuzz "$FUZZ_SECONDS"

echo "== release preset: build (the README's benchmark preset)"
cmake --preset release >/dev/null
cmake --build --preset release

# Determinism across builds: the release binary (LTO, -O2) gives the golden fingerprints the
# default preset's CTest checks (3 s; the asan build gives them too, in 70 s, checked by hand).
echo "== golden fingerprints from the release build"
scripts/golden-fingerprints.sh build/release/harness/cli/coconut-sim

# One closing line over everything that ran: the CTest tests of both presets and 11 steps (the
# planted bugs' fast subset, the dev preset's discovery, the module build, the QEMU boot, three
# co-simulation parity runs, the quick release gate, the patch check, the release build and its
# golden fingerprints); the fuzzers and any failure have already stopped the script with a
# non-zero exit had they failed.
ctests=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$LOG_DIR"/ctest-*.log | awk '{s += $1} END {print s + 0}')
echo "ci: $((ctests + 11)) passed, 0 failed"
