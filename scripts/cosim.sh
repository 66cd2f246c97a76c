#!/usr/bin/env bash
# Co-simulation parity (issue 6, docs/cosim.md) from a checkout: builds coconut-sim and the
# guest (scripts/guest.sh: the kernel, coconut.ko, the initramfs) when they are missing, then
#
#   scripts/cosim.sh SCENARIO.yaml|TRACE.jsonl [coconut-sim cosim options...]
#
# runs `coconut-sim cosim` on it: the same calls in the simulator and in coconut.ko under QEMU,
# compared one by one. Exit codes are the command's: 0 parity, 1 divergence or a failing guest,
# 2 bad input, 3 QEMU or the kernel packages missing. COCONUT_BUILD_DIR (default build/default)
# is where coconut-sim is built.
set -euo pipefail
cd "$(dirname "$0")/.."

INPUT=${1:?usage: scripts/cosim.sh SCENARIO.yaml|TRACE.jsonl [options]}
shift
BUILD=${COCONUT_BUILD_DIR:-build/default}

if [ ! -x "$BUILD/harness/cli/coconut-sim" ]; then
  [ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython_EXECUTABLE=/usr/bin/python3 >&2
  ninja -C "$BUILD" coconut-sim >&2
fi
# The deterministic mode is compiled into the test module only (build/kmod-det).
guest=$(COCONUT_DET=y scripts/guest.sh | tail -n 1)
exec "$BUILD/harness/cli/coconut-sim" cosim "$INPUT" --guest "$guest" "$@"
