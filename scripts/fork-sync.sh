#!/usr/bin/env bash
# Syncs coconut-kernel/'s kernel C into a patched linux-source-6.12 tree (docs/fork.md): the
# patches (coconut-kernel/linux/patches/) add only the Kbuild wiring, the LSM registration and
# the syscall entry points; the code itself is the same files coconut.ko and the simulator build.
#
#   scripts/fork-sync.sh TREE
#
#   coconut-kernel/include/coconut/*.h       -> include/coconut/
#   coconut-kernel/include/uapi/linux/*.h    -> include/uapi/linux/
#   coconut-kernel/kernel/agent/*.[ch]       -> kernel/agent/
#   coconut-kernel/kernel/audit/coconut/*    -> kernel/audit/coconut/
#   coconut-kernel/kernel/sched/*.[ch]       -> kernel/sched/coconut/
#   coconut-kernel/lib/*.[ch]                -> lib/coconut/
#   coconut-kernel/security/coconut/*.[ch]   -> security/coconut/
#   coconut-kernel/linux/*.[ch]              -> kernel/agent/linux/   (coconut.ko's glue, built in)
#
# Only the top level of each folder (tests/, bench/, fuzz/, tools/ are never kernel code). A file
# whose content is unchanged is left alone (its mtime too, so a rebuild recompiles only what
# changed), and a file synced before but gone from coconut-kernel/ is removed from the tree (the
# Makefiles compile every .c they find). Exit 0, or 1 when TREE is not a patched tree.
set -euo pipefail
cd "$(dirname "$0")/.."

TREE=${1:?usage: scripts/fork-sync.sh TREE}
K=coconut-kernel
log() { echo "fork-sync: $*" >&2; }

# The folders patch 0002 creates: a tree without them is not patched.
for d in kernel/agent/linux kernel/audit/coconut kernel/sched/coconut lib/coconut security/coconut; do
  [ -f "$TREE/$d/Makefile" ] || { log "$TREE/$d/Makefile missing: apply coconut-kernel/linux/patches first"; exit 1; }
done

MAP=(include/coconut:include/coconut include/uapi/linux:include/uapi/linux
     kernel/agent:kernel/agent kernel/audit/coconut:kernel/audit/coconut
     kernel/sched:kernel/sched/coconut lib:lib/coconut security/coconut:security/coconut
     linux:kernel/agent/linux)

manifest="$TREE/.coconut-synced"
new=$(mktemp)
trap 'rm -f "$new"' EXIT
copied=0
for m in "${MAP[@]}"; do
  from=$K/${m%%:*} to=${m##*:}
  mkdir -p "$TREE/$to"
  for f in "$from"/*.[ch]; do
    [ -e "$f" ] || continue
    dest="$to/$(basename "$f")"
    echo "$dest" >>"$new"
    if ! cmp -s "$f" "$TREE/$dest"; then
      cp "$f" "$TREE/$dest"
      copied=$((copied + 1))
    fi
  done
done
removed=0
if [ -f "$manifest" ]; then
  while read -r old; do
    if ! grep -qxF "$old" "$new"; then rm -f "$TREE/$old"; removed=$((removed + 1)); fi
  done <"$manifest"
fi
sort "$new" >"$manifest"
log "$(wc -l <"$manifest") files in $TREE: $copied copied, $removed removed"
