#!/usr/bin/env bash
# The mutation catalogue (mutants/*.patch, docs/testing.md "Planted bugs"): each patch plants one
# plausible bug in the kernel C, the engine or the evaluator, and names the tests that claim to
# guard it. This applies each patch in turn, builds what its tests run, runs them, and takes
# the patch back out. A mutant is killed when at least one of its guards fails; one that
# survives (every guard passes), or that does not apply or build, fails the run.
#
#   scripts/mutants.sh [--fast] [--in-place BUILD_DIR] [NAME...]
#   scripts/mutants.sh --check BUILD_DIR
#
#   --check     build and run nothing: every patch has its header, still applies to this
#               checkout, and names guards BUILD_DIR's CTest has and targets it can build
#   --fast      only the patches marked `subset: fast` (what `bash .ci/run` runs)
#   --in-place  plant into this checkout and build in BUILD_DIR (a configured build tree):
#               for a throw-away checkout such as CI's fresh clone; needs a clean git tree,
#               and takes every patch back out (and rebuilds) however the run ends
#   NAME        only these patches (file names without .patch)
#
# Without --in-place the checkout is copied (its tracked and unignored files, edits included)
# to build/mutants/src, configured there with the default preset and built once; the copy is
# kept for the next run (only changed files rebuild). `ctest --preset nightly` (its test
# `mutants_full`) runs the whole catalogue this way.
#
# Prints one line per mutant (killed by which tests, or SURVIVED) and the kill rate and time.
# Exit 0: every mutant killed; 1: one survived, or did not apply or build; 2: usage.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
fast=0
inplace=""
check=""
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=1 ;;
    --in-place) [ $# -ge 2 ] || { echo "mutants: --in-place needs a build directory" >&2; exit 2; }
                inplace=$2; shift ;;
    --check) [ $# -ge 2 ] || { echo "mutants: --check needs a build directory" >&2; exit 2; }
             check=$2; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "mutants: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done
quiet() { [ "${CI:-}" = true ] || [ ! -t 1 ]; }
# git that stops looking for a repository at this tree: the scratch copy lives inside the
# checkout's build/, where a plain `git apply` would find the checkout's repository and skip
# every path outside the copy's directory (applying nothing, and saying nothing).
gitc() { GIT_CEILING_DIRECTORIES=$(dirname "$ROOT") git "$@"; }

# One field of a patch's header ("field: value" lines before the diff).
field() { sed -n "/^--- /q; s/^$2: *//p" "$1" | head -n 1; }

# The catalogue, chosen by --fast and NAMEs.
patches=()
MUTANTS_DIR=${COCONUT_MUTANTS_DIR:-mutants}
for p in "$MUTANTS_DIR"/*.patch; do
  n=$(basename "$p" .patch)
  if [ ${#names[@]} -gt 0 ]; then
    printf '%s\n' "${names[@]}" | grep -qx "$n" || continue
  fi
  [ "$fast" = 1 ] && [ "$(field "$p" subset)" != fast ] && continue
  for f in planted guards build; do
    [ -n "$(field "$p" "$f")" ] || { echo "mutants: $p has no '$f:' line" >&2; exit 2; }
  done
  patches+=("$p")
done
if [ ${#names[@]} -gt 0 ] && [ ${#patches[@]} -ne ${#names[@]} ]; then
  echo "mutants: some of '${names[*]}' are not in mutants/ (or not in the fast subset)" >&2
  exit 2
fi
[ ${#patches[@]} -gt 0 ] || { echo "mutants: no patch chosen" >&2; exit 2; }

if [ -n "$check" ]; then
  [ -f "$check/build.ninja" ] || { echo "mutants: $check is not a configured build tree" >&2; exit 2; }
  tests=$(ctest --test-dir "$check" -N | sed -n 's/^ *Test *#[0-9]*: //p')
  problems=0
  for p in "${patches[@]}"; do
    n=$(basename "$p" .patch)
    gitc apply --check "$p" 2>/dev/null || { echo "mutants: $n: does not apply (renew the patch)"; problems=$((problems + 1)); }
    for g in $(field "$p" guards); do
      [ "$g" = build ] && continue
      grep -qx "$g" <<<"$tests" || { echo "mutants: $n: no CTest test '$g'"; problems=$((problems + 1)); }
    done
    for t in $(field "$p" build); do
      ninja -C "$check" -t query "$t" >/dev/null 2>&1 || { echo "mutants: $n: no target '$t'"; problems=$((problems + 1)); }
    done
  done
  echo "mutants: ${#patches[@]} patches checked, $problems problems"
  [ "$problems" -eq 0 ]
  exit
fi

if [ -z "$inplace" ]; then
  # A scratch copy of the checkout as it is now (edits included), configured once.
  scratch=build/mutants/src
  mkdir -p "$scratch"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      [ -e "$f" ] || continue # deleted in the working tree
      if ! cmp -s "$f" "$scratch/$f"; then
        mkdir -p "$scratch/$(dirname "$f")"
        cp -p "$f" "$scratch/$f"
      fi
    done
  ( cd "$scratch" && { [ -f build/default/build.ninja ] || cmake --preset default >/dev/null; } )
  echo "mutants: scratch tree $scratch (build $scratch/build/default)"
  args=()
  [ "$fast" = 1 ] && args+=(--fast)
  exec "$scratch/scripts/mutants.sh" "${args[@]}" --in-place build/default \
    "${names[@]+"${names[@]}"}"
fi

BUILD=$inplace
[ -f "$BUILD/build.ninja" ] || { echo "mutants: $BUILD is not a configured build tree" >&2; exit 2; }
if gitc rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  [ -z "$(gitc status --porcelain --untracked-files=no)" ] ||
    { echo "mutants: --in-place needs a clean checkout (git status shows edits)" >&2; exit 2; }
fi

applied=""
all_targets=()
restore() {
  if [ -n "$applied" ]; then
    gitc apply -R "$applied" || echo "mutants: could not take $applied back out: fix the tree by hand" >&2
    applied=""
  fi
}
finish() {
  restore
  # The build tree must hold what the checkout says again, for whatever runs next.
  if [ ${#all_targets[@]} -gt 0 ]; then
    cmake --build "$BUILD" --target "${all_targets[@]}" >/dev/null 2>&1 ||
      { echo "mutants: rebuilding the unmutated targets failed" >&2; exit 1; }
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

start_s=$SECONDS
killed=0
bad=0
log=$(mktemp)

# The baseline: every guard passes on the unmutated build, so a failure below is the mutant's
# (and not a guard that fails anyway, or a test binary that was never built).
base_targets=()
base_guards=()
for p in "${patches[@]}"; do
  read -r -a t <<<"$(field "$p" build)"
  read -r -a g <<<"$(field "$p" guards)"
  base_targets+=("${t[@]}")
  [ "${g[*]}" = build ] || base_guards+=("${g[@]}")
done
all_targets=("${base_targets[@]}")
mapfile -t base_targets < <(printf '%s\n' "${base_targets[@]}" | sort -u)
mapfile -t base_guards < <(printf '%s\n' "${base_guards[@]}" | sort -u)
echo "mutants: baseline: building ${#base_targets[@]} targets, running ${#base_guards[@]} guards unmutated"
if ! cmake --build "$BUILD" --target "${base_targets[@]}" >"$log" 2>&1; then
  echo "mutants: the unmutated tree does not build:"; grep -E "error|FAILED" "$log" | head -n 5
  exit 1
fi
if [ ${#base_guards[@]} -gt 0 ]; then
  regex="^($(IFS='|'; echo "${base_guards[*]}"))\$"
  # Every guard once, here: a name CTest does not have would match nothing and pass.
  listed=$(ctest --test-dir "$BUILD" -N -R "$regex" | sed -n 's/^ *Test *#[0-9]*: //p' | wc -l)
  if [ "$listed" -ne ${#base_guards[@]} ]; then
    echo "mutants: the catalogue names a guard CTest does not have (${base_guards[*]}; found $listed)"
    exit 1
  fi
  if ! ctest --test-dir "$BUILD" -R "$regex" -j2 --timeout 600 >"$log" 2>&1; then
    echo "mutants: a guard fails without any mutant (it cannot tell a mutant from the baseline):"
    sed -n '/tests FAILED/,$p' "$log"
    exit 1
  fi
fi
echo "mutants: baseline passes ($((SECONDS - start_s)) s)"
for p in "${patches[@]}"; do
  n=$(basename "$p" .patch)
  t0=$SECONDS
  read -r -a targets <<<"$(field "$p" build)"
  read -r -a guards <<<"$(field "$p" guards)"
  quiet || echo "mutants: $n: applying, building ${targets[*]}"
  if ! gitc apply "$p" 2>"$log" || ! gitc apply -R --check "$p" 2>>"$log"; then
    echo "mutants: $n: DOES NOT APPLY"; sed 's/^/  /' "$log"; bad=$((bad + 1)); continue
  fi
  applied=$p
  if ! cmake --build "$BUILD" --target "${targets[@]}" >"$log" 2>&1; then
    if [ "${guards[*]}" = build ]; then
      # The guard is the build itself (a check that runs as a build step).
      killed=$((killed + 1)); restore
      echo "mutants: $n: killed by the build ($(grep -m 1 -E "cannot resolve|fuzz-only|error:" "$log" | sed "s/^ *//" | cut -c 1-100)) ($((SECONDS - t0)) s)"
      continue
    fi
    echo "mutants: $n: DOES NOT BUILD"; grep -E "error|FAILED" "$log" | head -n 5 | sed 's/^/  /'
    bad=$((bad + 1)); restore; continue
  fi
  if [ "${guards[*]}" = build ]; then
    echo "mutants: $n: SURVIVED (the build passed) -- $(field "$p" planted)"
    restore; continue
  fi
  regex="^($(IFS='|'; echo "${guards[*]}"))\$"
  ctest --test-dir "$BUILD" -R "$regex" -j2 --timeout 600 >"$log" 2>&1 || true
  failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$log" | tr '\n' ' ')
  restore
  if [ -n "$failed" ]; then
    killed=$((killed + 1))
    echo "mutants: $n: killed by ${failed% } ($((SECONDS - t0)) s)"
  else
    echo "mutants: $n: SURVIVED (${guards[*]} all pass) -- $(field "$p" planted)"
  fi
done
rm -f "$log"
total=${#patches[@]}
echo "mutants: $killed of $total killed ($((100 * killed / total))%), $bad did not apply or build, $((SECONDS - start_s)) s"
[ "$killed" -eq "$total" ]
