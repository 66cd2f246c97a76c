#!/bin/busybox sh
# The co-simulation mode of the QEMU guest (docs/cosim.md): /init (harness/guest/init.sh) runs
# this when the kernel command line has coconut.cosim=1. Loads coconut.ko in deterministic mode
# with the trace header's parameters (/guest/cosim.params, written by coconut-cosim-convert),
# replays /guest/cosim.trace with /guest/cosim_replay, checks the kernel log, unloads and powers
# off. The host (scripts/cosim.sh) reads the serial console: "cosim: parity ..." or the first
# divergence, then "coconut-guest: PASS" or "coconut-guest: FAIL: <why>".
BAD='BUG|Oops|WARNING|leak|Call Trace|general protection|refcount_t|list_add corruption'

step() { echo "coconut-guest: $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() {
  echo "coconut-guest: FAIL: $*"
  dmesg | tail -n 40
  poweroff -f
}

[ -f /guest/cosim.params ] && [ -f /guest/cosim.trace ] || fail "no /guest/cosim.params or cosim.trace"
# shellcheck disable=SC2046 # the parameters are one word each (coconut-cosim-convert checks)
insmod /guest/coconut.ko $(cat /guest/cosim.params) || fail "insmod (det_clock=1)"
[ -c /dev/coconut ] || fail "no /dev/coconut"
step "loaded in deterministic mode"
/guest/cosim_replay /guest/cosim.trace || fail "cosim replay"
step "replayed"
if dmesg | grep -E "$BAD"; then fail "kernel log after the replay"; fi
rmmod coconut || fail "rmmod"
if dmesg | grep -E "$BAD"; then fail "kernel log after unload"; fi
echo "coconut-guest: PASS"
poweroff -f
