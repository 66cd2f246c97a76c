#!/usr/bin/env bash
# Builds the QEMU guest's initramfs: busybox-static, coconut.ko, the guest driver (a static
# program over libcoconut with the kernel C's audit verifier compiled in), the signed spawn
# requests it replays (made on the host with libsodium) and harness/guest/init.sh as /init.
#
#   scripts/initramfs.sh [KO] [OUT_DIR]      (defaults build/kmod/src/coconut.ko, build/guest)
#
# KO "none" packs no module (the forked kernel has Coconut built in: scripts/fork-boot.sh);
# COCONUT_GUEST_INIT picks another /init (default harness/guest/init.sh).
#
# The last stdout line is the initramfs path (OUT_DIR/initrd.gz).
set -euo pipefail
cd "$(dirname "$0")/.."

KO=${1:-build/kmod/src/coconut.ko}
OUT=${2:-build/guest}
BUSYBOX=${COCONUT_BUSYBOX:-/bin/busybox}
INIT=${COCONUT_GUEST_INIT:-harness/guest/init.sh}
log() { echo "initramfs: $*" >&2; }

[ "$KO" = none ] || [ -f "$KO" ] || { log "missing $KO (run scripts/build-module.sh)"; exit 1; }
[ -x "$BUSYBOX" ] || { log "missing $BUSYBOX (busybox-static)"; exit 3; }
command -v cpio >/dev/null || { log "missing cpio"; exit 3; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CFLAGS=(-O2 -Wall -Wextra -Werror)

# Host: the requests and the authorizer key, from the kernel tests' request builder.
g++ -std=c++20 "${CFLAGS[@]}" -Ilibcoconut/tools -Icoconut-kernel/include harness/guest/make_requests.cc \
    libcoconut/tools/spawn_request.cc -lsodium -o "$OUT/make_requests"
# Guest: static, libcoconut + the kernel C's lib/ and audit code (co_audit_verify).
gcc -static -std=gnu11 "${CFLAGS[@]}" -pthread -ffunction-sections -Wl,--gc-sections \
    -Icoconut-kernel/include -Ilibcoconut/include harness/guest/coconut_guest.c \
    libcoconut/src/libcoconut.c coconut-kernel/lib/*.c coconut-kernel/kernel/audit/coconut/*.c \
    -o "$OUT/coconut_guest"
# The guest side of co-simulation (coconut-sim cosim; docs/cosim.md).
gcc -static -std=gnu11 "${CFLAGS[@]}" -Icoconut-kernel/include -Ilibcoconut/include \
    harness/guest/cosim_replay.c libcoconut/src/libcoconut.c coconut-kernel/lib/blake3.c \
    -o "$OUT/cosim_replay"

root="$OUT/root"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,agent,guest}
cp "$BUSYBOX" "$root/bin/busybox"
install -m 0755 "$INIT" "$root/init"
if [ "$KO" != none ]; then cp "$KO" "$root/guest/coconut.ko"; fi
cp "$OUT/coconut_guest" "$OUT/cosim_replay" harness/guest/cosim_init.sh "$root/guest/"
"$OUT/make_requests" "$root/guest"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$OUT/initrd.gz"
log "$(du -h "$OUT/initrd.gz" | cut -f1) with $(basename "$KO"), coconut_guest, busybox"
echo "$OUT/initrd.gz"
