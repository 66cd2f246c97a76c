#!/usr/bin/env bash
# The engine's cost against the number of tenants at constant load (issue 12): the platform
# scenario (scenarios/tools/gen_platform_200.py) with 25, 50, 100 and 200 tenants splitting the
# same trace, each run by sim_speed; prints wall seconds, SystemC activations and the cost per
# activation for each, and the 200-tenant run's cost over the 25-tenant run's (the issue's bound:
# <= 1.5). Timing: run it on a quiet machine; it is a benchmark, not a test.
#
#   harness/bench/tenant_curve.sh [SIM_SPEED] [--until D] [--runs N]
#       (default build/default/harness/bench/sim_speed, the scenario's 300 s, 1 run each: the
#       best of N runs is reported)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIM=build/default/harness/bench/sim_speed
UNTIL=()
RUNS=1
while [ $# -gt 0 ]; do
	case "$1" in
	--until) UNTIL=(--until "$2"); shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	*) SIM=$1; shift ;;
	esac
done
[ -x "$SIM" ] || { echo "tenant_curve: $SIM is not built" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%8s %9s %12s %14s\n' tenants wall_s activations us_per_activation
declare -A cost wall
for n in 25 50 100 200; do
	/usr/bin/python3 scenarios/tools/gen_platform_200.py --tenants "$n" --out "$dir/p$n.yaml"
	best=""
	for _ in $(seq "$RUNS"); do
		line=$("$SIM" "$dir/p$n.yaml" "${UNTIL[@]}" 2>/dev/null | tail -1)
		wall=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall_s"])' "$line")
		if [ -z "$best" ] || /usr/bin/python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then
			best=$wall
			ev=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["events"])' "$line")
		fi
	done
	us=$(/usr/bin/python3 -c "print(f'{$best * 1e6 / $ev:.2f}')")
	cost[$n]=$us
	wall[$n]=$best
	printf '%8d %9.2f %12d %14s\n' "$n" "$best" "$ev" "$us"
done
/usr/bin/python3 -c "print(f'200 tenants / 25 tenants: {${wall[200]} / ${wall[25]}:.2f}x the wall time, {${cost[200]} / ${cost[25]}:.2f}x per activation (bound 1.5)')"
