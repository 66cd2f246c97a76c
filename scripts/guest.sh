#!/usr/bin/env bash
# Prepares the QEMU guest that `coconut-sim cosim` and scripts/qemu-boot.sh boot: Debian's
# Linux 6.12 kernel (scripts/linux-image.sh), coconut.ko (scripts/build-module.sh, built when
# missing or older than coconut-kernel/) and the initramfs (scripts/initramfs.sh), into one folder:
#
#   scripts/guest.sh [KO] [OUT_DIR]     (defaults build/kmod/src/coconut.ko, build/guest;
#                                        with COCONUT_DET=y build/kmod-det/..., build/guest-det)
#     OUT_DIR/vmlinuz     the kernel
#     OUT_DIR/initrd.gz   busybox, coconut.ko, the guest driver and co-simulation replayer
#
# Idempotent; the packages are downloaded once. Exit 3 when QEMU, busybox-static or cpio are
# missing (scripts/setup.sh installs them). The last stdout line is OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

# COCONUT_DET=y: the co-simulation's guest, with the test module (deterministic mode) in
# build/kmod-det and the guest in build/guest-det; else the production module's.
DET=${COCONUT_DET:-n}
if [ "$DET" = y ]; then KMOD=build/kmod-det; DEF_OUT=build/guest-det; else KMOD=build/kmod; DEF_OUT=build/guest; fi
KO=${1:-$KMOD/src/coconut.ko}
OUT=${2:-$DEF_OUT}
log() { echo "guest: $*" >&2; }

for tool in qemu-system-x86_64 cpio; do
  command -v "$tool" >/dev/null || { log "$tool missing (scripts/setup.sh installs it)"; exit 3; }
done
[ -x /bin/busybox ] || { log "busybox-static missing (scripts/setup.sh installs it)"; exit 3; }

# The default module is rebuilt when a kernel-C file is newer (a stale module answers for old code).
if [ -z "${1:-}" ] && { [ ! -f "$KO" ] || [ -n "$(find coconut-kernel -newer "$KO" -type f -print -quit)" ]; }; then
  KO=$(COCONUT_DET="$DET" scripts/build-module.sh "$KMOD" | tail -n 1)
fi
[ -f "$KO" ] || { log "missing $KO"; exit 1; }
vmlinuz=$(scripts/linux-image.sh | tail -n 1)
mkdir -p "$OUT"
cp "$vmlinuz" "$OUT/vmlinuz"
# The initramfs is rebuilt only when one of its inputs is newer (each cosim run calls this).
if [ ! -f "$OUT/initrd.gz" ] || [ "$KO" -nt "$OUT/initrd.gz" ] ||
   [ -n "$(find harness/guest libcoconut coconut-kernel scripts/initramfs.sh -newer "$OUT/initrd.gz" -type f -print -quit)" ]; then
  scripts/initramfs.sh "$KO" "$OUT" >/dev/null
fi
echo "$OUT"
