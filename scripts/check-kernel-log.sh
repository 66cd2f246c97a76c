#!/usr/bin/env bash
# Kernel log lines name the module once (issue 18): the module's pr_fmt puts "coconut: " before
# every pr_*() line, and its platform log op prints the kernel C's messages with pr_*(), so a
# message that starts with "coconut" itself reads "coconut: coconut: ..." in dmesg. Refuses:
#   - a string literal starting with "coconut: " or "coconut audit: " (any "coconut" word and a
#     colon) in the kernel C (kernel/, security/, lib/, tests, benchmarks and fuzzers aside);
#   - a pr_*() format starting so in the module glue (linux/).
#
#   scripts/check-kernel-log.sh [ROOT]     (default: the repository's coconut-kernel/)
# Exit 0 clean, 1 with each offending line printed.
set -uo pipefail
ROOT=${1:-"$(dirname "$0")/../coconut-kernel"}
cd "$ROOT" || exit 2 # paths below are relative to it, so the parts filter sees only its own
bad=0
while IFS= read -r line; do
	echo "check-kernel-log: $line: a log message that names the module again (pr_fmt does)"
	bad=1
done < <(grep -rnE '"coconut( [a-z]+)?: ' --include='*.c' --include='*.h' \
		 kernel security lib 2>/dev/null |
	 grep -vE '/(tests|bench|fuzz|tools)/')
while IFS= read -r line; do
	echo "check-kernel-log: $line: pr_fmt already says coconut:"
	bad=1
done < <(grep -rnE 'pr_(err|warn|info|notice|debug)(_once|_ratelimited)?\("coconut' \
		 --include='*.c' linux 2>/dev/null)
[ $bad -eq 0 ] && echo "check-kernel-log: ok"
exit $bad
