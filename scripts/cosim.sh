#!/usr/bin/env bash
# Co-simulation parity (issue 6, docs/cosim.md): replays a simulator trace on coconut.ko in the
# QEMU guest, loaded in deterministic mode (det_clock=1) with the trace header's parameters,
# and checks every return value and every checkpoint's audit head against the trace.
#
#   scripts/cosim.sh TRACE [KO]     (KO default build/kmod/src/coconut.ko, built if missing)
#
# Steps: the converter (coconut-cosim-convert, built with CMake in COCONUT_BUILD_DIR, default
# build/default) writes build/cosim/cosim.{params,trace}; scripts/initramfs.sh packs them with
# the module and harness/guest/cosim_replay.c; QEMU boots with coconut.cosim=1, so /init runs
# harness/guest/cosim_init.sh. Exit 0 when the guest prints "cosim: parity ..." and
# "coconut-guest: PASS", 1 on a divergence or failure (the serial log is build/cosim/serial.log),
# 2 for a malformed trace, 3 when QEMU, busybox-static or cpio are missing.
# COCONUT_QEMU_TIMEOUT bounds the boot (default 600 s: TCG is slow and a trace is long).
set -euo pipefail
cd "$(dirname "$0")/.."

TRACE=${1:?usage: scripts/cosim.sh TRACE [KO]}
KO=${2:-build/kmod/src/coconut.ko}
BUILD=${COCONUT_BUILD_DIR:-build/default}
TIMEOUT=${COCONUT_QEMU_TIMEOUT:-600}
OUT=build/cosim
LOG=$OUT/serial.log
log() { echo "cosim: $*" >&2; }

for tool in qemu-system-x86_64 cpio; do
  command -v "$tool" >/dev/null || { log "$tool missing (scripts/setup.sh installs it)"; exit 3; }
done
[ -x /bin/busybox ] || { log "busybox-static missing (scripts/setup.sh installs it)"; exit 3; }

mkdir -p "$OUT"
if [ ! -x "$BUILD/harness/cosim/coconut-cosim-convert" ]; then
  [ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython_EXECUTABLE=/usr/bin/python3 >&2
  ninja -C "$BUILD" coconut-cosim-convert >&2
fi
set +e
"$BUILD/harness/cosim/coconut-cosim-convert" "$TRACE" "$OUT" >&2
rc=$?
set -e
[ "$rc" -eq 0 ] || exit "$rc"

if [ ! -f "$KO" ]; then KO=$(scripts/build-module.sh | tail -n 1); fi
vmlinuz=$(scripts/linux-image.sh | tail -n 1)
initrd=$(COCONUT_COSIM_DIR="$OUT" scripts/initramfs.sh "$KO" "$OUT/guest" | tail -n 1)

log "booting $(basename "$vmlinuz") with $(wc -l <"$OUT/cosim.trace") records (timeout ${TIMEOUT}s)"
boot=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 512 -nographic -no-reboot \
  -kernel "$vmlinuz" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 quiet coconut.cosim=1" </dev/null >"$LOG" 2>&1
rc=$?
set -e
secs=$(($(date +%s) - boot))

tr -d '\r' <"$LOG" | grep -E '^(coconut-guest:|cosim: |  )' >&2 || true
if [ "$rc" -eq 124 ]; then log "QEMU timed out after ${TIMEOUT}s"; fi
if tr -d '\r' <"$LOG" | grep -q '^cosim: parity ' &&
   tr -d '\r' <"$LOG" | grep -qx 'coconut-guest: PASS'; then
  log "PASS in ${secs}s"
  exit 0
fi
log "FAIL (QEMU exit $rc after ${secs}s); serial log: $LOG"
tail -n 30 "$LOG" >&2
exit 1
