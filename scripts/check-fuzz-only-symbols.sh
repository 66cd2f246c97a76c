#!/usr/bin/env bash
# Fuzz-only code never ships. A fuzz build may compile code that must never reach coconut.ko or
# the simulator: CO_FUZZ_MARKED_SIGNATURES makes co_ed25519_verify accept signatures anyone can
# forge (coconut/ed25519.h). Such code is named co_fuzz_*; this fails if any FILE (an object,
# archive, executable, shared object or .ko) defines a symbol of that name.
#
#   scripts/check-fuzz-only-symbols.sh FILE...
#
# Run by CTest on libcoconut_kernel.a and the simulator's binaries (its twin plants one), by
# scripts/build-module.sh on coconut.ko; cmake/CheckKernelSymbols.cmake checks the kernel-flags
# objects the same way. Exit 0: none; 1: one or more, each printed; 2: bad usage or an
# unreadable file.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
found=0
for f in "$@"; do
  if ! syms=$(nm -A --defined-only "$f" 2>&1); then
    echo "check-fuzz-only-symbols: nm cannot read $f: $syms" >&2
    exit 2
  fi
  hits=$(grep -E ' co_fuzz_[A-Za-z0-9_]*$' <<<"$syms" || true)
  if [ -n "$hits" ]; then
    sed 's/^/check-fuzz-only-symbols: fuzz-only symbol in a shipped build: /' <<<"$hits"
    found=1
  fi
done
if [ "$found" -ne 0 ]; then
  echo "check-fuzz-only-symbols: FAILED: co_fuzz_* code (CO_FUZZ_MARKED_SIGNATURES?) is fuzz-build only"
  exit 1
fi
echo "check-fuzz-only-symbols: no co_fuzz_* symbol in $# file(s)"
