#!/bin/sh
# Ctrl-C during `coconut-sim run` (issue 16 item 5): the run stops at its next piece, says where,
# writes what it has (result.json marked "interrupted") and exits 130; a second Ctrl-C would end
# it at once (SA_RESETHAND). The run is a 100-hour cut of a 60 s scenario, so it is still
# running when the signal comes; a non-interactive shell starts it with SIGINT ignored, which
# the run's own handler replaces.
#   sigint_partial.sh COCONUT_SIM SCENARIO WORK_DIR
set -u
sim=$1 scn=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
"$sim" run "$scn" --until 100h --no-determinism-rerun --out "$work/out" >"$work/stdout" 2>"$work/stderr" &
pid=$!
# Until the run catches SIGINT (bit 2 of SigCgt in /proc/PID/status), so a slow start (a
# sanitizer build, a busy runner) does not meet the signal while it is still ignored.
tries=0
while [ $tries -lt 200 ]; do
  cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
  [ -n "$cgt" ] && [ $(( 0x$cgt & 2 )) -ne 0 ] && break
  sleep 0.1
  tries=$((tries + 1))
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
fail=0
[ "$rc" = 130 ] || { echo "FAIL: exit $rc, want 130"; fail=1; }
grep -q "^interrupted at " "$work/stderr" || { echo "FAIL: no 'interrupted at' on stderr"; fail=1; }
grep -q "^fingerprint: [0-9a-f]\{64\}$" "$work/stdout" || { echo "FAIL: no fingerprint"; fail=1; }
/usr/bin/python3 - "$work/out/result.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
assert r.get("interrupted") is True, "result.json not marked interrupted"
assert 0 < r["simulated_ns"] < 100 * 3600 * 10**9, r["simulated_ns"]
print("result.json: interrupted at", r["simulated_ns"] / 1e9, "s simulated")
PY
cat "$work/stderr" | head -3
[ "$fail" = 0 ] && echo "sigint: partial results written, exit 130"
exit $fail
