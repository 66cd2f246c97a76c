#!/usr/bin/env bash
# Boots Debian's Linux 6.12 under QEMU (TCG, 2 vCPUs) with coconut.ko and the guest driver
# (harness/guest/init.sh): load, scripted calls, agentfs, offline audit verify, the ioctl
# fuzzer, a clean kernel log, unload, reload, calls again, unload. Passes when the serial
# console's verdict line is "coconut-guest: PASS".
#
#   scripts/qemu-boot.sh [KO]                (default build/kmod/src/coconut.ko, built if missing
#                                            or older than a file of coconut-kernel/)
#
# Exit 0 pass, 1 fail (the serial log is build/guest/serial.log), 3 when QEMU, busybox-static
# or cpio are missing. COCONUT_QEMU_TIMEOUT bounds the boot (default 180 s);
# COCONUT_FUZZ_CALLS sets the guest fuzzer's call count (default 20000). KVM is never used
# (TCG only: /dev/kvm exists on CI machines but fails). TCG runs single-threaded: the two vCPUs
# still interleave in the guest (the fuzzer's two threads race in the module), but multi-threaded
# TCG has shown a rare boot-time Oops (int3 in sched_clock_cpu while a static key was patched),
# and one host thread is no slower on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

KO=${1:-build/kmod/src/coconut.ko}
TIMEOUT=${COCONUT_QEMU_TIMEOUT:-180}
FUZZ_CALLS=${COCONUT_FUZZ_CALLS:-20000}
LOG=build/guest/serial.log
log() { echo "qemu-boot: $*" >&2; }

for tool in qemu-system-x86_64 cpio; do
  command -v "$tool" >/dev/null || { log "$tool missing (scripts/setup.sh installs it)"; exit 3; }
done
[ -x /bin/busybox ] || { log "busybox-static missing (scripts/setup.sh installs it)"; exit 3; }

start=$(date +%s)
# The default module is rebuilt when a kernel-C file is newer, as guest.sh does: a stale
# module answers for old code (a new ioctl would get ENOTTY).
if [ ! -f "$KO" ] || { [ -z "${1:-}" ] && [ -n "$(find coconut-kernel -newer "$KO" -type f -print -quit)" ]; }; then
  KO=$(scripts/build-module.sh | tail -n 1)
fi
vmlinuz=$(scripts/linux-image.sh | tail -n 1)
initrd=$(scripts/initramfs.sh "$KO" build/guest | tail -n 1)
prep=$(($(date +%s) - start))

log "booting $(basename "$vmlinuz") (timeout ${TIMEOUT}s, $FUZZ_CALLS fuzz calls)"
boot=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 512 -nographic -no-reboot \
  -kernel "$vmlinuz" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 quiet coconut.fuzz_calls=$FUZZ_CALLS" </dev/null >"$LOG" 2>&1
rc=$?
set -e
secs=$(($(date +%s) - boot))

grep -E '^(coconut-guest:|call |check |verify |fuzz |info )' "$LOG" | tr -d '\r' >&2 || true
if [ "$rc" -eq 124 ]; then log "QEMU timed out after ${TIMEOUT}s"; fi
if tr -d '\r' <"$LOG" | grep -qx 'coconut-guest: PASS'; then
  log "PASS: guest ran in ${secs}s (build and initramfs ${prep}s)"
  exit 0
fi
log "FAIL (QEMU exit $rc after ${secs}s); serial log: $LOG"
tail -n 40 "$LOG" >&2
exit 1
