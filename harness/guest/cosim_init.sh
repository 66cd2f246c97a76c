#!/bin/busybox sh
# The co-simulation mode of the QEMU guest (docs/cosim.md): /init (harness/guest/init.sh) runs
# this when the kernel command line has coconut.cosim=1. The host (coconut-sim cosim) talks to
# /guest/cosim_replay over the virtio-serial port named coconut.cosim: it sends the insmod
# parameters and the trace's records, the guest loads coconut.ko in deterministic mode, answers
# each record, unloads and checks the kernel log. Then the guest powers off; a failure before
# the port is open shows on the console as "coconut-guest: FAIL: <why>".
step() { echo "coconut-guest: $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() {
  echo "coconut-guest: FAIL: $*"
  [ -n "$PORT" ] && [ -c "$PORT" ] && echo "done FAIL $*" >"$PORT"
  dmesg | tail -n 40
  poweroff -f
}

# The port's device node is /dev/vportNpM; its name is in sysfs. Wait up to 5 s for it.
PORT=
for _ in $(seq 50); do
  for p in /sys/class/virtio-ports/*; do
    [ -f "$p/name" ] && [ "$(cat "$p/name")" = coconut.cosim ] && PORT=/dev/$(basename "$p")
  done
  [ -n "$PORT" ] && [ -c "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] && [ -c "$PORT" ] || fail "no virtio-serial port named coconut.cosim"
step "port $PORT"
/guest/cosim_replay "$PORT" /guest/coconut.ko || fail "cosim_replay exit $?"
step "done"
poweroff -f
