#!/usr/bin/env bash
# Boots the forked kernel (scripts/fork-build.sh; docs/fork.md) under QEMU (TCG, 2 vCPUs) with
# Coconut built in and checks it through the syscall backend: harness/guest/fork_init.sh lists
# the LSM, finds the built-in instance and agentfs, and runs `coconut_guest syscalls`
# (syscalls 472-480 as root and as nobody, a signed spawn, the audit chain verified offline).
# The authorizer key made on the host (harness/guest/make_requests.cc) goes on the kernel
# command line as the built-in module's parameter (coconut.authorizers=); the boot id is the
# seeded RNG's (a production build has no boot_id=), read back through INFO. Passes when the
# serial console's verdict line is "coconut-guest: PASS", in that boot and in a second one with
# a bad coconut.authorizers= (the instance down: every agent syscall answers ENODEV; serial
# log build/fork-guest/serial-down.log).
#
#   scripts/fork-boot.sh [BZIMAGE]           (default build/fork/linux-source-6.12/arch/x86/boot/bzImage)
#
# Exit 0 pass, 1 fail (the serial log is build/fork-guest/serial.log), 3 when QEMU, busybox-static
# or cpio are missing or there is no bzImage (build it with scripts/fork-build.sh, not in CI).
# COCONUT_QEMU_TIMEOUT bounds the boot (default 180 s). TCG only, as scripts/qemu-boot.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

BZ=${1:-build/fork/linux-source-6.12/arch/x86/boot/bzImage}
TIMEOUT=${COCONUT_QEMU_TIMEOUT:-180}
OUT=build/fork-guest
LOG=$OUT/serial.log
log() { echo "fork-boot: $*" >&2; }

for tool in qemu-system-x86_64 cpio; do
  command -v "$tool" >/dev/null || { log "$tool missing (scripts/setup.sh installs it)"; exit 3; }
done
[ -x /bin/busybox ] || { log "busybox-static missing (scripts/setup.sh installs it)"; exit 3; }
[ -f "$BZ" ] || { log "no $BZ (build it with scripts/fork-build.sh)"; exit 3; }

start=$(date +%s)
initrd=$(COCONUT_GUEST_INIT=harness/guest/fork_init.sh scripts/initramfs.sh none "$OUT" | tail -n 1)
auth=$(tr -d '\n' <"$OUT/root/guest/authorizer.hex")
prep=$(($(date +%s) - start))

# One boot: its extra command line and serial log; 0 when the verdict line is PASS.
boot_once() {
  local extra=$1 log=$2 rc secs boot
  log "booting $BZ ($extra; timeout ${TIMEOUT}s)"
  boot=$(date +%s)
  set +e
  timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "${COCONUT_QEMU_MEM:-512}" -nographic -no-reboot \
    -kernel "$BZ" -initrd "$initrd" -append "console=ttyS0 panic=-1 quiet $extra" \
    </dev/null >"$log" 2>&1
  rc=$?
  set -e
  secs=$(($(date +%s) - boot))
  grep -E '^(coconut-guest:|call |check |verify |info |agentfs )' "$log" | tr -d '\r' >&2 || true
  if [ "$rc" -eq 124 ]; then log "QEMU timed out after ${TIMEOUT}s"; fi
  if tr -d '\r' <"$log" | grep -qx 'coconut-guest: PASS'; then
    log "PASS: boot and checks in ${secs}s (initramfs ${prep}s)"
    return 0
  fi
  log "FAIL (QEMU exit $rc after ${secs}s); serial log: $log"
  tail -n 40 "$log" >&2
  return 1
}

# COCONUT_FORK_DEBUG=1 (scripts/fork-debug.sh): one boot of the debug kernel running the
# scripted calls and the fuzzer under KASAN, lockdep and kmemleak.
if [ "${COCONUT_FORK_DEBUG:-0}" = 1 ]; then
  boot_once "coconut.authorizers=$auth coconut.log_events=32768 coconut_guest.debug=1 coconut.fuzz_calls=${COCONUT_FUZZ_CALLS:-20000}" "$OUT/serial-debug.log"
  exit $?
fi
# The instance up, with the command line's parameters; then a bad authorizer key, which stops
# the built-in instance: the syscalls stay wired and must answer ENODEV, not reach the kernel C.
boot_once "coconut.authorizers=$auth" "$LOG" || exit 1
boot_once "coconut.authorizers=zz coconut_guest.down=1" "$OUT/serial-down.log" || exit 1
exit 0
