#!/usr/bin/env bash
# Checks that the fork's patches (coconut-kernel/linux/patches/*.patch, in name order) apply
# cleanly, without fuzz, to Debian's linux-source-6.12 of the same version as the module's
# headers. Only the files the patches touch are extracted from the source tarball; the .deb
# and the extracted files are cached in build/linux-source/.
#
#   scripts/check-patches.sh
#
# Exit 0 when every patch applies, 1 when one does not, 3 when the source cannot be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=build/linux-source
PATCHES=(coconut-kernel/linux/patches/*.patch)
log() { echo "check-patches: $*" >&2; }
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# The Debian version of the headers the module builds against (linux-headers.sh's cache), else
# apt's candidate.
ver=$(find build/linux-6.12/debs -name 'linux-headers-*-common_*.deb' 2>/dev/null |
      sed -n 's/.*-common_\(.*\)_all\.deb$/\1/p' | sort -V | tail -n 1)
pkg="linux-source-6.12${ver:+=$ver}"
deb=$(compgen -G "$CACHE/linux-source-6.12_${ver:-*}_all.deb" | tail -n 1 || true)
if [ -z "$deb" ]; then
  log "downloading $pkg"
  sandbox=()
  if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi
  (cd "$CACHE" && apt-get "${sandbox[@]}" -qq download "$pkg" >&2) || { log "cannot download $pkg"; exit 3; }
  deb=$(compgen -G "$CACHE/linux-source-6.12_${ver:-*}_all.deb" | tail -n 1)
fi

# The existing files the patches change (new files come from /dev/null).
mapfile -t files < <(sed -n 's|^--- a/\([^[:space:]]*\).*|\1|p' "${PATCHES[@]}" | sort -u)
key=$( (basename "$deb"; printf '%s\n' "${files[@]}") | sha256sum | cut -c1-16)
pristine="$CACHE/pristine-$key"
if [ ! -e "$pristine/.extracted" ]; then
  log "extracting ${#files[@]} files from $(basename "$deb")"
  rm -rf "$CACHE"/pristine-* "$CACHE/.x.$$"
  mkdir -p "$CACHE/.x.$$"
  dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/src/linux-source-6.12.tar.xz |
    tar -xJf - -C "$CACHE/.x.$$" "${files[@]/#/linux-source-6.12/}"
  mv "$CACHE/.x.$$/linux-source-6.12" "$pristine"
  rm -rf "$CACHE/.x.$$"
  touch "$pristine/.extracted"
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
cp -a "$pristine/." "$tree/"
for p in "${PATCHES[@]}"; do
  # Each patch on top of the ones before it, as the fork applies them.
  if ! out=$(patch -p1 --fuzz=0 --no-backup-if-mismatch -d "$tree" -i "$PWD/$p" 2>&1); then
    echo "$out" >&2
    log "FAILED: $p does not apply to linux-source-6.12 ${ver}"
    exit 1
  fi
  if grep -qi 'offset\|fuzz' <<<"$out"; then echo "$out" >&2; log "FAILED: $p applies only with an offset"; exit 1; fi
done
log "${#PATCHES[@]} patches apply cleanly to linux-source-6.12 ${ver}"
