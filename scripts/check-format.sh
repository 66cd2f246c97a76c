#!/usr/bin/env bash
# The simulator's layout (.clang-format): every C and C++ file under sim/, harness/ and
# pybindings/ is as clang-format 14 writes it (coconut-kernel/ and libcoconut/ keep the kernel's layout by hand
# and opt out). Exit 1 naming the files that are not; reformat with
#   clang-format-14 -i FILE...
# Usage: scripts/check-format.sh [FILE...]   (default: every such file of this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
CF=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$CF" ] || { echo "check-format: clang-format-14 missing (scripts/setup.sh installs it)" >&2; exit 2; }
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(find sim harness pybindings \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) \
		-not -path '*/corpus/*' | sort)
fi
bad=0
for f in "${files[@]}"; do
	if ! "$CF" --style=file:.clang-format "$f" | cmp -s - "$f"; then
		echo "$f: not as clang-format writes it"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || { echo "check-format: reformat with $CF -i FILE" >&2; exit 1; }
echo "check-format: ok (${#files[@]} files)"
