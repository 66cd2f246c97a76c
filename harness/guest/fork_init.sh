#!/bin/busybox sh
# /init of the forked kernel's guest (scripts/fork-boot.sh; docs/fork.md): Coconut is built in,
# so nothing is loaded. Checks the LSM is listed, the built-in instance came up with the command
# line's parameters, agentfs, then runs /guest/coconut_guest in its syscall mode (syscalls
# 472-480 through libcoconut's syscall backend, as root and as nobody), checks the kernel log
# and reboots (QEMU runs with -no-reboot, so that ends it: there is no ACPI to power off with).
# The last word on the serial console is "coconut-guest: PASS" or "coconut-guest: FAIL: <why>".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security
dmesg -n 1
BAD='BUG|Oops|WARNING|leak|Call Trace|general protection|refcount_t|list_add corruption'

step() { echo "coconut-guest: $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() {
  echo "coconut-guest: FAIL: $*"
  dmesg | tail -n 60
  reboot -f
}

step "booted $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
# fork-boot.sh's second boot gives a parameter that stops the built-in instance: the agent
# syscalls must answer ENODEV, and nothing may reach the kernel C without an instance.
if grep -q 'coconut_guest.down=1' /proc/cmdline; then
  dmesg | grep -q 'coconut: loaded' && fail "the instance came up despite the bad parameter"
  /guest/coconut_guest down || fail "syscalls with the instance down"
  if dmesg | grep -E "$BAD"; then fail "kernel log (instance down)"; fi
  echo "coconut-guest: PASS"
  reboot -f
fi
LSMS=$(cat /sys/kernel/security/lsm)
echo "info lsm $LSMS"
case ",$LSMS," in *,coconut,*) ;; *) fail "coconut not in /sys/kernel/security/lsm ($LSMS)" ;; esac
dmesg | grep -q 'coconut: LSM initialised' || fail "no LSM init message"
dmesg | grep 'coconut: loaded' || fail "the built-in instance did not come up"
dmesg | grep -q '1 authorizers' || fail "coconut.authorizers= not taken"
[ -c /dev/coconut ] || fail "no /dev/coconut"
grep -q agentfs /proc/filesystems || fail "agentfs not registered"
mkdir -p /agent
mount -t agentfs agentfs /agent || fail "mount agentfs"
sed "s/^/agentfs /" /agent/live/1/status || fail "cat /agent/live/1/status"
grep -q '^name: root' /agent/live/1/status || fail "/agent/live/1/status is not root's"
step "checks before the calls passed"
# scripts/fork-debug.sh: the debug kernel (KASAN, lockdep, kmemleak). The scripted calls and
# the fuzzer through /dev/coconut, then a kmemleak scan; any report of the checkers fails.
if grep -q 'coconut_guest.debug=1' /proc/cmdline; then
  # The checkers' reports, not their start-up lines ("Kernel memory leak detector initialized",
  # "RCU lockdep checking is enabled"): KASAN's are BUGs, lockdep's WARNINGs.
  DEBUG_BAD='BUG|Oops|WARNING|coconut: leak|Call Trace|general protection|refcount_t|list_add corruption|suspected memory leak|unreferenced object|lockdep is turned off|possible circular|inconsistent lock|suspicious RCU' 
  mkdir -p /sys/kernel/debug
  mount -t debugfs debugfs /sys/kernel/debug || fail "mount debugfs"
  # The checkers are running, or a pass would mean nothing.
  dmesg | grep -q 'KernelAddressSanitizer initialized' || fail "KASAN is not running"
  [ -e /proc/lockdep ] || fail "lockdep is not running"
  [ -e /sys/kernel/debug/kmemleak ] || fail "kmemleak is not running"
  step "KASAN, lockdep and kmemleak running"
  /guest/coconut_guest scenario /guest || fail "scenario (debug kernel)"
  step "scenario passed under the checkers"
  FUZZ_CALLS=$(sed -n 's/.*coconut.fuzz_calls=\([0-9]*\).*/\1/p' /proc/cmdline)
  /guest/coconut_guest fuzz 1 "${FUZZ_CALLS:-20000}" /guest || fail "fuzzer (debug kernel)"
  step "fuzzer passed under the checkers"
  echo scan >/sys/kernel/debug/kmemleak
  sleep 1
  echo scan >/sys/kernel/debug/kmemleak
  if grep -q . /sys/kernel/debug/kmemleak; then cat /sys/kernel/debug/kmemleak; fail "kmemleak"; fi
  if dmesg | grep -E "$DEBUG_BAD"; then fail "kernel log (debug kernel)"; fi
  echo "coconut-guest: PASS"
  reboot -f
fi
/guest/coconut_guest syscalls /guest || fail "syscalls"
step "syscalls passed"
if dmesg | grep -E "$BAD"; then fail "kernel log"; fi
echo "coconut-guest: PASS"
reboot -f
