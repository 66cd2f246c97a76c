#!/usr/bin/env bash
# Builds the forked kernel (docs/fork.md): Debian's linux-source-6.12 of the module headers'
# version, the patches of coconut-kernel/linux/patches/ applied with `patch --fuzz=0`, the kernel
# C of coconut-kernel/ synced in (scripts/fork-sync.sh), configured, and `make bzImage`.
#
#   scripts/fork-build.sh [OUT_DIR]          (default build/fork)
#
# COCONUT_FORK_CONFIG picks the configuration:
#   tiny    (default) `make tinyconfig` + coconut-kernel/linux/fork/tiny.config: what QEMU needs
#           to boot a busybox initramfs on the serial console, plus the Coconut LSM; minutes.
#   debug   tiny + coconut-kernel/linux/fork/debug.config (KASAN, lockdep, kmemleak), for
#           scripts/fork-debug.sh; build it into its own OUT_DIR (build/fork-debug).
#   debian  Debian's amd64 config (the headers' .config) + SECURITY_COCONUT and "coconut" first
#           in CONFIG_LSM, module signing off; hours on 2 cores, about an hour on 16.
# The source .deb is the one scripts/check-patches.sh caches (build/linux-source/; it runs first,
# so a patch that does not apply cleanly stops here). The tree OUT_DIR/linux-source-6.12 is
# extracted and patched again only when the .deb or a patch changed, so a second run only
# syncs the kernel C and rebuilds what changed. COCONUT_FORK_TIMEOUT bounds make (default
# 14400 s), COCONUT_FORK_JOBS its -j (default nproc). The make output is OUT_DIR/build.log; a
# compiler warning in a Coconut file fails the build (the module build's -Werror, the same
# rule). The last stdout line is the bzImage path. Exit 0 built, 1 failed, 3 tools missing.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-build/fork}
MODE=${COCONUT_FORK_CONFIG:-tiny}
TIMEOUT=${COCONUT_FORK_TIMEOUT:-14400}
JOBS=${COCONUT_FORK_JOBS:-$(nproc)}
FRAGMENT=coconut-kernel/linux/fork/tiny.config
PATCHES=(coconut-kernel/linux/patches/*.patch)
log() { echo "fork-build: $*" >&2; }

case "$MODE" in tiny | debug | debian) ;; *) log "COCONUT_FORK_CONFIG: expected tiny, debug or debian, got '$MODE'"; exit 1 ;; esac
# debug: the tiny configuration plus KASAN, lockdep, kmemleak (scripts/fork-debug.sh).
DEBUG_FRAGMENT=coconut-kernel/linux/fork/debug.config
for tool in make gcc flex bison bc perl xz dpkg-deb patch; do
  command -v "$tool" >/dev/null || { log "$tool missing (apt-get install build-essential flex bison bc)"; exit 3; }
done
# objtool (x86_64) links libelf.
[ -f /usr/include/libelf.h ] || { log "libelf.h missing (apt-get install libelf-dev)"; exit 3; }

start=$(date +%s)
scripts/check-patches.sh || exit $?
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# The .deb check-patches.sh used: the headers' version, else the newest cached.
ver=$(find build/linux-6.12/debs -name 'linux-headers-*-common_*.deb' 2>/dev/null |
      sed -n 's/.*-common_\(.*\)_all\.deb$/\1/p' | sort -V | tail -n 1)
deb=$(compgen -G "build/linux-source/linux-source-6.12_${ver:-*}_all.deb" | sort -V | tail -n 1)
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

tree="$OUT/linux-source-6.12"
stamp=$( (basename "$deb"; cat "${PATCHES[@]}") | sha256sum | cut -c1-16)
if [ "$(cat "$tree/.coconut-patched" 2>/dev/null)" != "$stamp" ]; then
  log "extracting $(basename "$deb") into $tree"
  rm -rf "$tree" "$OUT/.x.$$"
  mkdir -p "$OUT/.x.$$"
  dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/src/linux-source-6.12.tar.xz | tar -xJf - -C "$OUT/.x.$$"
  for p in "${PATCHES[@]}"; do
    patch -p1 --fuzz=0 --no-backup-if-mismatch -s -d "$OUT/.x.$$/linux-source-6.12" -i "$PWD/$p" ||
      { log "FAILED: $p does not apply"; exit 1; }
  done
  mv "$OUT/.x.$$/linux-source-6.12" "$tree"
  rmdir "$OUT/.x.$$"
  echo "$stamp" >"$tree/.coconut-patched"
fi
scripts/fork-sync.sh "$tree"

# The configuration, from scratch each run (Kbuild recompiles only what a changed option touches).
kmake=(make -C "$tree" ARCH=x86_64 KBUILD_BUILD_USER=coconut KBUILD_BUILD_HOST=fork)
blog="$OUT/build.log"
: >"$blog"
if [ "$MODE" = tiny ] || [ "$MODE" = debug ]; then
  fragments=("$PWD/$FRAGMENT")
  if [ "$MODE" = debug ]; then fragments+=("$PWD/$DEBUG_FRAGMENT"); fi
  "${kmake[@]}" tinyconfig >>"$blog" 2>&1
  (cd "$tree" && scripts/kconfig/merge_config.sh -m .config "${fragments[@]}") >>"$blog" 2>&1
else
  headers=$(scripts/linux-headers.sh | tail -n 1)
  cp "$headers/.config" "$tree/.config"
  # Debian's list with coconut first; the signing keys are Debian's, not in the source package.
  "$tree/scripts/config" --file "$tree/.config" -e SECURITY -e SECURITYFS -e SECURITY_COCONUT \
    --set-str LSM "coconut,landlock,lockdown,yama,loadpin,safesetid,integrity,apparmor,selinux,smack,tomoyo,bpf,ipe" \
    -d MODULE_SIG_ALL --set-str MODULE_SIG_KEY "" --set-str SYSTEM_TRUSTED_KEYS "" \
    --set-str SYSTEM_REVOCATION_KEYS "" -d DEBUG_INFO_BTF
fi
"${kmake[@]}" olddefconfig >>"$blog" 2>&1
# Every line of the fragment (or the options the Debian path sets) must have survived.
if [ "$MODE" = tiny ]; then
  want=$(grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT")
elif [ "$MODE" = debug ]; then
  want=$(grep -hE '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT" "$DEBUG_FRAGMENT")
else
  want=$'CONFIG_SECURITY=y\nCONFIG_SECURITYFS=y\nCONFIG_SECURITY_COCONUT=y'
fi
missing=$(grep -vxF -f "$tree/.config" <<<"$want" || true)
if [ -n "$missing" ]; then
  log "FAILED: not in $tree/.config after olddefconfig (a dependency missing?):"
  echo "$missing" >&2
  exit 1
fi

log "make bzImage ($MODE config, -j$JOBS, timeout ${TIMEOUT}s; log $blog)"
make_start=$(date +%s)
set +e
timeout "$TIMEOUT" "${kmake[@]}" -j"$JOBS" bzImage >>"$blog" 2>&1
rc=$?
set -e
secs=$(($(date +%s) - make_start))
coconut_dirs='(kernel/agent|kernel/audit/coconut|kernel/sched/coconut|lib/coconut|security/coconut|include/coconut)/'
if [ "$rc" -ne 0 ]; then
  grep -E 'error|Error' "$blog" | head -n 40 >&2 || true
  if [ "$rc" -eq 124 ]; then log "make timed out after ${TIMEOUT}s"; fi
  log "FAILED (make exit $rc after ${secs}s; log $blog)"
  exit 1
fi
if grep -nE "^[^ ]*${coconut_dirs}[^ ]*: (warning|error):" "$blog" >&2; then
  log "FAILED: the warnings above in Coconut files (log $blog)"
  exit 1
fi
bz="$tree/arch/x86/boot/bzImage"
[ -f "$bz" ] || { log "FAILED: $bz was not produced"; exit 1; }
objs=$(find "$tree/kernel/agent" "$tree/kernel/audit/coconut" "$tree/kernel/sched/coconut" \
            "$tree/lib/coconut" "$tree/security/coconut" -name '*.o' ! -name 'built-in*' | wc -l)
log "bzImage OK: $(du -h "$bz" | cut -f1), $objs Coconut objects; make ${secs}s, total $(($(date +%s) - start))s"
echo "$bz"
