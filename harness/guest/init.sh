#!/bin/busybox sh
# /init of the QEMU guest (scripts/initramfs.sh packs it): loads coconut.ko, drives it with
# /guest/coconut_guest (scripted calls, agentfs, offline chain verify, the ioctl fuzzer), checks
# the kernel log, unloads, reloads, drives it again, unloads, and powers off. The host reads
# the serial console: the last word is "coconut-guest: PASS" or "coconut-guest: FAIL: <why>".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1
# The co-simulation mode (scripts/cosim.sh) replays a trace instead of the checks below.
if grep -q 'coconut.cosim=1' /proc/cmdline; then exec /bin/sh /guest/cosim_init.sh; fi

FUZZ_CALLS=$(sed -n 's/.*coconut.fuzz_calls=\([0-9]*\).*/\1/p' /proc/cmdline)
FUZZ_CALLS=${FUZZ_CALLS:-20000}
AUTH=$(cat /guest/authorizer.hex)
BAD='BUG|Oops|WARNING|leak|Call Trace|general protection|refcount_t|list_add corruption'

step() { echo "coconut-guest: $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() {
  echo "coconut-guest: FAIL: $*"
  dmesg | tail -n 60
  poweroff -f
}
dmesg_clean() {
  if dmesg | grep -E "$BAD"; then fail "kernel log after $1"; fi
}
load() {
  # A query window (log_events) that holds the whole run, so the offline verify stays rooted
  # at the chain's first event after the table-full check's thousand spawns.
  insmod /guest/coconut.ko "authorizers=$AUTH" log_events=32768 || fail "insmod ($1)"
  [ -c /dev/coconut ] || fail "no /dev/coconut ($1)"
  mkdir -p /agent
  mount -t agentfs agentfs /agent || fail "mount agentfs ($1)"
}
unload() {
  umount /agent || fail "umount agentfs ($1)"
  rmmod coconut || fail "rmmod ($1)"
  [ -e /dev/coconut ] && fail "/dev/coconut still there after rmmod ($1)"
  grep -q agentfs /proc/filesystems && fail "agentfs still registered after rmmod ($1)"
  dmesg | grep -q 'coconut: unloaded' || fail "no unload message ($1)"
  dmesg_clean "unload ($1)"
}

step "booted $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
# Bad module parameters: refused at load, nothing left behind (no node, no leak in the log).
for bad in authorizers=zz tenant_tier_percent=101 tenant_agents_max=5000 tenant_extents_max=2000; do
  insmod /guest/coconut.ko "$bad" 2>/dev/null && fail "insmod accepted $bad"
  [ -e /dev/coconut ] && fail "/dev/coconut after the refused insmod $bad"
done
dmesg_clean "refused loads"
step "bad parameters refused"
load first
step "loaded"
# A production build: no test-only parameters (the det ioctls answer ENOTTY: coconut_guest).
for p in det_clock cpus boot_id; do
  [ -e "/sys/module/coconut/parameters/$p" ] && fail "test-only parameter $p in a production module"
done
cat /agent/live/1/status || fail "cat /agent/live/1/status"
/guest/coconut_guest scenario /guest || fail "scenario (first load)"
step "scenario passed"
# rmmod while calls run: the fuzzer's threads hold /dev/coconut open and agentfs is mounted,
# so every attempt is refused and the calls go on (the kernel log stays clean).
/guest/coconut_guest fuzz 1 "$FUZZ_CALLS" /guest &
FUZZ_PID=$!
RMMODS=0
while kill -0 "$FUZZ_PID" 2>/dev/null; do
  rmmod coconut 2>/dev/null && fail "rmmod succeeded while calls ran"
  RMMODS=$((RMMODS + 1))
done
wait "$FUZZ_PID" || fail "fuzzer"
[ "$RMMODS" -gt 0 ] || fail "no rmmod attempt while the fuzzer ran"
step "fuzzer passed ($RMMODS rmmod attempts refused while it ran)"
dmesg_clean "fuzzer"
# What pins the module: an open agentfs file keeps the mount, an open /dev/coconut the module.
exec 4</agent/live/1/status
umount /agent 2>/dev/null && fail "umount with an agentfs file open"
exec 4<&-
umount /agent || fail "umount agentfs (pin check)"
exec 3<>/dev/coconut
rmmod coconut 2>/dev/null && fail "rmmod with /dev/coconut open"
exec 3>&-
mount -t agentfs agentfs /agent || fail "mount agentfs again"
step "open files pin the mount and the module"
unload first
step "unloaded"
dmesg -C
load second
step "reloaded"
/guest/coconut_guest scenario /guest >/tmp/second.log || { cat /tmp/second.log; fail "scenario (reload)"; }
grep -c ' ok$' /tmp/second.log | sed 's/^/coconut-guest: reload scenario checks ok: /'
/guest/coconut_guest check >/dev/null || fail "check (reload)"
unload second
step "unloaded again"
# Audit-window eviction and the export (finding 7): a 64-event window, 16-slot rings.
insmod /guest/coconut.ko "authorizers=$AUTH" log_events=64 ring_slots=16 || fail "insmod (window)"
/guest/coconut_guest export >/tmp/export.log || { cat /tmp/export.log; fail "export"; }
grep -E '^export (on|off):' /tmp/export.log | sed 's/^/coconut-guest: /'
rmmod coconut || fail "rmmod (window)"
dmesg_clean "export"
step "a flood evicts the window; the export holds it"
echo "coconut-guest: PASS"
poweroff -f
