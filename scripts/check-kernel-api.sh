#!/usr/bin/env bash
# The kernel's API boundary (issue 12, step 5): code outside coconut-kernel/ uses the kernel's
# API (the functions of coconut-kernel/include/coconut/*.h), never its internals, so every
# kernel read the simulator makes is a call the trace, replay and co-simulation can see.
#   1. No file under sim/, harness/ or libcoconut/ includes a kernel-internal header (any .h of
#      coconut-kernel/ outside include/ and the tests: agent_int.h, lsm_int.h, cbor_wire.h, ...).
#   2. No file there reads a field of the kernel instance: `k->`, `k_->`, `kernel_->` or
#      `kernel()->` (the engine's names for a co_kernel *). The exception is sim/kernel_model/,
#      the platform binding (the simulator's side of coconut/platform.h, the sealer and the
#      chain follower, as coconut-kernel/linux/ is the module's).
#   3. Outside sim/engine/, nothing includes the engine's inside (engine_impl.h, agents.h):
#      the CLI, the property tests, the bindings and the report use engine.h.
# Usage: scripts/check-kernel-api.sh [ROOT]  (default: this checkout). Exit 1 on a violation,
# each printed as FILE:LINE: what. Its test (ctest -R kernel_api_boundary) also runs it on
# scripts/tests/kernel-api-violation/, a tree with one violation of each kind, and expects 1.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
here=$(cd "$(dirname "$0")/.." && pwd)

# The internal headers, from this checkout's kernel (the fixture tree has no kernel of its own).
mapfile -t internal < <(find "$here/coconut-kernel" -name '*.h' -not -path '*/include/*' \
	-not -path '*/tests/*' -printf '%f\n' | sort -u)
[ "${#internal[@]}" -gt 0 ] || { echo "check-kernel-api: no kernel headers under $here" >&2; exit 2; }

dirs=()
for d in sim harness libcoconut; do
	[ -d "$root/$d" ] && dirs+=("$root/$d")
done
[ "${#dirs[@]}" -gt 0 ] || { echo "check-kernel-api: nothing to check under $root" >&2; exit 2; }

bad=0
alt=$(printf '%s|' "${internal[@]}" | sed 's/\./\\./g; s/|$//')
while IFS= read -r hit; do
	echo "$hit: includes a kernel-internal header (use coconut/*.h)"
	bad=1
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*[<\"]([^\">]*/)?($alt)[\">]" \
	--include='*.c' --include='*.cc' --include='*.h' "${dirs[@]}" || true)

while IFS= read -r hit; do
	case "$hit" in "$root"/sim/kernel_model/*) continue ;; esac
	echo "$hit: reads a field of the kernel instance (add a query to coconut/kernel.h)"
	bad=1
done < <(grep -rnE "(^|[^A-Za-z0-9_])(k|k_|kernel_|kernel\(\))->[A-Za-z_]" \
	--include='*.c' --include='*.cc' --include='*.h' "${dirs[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)' || true)

# 3. The engine's inside stays inside: outside sim/engine/, code includes engine.h (or the
#    public headers it gathers), never engine_impl.h or agents.h.
while IFS= read -r hit; do
	case "$hit" in "$root"/sim/engine/*) continue ;; esac
	echo "$hit: includes the engine's inside (use engine.h, docs/engine.md)"
	bad=1
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*\"(engine_impl|agents)\.h\"" \
	--include='*.c' --include='*.cc' --include='*.h' "${dirs[@]}" || true)

if [ "$bad" -ne 0 ]; then
	echo "check-kernel-api: the kernel's API boundary is crossed (HACKING.md, 'Add a kernel call')" >&2
	exit 1
fi
echo "check-kernel-api: ok (${#internal[@]} internal headers, ${dirs[*]#$root/})"
