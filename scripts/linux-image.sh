#!/usr/bin/env bash
# Fetches Debian's Linux 6.12 kernel image, the same version as the headers the module builds
# against (scripts/linux-headers.sh), without installing it: `apt-get download` and `dpkg -x`
# into the headers' cache folder, for booting coconut.ko under QEMU (scripts/qemu-boot.sh).
#
#   scripts/linux-image.sh [CACHE_DIR]       (default build/linux-6.12)
#
# Idempotent: an image already unpacked is reused without a download. Exit 3 when the package
# cannot be downloaded. Progress goes to stderr;
# the last stdout line is the vmlinuz path.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${1:-build/linux-6.12}
log() { echo "linux-image: $*" >&2; }

headers=$(scripts/linux-headers.sh "$CACHE" | tail -n 1)
CACHE=$(cd "$CACHE" && pwd)
# .../usr/src/linux-headers-<ver>-amd64 names the version.
ver=$(basename "$headers" | sed -n 's/^linux-headers-\(.*\)-amd64$/\1/p')
[ -n "$ver" ] || { log "cannot tell the version from $headers"; exit 1; }

dest="$CACHE/$ver-image"
vmlinuz="$dest/boot/vmlinuz-$ver-amd64"
if [ ! -e "$dest/.unpacked" ]; then
  pkg="linux-image-$ver-amd64"
  mkdir -p "$CACHE/debs"
  if ! compgen -G "$CACHE/debs/${pkg}_*.deb" >/dev/null; then
    log "downloading $pkg"
    sandbox=()
    if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi
    (cd "$CACHE/debs" && apt-get "${sandbox[@]}" -qq download "$pkg" >&2) ||
      { log "cannot download $pkg (no network or apt source?)"; exit 3; }
  fi
  tmp="$CACHE/.image.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Only the kernel is needed: the module loads into it, nothing else from /lib/modules.
  dpkg-deb --fsys-tarfile "$CACHE/debs/${pkg}_"*.deb | tar -C "$tmp" -xf - "./boot/vmlinuz-$ver-amd64"
  touch "$tmp/.unpacked"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "unpacked $pkg"
fi
[ -f "$vmlinuz" ] || { log "missing $vmlinuz"; exit 1; }
echo "$vmlinuz"
