#!/usr/bin/env bash
# The fork under the kernel's own checkers (issue 17): builds the debug configuration
# (COCONUT_FORK_CONFIG=debug: the tiny config plus KASAN, lockdep, kmemleak;
# coconut-kernel/linux/fork/debug.config) into build/fork-debug, boots it under QEMU and runs
# the guest's scripted calls and the ioctl fuzzer through the built-in /dev/coconut, then a
# kmemleak scan; any KASAN, lockdep or kmemleak report, BUG, WARNING or Oops fails it.
#
#   scripts/fork-debug.sh [BZIMAGE]     (default: build it into build/fork-debug)
#
# Not in CI: its measured time (build and boot, docs/fork.md) is beside the 30-minute budget.
# Exit 0 pass, 1 fail (serial log build/fork-guest/serial-debug.log), 3 tools missing.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
BZ=${1:-}
if [ -z "$BZ" ]; then
  BZ=$(COCONUT_FORK_CONFIG=debug scripts/fork-build.sh build/fork-debug | tail -n 1)
fi
built=$(($(date +%s) - start))
set +e
COCONUT_FORK_DEBUG=1 COCONUT_QEMU_MEM=${COCONUT_QEMU_MEM:-1024} \
  COCONUT_QEMU_TIMEOUT=${COCONUT_QEMU_TIMEOUT:-900} scripts/fork-boot.sh "$BZ"
rc=$?
set -e
echo "fork-debug: $([ "$rc" -eq 0 ] && echo PASS || echo FAIL) (build ${built}s, total $(($(date +%s) - start))s)" >&2
exit "$rc"
