#!/usr/bin/env bash
# Builds coconut-kernel/ as a real Linux 6.12 out-of-tree module (coconut.ko) with Kbuild,
# against Debian's amd64 headers (scripts/linux-headers.sh fetches them), so a file that only
# builds in userspace fails the day it is written.
#
#   scripts/build-module.sh [BUILD_DIR]      (default build/kmod)
#
# COCONUT_DET=y builds the test module with the deterministic mode the co-simulation needs
# (scripts/cosim.sh builds it into build/kmod-det); the default is the production module,
# which has neither the det ioctls nor the det_clock=, cpus= and boot_id= parameters.
#
# Kbuild writes objects next to the sources, so the sources are staged into BUILD_DIR/src (a fresh
# copy each run) and built there; coconut-kernel/ is never written. The object list is globbed by
# coconut-kernel/linux/Kbuild. Any compiler, objtool or modpost warning fails the build. The
# headers cache is COCONUT_LINUX_CACHE (default build/linux-6.12); COCONUT_KMOD_TIMEOUT bounds the
# make run (default 300 s). The last stdout line is the path of coconut.ko.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-build/kmod}
TIMEOUT=${COCONUT_KMOD_TIMEOUT:-300}

for tool in make gcc-12 pahole modinfo; do
  command -v "$tool" >/dev/null || { echo "build-module: $tool missing (run scripts/setup.sh)" >&2; exit 1; }
done

headers=$(scripts/linux-headers.sh "${COCONUT_LINUX_CACHE:-build/linux-6.12}" | tail -n 1)

mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
stage="$BUILD/src"
log="$BUILD/build.log"

# Stage: the kernel-C trees minus tests/, bench/, fuzz/, tools/ (never kernel code), and the
# Kbuild file at the staged root so objects are named relative to it (lib/blake3.o, ...).
rm -rf "$stage"
mkdir -p "$stage"
dirs=()
for d in include lib kernel security linux; do
  if [ -d "coconut-kernel/$d" ]; then dirs+=("$d"); fi
done
tar -C coconut-kernel --exclude=tests --exclude=bench --exclude=fuzz --exclude=tools \
    -cf - "${dirs[@]}" | tar -C "$stage" -xf -
cp coconut-kernel/linux/Kbuild "$stage/Kbuild"

echo "build-module: make -C $headers M=$stage modules" >&2
start=$(date +%s)
set +e
# -k: report every file that fails, not only the first.
DET=${COCONUT_DET:-n}
case "$DET" in y|n) ;; *) echo "build-module: COCONUT_DET must be y or n, not '$DET'" >&2; exit 2 ;; esac
timeout "$TIMEOUT" make -k -C "$headers" M="$stage" -j"$(nproc)" COCONUT_DET="$DET" modules >"$log" 2>&1
rc=$?
set -e
cat "$log" >&2
if [ "$rc" -ne 0 ]; then
  if [ "$rc" -eq 124 ]; then echo "build-module: make timed out after ${TIMEOUT}s" >&2; fi
  echo "build-module: FAILED (make exit $rc); staged sources in $stage" >&2
  exit 1
fi
# -Werror covers the compiler; objtool, modpost and the BTF step only warn, so look for them.
if grep -nE '(warning|WARNING|error|ERROR)[: ]|Skipping BTF' "$log" >&2; then
  echo "build-module: FAILED: the warnings above (full log: $log)" >&2
  exit 1
fi

ko="$stage/coconut.ko"
[ -f "$ko" ] || { echo "build-module: FAILED: $ko was not produced" >&2; exit 1; }
license=$(modinfo -F license "$ko")
vermagic=$(modinfo -F vermagic "$ko")
if [ "$license" != "GPL" ]; then
  echo "build-module: FAILED: modinfo license is '$license', expected GPL" >&2
  exit 1
fi
# The deterministic mode is in a test build and nowhere else (its parameters say which).
params=$(modinfo -F parm "$ko")
if [ "$DET" = y ] && ! grep -q '^det_clock:' <<<"$params"; then
  echo "build-module: FAILED: COCONUT_DET=y but no det_clock parameter" >&2
  exit 1
fi
if [ "$DET" = n ] && grep -qE '^(det_clock|cpus|boot_id):' <<<"$params"; then
  echo "build-module: FAILED: a production build has a test-only parameter" >&2
  exit 1
fi
# Fuzz-only code (co_fuzz_*, CO_FUZZ_MARKED_SIGNATURES: forgeable signatures) is never in it;
# the source refuses the definition under __KERNEL__ as well.
if ! scripts/check-fuzz-only-symbols.sh "$ko" >&2; then
  echo "build-module: FAILED: coconut.ko holds fuzz-only code" >&2
  exit 1
fi
objs=$(grep -c '\.o$' "$stage/coconut.mod" || true)
kind=production; [ "$DET" = y ] && kind="test (deterministic mode)"
echo "build-module: coconut.ko OK in $(($(date +%s) - start)) s: $kind, $objs objects, license $license, vermagic $vermagic" >&2
echo "$ko"
