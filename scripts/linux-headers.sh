#!/usr/bin/env bash
# Fetches the Linux 6.12 headers Debian builds its amd64 kernel with, without installing them:
# `apt-get install` of linux-headers-* drags in a kernel image, systemd and udev, so the .debs
# are downloaded (`apt-get download`) and unpacked (`dpkg -x`) into a cache folder instead.
#
#   scripts/linux-headers.sh [CACHE_DIR]     (default build/linux-6.12)
#
# Picks the newest linux-headers-6.12.*+debNN-amd64 apt knows of (COCONUT_LINUX_VERSION=6.12.N+debNN
# pins one), downloads linux-headers-<ver>-amd64, linux-headers-<ver>-common and
# linux-kbuild-<ver>, unpacks them into CACHE_DIR/<ver>/ and points the headers' Makefile at the
# unpacked -common tree. Idempotent: a version already unpacked is reused without a download;
# `apt-get update` runs only when apt cannot find (or fetch) the packages. Progress goes to
# stderr; the last stdout line is the headers build dir, the one for `make -C <dir> M=... modules`.
# Exit 3 when the packages cannot be found or downloaded (the caller's "kernel packages missing").
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${1:-build/linux-6.12}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

log() { echo "linux-headers: $*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Newest 6.12 amd64 headers version known to apt, e.g. 6.12.117+deb12; empty if none.
newest_known() {
  apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' 2>/dev/null |
    sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb[0-9]*\)-amd64 .*/\1/p' | sort -V | tail -n 1
}

# Newest version already unpacked in the cache; empty if none.
newest_unpacked() {
  local d
  for d in "$CACHE"/6.12.*/.unpacked; do
    if [ -e "$d" ]; then basename "$(dirname "$d")"; fi
  done | sort -V | tail -n 1
}

headers_dir() { echo "$CACHE/$1/usr/src/linux-headers-$1-amd64"; }

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >&2
    apt_updated=1
  fi
}

# Downloads the three .debs of version $1 into CACHE/debs; returns non-zero if apt cannot.
download() {
  local ver=$1 debs="$CACHE/debs" pkgs=() p
  mkdir -p "$debs"
  for p in "linux-headers-$ver-amd64" "linux-headers-$ver-common" "linux-kbuild-$ver"; do
    compgen -G "$debs/${p}_*.deb" >/dev/null || pkgs+=("$p")
  done
  [ ${#pkgs[@]} -eq 0 ] && return 0
  log "downloading ${pkgs[*]}"
  # As root apt drops to the _apt user, which may not write here; as a user it never drops.
  local sandbox=()
  if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi
  (cd "$debs" && apt-get "${sandbox[@]}" -qq download "${pkgs[@]}" >&2)
}

# Unpacks version $1 into CACHE/<ver> (atomically: a half-unpacked tree is never used).
unpack() {
  local ver=$1 dest="$CACHE/$1" tmp="$CACHE/.unpack.$$" deb mk
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for deb in "$CACHE/debs/linux-headers-${ver}-amd64_"*.deb "$CACHE/debs/linux-headers-${ver}-common_"*.deb \
             "$CACHE/debs/linux-kbuild-${ver}_"*.deb; do
    dpkg -x "$deb" "$tmp"
  done
  # The per-flavour Makefile is one line: `include /usr/src/linux-headers-<ver>-common/Makefile`.
  # The scripts/ and tools/ symlinks are relative, so they already resolve inside the cache.
  mk="$tmp/usr/src/linux-headers-$ver-amd64/Makefile"
  grep -q "/usr/src/linux-headers-$ver-common" "$mk" || { log "unexpected $mk"; cat "$mk" >&2; exit 1; }
  sed -i "s|/usr/src/linux-headers-$ver-common|$dest/usr/src/linux-headers-$ver-common|g" "$mk"
  if grep -rIl --include=Makefile '^include /usr/src/' "$tmp/usr/src" >&2; then
    log "absolute /usr/src include left in the files above"
    exit 1
  fi
  touch "$tmp/.unpacked"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

ver=${COCONUT_LINUX_VERSION:-$(newest_known)}
if [ -z "$ver" ]; then
  ver=$(newest_unpacked)
  if [ -z "$ver" ]; then
    apt_update
    ver=$(newest_known)
  fi
fi
if [ -z "$ver" ]; then
  log "apt knows no linux-headers-6.12.*-amd64 (is bookworm-security in the apt sources?)"
  exit 3
fi

if [ ! -e "$CACHE/$ver/.unpacked" ]; then
  start=$(date +%s)
  if ! download "$ver"; then
    # Stale package lists: the archive has moved on (debian-security keeps only the latest).
    apt_update
    if [ -z "${COCONUT_LINUX_VERSION:-}" ]; then ver=$(newest_known); fi
    [ -n "$ver" ] || { log "no linux-headers-6.12.*-amd64 after apt-get update"; exit 3; }
    download "$ver" || { log "cannot download the $ver packages (no network or apt source?)"; exit 3; }
  fi
  unpack "$ver"
  log "unpacked $ver in $(($(date +%s) - start)) s"
  # Older versions are no longer needed.
  for old in "$CACHE"/6.12.*; do
    if [ -d "$old" ] && [ "$(basename "$old")" != "$ver" ]; then rm -rf "$old"; fi
  done
  find "$CACHE/debs" -name '*.deb' ! -name "*${ver}*" -delete
fi

dir=$(headers_dir "$ver")
[ -f "$dir/Makefile" ] || { log "missing $dir/Makefile"; exit 1; }
log "using $ver"
echo "$dir"
